"""The bot starts without the libraries only some of its features use: charts (matplotlib,
numpy), PDF (fpdf2, fontTools, PIL), spreadsheets (XlsxWriter, openpyxl), calendar files
(icalendar), Alembic when the database is at the head of the migrations already, aiohttp
unless a server of its own is asked for. Each
is imported on first use; together they were some 70 MiB of every idle bot
(docs/benchmarks.md, "Memory")."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import Database, head_revisions
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.burst_world import TOKEN, bot_environment
from tests.support.driver import bot_texts
from tests.support.processes import ROOT, bot_env, free_port, kill_left, stop, tail
from tests.support.waiting import wait_until

LAZY = (
    "matplotlib",
    "numpy",
    "fpdf",
    "fontTools",
    "PIL",
    "xlsxwriter",
    "openpyxl",
    "alembic",
    "segno",
    "icalendar",
)

PROGRAM = """
import asyncio, json, sys
from bot.app import build_application, build_deps
from bot.config import Settings

settings = Settings(
    bot_token="123456:BENCHMARK-TOKEN-KAPACITET", database_url=sys.argv[1], ops_port=0,
    data_controller_name="Test", data_controller_contact="test@example.org",
)
deps = build_deps(settings)
asyncio.run(deps.database.migrate())
build_application(deps)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def imported_by_start(database_url: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, database_url],
        cwd=ROOT,
        env=bot_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


async def test_starting_the_bot_imports_no_chart_pdf_spreadsheet_or_migration_library(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    database = Database(url)
    try:
        await database.migrate()  # at the head: the bot's own start has nothing to migrate
    finally:
        await database.dispose()
    modules = imported_by_start(url)
    assert "telegram" in modules and "sqlalchemy" in modules  # it did start
    assert not modules & set(LAZY)
    assert "aiohttp" not in modules  # no webhook, no ops server asked for


def test_the_heads_read_without_alembic_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    from bot.db import alembic_config

    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_a_fresh_database_is_still_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    modules = imported_by_start(url)  # migrates: Alembic is imported then, and only then
    assert "alembic" in modules
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            stored = await connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = {row[0] for row in stored}
        assert versions == head_revisions()
    finally:
        await database.dispose()


RUN_AND_LIST = """
import atexit, json, runpy, sys

listing = sys.argv[1]


def write() -> None:
    with open(listing, "w") as file:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), file)


atexit.register(write)
sys.argv = ["bot", "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""
"""``python -m bot run`` itself, writing at its exit which packages it imported in its life."""


@pytest.mark.parametrize("optimize", ["", "2"], ids=["plain", "as-deployed"])
async def test_python_m_bot_run_answers_and_imports_no_lazy_library(
    database: Database, database_url: str, tmp_path: Path, optimize: str
) -> None:
    """The command a deployment runs, with its ops server, on a database at the head: it
    answers, and never imports what only some features use. ``as-deployed``: with
    PYTHONOPTIMIZE=2, as the image and the systemd unit run it (docstrings and asserts
    left out: some 8 MiB of the idle bot, docs/benchmarks.md)."""
    api = FakeBotApi(token=TOKEN)
    await api.start()
    api.add_user(4101, first_name="Ana", language_code="en")
    env = bot_environment(api, database_url) | {"OPS_PORT": str(free_port())}
    if optimize:
        env["PYTHONOPTIMIZE"] = optimize
    listing, log = tmp_path / "modules.json", tmp_path / "bot.log"
    process = None
    try:
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                RUN_AND_LIST,
                str(listing),
                cwd=tmp_path,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )

        async def answered() -> bool:
            return bool(bot_texts(api, 4101))

        api.push_message(4101, "/start")
        await wait_until(answered, 90, "the bot's answer to /start", process)
        await stop(process, log)
    finally:
        await kill_left(process)
        await api.stop()
    assert "Kapacitet" in bot_texts(api, 4101)[0], tail(log)
    modules = set(json.loads(listing.read_text()))
    assert "telegram" in modules and "sqlalchemy" in modules
    # aiohttp too: the ops server listens (OPS_PORT), but only a webhook needs aiohttp.
    assert not modules & {*LAZY, "tqdm", "mako", "aiohttp"}, tail(log)
