"""The simulator's clock (the background work runs when it moves, and on its own) and its
people (added, checked, kept across restarts)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from bot import app
from bot.content.catalogue import Catalogue
from bot.models import Learner, RoleGrant
from bot.runtime import jobs
from bot.simulator.simulator import Simulator
from tests.support.simulator import ANA, MARKO, VESNA, EventStream, make_simulator, post, send

# -- the clock ----------------------------------------------------------------------------------


async def test_moving_the_clock_runs_the_background_work_at_once(
    sim: Simulator, http, events: EventStream, monkeypatch: pytest.MonkeyPatch
):
    seen: list[float] = []

    async def reminder(deps, bot) -> None:
        seen.append(deps.clock.now().timestamp())
        await bot.send_message(ANA, "⏰ <b>Reminder</b>: your session starts in one hour")

    assert sim.application is not None
    jobs.install(sim.application, (reminder,))
    before = sim.clock.now()
    status, body = await post(http, "/api/clock", {"minutes": 60})
    assert status == 200 and body["clock"]["offset_ms"] == 3_600_000
    clock_event = await events.next("clock")
    assert clock_event["clock"]["offset_ms"] == 3_600_000
    assert len(seen) == 1 and seen[0] - before.timestamp() >= 3600
    reminder_event = await events.next("message", lambda e: e["person"] == ANA)
    assert reminder_event["message"]["html"].startswith("⏰ <b>Reminder</b>")
    status, body = await post(http, "/api/clock", {"minutes": 1440})
    assert body["clock"]["offset_ms"] == 25 * 3_600_000 and len(seen) == 2
    assert sim.clock.offset == timedelta(hours=25)
    for bad in (0, -10, 10**9):
        status, body = await post(http, "/api/clock", {"minutes": bad})
        assert status == 400, bad
    status, body = await post(http, "/api/clock", {"minutes": "60"})
    assert status == 400


async def test_background_work_also_runs_on_its_own_like_the_job_queue(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
):
    ticks: list[float] = []
    three = asyncio.Event()

    async def task(deps, bot) -> None:
        ticks.append(deps.clock.now().timestamp())
        if len(ticks) >= 3:
            three.set()

    monkeypatch.setattr(app, "JOBS", (task,))
    monkeypatch.setattr(jobs, "TICK_SECONDS", 0.2)
    simulator = make_simulator(tmp_path, catalogue, background_jobs=True)
    await simulator.start()
    try:
        await asyncio.wait_for(three.wait(), 10)
    finally:
        await simulator.stop()
    count = len(ticks)
    await asyncio.sleep(0.5)
    assert len(ticks) == count  # stopped with the simulator


# -- people -------------------------------------------------------------------------------------


async def test_a_new_trainer_gets_the_role_and_survives_a_restart(
    tmp_path: Path, catalogue: Catalogue
):
    first = make_simulator(tmp_path, catalogue)
    await first.start()
    try:
        async with aiohttp.ClientSession(base_url=first.url) as http:
            status, body = await post(
                http,
                "/api/people",
                {"name": "  Teo   Trainer ", "language_code": "sr", "role": "trainer"},
            )
            assert status == 200
            teo = body["person"]
            assert teo == {
                "id": 1004,
                "name": "Teo Trainer",
                "language_code": "sr",
                "role": "trainer",
            }
            await send(http, teo["id"], "/start")
    finally:
        await first.stop()
    saved = json.loads((tmp_path / "people.json").read_text())["people"]
    assert [p["id"] for p in saved] == [ANA, MARKO, VESNA, 1004]

    second = make_simulator(tmp_path, catalogue)
    await second.start()
    try:
        assert list(second.people) == [ANA, MARKO, VESNA, 1004]
        async with second.deps.database.session() as db:
            learner = (await db.exec(select(Learner).where(Learner.telegram_id == 1004))).one()
            grant = (
                await db.exec(select(RoleGrant).where(RoleGrant.learner_id == learner.id))
            ).one()
        assert grant.role == "trainer"
        # A person added now is a stranger to the bot, never someone from before.
        (tmp_path / "people.json").unlink()
        person = await second.add_person("Mia", "en", "learner")
        assert person.id == 1005
    finally:
        await second.stop()


async def test_people_are_checked(sim: Simulator, http):
    bad_bodies = [
        {"name": "", "language_code": "en", "role": "learner"},
        {"name": "x" * 65, "language_code": "en", "role": "learner"},
        {"name": "Ana", "language_code": "english!", "role": "learner"},
        {"name": "Ana", "language_code": "en", "role": "king"},
        {"name": "Ana", "language_code": "en"},
        {"name": "Ana", "language_code": "en", "role": "learner", "admin": True},
        {"name": 5, "language_code": "en", "role": "learner"},
    ]
    for body in bad_bodies:
        status, answer = await post(http, "/api/people", body)
        assert status == 400, body
        assert answer["ok"] is False and answer["error"]
    status, body = await post(
        http,
        "/api/people",
        {"name": "<img src=x onerror=alert(1)>", "language_code": "", "role": "admin"},
    )
    assert status == 200 and body["person"]["name"] == "<img src=x onerror=alert(1)>"
