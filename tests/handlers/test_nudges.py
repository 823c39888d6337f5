"""Study nudges and the review of missed questions through Telegram: a learner picks a daily
time and a time zone, the nudge arrives once per due time (across a restart too), points to
where they left off and stops with one tap; a question missed in the quiz comes back days
later, asked again with its explanation and recorded apart from the quiz."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.handlers.nudges import PickTime
from bot.models import NudgeDelivery, NudgePlan, QuizAnswer, QuizAttempt, ReviewItem
from bot.services import nudges
from bot.services.nudges import Frequency
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import (
    flat,
    on_screen,
    option_label,
    plain,
    read_and_open_quiz,
    take_quiz,
)

LEARNER = 6201
BELGRADE = ZoneInfo("Europe/Belgrade")


async def plan_of(harness: Harness) -> NudgePlan:
    async with harness.deps.database.session() as db:
        return (await db.exec(select(NudgePlan))).one()


async def deliveries(harness: Harness) -> list[tuple[datetime, str]]:
    async with harness.deps.database.session() as db:
        rows = await db.exec(select(NudgeDelivery).order_by(NudgeDelivery.due_at))
        return [(row.due_at, row.status) for row in rows.all()]


async def choose_daily_at_six(harness: Harness, learner: TelegramUser) -> NudgePlan:
    tr = harness.tr("en")
    await learner.send("/studytime")
    assert tr._("Study reminders are off.") in (learner.last_message().text or "")
    await learner.tap(tr._("Every day"))
    times = flat(learner.buttons())
    assert "18:00" in times and "🌙 21:30" in times and "22:00" not in times
    await learner.tap("18:00")
    zones = flat(learner.buttons())
    # Kosovo's zone first, then the bot's and common ones, and fixed UTC offsets.
    assert zones[0] == "Europe/Belgrade" and "UTC+02:00" in zones
    await learner.tap("Europe/Belgrade")
    shown = learner.last_message().text or ""
    assert (
        tr._("Study reminders: every day at {time} ({zone}).", time="18:00", zone="Europe/Belgrade")
        in shown
    )
    return await plan_of(harness)


async def test_a_daily_nudge_arrives_once_per_due_time_across_a_restart(
    harness: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = harness.tr("en")
    title = module.text("en").title
    async with harness.running():
        learner = await harness.onboarded(LEARNER, country="Kosovo")
        await learner.send("/lessons")
        await learner.tap(module.text("en").button_title)
        await learner.tap(tr._("▶️ Start the lessons"))
        await learner.tap(tr._("Next ▶️"))  # left off at card 2
        plan = await choose_daily_at_six(harness, learner)
        # A time in quiet hours is taken only as such: a forged "not quiet" 22:00 is refused.
        await learner.tap_data(
            PickTime(Frequency.DAILY, 0, 22 * 60, False).encode(),
            learner.last_message().message_id,
        )
        assert learner.last_callback_answer().text == "This button is no longer valid."

        due = nudges.next_due(plan, harness.clock.now())
        assert due.astimezone(BELGRADE).hour == 18
        sent_before = len(learner.bot_messages())
        harness.clock.advance(due - harness.clock.now() - timedelta(minutes=1))
        await harness.tick()
        assert len(learner.bot_messages()) == sent_before  # not yet

        await harness.advance(minutes=2)
        nudge = learner.last_message()
        assert len(learner.bot_messages()) == sent_before + 1
        assert tr._("You stopped at card {card} of {module}.", card=2, module=title) in (
            nudge.text or ""
        )
        assert flat(learner.buttons(nudge)) == [
            tr._("▶️ Continue where I left off"),
            tr._("🔕 Stop these reminders"),
        ]
        await harness.tick()
        assert len(learner.bot_messages()) == sent_before + 1

    async with harness.running():  # the bot restarts: the nudge is not sent again
        await harness.advance(minutes=30)
        assert len(learner.bot_messages()) == sent_before + 1

    # Down for a whole day and more: the missed due time is skipped, the next one goes once.
    harness.clock.advance(timedelta(days=1, hours=10))
    async with harness.running():
        await harness.tick()
        assert len(learner.bot_messages()) == sent_before + 1
        harness.clock.advance(nudges.next_due(plan, harness.clock.now()) - harness.clock.now())
        await harness.advance(minutes=1)
        await harness.tick()
        assert len(learner.bot_messages()) == sent_before + 2
        await learner.tap(tr._("▶️ Continue where I left off"))
        header = plain(
            tr._(
                "<b>{title}</b> · {current}/{total}",
                title=title,
                current=2,
                total=module.card_count,
            )
        )
        assert (learner.last_message().text or "").startswith(header)
        # The stop under an earlier nudge works as well as under the last one.
        await learner.tap(tr._("🔕 Stop these reminders"), nudge)
        stopped = learner.api.message(learner.chat_id, nudge.message_id)
        assert stopped is not None and stopped.text == tr._(
            "Study reminders are off. /studytime turns them on again."
        )
        assert (await plan_of(harness)).stopped_at is not None
        await harness.advance(days=1)
        assert len(learner.bot_messages()) == sent_before + 2
    assert [status for _due, status in await deliveries(harness)] == ["sent", "sent"]


def test_due_times_follow_the_zone_and_a_fixed_offset():
    plan = NudgePlan(learner_id=1, zone="UTC+02:00", minute_of_day=18 * 60)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert nudges.next_due(plan, now) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    weekly = NudgePlan(
        learner_id=1, zone="Europe/Skopje", minute_of_day=8 * 60, frequency="weekly", weekday=0
    )
    # Monday 7 December 2026, 08:00 in Skopje (CET) is 07:00 UTC.
    assert nudges.last_due(weekly, now) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert nudges.next_due(weekly, now) == datetime(2026, 12, 14, 7, 0, tzinfo=UTC)
    assert nudges.in_quiet_hours(21 * 60) and nudges.in_quiet_hours(7 * 60 + 59)
    assert not nudges.in_quiet_hours(8 * 60) and not nudges.in_quiet_hours(20 * 60 + 59)


async def test_missed_questions_come_back_for_review_apart_from_the_quiz(
    harness: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = harness.tr("en")
    async with harness.running():
        learner = await harness.onboarded(LEARNER, country="Kosovo")
        await read_and_open_quiz(learner, tr, module)
        await take_quiz(learner, module, "en", wrong={0, 1})
        await learner.tap(tr._("⏰ Study reminders"))
        plan = await choose_daily_at_six(harness, learner)
        async with harness.deps.database.session() as db:
            missed = list((await db.exec(select(ReviewItem).order_by(ReviewItem.id))).all())
            attempts = len((await db.exec(select(QuizAttempt))).all())
            answers = len((await db.exec(select(QuizAnswer))).all())
        assert len(missed) == 2
        assert all(item.due_at - item.created_at == nudges.REVIEW_AFTER for item in missed)

        # The first nudge comes before they are due: no review offered yet.
        harness.clock.advance(nudges.next_due(plan, harness.clock.now()) - harness.clock.now())
        await harness.advance(minutes=1)
        assert tr._("🔁 Review {n} questions", n=2) not in flat(learner.buttons())
        # Three days later the nudge offers them.
        due = nudges.next_due(plan, missed[-1].due_at)
        harness.clock.advance(due - harness.clock.now())
        await harness.advance(minutes=1)
        nudge = learner.last_message()
        assert tr.ngettext(
            "{n} question you missed is ready for a short review.",
            "{n} questions you missed are ready for a short review.",
            2,
        ) in (nudge.text or "")
        await learner.tap(tr.ngettext("🔁 Review {n} question", "🔁 Review {n} questions", 2))

        first = learner.last_message().text or ""
        question, _letters = on_screen(module, "en", first)
        assert question.id == missed[0].question_id
        await learner.tap(option_label(module, "en", first, right=True))
        feedback = learner.bot_messages()[-2].text or ""
        assert tr._("✅ Right!") in feedback
        second = learner.last_message().text or ""
        again, _ = on_screen(module, "en", second)
        assert again.id == missed[1].question_id
        await learner.tap(option_label(module, "en", second, right=False))
        wrong = learner.bot_messages()[-2].text or ""
        assert "Not quite." in wrong
        explanation = module.text("en").questions[again.id].explanation
        assert explanation.replace("<b>", "").replace("</b>", "")[:30] in wrong
        assert learner.last_message().text == tr._(
            "That was the review. Well done! Questions you missed come back in a few days."
        )

    async with harness.deps.database.session() as db:
        items = list((await db.exec(select(ReviewItem).order_by(ReviewItem.id))).all())
        # Recorded apart from the quiz: no attempt and no answer more.
        assert len((await db.exec(select(QuizAttempt))).all()) == attempts
        assert len((await db.exec(select(QuizAnswer))).all()) == answers
    assert [(item.question_id, item.correct) for item in items[:2]] == [
        (missed[0].question_id, True),
        (missed[1].question_id, False),
    ]
    # The one missed again comes back once more, later.
    [later] = items[2:]
    assert later.question_id == missed[1].question_id and later.answered_at is None
    assert later.due_at > due
