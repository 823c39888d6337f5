"""Two ``python -m bot run`` workers of one bot on one PostgreSQL database (``WORKERS=2``):
worker 0 polls Telegram and stores every update claimed by the worker of its chat, worker 1
follows its share of the stored updates. Every update is handled once, by the worker of its
chat, and each person gets the replies in the order they wrote; a second worker 1 refuses to
start. (docs/benchmarks.md, "Two workers", measures what it gains.)"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from bot.content.catalogue import plain_text
from bot.db import Database
from bot.i18n.translator import Translators
from bot.models import InboundUpdate
from bot.runtime.inbound import Shards
from bot.simulator.fake_bot_api import FakeBotApi
from tests.factories import make_learner
from tests.support.burst_world import TOKEN, ZONE, bot_environment, log_records, start_bot
from tests.support.driver import bot_texts
from tests.support.processes import kill_left, stop
from tests.support.waiting import wait_until

PEOPLE = tuple(range(8401, 8421))
COMMANDS = ("/help", "/progress", "/mysessions", "/lessons") * 2


def texts_of(*messages: str) -> tuple[str, ...]:
    tr = Translators(ZoneInfo(ZONE))("en")
    return tuple(plain_text(tr._(message)) for message in messages)


async def all_done(database: Database, count: int) -> bool:
    async with database.session() as db:
        done = await db.exec(
            select(func.count()).select_from(InboundUpdate).where(InboundUpdate.status == "done")
        )
        return done.one() == count


async def test_two_workers_handle_each_update_once_in_each_persons_order(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgres"):
        pytest.skip("several workers need PostgreSQL")
    async with database.session() as db:
        for person in PEOPLE:
            await make_learner(db, telegram_id=person)
    api = FakeBotApi(token=TOKEN)
    await api.start()
    for person in PEOPLE:
        api.add_user(person, first_name="Ana", language_code="en")
    env = bot_environment(api, database_url) | {"WORKERS": "2"}
    logs = [tmp_path / "worker-0.log", tmp_path / "worker-1.log"]
    processes: list[asyncio.subprocess.Process] = []
    try:
        first = await start_bot(env | {"WORKER": "0"}, tmp_path, logs[0])
        processes.append(first)

        async def polling() -> bool:
            return bool(api.calls_of("getUpdates"))

        await wait_until(polling, 60, "worker 0 to poll", first)
        second = await start_bot(env | {"WORKER": "1"}, tmp_path, logs[1])
        processes.append(second)

        async def following() -> bool:
            return any("its share" in str(r.get("message")) for r in log_records(logs[1]))

        await wait_until(following, 60, "worker 1 to follow its share", second)
        again = await start_bot(env | {"WORKER": "1"}, tmp_path, tmp_path / "again.log")
        processes.append(again)
        assert await asyncio.wait_for(again.wait(), 60) == 1

        # Everyone writes at once, each person's commands one after the other.
        for command in COMMANDS:
            for person in PEOPLE:
                api.push_message(person, command)
        total = len(PEOPLE) * len(COMMANDS)
        await wait_until(lambda: all_done(database, total), 120, "every update handled", first)
        await stop(second, logs[1])
        await stop(first, logs[0])
    finally:
        await kill_left(*processes)
        await api.stop()

    help_start, no_progress, lessons = texts_of(
        "<b>Kapacitet</b> brings short lessons",
        "You have not started any lesson yet. Open /lessons to begin.",
        "<b>Lessons</b>",
    )
    for person in PEOPLE:
        texts = bot_texts(api, person)
        assert len(texts) == len(COMMANDS), (person, texts)  # one reply an update
        # In the order written: /help, /progress, /mysessions, /lessons, twice.
        assert texts[:4] == texts[4:] and len(set(texts[:4])) == 4, (person, texts)
        assert texts[0].startswith(help_start) and texts[1] == no_progress, (person, texts)
        assert texts[3].startswith(lessons), (person, texts)
    shards = Shards(2, 0)
    async with database.session() as db:
        rows = (await db.exec(select(InboundUpdate.claimed_by, InboundUpdate.status))).all()
        payloads = await db.exec(select(func.count()).where(col(InboundUpdate.payload) != "{}"))
    assert Counter(rows) == {
        (shards.name(0), "done"): total // 2,  # even chats
        (shards.name(1), "done"): total // 2,  # odd chats: only worker 1 queues them
    }
    assert payloads.one() == 0
    for log in logs:
        errors = [r for r in log_records(log) if r.get("level") in ("ERROR", "CRITICAL")]
        assert not errors, errors
