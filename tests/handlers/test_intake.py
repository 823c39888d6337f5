"""The durable intake: each polled update is stored before it is acknowledged, handled once,
and marked done; what a crash left pending is handled on the next start."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.app import build_application
from bot.models import InboundUpdate
from bot.runtime.intake import DurableUpdater
from tests.support.driver import running_application
from tests.support.harness import Harness
from tests.support.logs import forgive
from tests.support.updates import help_update
from tests.support.waiting import wait_until
from tests.support.webhook import post_update, webhook_bot

USER = 7001


async def store(harness: Harness, update_id: int, status: str) -> None:
    async with harness.deps.database.session() as db:
        db.add(
            InboundUpdate(
                update_id=update_id, payload=json.dumps(help_update(update_id, USER)), status=status
            )
        )


async def rows(harness: Harness) -> dict[int, InboundUpdate]:
    async with harness.deps.database.session() as db:
        found = (await db.exec(select(InboundUpdate))).all()
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
        # What the person wrote is not kept once it is handled.
        assert row.payload == "{}"


async def test_handled_updates_are_deleted_after_two_days_and_failed_ones_after_two_weeks(
    bot: Harness,
):
    ana = bot.user(USER)
    await ana.send("/help")
    async with bot.deps.database.session() as db:
        db.add(
            InboundUpdate(
                update_id=900,
                payload=json.dumps(help_update(900, USER)),
                status="failed",
                processed_at=bot.clock.now(),
                attempts=3,
            )
        )
    await bot.advance(days=1)
    assert set(await rows(bot)) == {1, 900}
    await bot.advance(days=1, minutes=1)
    assert set(await rows(bot)) == {900}
    await bot.advance(days=12)
    assert set(await rows(bot)) == set()


async def test_an_update_left_pending_by_a_crash_is_handled_once_on_start(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    await store(harness, 1, "pending")
    async with harness.running() as application:
        await application.update_queue.join()
        assert replies(harness) == 1
        assert (await rows(harness))[1].status == "done"
        # Polling goes on as usual afterwards (the fake server numbers from 1: push above).
        update_id = harness.api.push_update(help_update(2, USER))
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
    harness.api.push_update(help_update(5, USER))
    async with harness.running() as application:
        await harness.api.wait_fetched(5)
        await application.update_queue.join()
        later = harness.api.push_update(help_update(6, USER))
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
        harness.api.push_update(help_update(9, USER))  # Telegram sends it again
        await harness.api.wait_fetched(9)
        await application.update_queue.join()
        assert replies(harness) == 0
        later = harness.api.push_update(help_update(10, USER))
        await harness.api.wait_fetched(later)
        await application.update_queue.join()
        assert replies(harness) == 1


async def test_an_update_that_never_finishes_is_given_up_after_a_few_starts(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    async with harness.deps.database.session() as db:
        db.add(InboundUpdate(update_id=3, payload=json.dumps(help_update(3, USER)), attempts=3))
    async with harness.running() as application:
        await application.update_queue.join()
    assert replies(harness) == 0
    assert (await rows(harness))[3].status == "failed"


async def test_a_webhook_update_is_stored_before_telegram_is_answered(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    async with webhook_bot(harness) as address:
        assert harness.application is not None
        queue = harness.application.update_queue
        assert await post_update(address, help_update(41, USER)) == 200
        # Answered 200, so Telegram forgets it: by then the row must exist.
        assert 41 in await rows(harness)
        await queue.join()
        assert replies(harness) == 1
        assert (await rows(harness))[41].status == "done"
        # Telegram sends it again (its answer was lost): handled once all the same.
        assert await post_update(address, help_update(41, USER)) == 200
        await queue.join()
        assert replies(harness) == 1


async def test_a_webhook_update_the_database_cannot_store_is_refused_and_taken_later(
    harness: Harness, caplog: pytest.LogCaptureFixture
):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    async with webhook_bot(harness) as address:
        assert harness.application is not None
        queue = harness.application.update_queue
        async with harness.deps.database.session() as db:
            await db.exec(text("ALTER TABLE inbound_update RENAME TO inbound_update_away"))
        with caplog.at_level(logging.CRITICAL, logger="tornado"):
            status = await post_update(address, help_update(42, USER))
        caplog.clear()  # tornado logs the refused request; that is the point of this test
        assert status == 500  # not acknowledged: Telegram sends it again later
        await queue.join()
        assert replies(harness) == 0
        async with harness.deps.database.session() as db:
            await db.exec(text("ALTER TABLE inbound_update_away RENAME TO inbound_update"))
        assert await post_update(address, help_update(42, USER)) == 200
        await queue.join()
        assert replies(harness) == 1
        assert (await rows(harness))[42].status == "done"


async def test_the_webhook_finishes_what_a_crash_left_pending_on_start(harness: Harness):
    harness.api.add_user(USER, first_name="Ana", language_code="en")
    await store(harness, 43, "pending")
    async with webhook_bot(harness):
        assert harness.application is not None
        await harness.application.update_queue.join()
        assert replies(harness) == 1
        assert (await rows(harness))[43].status == "done"


async def test_two_bots_polling_one_database_handle_each_update_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
):
    """The single-instance lock keeps a second process from starting; behind it, each
    stored update is claimed by one run, so even two at once never handle one twice."""
    people = range(7101, 7131)
    for person in people:
        harness.api.add_user(person, first_name="Ana", language_code="en")
    ids = [harness.api.push_update(help_update(n, person)) for n, person in enumerate(people, 1)]
    first = build_application(harness.deps, rate_limit=False, background_jobs=False)
    second = build_application(harness.deps, rate_limit=False, background_jobs=False)

    async def all_done() -> bool:
        stored = await rows(harness)
        return all(update_id in stored and stored[update_id].status == "done" for update_id in ids)

    async with (
        running_application(first, harness.api),
        running_application(second, harness.api),
    ):
        await wait_until(all_done, 30, "every update handled")
    assert [replies(harness, person) for person in people] == [1] * len(people)
    # Two polls at once: Telegram ends the older with 409 Conflict, which each bot logs.
    forgive(caplog, "bot.runtime.intake", "Polling failed")
