"""The durable intake: each polled update is stored before it is acknowledged, handled once,
and marked done; what a crash left pending is handled on the next start."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from bot.intake import DurableUpdater
from bot.models import InboundUpdate
from tests.handlers.conftest import Harness

USER = 7001


def help_update(update_id: int, user_id: int = USER) -> dict[str, object]:
    person = {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10_000 + update_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": person,
            "text": "/help",
            "entities": [{"offset": 0, "length": 5, "type": "bot_command"}],
        },
    }


async def store(harness: Harness, update_id: int, status: str) -> None:
    async with harness.deps.database.session() as session:
        session.add(
            InboundUpdate(
                update_id=update_id, payload=json.dumps(help_update(update_id)), status=status
            )
        )


async def rows(harness: Harness) -> dict[int, InboundUpdate]:
    async with harness.deps.database.session() as session:
        found = (await session.exec(select(InboundUpdate))).all()
    return {row.update_id: row for row in found}


def replies(harness: Harness, user_id: int = USER) -> int:
    return len([m for m in harness.api.messages(user_id) if m.from_bot])


async def test_polled_updates_are_stored_then_marked_done(bot: Harness):
    assert isinstance(bot.application and bot.application.updater, DurableUpdater)
    ana = bot.user(USER)
    answer = await ana.send("/help")
    assert answer
    await ana.send("hello")
    stored = await rows(bot)
    assert len(stored) == 2
    for row in stored.values():
        assert row.status == "done"
        assert row.attempts == 1
        assert row.processed_at is not None
    texts = sorted(json.loads(row.payload)["message"]["text"] for row in stored.values())
    assert texts == ["/help", "hello"]


async def test_an_update_left_pending_by_a_crash_is_handled_once_on_start(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    await store(harness, 1, "pending")
    async with harness.running() as application:
        await application.update_queue.join()
        assert replies(harness) == 1
        assert (await rows(harness))[1].status == "done"
        # Polling goes on as usual afterwards (the fake server numbers from 1: push above).
        update_id = harness.api.push_update(help_update(2))
        await harness.api.wait_fetched(update_id)
        await application.update_queue.join()
        assert replies(harness) == 2
    async with harness.running() as application:
        await application.update_queue.join()
    assert replies(harness) == 2
    assert {row.status for row in (await rows(harness)).values()} == {"done"}


async def test_a_stored_pending_update_sent_again_by_telegram_is_handled_once(
    harness: Harness,
):
    """A crash after storing but before the offset moved: the row is pending and Telegram
    sends the update again."""
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    await store(harness, 5, "pending")
    harness.api.push_update(help_update(5))
    async with harness.running() as application:
        await harness.api.wait_fetched(5)
        await application.update_queue.join()
        later = harness.api.push_update(help_update(6))
        await harness.api.wait_fetched(later)
        await application.update_queue.join()
    assert replies(harness) == 2
    stored = await rows(harness)
    assert stored[5].status == "done" and stored[5].attempts == 1
    assert stored[6].status == "done"


async def test_a_done_update_is_never_handled_again(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    await store(harness, 9, "done")
    async with harness.running() as application:
        await application.update_queue.join()
        harness.api.push_update(help_update(9))  # Telegram sends it again
        await harness.api.wait_fetched(9)
        await application.update_queue.join()
        assert replies(harness) == 0
        later = harness.api.push_update(help_update(10))
        await harness.api.wait_fetched(later)
        await application.update_queue.join()
        assert replies(harness) == 1


async def test_an_update_that_never_finishes_is_given_up_after_a_few_starts(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    async with harness.deps.database.session() as session:
        session.add(InboundUpdate(update_id=3, payload=json.dumps(help_update(3)), attempts=3))
    async with harness.running() as application:
        await application.update_queue.join()
    assert replies(harness) == 0
    assert (await rows(harness))[3].status == "failed"
