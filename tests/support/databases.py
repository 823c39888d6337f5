"""Databases in states a test needs: one that refuses writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import async_url


@asynccontextmanager
async def read_only(database_url: str) -> AsyncIterator[str]:
    """The address of the same database, refusing writes: SQLite opened read-only; on
    PostgreSQL, every new session read-only (as on a replica)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///file:{url.database}?mode=ro&uri=true"
        return
    setting = f'ALTER DATABASE "{url.database}" {{}} default_transaction_read_only'
    admin = create_async_engine(
        async_url(url.set(database="postgres").render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(setting.format("SET") + " = on"))
        yield database_url
    finally:
        async with admin.connect() as connection:
            await connection.execute(sa.text(setting.format("RESET")))
        await admin.dispose()
