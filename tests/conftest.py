"""Fixtures shared by every test: a migrated database per backend, settings, content."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.content.catalogue import Catalogue, load_catalogue
from bot.db import Database, async_url

POSTGRES_ENV = "TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


async def _reset_postgres(url: str) -> None:
    """An empty public schema, so that migrations start from nothing."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def _postgres_reachable(url: str) -> str | None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    finally:
        await engine.dispose()
    return None


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database address: a fresh SQLite file, or the reset PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = postgres_url()
    if url is None:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (for example "
            "postgresql://postgres@127.0.0.1:5432/test); .ci/run sets it"
        )
    problem = await _postgres_reachable(url)
    if problem is not None:
        pytest.skip(f"PostgreSQL at {make_url(url).render_as_string()} is not reachable: {problem}")
    await _reset_postgres(url)
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend."""
    db = Database(database_url)
    await db.migrate()
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()
