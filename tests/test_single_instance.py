"""Two ``python -m bot run`` processes on one database: the second refuses to start, with one
line, and the first goes on answering everyone once; a killed process leaves no lock behind.

Before, both polled Telegram and both handled everything (300 updates, 583 replies; an
invite redeemed by both ended in an IntegrityError, marked done)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlmodel import col, func, select

from bot.db import Database, shown
from bot.models import InboundUpdate
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.burst_world import TOKEN, bot_environment, start_bot
from tests.support.driver import bot_texts
from tests.support.processes import kill_left, stop
from tests.support.waiting import wait_until

PEOPLE = tuple(range(8301, 8321))


async def done(database: Database, ids: list[int]) -> bool:
    async with database.session() as db:
        count = await db.exec(
            select(func.count())
            .select_from(InboundUpdate)
            .where(col(InboundUpdate.update_id).in_(ids), InboundUpdate.status == "done")
        )
        return count.one() == len(ids)


async def test_a_second_bot_on_the_database_refuses_to_start_and_a_killed_one_holds_nothing(
    database: Database, database_url: str, tmp_path: Path
):
    api = FakeBotApi(token=TOKEN)
    await api.start()
    for person in PEOPLE:
        api.add_user(person, first_name="Ana", language_code="en")
    env = bot_environment(api, database_url)
    processes: list[asyncio.subprocess.Process] = []
    try:
        first = await start_bot(env, tmp_path, tmp_path / "first.log")
        processes.append(first)

        async def polling() -> bool:
            return bool(api.calls_of("getUpdates"))

        await wait_until(polling, 60, "the first bot to poll", first)

        second_log = tmp_path / "second.log"
        second = await start_bot(env, tmp_path, second_log)
        processes.append(second)
        assert await asyncio.wait_for(second.wait(), 60) == 1
        assert second_log.read_text().splitlines() == [
            f"Cannot start: another Kapacitet bot is already running on the database "
            f"{shown(database_url)}; only one may run at a time (stop the other one first)"
        ]

        ids = [api.push_message(person, "/help") for person in PEOPLE]
        await wait_until(lambda: done(database, ids), 60, "every /help handled", first)
        for person in PEOPLE:
            assert len(bot_texts(api, person)) == 1, bot_texts(api, person)

        # Killed, the first holds nothing: a third starts and answers.
        first.kill()
        await first.wait()
        third = await start_bot(env, tmp_path, tmp_path / "third.log")
        processes.append(third)
        later = [api.push_message(person, "/help") for person in PEOPLE[:3]]
        await wait_until(lambda: done(database, later), 60, "the third bot's answers", third)
        await stop(third, tmp_path / "third.log")
    finally:
        await kill_left(*processes)
        await api.stop()
    replies = Counter(person for person in PEOPLE for _ in bot_texts(api, person))
    assert replies == Counter({person: 2 if person in PEOPLE[:3] else 1 for person in PEOPLE})
