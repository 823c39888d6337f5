"""Reminders and feedback end to end: a movable clock, ticks, restarts, the fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.handlers.feedback import RateSession, SkipComment, question_text
from bot.i18n.translator import Translator
from bot.models import (
    Delivery,
    Draft,
    Feedback,
    Learner,
    Registration,
    TrainingSession,
)
from tests.factories import record_attendance
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import plain
from tests.support.trainings import MK, SQ, tirana_session


def translator(harness: Harness, language: str, zone: str) -> Translator:
    return harness.deps.translators(language, ZoneInfo(zone))


def reminder_line(tr: Translator, title: str, hours: int) -> str:
    return plain(
        tr.ngettext(
            "⏰ <b>Reminder:</b> {title} starts in {n} hour.",
            "⏰ <b>Reminder:</b> {title} starts in {n} hours.",
            hours,
            title=title,
        )
    )


async def deliveries(harness: Harness) -> list[tuple[int | None, str, str]]:
    async with harness.deps.database.session() as db:
        rows = (await db.exec(select(Delivery, Learner).join(Learner))).all()  # type: ignore[arg-type]
        # The learners' reminders; the trainer's own (``trainer-60``) are tested in
        # tests/handlers/test_checkin_qr.py.
        return sorted(
            (person.telegram_id, row.kind, row.status)
            for row, person in rows
            if not row.kind.startswith("trainer-")
        )


def texts(user: TelegramUser) -> list[str]:
    return [message.text or "" for message in user.bot_messages()]


async def test_each_reminder_arrives_once_in_each_language_also_across_restarts(
    harness: Harness,
):
    sq_tr = translator(harness, "sq", "Europe/Tirane")
    mk_tr = translator(harness, "mk", "Europe/Skopje")
    async with harness.running():
        albanian, macedonian = harness.user(SQ, "sq"), harness.user(MK, "mk")
        _, start = await tirana_session(
            harness.deps.database, harness.clock.now() + timedelta(days=2)
        )
        await harness.advance(hours=23)  # 25 hours before: nothing yet
        assert albanian.bot_messages() == [] and macedonian.bot_messages() == []

        await harness.advance(hours=1)  # 24 hours before
        for user, tr in ((albanian, sq_tr), (macedonian, mk_tr)):
            [text] = texts(user)
            assert text.startswith(reminder_line(tr, "EU funds & CSOs", 24))
            assert tr.date_time(start) in text
            assert "Hotel Tirana, hall B" in text and "/mysessions" in text
        # Each in its own language's date format.
        assert sq_tr.date_time(start) != mk_tr.date_time(start)

        await harness.advance(minutes=1)
        await harness.tick()
        assert len(albanian.bot_messages()) == 1 and len(macedonian.bot_messages()) == 1

    async with harness.running():  # the bot restarts
        await harness.advance(minutes=30)
        assert len(albanian.bot_messages()) == 1 and len(macedonian.bot_messages()) == 1

    # The bot is down across the 1-hour mark and the start: nothing is sent afterwards.
    harness.clock.advance(start - harness.clock.now() + timedelta(minutes=5))
    async with harness.running():
        await harness.tick()
        await harness.advance(hours=1)
        assert len(albanian.bot_messages()) == 1 and len(macedonian.bot_messages()) == 1
    assert await deliveries(harness) == [
        (SQ, "reminder-1440", "sent"),
        (MK, "reminder-1440", "sent"),
    ]


async def test_a_missed_reminder_goes_out_on_start_and_only_the_nearest(harness: Harness):
    sq_tr = translator(harness, "sq", "Europe/Tirane")
    _, start = await tirana_session(harness.deps.database, harness.clock.now() + timedelta(days=2))
    # The bot was down from two days before until 40 minutes before the start.
    harness.clock.advance(start - harness.clock.now() - timedelta(minutes=40))
    async with harness.running():
        albanian, macedonian = harness.user(SQ, "sq"), harness.user(MK, "mk")
        await harness.tick()
        [text] = texts(albanian)
        minutes = plain(
            sq_tr.ngettext(
                "⏰ <b>Reminder:</b> {title} starts in {n} minute.",
                "⏰ <b>Reminder:</b> {title} starts in {n} minutes.",
                40,
                title="EU funds & CSOs",
            )
        )
        assert text.startswith(minutes)
        assert len(macedonian.bot_messages()) == 1
        await harness.advance(minutes=10)
        assert len(albanian.bot_messages()) == 1
    assert await deliveries(harness) == [
        (SQ, "reminder-1440", "skipped"),
        (SQ, "reminder-60", "sent"),
        (MK, "reminder-1440", "skipped"),
        (MK, "reminder-60", "sent"),
    ]


async def test_a_learner_who_blocked_the_bot_is_marked_unreachable_and_not_retried(bot: Harness):
    albanian, macedonian = bot.user(SQ, "sq"), bot.user(MK, "mk")
    await tirana_session(bot.deps.database, bot.clock.now() + timedelta(days=2))
    bot.api.block(SQ)
    await bot.advance(hours=24)
    await bot.advance(hours=23)  # the 1-hour mark
    await bot.advance(minutes=30)
    sends_to_sq = [c for c in bot.api.calls_of("sendMessage") if str(c.get("chat_id")) == str(SQ)]
    assert len(sends_to_sq) == 1
    assert albanian.bot_messages() == []
    assert len(macedonian.bot_messages()) == 2
    async with bot.deps.database.session() as db:
        person = (await db.exec(select(Learner).where(Learner.telegram_id == SQ))).one()
        assert person.reachable is False
    assert await deliveries(bot) == [
        (SQ, "reminder-1440", "unreachable"),
        (MK, "reminder-1440", "sent"),
        (MK, "reminder-60", "sent"),
    ]


async def test_a_reminder_telegram_certainly_did_not_take_is_sent_on_the_next_round(
    bot: Harness,
):
    albanian, macedonian = bot.user(SQ, "sq"), bot.user(MK, "mk")
    await tirana_session(bot.deps.database, bot.clock.now() + timedelta(days=2))
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", 5, count=2)
    await bot.advance(hours=24)
    assert albanian.bot_messages() == [] and macedonian.bot_messages() == []
    assert await deliveries(bot) == []  # nothing claimed: nothing went out
    # Telegram's front end fails every try (the bot tries each message four times).
    bot.api.fail_next("sendMessage", 502, "Bad Gateway", count=8)
    await bot.advance(minutes=1)
    assert albanian.bot_messages() == [] and macedonian.bot_messages() == []
    await bot.advance(minutes=1)
    assert len(albanian.bot_messages()) == 1 and len(macedonian.bot_messages()) == 1
    await bot.advance(minutes=1)
    assert len(albanian.bot_messages()) == 1 and len(macedonian.bot_messages()) == 1
    assert await deliveries(bot) == [
        (SQ, "reminder-1440", "sent"),
        (MK, "reminder-1440", "sent"),
    ]


async def test_i_cant_come_from_the_reminder_stops_the_next_reminder(bot: Harness):
    tr = translator(bot, "mk", "Europe/Skopje")
    albanian, macedonian = bot.user(SQ, "sq"), bot.user(MK, "mk")
    await tirana_session(bot.deps.database, bot.clock.now() + timedelta(days=2))
    await bot.advance(hours=24)
    await macedonian.tap(tr._("🙋 I can't come"))
    await macedonian.tap(tr._("Yes, I can't come"))
    async with bot.deps.database.session() as db:
        statuses = (await db.exec(select(Registration.status))).all()
    assert sorted(statuses) == ["apologised", "registered"]
    await bot.advance(hours=23)  # the 1-hour mark
    assert len(albanian.bot_messages()) == 2
    assert [kind for telegram_id, kind, _ in await deliveries(bot) if telegram_id == MK] == [
        "reminder-1440"
    ]


async def test_a_rescheduled_session_is_reminded_again_for_the_new_start(bot: Harness):
    albanian = bot.user(SQ, "sq")
    bot.user(MK, "mk")
    session_id, start = await tirana_session(bot.deps.database, bot.clock.now() + timedelta(days=2))
    await bot.advance(hours=24)
    assert len(albanian.bot_messages()) == 1
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        training.starts_at = start + timedelta(days=1)
        db.add(training)
    await bot.advance(hours=1)
    assert len(albanian.bot_messages()) == 1
    await bot.advance(hours=23)  # 24 hours before the new start
    assert len(albanian.bot_messages()) == 2


async def attend(harness: Harness, session_id: int, telegram_id: int, status: str) -> None:
    async with harness.deps.database.session() as db:
        person = (await db.exec(select(Learner).where(Learner.telegram_id == telegram_id))).one()
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        await record_attendance(db, training, person, status, method="code")


async def feedback_rows(harness: Harness) -> list[tuple[int, str | None]]:
    async with harness.deps.database.session() as db:
        return [(row.rating, row.comment) for row in (await db.exec(select(Feedback))).all()]


async def test_an_attendee_rates_the_session_and_comments(harness: Harness):
    sq_tr = translator(harness, "sq", "Europe/Tirane")
    mk_tr = translator(harness, "mk", "Europe/Skopje")
    async with harness.running():
        albanian, macedonian = harness.user(SQ, "sq"), harness.user(MK, "mk")
        session_id, _ = await tirana_session(
            harness.deps.database, harness.clock.now() + timedelta(minutes=30), 60
        )
        await harness.tick()  # the 1-hour reminder, late
        await attend(harness, session_id, SQ, "present")
        await attend(harness, session_id, MK, "absent")
        await harness.advance(minutes=100)  # ten minutes after the end
        question = albanian.last_message()
        async with harness.deps.database.session() as db:
            training = await db.get(TrainingSession, session_id)
            assert training is not None
        assert question.text == plain(question_text(sq_tr, training))
        assert albanian.buttons() == [["1", "2", "3", "4", "5"]]
        assert len(macedonian.bot_messages()) == 1  # only the reminder: absent, not asked

        await albanian.tap("4")
        assert sq_tr._("Your rating: {rating} of 5.", rating=4) in (
            harness.api.message(SQ, question.message_id).text or ""
        )
        assert albanian.last_message().text == sq_tr._(
            "Anything to add? Type a short comment, or tap Skip."
        )
        prompt = albanian.last_message()

    async with harness.running():  # the comment is still awaited after a restart
        await albanian.send("Shume e dobishme\u0308, faleminderit!")
        assert albanian.last_message().text == sq_tr._("Thank you! Your comment is saved.")
        assert await feedback_rows(harness) == [(4, "Shume e dobishmë, faleminderit!")]

        # Replayed and forged buttons change nothing.
        await albanian.tap("5", question)
        assert albanian.last_callback_answer().text == sq_tr._(  # type: ignore[union-attr]
            "You have already rated this session. Thank you!"
        )
        await albanian.tap(sq_tr._("Skip"), prompt)
        assert albanian.last_callback_answer().text == sq_tr._(  # type: ignore[union-attr]
            "This button is no longer valid."
        )
        reminder = macedonian.last_message().message_id
        await macedonian.tap_data(RateSession(session_id, 5).encode(), reminder)
        assert macedonian.last_callback_answer().text == mk_tr._(  # type: ignore[union-attr]
            "You can only rate a session you attended."
        )
        for forged in (
            f"fr:{session_id}:9",
            f"fr:{session_id}:0",
            "fr:x:1",
            f"fr:{session_id}",
            SkipComment(session_id).encode(),
        ):
            await macedonian.tap_data(forged, reminder)
            assert macedonian.last_callback_answer().text == mk_tr._(  # type: ignore[union-attr]
                "This button is no longer valid."
            )
        await harness.advance(hours=1)
        assert len(albanian.bot_messages()) == 4 and len(macedonian.bot_messages()) == 1
    assert await feedback_rows(harness) == [(4, "Shume e dobishmë, faleminderit!")]
    async with harness.deps.database.session() as db:
        assert (await db.exec(select(Draft))).first() is None
        statuses = (await db.exec(select(Learner.awaiting))).all()
        assert set(statuses) == {None}


async def test_skip_and_an_overlong_comment(bot: Harness):
    tr = translator(bot, "sq", "Europe/Tirane")
    albanian = bot.user(SQ, "sq")
    bot.user(MK, "mk")
    session_id, _ = await tirana_session(
        bot.deps.database, bot.clock.now() + timedelta(minutes=-90), 60
    )
    await attend(bot, session_id, SQ, "late")
    await bot.tick()
    await albanian.tap("2")
    await albanian.send("x" * 1001)
    assert albanian.last_message().text == tr._(
        "That is longer than {limit} characters. Please type a shorter comment, or tap Skip.",
        limit=1000,
    )
    await albanian.tap(tr._("Skip"))
    assert albanian.last_message().text == tr._("Thank you for your feedback!")
    assert await feedback_rows(bot) == [(2, None)]
    await albanian.send("hello")
    assert await feedback_rows(bot) == [(2, None)]
