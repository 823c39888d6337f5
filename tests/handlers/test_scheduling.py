"""Scheduling that forgives: dates typed as trainers write them (in their language), the days
and times to tap, the date read back for a yes or no, Back and Edit, and old buttons that
change nothing; for /newsession and for moving a session."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from sqlmodel import select

from bot.i18n.translator import Translator
from bot.models import Draft, Role, TrainingSession
from bot.services import sessions
from tests.support.driver import TelegramUser
from tests.support.harness import Harness

BELGRADE = ZoneInfo("Europe/Belgrade")
STALE = "This button is no longer valid."


def local_today(bot: Harness) -> date:
    return bot.clock.now().astimezone(BELGRADE).date()


def read_back(tr: Translator, day: date, at: str) -> str:
    """The start as a person reads it: "Tuesday, December 8, 2026, 10:00 (Europe/Belgrade)"
    in the trainer's language (Babel's words for the date, the catalog's for the rest)."""
    return tr._(
        "{date}, {time} ({zone})",
        date=format_date(day, "full", locale=tr.locale),
        time=at,
        zone="Europe/Belgrade",
    )


def day_button(tr: Translator, day: date) -> str:
    return format_skeleton("MMMEd", day, locale=tr.locale)


async def draft_step(bot: Harness) -> str:
    async with bot.deps.database.session() as db:
        return (await db.exec(select(Draft.step))).one()


async def up_to_the_date(trainer: TelegramUser, tr: Translator, title: str) -> None:
    await trainer.send("/newsession")
    await trainer.send(title)
    await trainer.tap(tr._("No module"))


async def test_dates_typed_as_trainers_write_them_in_their_languages(bot: Harness):
    today = local_today(bot)
    in_a_week = today + timedelta(days=7)
    cases = [
        ("sq", "sq", "nesër 10h", today + timedelta(days=1), "10:00"),
        ("mk", "mk", "задутре во 14h30", today + timedelta(days=2), "14:30"),
        ("sr", "sr-Cyrl", "прекосутра 9:30", today + timedelta(days=2), "09:30"),
        ("hr", "hr", "sutra u 10.00", today + timedelta(days=1), "10:00"),
        ("bs", "bs", f"{in_a_week.day}.{in_a_week.month}. 10", in_a_week, "10:00"),
        ("en", "en", f"{in_a_week:%d/%m} 18:00", in_a_week, "18:00"),
    ]
    for number, (telegram_language, code, typed, day, at) in enumerate(cases):
        tr = bot.tr(code)
        trainer = await bot.person(800 + number, role=Role.TRAINER, language_code=telegram_language)
        await up_to_the_date(trainer, tr, "Rule of law")
        [answer] = await trainer.send(typed)
        assert read_back(tr, day, at) in (answer.text or ""), (code, answer.text)
        await trainer.tap(tr._("✅ Yes"))
        assert "5" in (trainer.last_message().text or "").split("\n")[0], code
        assert await draft_step(bot) == "duration"
        await trainer.tap(tr._("✖️ Cancel"))

    # The ISO date alone, then the time on its own step, and words for today.
    tr = bot.tr("en")
    trainer = await bot.person(810, role=Role.TRAINER)
    await up_to_the_date(trainer, tr, "ISO")
    [question] = await trainer.send(f"{in_a_week:%Y-%m-%d}")
    assert "at what time does it start?" in (question.text or "")
    assert ["09:00", "10:00", "11:00"] in trainer.buttons(question)
    [answer] = await trainer.send("14h30")
    assert read_back(tr, in_a_week, "14:30") in (answer.text or "")
    await trainer.tap(tr._("✖️ Cancel"))
    assert await bot.count(Draft) == 0


async def test_a_date_in_the_past_is_refused_and_changes_nothing(bot: Harness):
    tr = bot.tr("en")
    trainer = await bot.person(820, role=Role.TRAINER)
    await up_to_the_date(trainer, tr, "Too late")
    yesterday = local_today(bot) - timedelta(days=1)
    for typed in (
        f"{yesterday:%d.%m.%Y}",
        f"{yesterday:%d.%m.%Y} 10:00",
        "today 00:00",
        "1.1.2026 10h",
    ):
        [answer] = await trainer.send(typed)
        assert answer.text == (
            "That time has already passed. Please type a time in the future, for example "
            f"{(local_today(bot) + timedelta(days=7)).day}."
            f"{(local_today(bot) + timedelta(days=7)).month}. 10:00"
        ), typed
        assert not answer.inline_keyboard
    [answer] = await trainer.send("10:00")
    assert answer.text is not None and answer.text.startswith("Please type the date first")
    [answer] = await trainer.send("the 5th of never")
    assert (answer.text or "").startswith("I could not read that date.")
    assert await draft_step(bot) == "date"


async def test_a_trainer_picks_goes_back_and_edits_from_the_summary(bot: Harness):
    """Done when: a trainer schedules with "8.12. 10:00", goes Back and edits the venue."""
    tr = bot.tr("en")
    trainer = await bot.person(830, role=Role.TRAINER)
    today = local_today(bot)
    in_three = today + timedelta(days=3)
    await up_to_the_date(trainer, tr, "Budget literacy")
    date_question = trainer.last_message()
    assert trainer.buttons(date_question)[0][0] == day_button(tr, today)
    assert sum(len(row) for row in trainer.buttons(date_question)[:3]) == 7

    # Typed as people write it; read back; "No" asks again, with the answer kept.
    [answer] = await trainer.send(f"{in_three.day}.{in_three.month}. 10:00")
    assert read_back(tr, in_three, "10:00") in (answer.text or "")
    await trainer.tap(tr._("✏️ No, change it"))
    again = trainer.last_message()
    assert "step 3 of 9" in (again.text or "") and "Now: " in (again.text or "")
    assert again.message_id == answer.message_id  # the read-back question, replaced

    # The quick picks: a day, then a time.
    in_two = today + timedelta(days=2)
    await trainer.tap(day_button(tr, in_two))
    assert "at what time does it start?" in (trainer.last_message().text or "")
    await trainer.tap("✅ 10:00")  # the time given before is marked
    assert read_back(tr, in_two, "10:00") in (trainer.last_message().text or "")
    await trainer.tap(tr._("✅ Yes"))
    duration_question = trainer.last_message()
    assert "step 5 of 9" in (duration_question.text or "")

    # Back: the time again, its answer kept; Keep it goes on through the read-back.
    await trainer.tap(tr._("« Back"))
    time_question = trainer.last_message()
    assert "step 4 of 9" in (time_question.text or "")
    assert "Now: 10:00" in (time_question.text or "")
    await trainer.tap(tr._("➡️ Keep it"))
    await trainer.tap(tr._("✅ Yes"))
    # The time question's Keep, tapped again from an old copy, is stale: nothing changes.
    await trainer.tap(tr._("➡️ Keep it"), time_question)
    assert trainer.last_callback_answer().text == STALE  # type: ignore[union-attr]
    assert await draft_step(bot) == "duration"

    await trainer.tap(tr.ngettext("{n} minute", "{n} minutes", 90))
    place_question = trainer.last_message()
    await trainer.send("Hotel Alpha, Tirana")
    shown = trainer.api.message(trainer.chat_id, place_question.message_id)
    assert shown is not None and not shown.inline_keyboard  # no old Back or Cancel stays
    await trainer.tap(tr._("Albania"))
    await trainer.tap("English")
    [summary] = await trainer.send("25")
    assert "Hotel Alpha, Tirana" in (summary.text or "")
    assert [tr._("✏️ Title"), tr._("✏️ Module"), tr._("✏️ Date")] in trainer.buttons(summary)

    # Edit the place: its question, then straight back to the summary.
    await trainer.tap(tr._("✏️ Place"))
    assert "Now: Hotel Alpha, Tirana" in (trainer.last_message().text or "")
    [summary] = await trainer.send("Hotel Beta, Tirana")
    assert "Please check the new session" in (summary.text or "")
    assert "Hotel Beta, Tirana" in (summary.text or "") and "Alpha" not in (summary.text or "")

    # Edit the date: typed without the time (kept), read back, then the summary.
    await trainer.tap(tr._("✏️ Date"))
    [answer] = await trainer.send("tomorrow")
    tomorrow = today + timedelta(days=1)
    assert read_back(tr, tomorrow, "10:00") in (answer.text or "")
    await trainer.tap(tr._("✅ Yes"))
    summary = trainer.last_message()
    assert "Please check the new session" in (summary.text or "")

    # Edit the capacity, and Back from its question returns to the summary unchanged.
    await trainer.tap(tr._("✏️ Places"))
    await trainer.tap(tr._("« Back"))
    assert "Please check the new session" in (trainer.last_message().text or "")
    await trainer.tap(tr._("✅ Create"))
    async with bot.deps.database.session() as db:
        made = (await db.exec(select(TrainingSession))).one()
    assert (made.venue, made.capacity, made.duration_minutes) == ("Hotel Beta, Tirana", 25, 90)
    local = made.starts_at.astimezone(BELGRADE)
    assert (local.date(), local.time()) == (tomorrow, time(10))
    assert await bot.count(Draft) == 0


async def test_a_session_is_moved_by_tapping_and_the_new_date_is_read_back(bot: Harness):
    tr = bot.tr("en")
    trainer = await bot.person(840, role=Role.TRAINER)
    now = bot.clock.now()
    async with bot.deps.database.session() as db:
        training = await sessions.create_session(
            db,
            await bot.learner_of(840),
            sessions.SessionValues(
                title="Open data",
                module_id=None,
                starts_at=now + timedelta(days=4),
                duration_minutes=60,
                venue="Civic Hall",
                online_url=None,
                country="RS",
                language="sr-Latn",
                capacity=10,
            ),
            now,
        )
    await trainer.send("/sessions")
    await trainer.tap(f"{tr.date(training.starts_at)} · Open data")
    await trainer.tap(tr._("📅 Reschedule"))
    day_question = trainer.last_message()
    today = local_today(bot)
    await trainer.tap(day_button(tr, today + timedelta(days=1)))
    await trainer.tap(tr._("« Back"))
    assert trainer.last_message().message_id == day_question.message_id
    [time_question] = await trainer.send("prekosutra")
    shown = trainer.api.message(trainer.chat_id, day_question.message_id)
    assert shown is not None and not shown.inline_keyboard
    [answer] = await trainer.send("half past")
    assert (answer.text or "").startswith("I could not read that time.")
    [asked] = await trainer.send("14h30")
    in_two = today + timedelta(days=2)
    assert read_back(tr, in_two, "14:30") in (asked.text or "")
    await trainer.tap(tr._("✏️ No, change it"))
    await trainer.tap("16:00")
    confirm = trainer.last_message()
    assert read_back(tr, in_two, "16:00") in (confirm.text or "")
    await trainer.tap(tr._("✅ Yes"))
    assert "The session is moved; 0 registered people will be told." in (
        trainer.last_message().text or ""
    )
    async with bot.deps.database.session() as db:
        moved = await db.get(TrainingSession, training.id)
        assert moved is not None
    local = moved.starts_at.astimezone(BELGRADE)
    assert (local.date(), local.time(), moved.version) == (in_two, time(16), 2)
    # The read-back's Yes, tapped again from an old copy: nothing moves twice.
    await trainer.tap(tr._("✅ Yes"), confirm)
    assert trainer.last_callback_answer().text == STALE  # type: ignore[union-attr]
    async with bot.deps.database.session() as db:
        again = await db.get(TrainingSession, training.id)
        assert again is not None and again.version == 2
    assert "at what time does it start?" in (time_question.text or "")
