"""The simulator from the command line: ``python -m bot run`` without a token, the preview of
a module, a busy port, and its own database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import delete as sql_delete
from sqlmodel import select

from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.models import Learner, RoleGrant
from bot.runtime import marks
from bot.simulator.people import DEFAULT_PEOPLE, people_file_for
from bot.simulator.run import Preview, open_preview
from bot.simulator.simulator import RealDatabase, Simulator, simulator_database
from bot.simulator.web import AddressInUse
from tests.factories import make_learner
from tests.support import rows
from tests.support.processes import kill_left, python_bot
from tests.support.simulator import make_simulator

ROOT = Path(__file__).resolve().parents[2]


async def test_preview_opens_the_modules_first_card_in_the_language(
    tmp_path: Path, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    simulator = make_simulator(tmp_path, catalogue, default_people=())
    await simulator.start()
    try:
        person = await open_preview(simulator, Preview("passwords-2fa", "sq"))
        assert list(simulator.people) == [person.id]
        card = [m for m in simulator.api.messages(person.id) if m.from_bot][-1]
        title = module.text("sq").title
        assert title in (card.text or "") and f"1/{module.card_count}" in (card.text or "")
        assert simulator.person_url(person.id).endswith(f"/?person={person.id}")
        async with simulator.deps.database.session() as db:
            learner = (await db.exec(select(Learner).where(Learner.telegram_id == person.id))).one()
        assert (learner.language, learner.consent) == ("sq", "declined")
    finally:
        await simulator.stop()


async def test_a_busy_port_gives_a_clear_message(tmp_path: Path, catalogue: Catalogue):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        simulator = make_simulator(tmp_path, catalogue, port=port)
        with pytest.raises(AddressInUse, match=f"127.0.0.1:{port}.*SIMULATOR_PORT"):
            await simulator.start()
    with pytest.raises(RuntimeError):
        simulator.api.port  # noqa: B018 - the fake Telegram was stopped as well


def test_the_simulator_keeps_its_own_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert simulator_database(Settings()) == f"sqlite:///{tmp_path}/data/simulator.sqlite3"
    explicit = Settings(database_url="postgresql://u@h/db")
    assert simulator_database(explicit) == "postgresql://u@h/db"
    assert people_file_for(f"sqlite:///{tmp_path}/data/simulator.sqlite3") == (
        tmp_path / "data" / "simulator.people.json"
    )
    assert Settings().simulator_host == "127.0.0.1" and Settings().simulator_port == 8080


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BOT_TOKEN", "DATABASE_URL", "SIMULATOR_HOST", "SIMULATOR_PORT")
    }
    env.update({"SIMULATOR_PORT": "0", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    return env


@pytest.mark.parametrize("sigint", ["default", "ignored"])
async def test_run_without_a_token_prints_the_address_and_stops_on_ctrl_c(
    tmp_path: Path, sigint: str
):
    """``ignored``: started as a background job of a non-interactive shell is, with SIGINT
    ignored (inherited across exec); Ctrl+C (SIGINT) must stop it all the same."""
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint == "ignored" else None
    process = await python_bot(
        "run", cwd=tmp_path, env=_environment(tmp_path), merged=True, preexec_fn=ignore
    )
    assert process.stdout is not None
    output: list[str] = []
    try:
        async with asyncio.timeout(60):
            while True:
                line = (await process.stdout.readline()).decode()
                assert line, "".join(output)
                output.append(line)
                if line.startswith("Kapacitet simulator: open "):
                    url = line.removeprefix("Kapacitet simulator: open ").strip()
                    break
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
        assert (tmp_path / "data" / "simulator.sqlite3").exists()
        process.send_signal(signal.SIGINT)
        # A clean stop waits for the long poll, the background jobs and the outbox's grace;
        # on a loaded machine (the whole suite on 2 cores) that took over 30 s twice.
        try:
            async with asyncio.timeout(90):
                rest = (await process.stdout.read()).decode()
                code = await process.wait()
        except TimeoutError:
            raise AssertionError("no stop 90 s after Ctrl+C:\n" + "".join(output)) from None
        assert code == 0, "".join(output) + rest
        assert "Traceback" not in rest
        assert "Kapacitet simulator stopped." in rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_preview_of_an_unknown_module_names_the_known_ones(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "preview", "--module", "nope", "--no-browser"],
        cwd=tmp_path,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "nope" in result.stderr and "passwords-2fa" in result.stderr


async def test_the_simulator_refuses_a_database_that_holds_real_people(
    database: Database, database_url: str, tmp_path: Path, catalogue: Catalogue
):
    """An ``.env`` with an empty BOT_TOKEN and the real DATABASE_URL: the simulator used to
    write its preset people, with roles of full scope, into the real database."""
    async with database.session() as db:
        await make_learner(db, telegram_id=6_123_456_789)  # a real person's Telegram id
    (tmp_path / ".env").write_text(f"BOT_TOKEN=\nDATABASE_URL={database_url}\n")
    process = await python_bot("run", cwd=tmp_path, env=_environment(tmp_path))
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await kill_left(process)  # it started: the simulator is what was refused
    assert process.returncode == 1, (stdout + stderr).decode()
    assert stderr.decode().splitlines() == [
        "Cannot start the simulator: the database in DATABASE_URL holds real people (it knows "
        "Telegram users the simulator did not make: 1), and the simulator would add its own "
        "people with full-scope roles to them; unset DATABASE_URL to use "
        "data/simulator.sqlite3, or pass --allow-real-data if this is what you want"
    ]
    async with database.session() as db:
        assert await rows.count(db, Learner) == 1
        assert await rows.count(db, RoleGrant) == 0

    # Where the real bot has run, even before anyone wrote to it, likewise; unless asked.
    async with database.session() as db:
        await db.exec(sql_delete(Learner))
        await marks.note(db, marks.BOT_STARTED, datetime.now(UTC))
    settings = Settings(database_url=database_url)
    with pytest.raises(RealDatabase, match=r"\(the real bot has run on it\)"):
        await Simulator(settings, catalogue, port=0, people_file=None).start()
    simulator = Simulator(settings, catalogue, port=0, people_file=None, allow_real_data=True)
    await simulator.start()
    try:
        assert len(simulator.people) == len(DEFAULT_PEOPLE)
    finally:
        await simulator.stop()
