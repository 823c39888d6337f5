"""Databases in states a test needs: one that refuses writes, one whose writes wait."""

from __future__ import annotations

import sqlite3
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


@asynccontextmanager
async def writes_held(database_url: str) -> AsyncIterator[None]:
    """Until the block ends, the database takes no write: another connection holds SQLite's
    write lock, or PostgreSQL's lock on the audit log (reads go on)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await connection.rollback()
    finally:
        await engine.dispose()
