"""The simulator from the command line: ``python -m bot run`` without a token, the preview of
a module, a busy port, and its own database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.models import Learner
from bot.simulator.people import people_file_for
from bot.simulator.run import Preview, open_preview
from bot.simulator.simulator import simulator_database
from bot.simulator.web import AddressInUse
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


async def test_run_without_a_token_prints_the_address_and_stops_on_ctrl_c(tmp_path: Path):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
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
        async with asyncio.timeout(30):
            rest = (await process.stdout.read()).decode()
            code = await process.wait()
        assert code == 0, "".join(output) + rest
        assert "Traceback" not in rest
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
