"""Typed text in a staff conversation, from someone who no longer holds the role: refused
with the one message, and the conversation ends (nothing of it is left waiting)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.models import Draft, Learner
from bot.services import drafts, learners
from tests.support.harness import Harness

STAFF_STEPS = ["newsession", "session-edit", "walkin", "announce", "export"]
WITH_DRAFT = {"newsession", "session-edit", "walkin", "export"}
"""The conversations that keep their state in a draft (an announcement's is the draft row)."""


@pytest.mark.parametrize("step", STAFF_STEPS)
async def test_a_person_without_the_role_is_refused_and_the_conversation_ends(
    bot: Harness, step: str
):
    person = await bot.person(4100)  # known to the bot, with no role
    async with bot.deps.database.session() as db:
        learner = (await db.exec(select(Learner).where(Learner.telegram_id == 4100))).one()
        if step in WITH_DRAFT:
            await drafts.save_draft(db, learner, step, "title", {}, datetime.now(UTC))
        await learners.await_input(db, learner, step)

    await person.send("A title typed after the role was revoked")

    assert person.last_message().text == "Sorry, you are not allowed to do that."
    async with bot.deps.database.session() as db:
        learner = (await db.exec(select(Learner).where(Learner.telegram_id == 4100))).one()
        assert learner.awaiting is None
        assert (await db.exec(select(Draft).where(Draft.learner_id == learner.id))).all() == []
