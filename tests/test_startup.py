"""``python -m bot run`` that cannot start says why in one line and exits with status 1: a
database that cannot be reached, one that refuses writes, one made by a newer version.

Before, each printed a traceback of about 100 lines (and a read-only database let the bot
start, to fail on every update)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from bot.db import Database, shown
from tests.support.burst_world import TOKEN
from tests.support.databases import read_only
from tests.support.processes import bot_env


def run_bot(folder: Path, database_url: str, *command: str) -> subprocess.CompletedProcess[str]:
    env = bot_env(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        # Never reached: the database stops the start first.
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        OPS_PORT="0",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *(command or ("run",))],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


async def execute(database: Database, statement: str) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(sa.text(statement))


def test_an_unreachable_database_is_one_line(tmp_path: Path):
    url = "postgresql://kapacitet:secret-password@127.0.0.1:9/kapacitet"
    for command in ("run", "migrate"):
        line = one_line(run_bot(tmp_path, url, command))
        assert line.startswith(f"Cannot {'start' if command == 'run' else 'migrate'}: the database")
        assert "cannot be reached (ConnectionRefusedError)" in line
        assert "secret-password" not in line and shown(url) in line


async def test_a_database_made_by_a_newer_version_is_one_line(
    database: Database, database_url: str, tmp_path: Path
):
    await execute(database, "UPDATE alembic_version SET version_num = '0099_future'")
    await database.dispose()
    line = one_line(run_bot(tmp_path, database_url))
    assert line == (
        f"Cannot start: the database {shown(database_url)} was made by a newer version of "
        "Kapacitet (its schema is at revision 0099_future, unknown to this one); run that "
        "version or a later one, or restore a backup made for this one"
    )


async def test_a_database_that_refuses_writes_is_one_line(
    database: Database, database_url: str, tmp_path: Path
):
    await database.dispose()
    async with read_only(database_url) as url:
        line = one_line(run_bot(tmp_path, url))
    assert line.startswith(f"Cannot start: the database {shown(url)} refuses writes (read-only)")
