"""The SQLite file the bot keeps without PostgreSQL: write-ahead log, foreign keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db import Database
from tests.factories import make_learner


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    await database.migrate()
    return database


async def test_sqlite_file_is_in_wal_mode_with_foreign_keys(
    sqlite_database: Database, tmp_path: Path
) -> None:
    try:
        async with sqlite_database.engine.connect() as connection:
            foreign_keys = (await connection.execute(sa.text("PRAGMA foreign_keys"))).scalar()
            synchronous = (await connection.execute(sa.text("PRAGMA synchronous"))).scalar()
    finally:
        await sqlite_database.dispose()
    assert foreign_keys == 1
    assert synchronous == 2  # FULL: a commit is on disk before it returns
    with sqlite3.connect(tmp_path / "bot.sqlite3") as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_long_read_does_not_hold_up_the_bots_writes(
    sqlite_database: Database, tmp_path: Path
) -> None:
    """A report or backup reading the file while the bot goes on (with a rollback journal,
    the commit would wait for the reader, up to the busy timeout, and then fail)."""
    reader = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM learner").fetchone() == (0,)
        async with sqlite_database.session() as db:
            await make_learner(db, telegram_id=42)
        # The reader still sees the file as its transaction found it; the write is kept.
        assert reader.execute("SELECT count(*) FROM learner").fetchone() == (0,)
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM learner").fetchone() == (1,)
    finally:
        reader.close()
        await sqlite_database.dispose()


# -- PostgreSQL: pooled connections the server closed --------------------------------------------


@pytest.fixture
def postgres() -> str:
    from tests.conftest import postgres_url

    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    return url


async def backend_pid(database: Database) -> int:
    async with database.session() as db:
        pid = (await db.exec(sa.text("SELECT pg_backend_pid()"))).scalar_one()  # type: ignore[call-overload]
    assert isinstance(pid, int)
    return pid


async def close_from_the_server(url: str, pid: int) -> None:
    """What a server restart or an idle timeout does to a pooled connection."""
    other = Database(url)
    try:
        async with other.session() as db:
            await db.exec(sa.text("SELECT pg_terminate_backend(:pid)").bindparams(pid=pid))  # type: ignore[call-overload]
    finally:
        await other.dispose()


async def test_a_connection_idle_in_the_pool_is_checked_before_use(postgres: str) -> None:
    database = Database(postgres, ping_after_idle=0.0)  # every pooled connection counts as idle
    try:
        first = await backend_pid(database)
        await close_from_the_server(postgres, first)
        # The ping finds it closed: the pool connects afresh and the statement goes through.
        assert await backend_pid(database) != first
    finally:
        await database.dispose()


async def test_a_connection_used_just_now_is_not_pinged_and_a_closed_one_costs_one_statement(
    postgres: str,
) -> None:
    """The price of pinging only idle connections: closed within the last few seconds, the one
    statement on it fails; the pool then drops it and the next statement connects afresh."""
    database = Database(postgres, ping_after_idle=3600.0)
    try:
        first = await backend_pid(database)
        await close_from_the_server(postgres, first)
        with pytest.raises(sa.exc.DBAPIError) as failed:
            await backend_pid(database)
        assert failed.value.connection_invalidated
        assert await backend_pid(database) != first
    finally:
        await database.dispose()
