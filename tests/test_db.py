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
