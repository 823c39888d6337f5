"""One update that cannot be stored or read does not hold up the others, and is not logged.

Before, a lone surrogate in one person's text made the whole batch fail to store, forever
(the offset never moved, so nobody was answered again), and a malformed update was logged
at CRITICAL, with every other update of its batch, texts and all, on every retry."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.models import InboundUpdate
from tests.support.harness import Harness
from tests.support.updates import help_update, malformed, with_lone_surrogate
from tests.support.webhook import post_update, webhook_bot

ANA, BORIS, VESNA, MARKO = 7201, 7202, 7203, 7204
SECRET_TEXT = "my password for the shelter is Lozinka2026"
OTHER_TEXT = "meet me at the safe house"


async def statuses(harness: Harness) -> dict[int, tuple[str, str]]:
    async with harness.deps.database.session() as db:
        found = (await db.exec(select(InboundUpdate))).all()
    return {row.update_id: (row.status, row.payload) for row in found}


def replies(harness: Harness, user_id: int) -> int:
    return len([m for m in harness.api.messages(user_id) if m.from_bot])


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{record.getMessage()}\n{record.exc_text or ''}" for record in caplog.records)


async def test_a_polled_update_that_cannot_be_stored_or_read_is_set_aside(
    harness: Harness, caplog: pytest.LogCaptureFixture
):
    for person in (ANA, BORIS, VESNA, MARKO):
        harness.api.add_user(person, first_name="Ana", language_code="en")
    # One batch: Ana's /help, Boris's text with a lone surrogate, Vesna's malformed update,
    # Marko's /help.
    harness.api.push_update(help_update(1, ANA))
    harness.api.push_update(with_lone_surrogate(2, BORIS, SECRET_TEXT))
    harness.api.push_update(malformed(3, VESNA, OTHER_TEXT))
    harness.api.push_update(help_update(4, MARKO))
    with caplog.at_level(logging.INFO):
        async with harness.running() as application:
            await harness.api.wait_fetched(4, timeout=20)
            await application.update_queue.join()
            # And the updates after them go on as usual.
            harness.api.push_update(help_update(5, BORIS))
            await harness.api.wait_fetched(5)
            await application.update_queue.join()
    assert [replies(harness, person) for person in (ANA, BORIS, VESNA, MARKO)] == [1, 1, 0, 1]
    stored = await statuses(harness)
    assert {update_id: status for update_id, (status, _) in stored.items()} == {
        1: "done",
        2: "failed",
        3: "failed",
        4: "done",
        5: "done",
    }
    assert stored[2][1] == "{}"  # what could not be stored is not kept in part either
    logged = logged_text(caplog)
    assert SECRET_TEXT not in logged and OTHER_TEXT not in logged
    assert "Update 2 could not be stored (" in logged
    assert "Update 3 could not be read (" in logged


async def test_a_webhook_update_that_cannot_be_stored_or_read_is_set_aside(
    harness: Harness, caplog: pytest.LogCaptureFixture
):
    for person in (ANA, BORIS, VESNA):
        harness.api.add_user(person, first_name="Ana", language_code="en")
    with caplog.at_level(logging.INFO):
        async with webhook_bot(harness) as address:
            assert harness.application is not None
            queue = harness.application.update_queue
            # Answered 200: Telegram would only send them again and again.
            assert await post_update(address, with_lone_surrogate(21, BORIS, SECRET_TEXT)) == 200
            assert await post_update(address, malformed(22, VESNA, OTHER_TEXT)) == 200
            assert await post_update(address, help_update(23, ANA)) == 200
            await queue.join()
    assert replies(harness, ANA) == 1
    stored = await statuses(harness)
    assert {update_id: status for update_id, (status, _) in stored.items()} == {
        21: "failed",
        22: "failed",
        23: "done",
    }
    logged = logged_text(caplog)
    assert SECRET_TEXT not in logged and OTHER_TEXT not in logged
