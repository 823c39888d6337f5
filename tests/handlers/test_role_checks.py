"""Every trainer and coordinator entry point refuses a learner, every time, changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.models import (
    Attendance,
    AuditEntry,
    Draft,
    Learner,
    Registration,
    RoleGrant,
    RoleInvite,
    TrainingSession,
)
from tests.factories import make_learner, make_trainer, make_training, register
from tests.support.harness import Harness
from tests.support.rows import count

ADMIN, TRAINER, LEARNER = 880, 881, 882
NOT_ALLOWED = "Sorry, you are not allowed to do that."
TRAINER_PREFIXES = {
    "sn", "sd", "sl", "so", "sx", "sr", "se",  # sessions
    "aa", "ao", "ac", "ar", "ap", "am", "aw", "av", "ax",  # attendance
    "rv", "rvc",  # roles
}  # fmt: skip


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


async def snapshot(bot: Harness) -> tuple[object, ...]:
    async with bot.deps.database.session() as db:
        counts = [
            await count(db, model)
            for model in (
                Learner,
                TrainingSession,
                Registration,
                Attendance,
                RoleGrant,
                RoleInvite,
                AuditEntry,
                Draft,
            )
        ]
        sessions = [
            (
                s.id,
                s.version,
                s.starts_at,
                s.venue,
                s.cancelled_at,
                s.checkin_opened_at,
                s.checkin_closed_at,
            )
            for s in (await db.exec(select(TrainingSession))).all()
        ]
        marks = [(a.learner_id, a.status) for a in (await db.exec(select(Attendance))).all()]
        grants = [
            (g.learner_id, g.role, g.revoked_at) for g in (await db.exec(select(RoleGrant))).all()
        ]
    return tuple(counts), sessions, marks, grants


async def test_a_learner_is_refused_every_trainer_and_coordinator_command_and_button(bot: Harness):
    async with bot.deps.database.session() as db:
        trainer = await make_trainer(db, telegram_id=TRAINER)
        await make_learner(db, telegram_id=ADMIN)
        learner = await make_learner(db, telegram_id=LEARNER, organisation="Org")
        training = await make_training(
            db,
            trainer,
            bot.clock.now() + timedelta(minutes=20),
            code="ROLES1",
            title="Rule of law",
            duration_minutes=60,
            venue="Tirana",
            capacity=10,
        )
        await register(db, training, learner)

    # The trainer and the admin open every screen they have, collecting their buttons.
    replayable: set[str] = set()

    def collect() -> None:
        replayable.update(
            button["callback_data"]
            for chat in (TRAINER, ADMIN)
            for message in bot.api.messages(chat)
            for row in message.inline_keyboard
            for button in row
            if "callback_data" in button
            and button["callback_data"].split(":", 1)[0] in TRAINER_PREFIXES
        )

    trainer_chat = bot.user(TRAINER)
    admin_chat = bot.user(ADMIN)

    async def open_session_view() -> None:
        await trainer_chat.send("/sessions")
        collect()
        await trainer_chat.tap(
            next(label for row in trainer_chat.buttons() for label in row if "Rule of law" in label)
        )
        collect()

    for label in ("👥 Roster", "✅ Attendance", "🔗 Invite link", "📅 Reschedule"):
        await open_session_view()
        await trainer_chat.tap(label)
        collect()
    await trainer_chat.send("/attendance")
    await trainer_chat.tap(trainer_chat.buttons()[0][0])
    collect()
    await trainer_chat.tap("🔑 Open check-in")
    collect()
    await trainer_chat.tap("📋 Roster")
    collect()
    await trainer_chat.tap(trainer_chat.buttons()[0][0])
    collect()
    await trainer_chat.send("/newsession")
    collect()
    await admin_chat.send("/roles")
    collect()

    assert {data.split(":", 1)[0] for data in replayable} >= {
        "so", "sx", "sd", "aa", "ao", "ac", "ar", "ap", "aw", "rv"
    }  # fmt: skip

    before = await snapshot(bot)
    intruder = bot.user(LEARNER)
    for command in ("/newsession", "/sessions", "/attendance", "/invite trainer", "/roles"):
        replies = await intruder.send(command)
        assert [reply.text for reply in replies] == [NOT_ALLOWED], command
    await intruder.send("/help")
    target = intruder.last_message().message_id
    for data in sorted(replayable):
        await intruder.tap_data(data, target)
        answer = intruder.last_callback_answer()
        assert answer is not None and answer.text == NOT_ALLOWED, data
    assert await snapshot(bot) == before
