from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import Database, alembic_config


async def test_migrations_build_the_models_schema_from_empty_and_go_back(database_url: str):
    database = Database(database_url)
    try:
        await database.migrate()

        def differences(connection: sa.Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))

        async with database.engine.connect() as connection:
            assert await connection.run_sync(differences) == []

        def downgrade(connection: sa.Connection) -> list[str]:
            command.downgrade(alembic_config(connection), "base")
            return sa.inspect(connection).get_table_names()

        async with database.engine.begin() as connection:
            assert await connection.run_sync(downgrade) == ["alembic_version"]
    finally:
        await database.dispose()


def test_migrate_command_from_any_folder_creates_the_sqlite_file(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "kapacitet.sqlite3").exists()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'kapacitet.sqlite3'}")
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert {"learner", "module_progress", "quiz_attempt", "quiz_answer"} <= tables
