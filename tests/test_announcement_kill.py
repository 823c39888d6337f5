"""An announcement killed mid-run (SIGKILL) leaves "sending" only what was on its way: the
next run sends everyone else, and never anyone twice.

The outbox used to claim a row (``sending``, committed) and then wait for its turn (the
spacing between requests, a pause after a 429) before sending: a kill then left rows
"sending" whose message had never gone, and the next run, which cannot know, counted them
"not confirmed" and sent them nothing (7 of 240 people). Now the row is claimed right before
its request. The bot runs here at one message a second, so that the second row is due to
wait a whole second for its turn, and it is killed as soon as the first message arrived.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlmodel import col, select

from bot.app import build_deps
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.models import Announcement, Learner, OutboxMessage
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.announcements import ADMIN_TELEGRAM_ID, announce
from tests.support.burst_world import TOKEN, bot_environment, start_bot
from tests.support.driver import bot_texts
from tests.support.harness import CONTROLLER
from tests.support.processes import kill_left, stop
from tests.support.waiting import wait_until

PEOPLE = 30


async def outbox_rows(database: Database) -> dict[int, str]:
    """Each recipient's chat id, and their row's status."""
    async with database.session() as db:
        found = await db.exec(
            select(Learner.telegram_id, OutboxMessage.status).join(
                Learner, col(Learner.id) == col(OutboxMessage.learner_id)
            )
        )
        return {chat: status for chat, status in found.all() if chat is not None}


async def test_a_killed_announcement_leaves_sending_only_what_was_on_its_way(
    database: Database, database_url: str, catalogue: Catalogue, tmp_path: Path
):
    api = FakeBotApi(token=TOKEN)
    await api.start()
    deps = build_deps(Settings(bot_token=TOKEN, database_url=database_url, **CONTROLLER), catalogue)
    processes: list[asyncio.subprocess.Process] = []
    try:
        announcement_id, chats, _ = await announce(deps, api, ["en"] * PEOPLE)
        env = bot_environment(api, database_url) | {"ADMIN_TELEGRAM_IDS": str(ADMIN_TELEGRAM_ID)}

        def sent_to() -> set[int]:
            return {
                int(call["chat_id"])
                for call in api.calls_of("sendMessage")
                if int(call["chat_id"]) in chats
            }

        slow = await start_bot(
            env | {"ANNOUNCE_RATE_PER_SECOND": "1"}, tmp_path, tmp_path / "first.log"
        )
        processes.append(slow)

        async def first_message_arrived() -> bool:
            return bool(sent_to())

        await wait_until(first_message_arrived, 60, "the first message", slow)
        slow.kill()
        await slow.wait()
        on_their_way = sent_to()
        at_kill = await outbox_rows(database)
        sending = {chat for chat, status in at_kill.items() if status == "sending"}
        assert sending <= on_their_way, (sending, on_their_way)
        assert "pending" in at_kill.values()

        fast = await start_bot(env, tmp_path, tmp_path / "second.log")
        processes.append(fast)

        async def announcement_done() -> bool:
            async with database.session() as db:
                announcement = await db.get(Announcement, announcement_id)
                return announcement is not None and announcement.status == "done"

        await wait_until(announcement_done, 60, "the announcement to finish", fast)
        await stop(fast, tmp_path / "second.log")
    finally:
        await kill_left(*processes)
        await deps.database.dispose()
        await api.stop()

    final = await outbox_rows(database)
    received = Counter({chat: len(bot_texts(api, chat)) for chat in chats})
    for chat in chats:
        if chat in sending:
            # On its way at the kill: not confirmed, and never sent again.
            assert (final[chat], received[chat]) == ("unknown", 1)
        else:
            assert (final[chat], received[chat]) == ("sent", 1)
    summaries = bot_texts(api, ADMIN_TELEGRAM_ID)
    assert len(summaries) == 1
    assert f"Delivered: {PEOPLE - len(sending)}" in summaries[0]
