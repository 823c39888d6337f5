"""Taking attendance on the spot, end to end: the rotating code, /checkin, marks, walk-ins."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from bot.handlers.attendance.data import MarkPerson, OpenCheckin, ShowRoster
from bot.models import (
    Attendance,
    AttendanceStatus,
    CheckinGuard,
    Learner,
    Role,
    TrainingSession,
)
from bot.services import audit
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.trainings import ANA, BORIS, CHECKIN_TITLE, MALLORY, VESNA, checkin_day
from tests.support.trainings import CHECKIN_TRAINER as TRAINER

CODE = re.compile(r"🔑 ([A-Z0-9]{5})")


async def start_of_a_minute(bot: Harness) -> None:
    """Moves the clock to one second past a minute, so that a test's real seconds do not
    cross into the next minute and change the code under its feet."""
    seconds = bot.clock.now().timestamp() % 60
    bot.clock.advance(timedelta(seconds=61 - seconds))


async def learner_id(bot: Harness, telegram_id: int) -> int:
    learner = await bot.learner_of(telegram_id)
    assert learner.id is not None
    return learner.id


async def statuses(bot: Harness) -> dict[int, tuple[str, str]]:
    async with bot.deps.database.session() as db:
        rows = (await db.exec(select(Attendance))).all()
        return {row.learner_id: (row.status, row.method) for row in rows}


def shown_code(user: TelegramUser, message_id: int) -> str:
    message = user.api.message(user.chat_id, message_id)
    assert message is not None and message.photo is not None
    found = CODE.search(message.caption or "")
    assert found, message.text
    return found.group(1)


async def open_checkin(bot: Harness, trainer: TelegramUser, title: str = CHECKIN_TITLE) -> int:
    """Through /attendance: the session (``title``), the panel, [Open check-in]; the code
    message's id."""
    await trainer.send("/attendance")
    assert title in trainer.buttons()[0][0]
    await trainer.tap(trainer.buttons()[0][0])
    assert "Attendance" in (trainer.last_message().text or "")
    await trainer.tap("🔑 Open check-in")
    message = trainer.last_message()
    assert CODE.search(message.caption or ""), message.caption
    assert trainer.buttons(message) == [["📋 Roster", "🔒 Close check-in"]]
    return message.message_id


async def test_a_training_day_check_in_marks_and_a_walk_in(bot: Harness):
    await start_of_a_minute(bot)
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=10))
    trainer = bot.user(TRAINER)
    ana, boris, vesna, mallory = (bot.user(i) for i in (ANA, BORIS, VESNA, MALLORY))

    # The trainer opens check-in 10 minutes before the start; the code is in their chat.
    code_message = await open_checkin(bot, trainer)
    first_code = shown_code(trainer, code_message)
    assert f"/checkin {first_code}" in (trainer.api.message(TRAINER, code_message).caption or "")

    replies = await ana.send(f"/checkin {first_code.lower()}")
    assert replies[-1].text == "✅ You are checked in: Digital security basics. Welcome!"
    assert (await statuses(bot))[await learner_id(bot, ANA)] == ("present", "code")

    # A minute later the message shows a new code (edited in place) and the count.
    await bot.advance(minutes=1)
    edited = trainer.api.message(TRAINER, code_message)
    assert edited is not None and edited.edited >= 1
    second_code = shown_code(trainer, code_message)
    assert second_code != first_code
    assert "Present so far: 1" in (edited.caption or "")
    # The old code still works for a grace minute: /checkin alone, then the code typed alone.
    await boris.send("/checkin")
    assert boris.last_message().text == (
        "Send the check-in code the trainer shows (5 letters and digits)."
    )
    await boris.send(first_code)
    assert boris.last_message().text == "✅ You are checked in: Digital security basics. Welcome!"
    await boris.send(f"/checkin {second_code}")
    assert boris.last_message().text == "You are already checked in: Digital security basics."

    # Two more minutes: the first code has expired.
    await bot.advance(minutes=2)
    await vesna.send(f"/checkin {first_code}")
    assert vesna.last_message().text == (
        "That code has expired. Ask the trainer for the current code and send it again."
    )
    assert await learner_id(bot, VESNA) not in await statuses(bot)

    # Five wrong codes in a row: locked, even for the right code.
    for tries_left in (4, 3, 2, 1):
        await mallory.send("/checkin WXYZ2")
        assert f"({tries_left} tr" in (mallory.last_message().text or "")
    await mallory.send("/checkin WXYZ2")
    assert (mallory.last_message().text or "").startswith("Too many wrong codes.")
    await mallory.send(f"/checkin {shown_code(trainer, code_message)}")
    assert (mallory.last_message().text or "").startswith("Too many wrong codes.")
    async with bot.deps.database.session() as db:
        guard = await db.get(CheckinGuard, await learner_id(bot, MALLORY))
        assert guard is not None and guard.locked_until is not None

    # The trainer marks Vesna late, then excused, from the roster.
    await trainer.tap("📋 Roster", code_message)
    roster = trainer.last_message()
    assert roster.message_id != code_message  # the code stays on screen
    assert "Roster: Digital security basics" in (roster.text or "")
    vesna_id = await learner_id(bot, VESNA)
    vesna_button = next(
        label for row in trainer.buttons(roster) for label in row if f"#{vesna_id}" in label
    )
    await trainer.tap(vesna_button, roster.message_id)
    await trainer.tap("🕒 Late")
    assert trainer.last_callback_answer().text == "Marked: Late"
    await trainer.tap("📝 Excused")
    assert "Status: Excused" in (trainer.last_message().text or "")
    assert (await statuses(bot))[vesna_id] == ("excused", "trainer")
    async with bot.deps.database.session() as db:
        row = (await db.exec(select(Attendance).where(Attendance.learner_id == vesna_id))).one()
        changes = [
            (audit.details_of(entry)["old"], audit.details_of(entry)["new"])
            for entry in await audit.entries(db, "attendance", row.id)
        ]
    assert changes == [(None, "late"), ("late", "excused")]

    # A walk-in without Telegram.
    await trainer.tap("« Roster")
    await trainer.tap("➕ Add walk-in")
    assert "Type their full name" in (trainer.last_message().text or "")
    await trainer.send("Jelena Jovanović")
    assert "Which organisation is Jelena Jovanović with?" in (trainer.last_message().text or "")
    await trainer.tap("Skip")
    await trainer.tap("Serbia")
    await trainer.tap("Woman")
    await trainer.tap("25–34")
    assert trainer.last_message().text == (
        "✅ Jelena Jovanović was added to Digital security basics and marked present."
    )
    async with bot.deps.database.session() as db:
        walk_in = (await db.exec(select(Learner).where(Learner.source == "walk_in"))).one()
        assert (walk_in.display_name, walk_in.telegram_id, walk_in.country, walk_in.gender) == (
            "Jelena Jovanović",
            None,
            "RS",
            "female",
        )
        assert walk_in.awaiting is None
    assert (await statuses(bot))[walk_in.id or 0] == ("present", "walk_in")
    await trainer.tap("📋 Roster")
    assert "Jelena Jovanović — Present" in (trainer.last_message().text or "")

    # A learner replaying the trainer's buttons, or sending /attendance, is refused.
    before = await statuses(bot)
    ana_id = await learner_id(bot, ANA)
    await mallory.send("/attendance")
    assert mallory.last_message().text == "Sorry, you are not allowed to do that."
    for data in (
        MarkPerson(session_id, ana_id, AttendanceStatus.ABSENT),
        ShowRoster(session_id, 0),
        OpenCheckin(session_id),
    ):
        await mallory.tap_data(data.encode(), mallory.last_message().message_id)
        answer = mallory.last_callback_answer()
        assert answer is not None and answer.text == "Sorry, you are not allowed to do that."
    assert await statuses(bot) == before

    # When the window ends (30 minutes after the end), check-in closes by itself.
    await bot.advance(minutes=10 + 60 + 30)
    closed = trainer.api.message(TRAINER, code_message)
    assert closed is not None and (closed.caption or "").startswith(
        "Check-in closed: Digital security basics"
    )
    assert "Present: 3" in (closed.caption or "")
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None and training.checkin_closed_at is not None
    await ana.send("/checkin ABCDE")
    assert ana.last_message().text == (
        "There is no check-in open right now. Ask the trainer to open it."
    )


async def test_check_in_cannot_be_opened_too_early_nor_for_a_cancelled_session(bot: Harness):
    await start_of_a_minute(bot)
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(hours=2))
    trainer = bot.user(TRAINER)
    await trainer.send("/attendance")
    await trainer.tap(trainer.buttons()[0][0])
    assert "🔑 Open check-in" not in [label for row in trainer.buttons() for label in row]
    # A stale or forged button is refused all the same.
    await trainer.tap_data(OpenCheckin(session_id).encode(), trainer.last_message().message_id)
    answer = trainer.last_callback_answer()
    assert answer is not None and (answer.text or "").startswith(
        "Check-in opens 30 minutes before the start"
    )
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        training.starts_at = bot.clock.now() + timedelta(minutes=5)
        training.cancelled_at = bot.clock.now()
        db.add(training)
    await trainer.tap_data(OpenCheckin(session_id).encode(), trainer.last_message().message_id)
    answer = trainer.last_callback_answer()
    assert answer is not None
    assert answer.text == f"This session was cancelled on {bot.tr('en').date(bot.clock.now())}."
    await trainer.tap_data("ao:not-a-number", trainer.last_message().message_id)
    answer = trainer.last_callback_answer()
    assert answer is not None and answer.text == "This button is no longer valid."
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None and training.checkin_opened_at is None


async def test_another_trainer_may_not_take_attendance_for_a_session_not_theirs(bot: Harness):
    await start_of_a_minute(bot)
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=5))
    other_trainer = await bot.person(799, role=Role.TRAINER)
    await other_trainer.send("/attendance")
    assert other_trainer.last_message().text == (
        "You have no sessions today. /sessions lists all of them."
    )
    await other_trainer.tap_data(OpenCheckin(session_id).encode(), 1)
    answer = other_trainer.last_callback_answer()
    assert answer is not None and answer.text == "Sorry, you are not allowed to do that."
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None and training.checkin_opened_at is None


async def test_the_trainer_closes_check_in_and_a_learner_cancels_waiting_for_a_code(bot: Harness):
    await start_of_a_minute(bot)
    await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=-5))
    trainer, ana = bot.user(TRAINER), bot.user(ANA)
    code_message = await open_checkin(bot, trainer)
    code = shown_code(trainer, code_message)

    await ana.send("/checkin")
    await ana.send("hi there")
    assert ana.last_message().text == (
        "A check-in code has 5 letters and digits. Please send the code the trainer shows."
    )
    await ana.tap("Cancel")
    assert ana.last_message().text == "All right."
    await ana.send("hello")  # no longer taken as a code
    assert "A check-in code" not in (ana.last_message().text or "")

    await trainer.tap("🔒 Close check-in", code_message)
    assert trainer.last_callback_answer().text == "Check-in closed."
    closed = trainer.api.message(TRAINER, code_message)
    assert closed is not None and (closed.caption or "").startswith("Check-in closed")
    assert trainer.buttons(code_message) == [["📋 Roster"]]
    await ana.send(f"/checkin {code}")
    assert ana.last_message().text == (
        "There is no check-in open right now. Ask the trainer to open it."
    )
    assert await statuses(bot) == {}
