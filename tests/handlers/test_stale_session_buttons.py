"""Buttons on older messages about a training session answer with what is true now ("was
cancelled on …", "has already started", "has ended", "was moved to …") and lose their
keyboard, whatever the feature: one check in the button declaration."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.handlers.attendance.data import MarkPerson
from bot.models import Attendance, AttendanceStatus, Draft, TrainingSession
from bot.services import sessions
from tests.factories import make_training
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.trainings import ANA, checkin_day
from tests.support.trainings import CHECKIN_TITLE as TITLE
from tests.support.trainings import CHECKIN_TRAINER as TRAINER


def assert_told(user: TelegramUser, text: str, message_id: int) -> None:
    """The tap was answered with ``text`` in an alert, and the message lost its buttons."""
    answer = user.last_callback_answer()
    assert answer is not None and answer.show_alert and answer.text == text
    shown = user.api.message(user.chat_id, message_id)
    assert shown is not None and shown.inline_keyboard == []


async def test_the_check_in_screen_and_the_roster_after_a_cancellation(bot: Harness):
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=10))
    en = bot.tr("en")
    trainer = bot.user(TRAINER)
    await trainer.send("/attendance")
    await trainer.tap(trainer.buttons()[0][0])
    await trainer.tap("🔑 Open check-in")
    code_message = trainer.last_message()
    await trainer.tap("📋 Roster", code_message)
    roster = trainer.last_message()
    ana = await bot.learner_of(ANA)
    assert ana.id is not None

    async with bot.deps.database.session() as db:
        trainer_learner = await bot.learner_of(TRAINER)
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        await sessions.cancel(db, trainer_learner, session_id, training.version, bot.clock.now())
    cancelled = en._("This session was cancelled on {date}.", date=en.date(bot.clock.now()))

    await trainer.tap("🔒 Close check-in", code_message)
    assert_told(trainer, cancelled, code_message.message_id)
    mark = MarkPerson(session_id, ana.id, AttendanceStatus.PRESENT).encode()
    await trainer.tap_data(mark, roster.message_id)
    assert_told(trainer, cancelled, roster.message_id)
    async with bot.deps.database.session() as db:
        assert (await db.exec(select(Attendance))).all() == []


async def test_the_session_view_after_the_start_and_after_the_end(bot: Harness):
    starts_at = bot.clock.now() + timedelta(minutes=10)
    await checkin_day(bot.deps.database, starts_at)
    en = bot.tr("en")
    trainer = bot.user(TRAINER)
    await trainer.send("/sessions")
    await trainer.tap(f"{en.date(starts_at)} · {TITLE}")
    view = trainer.last_message()
    await trainer.send("/sessions")
    await trainer.tap(f"{en.date(starts_at)} · {TITLE}")
    second_view = trainer.last_message()

    # Under way: it can no longer be moved (the venue could still change).
    await bot.advance(minutes=15)
    await trainer.tap(en._("📅 Reschedule"), view)
    assert_told(trainer, en._("This session has already started."), view.message_id)
    assert await bot.count(Draft) == 0

    # Over: nothing is left to invite to.
    await bot.advance(hours=2)
    await trainer.tap(en._("🔗 Invite link"), second_view)
    assert_told(trainer, en._("This session has ended."), second_view.message_id)


async def test_a_view_shown_before_a_move_says_where_the_session_went(bot: Harness):
    starts_at = bot.clock.now() + timedelta(days=2)
    session_id = await checkin_day(bot.deps.database, starts_at)
    en = bot.tr("en")
    trainer = bot.user(TRAINER)
    await trainer.send("/sessions")
    await trainer.tap(f"{en.date(starts_at)} · {TITLE}")
    old_view = trainer.last_message()
    # A venue change is no move: the old view is refreshed as before ("changed meanwhile").
    async with bot.deps.database.session() as db:
        actor = await bot.learner_of(TRAINER)
        await sessions.change_venue(db, actor, session_id, 1, "Novi Sad, Hall 2", bot.clock.now())
    await trainer.tap(en._("📍 Change venue"), old_view)
    answer = trainer.last_callback_answer()
    assert answer is None or not answer.show_alert
    refreshed = trainer.api.message(trainer.chat_id, old_view.message_id)
    assert refreshed is not None and "Novi Sad, Hall 2" in (refreshed.text or "")

    new_start = starts_at + timedelta(days=1)
    async with bot.deps.database.session() as db:
        await sessions.reschedule(db, actor, session_id, 2, new_start, bot.clock.now())
    await trainer.tap(en._("❌ Cancel session"), old_view)
    assert_told(
        trainer,
        en._("This session was moved to {when}.", when=en.date_time(new_start)),
        old_view.message_id,
    )
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None and training.cancelled_at is None


async def test_a_list_of_sessions_keeps_its_other_buttons(bot: Harness):
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=10))
    async with bot.deps.database.session() as db:
        trainer_learner = await bot.learner_of(TRAINER)
        await make_training(
            db, trainer_learner, bot.clock.now() + timedelta(minutes=20), title="Second one"
        )
    en = bot.tr("en")
    trainer = bot.user(TRAINER)
    await trainer.send("/attendance")
    listing = trainer.last_message()
    assert len(trainer.buttons(listing)) == 2
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        await sessions.cancel(db, trainer_learner, session_id, training.version, bot.clock.now())
    await trainer.tap(trainer.buttons(listing)[0][0], listing)
    answer = trainer.last_callback_answer()
    assert answer is not None and answer.show_alert
    assert answer.text == en._(
        "This session was cancelled on {date}.", date=en.date(bot.clock.now())
    )
    shown = trainer.api.message(trainer.chat_id, listing.message_id)
    assert shown is not None and len(shown.inline_keyboard) == 2
