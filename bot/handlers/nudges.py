"""Study nudges and the review of missed questions: ``/studytime`` (also offered at the end of
a module) sets a daily or weekly nudge at a time and in a time zone the learner picks; a
periodic task sends each nudge once, with where they left off, the questions due for review
and a one-tap stop. (``reminders`` is about training sessions, not this.)"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from sqlalchemy.exc import IntegrityError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.content.catalogue import Module, Question
from bot.handlers.common.callback_data import Between, CallbackData, MenuTarget, OpenMenu
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_command
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.learning.data import ShowCard
from bot.i18n.translator import Html, Translator
from bot.models import Learner, NudgePlan, ReviewItem
from bot.runtime.context import BotContext, Deps
from bot.services import learners, nudges
from bot.services.nudges import Frequency, NudgeError, Reason
from bot.services.quiz import LETTERS

log = logging.getLogger(__name__)

MINUTES = Annotated[int, Between(0, 24 * 60 - 1)]


@dataclass(frozen=True)
class OpenStudyTime(CallbackData):
    prefix = "st"


@dataclass(frozen=True)
class PickFrequency(CallbackData):
    prefix = "stf"
    frequency: Frequency


@dataclass(frozen=True)
class PickWeekday(CallbackData):
    prefix = "stw"
    weekday: Annotated[int, Between(0, 6)]


@dataclass(frozen=True)
class PickTime(CallbackData):
    prefix = "stt"
    frequency: Frequency
    weekday: Annotated[int, Between(0, 6)]
    minute: MINUTES
    quiet: bool


@dataclass(frozen=True)
class PickZone(CallbackData):
    prefix = "stz"
    frequency: Frequency
    weekday: Annotated[int, Between(0, 6)]
    minute: MINUTES
    quiet: bool
    zone: Annotated[int, Between(0, 15)]


@dataclass(frozen=True)
class StopNudges(CallbackData):
    prefix = "sts"


@dataclass(frozen=True)
class StartReview(CallbackData):
    prefix = "nrs"


@dataclass(frozen=True)
class AnswerReview(CallbackData):
    prefix = "nra"
    review: int
    option: str


# -- texts -----------------------------------------------------------------------------------


def clock(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def weekday_name(tr: Translator, weekday: int) -> str:
    return str(tr.locale.days["format"]["wide"][weekday])


def plan_text(tr: Translator, plan: NudgePlan | None) -> str:
    if plan is None or plan.stopped_at is not None:
        return tr._("Study reminders are off.")
    when = clock(plan.minute_of_day)
    if plan.frequency == Frequency.WEEKLY:
        return tr._(
            "Study reminders: every {day} at {time} ({zone}).",
            day=weekday_name(tr, plan.weekday),
            time=when,
            zone=plan.zone,
        )
    return tr._("Study reminders: every day at {time} ({zone}).", time=when, zone=plan.zone)


def settings_text(tr: Translator, plan: NudgePlan | None) -> str:
    return "\n\n".join(
        [
            plan_text(tr, plan),
            tr._(
                "A short message at a time you pick brings you back to where you left off, "
                "with the questions you missed for a quick review. How often?"
            ),
        ]
    )


def settings_keyboard(tr: Translator, plan: NudgePlan | None) -> InlineKeyboardMarkup:
    grid = [
        [
            button(tr._("Every day"), PickFrequency(Frequency.DAILY)),
            button(tr._("Once a week"), PickFrequency(Frequency.WEEKLY)),
        ]
    ]
    if plan is not None and plan.stopped_at is None:
        grid.append([button(tr._("🔕 Stop study reminders"), StopNudges())])
    return markup(grid)


def error_text(tr: Translator, error: NudgeError) -> str:
    if error.reason == Reason.NO_CONSENT:
        return tr._(
            "Study reminders keep your chosen time with us, so they need your consent. "
            "/privacy lets you give it."
        )
    return tr._("Between 21:00 and 08:00 there are no reminders unless you choose such a time.")


# -- /studytime ------------------------------------------------------------------------------


async def _show_settings(update: Update, current: Turn) -> None:
    plan = await nudges.plan_of(current.db, current.learner)
    await show(update, settings_text(current.tr, plan), settings_keyboard(current.tr, plan))


@on_command("studytime", roles=ANYONE)
async def studytime_command(update: Update, context: BotContext, current: Turn) -> None:
    await _show_settings(update, current)


@on_button(OpenStudyTime, roles=ANYONE)
async def open_studytime(
    update: Update, context: BotContext, current: Turn, data: OpenStudyTime
) -> None:
    await answer_query(update)
    plan = await nudges.plan_of(current.db, current.learner)
    await show(
        update, settings_text(current.tr, plan), settings_keyboard(current.tr, plan), edit=False
    )


def times_keyboard(tr: Translator, frequency: Frequency, weekday: int) -> InlineKeyboardMarkup:
    usual = [
        button(clock(minute), PickTime(frequency, weekday, minute, False))
        for minute in nudges.TIMES
    ]
    quiet = [
        button(f"🌙 {clock(minute)}", PickTime(frequency, weekday, minute, True))
        for minute in nudges.QUIET_TIMES
    ]
    return markup([*rows(usual, 4), quiet])


def times_text(tr: Translator) -> str:
    return tr._(
        "At what time? (Your local time; 🌙 times are in the quiet hours, 21:00–08:00, "
        "and are sent only because you choose them.)"
    )


@on_button(PickFrequency, roles=ANYONE)
async def pick_frequency(
    update: Update, context: BotContext, current: Turn, data: PickFrequency
) -> None:
    tr = current.tr
    await answer_query(update)
    if data.frequency == Frequency.WEEKLY:
        days = [button(weekday_name(tr, day), PickWeekday(day)) for day in range(7)]
        await show(update, tr._("On which day?"), markup(rows(days, 4)))
        return
    await show(update, times_text(tr), times_keyboard(tr, data.frequency, 0))


@on_button(PickWeekday, roles=ANYONE)
async def pick_weekday(
    update: Update, context: BotContext, current: Turn, data: PickWeekday
) -> None:
    await answer_query(update)
    await show(
        update, times_text(current.tr), times_keyboard(current.tr, Frequency.WEEKLY, data.weekday)
    )


def _zones(context: BotContext, learner: Learner) -> tuple[str, ...]:
    return nudges.zone_choices(learner, context.deps.settings.timezone)


@on_button(PickTime, roles=ANYONE)
async def pick_time(update: Update, context: BotContext, current: Turn, data: PickTime) -> None:
    tr = current.tr
    if nudges.in_quiet_hours(data.minute) and not data.quiet:
        raise Stale
    await answer_query(update)
    zones = _zones(context, current.learner)
    choices = [
        button(
            zone,
            PickZone(data.frequency, data.weekday, data.minute, data.quiet, index),
        )
        for index, zone in enumerate(zones)
    ]
    await show(
        update,
        tr._("In which time zone? The first is your country's."),
        markup(rows(choices, 2)),
    )


@on_button(PickZone, roles=ANYONE)
async def pick_zone(update: Update, context: BotContext, current: Turn, data: PickZone) -> None:
    tr = current.tr
    zones = _zones(context, current.learner)
    if data.zone >= len(zones):
        raise Stale
    now = context.deps.clock.now()
    try:
        plan = await nudges.choose(
            current.db,
            current.learner,
            frequency=data.frequency,
            weekday=data.weekday,
            minute_of_day=data.minute,
            zone=zones[data.zone],
            quiet_chosen=data.quiet,
            now=now,
        )
    except NudgeError as error:
        if error.reason not in (Reason.NO_CONSENT, Reason.QUIET_HOURS):
            raise
        await answer_query(update, error_text(tr, error), alert=True)
        return
    await answer_query(update)
    due = nudges.next_due(plan, now)
    lines = [
        plan_text(tr, plan),
        tr._(
            "The first one comes on {date} at {time}.",
            date=tr.date(due.astimezone(nudges.zone_of(plan.zone))),
            time=clock(plan.minute_of_day),
        ),
        tr._("Every reminder has a button to stop them."),
    ]
    await show(
        update,
        "\n\n".join(lines),
        markup([[button(tr._("🔕 Stop study reminders"), StopNudges())]]),
    )


@on_button(StopNudges, roles=ANYONE)
async def stop_nudges(update: Update, context: BotContext, current: Turn, data: StopNudges) -> None:
    tr = current.tr
    await nudges.stop(current.db, current.learner, context.deps.clock.now())
    await answer_query(update)
    await show(
        update,
        tr._("Study reminders are off. /studytime turns them on again."),
    )


# -- the nudge (a periodic task) -------------------------------------------------------------


def nudge_text(tr: Translator, module: Module | None, card: int, reviews: int) -> str:
    lines = [tr._("📚 <b>Time for a few minutes of learning.</b>")]
    if module is not None:
        lines.append(
            tr._(
                "You stopped at card {card} of {module}.",
                card=card + 1,
                module=module.text(tr.language_code).title,
            )
        )
    if reviews:
        lines.append(
            tr.ngettext(
                "{n} question you missed is ready for a short review.",
                "{n} questions you missed are ready for a short review.",
                reviews,
            )
        )
    return "\n\n".join(lines)


def nudge_keyboard(
    tr: Translator, module: Module | None, card: int, reviews: int
) -> InlineKeyboardMarkup:
    grid: list[list[InlineKeyboardButton]] = []
    if module is not None:
        grid.append([button(tr._("▶️ Continue where I left off"), ShowCard(module.id, card))])
    else:
        grid.append([button(tr._("📚 Lessons"), OpenMenu(MenuTarget.LESSONS))])
    if reviews:
        grid.append(
            [
                button(
                    tr.ngettext("🔁 Review {n} question", "🔁 Review {n} questions", reviews),
                    StartReview(),
                )
            ]
        )
    grid.append([button(tr._("🔕 Stop these reminders"), StopNudges())])
    return markup(grid)


async def send_nudges(deps: Deps, bot: Bot) -> None:
    """Each due nudge once: its row is committed before it goes (a restart, or a second
    tick, finds it claimed); one missed by more than ``nudges.WINDOW`` is skipped."""
    now = deps.clock.now()
    async with deps.database.session() as db:
        due = await nudges.due_nudges(db, now)
    for item in due:
        learner = item.learner
        assert learner.id is not None and learner.telegram_id is not None
        async with deps.database.session() as db:
            resume = await nudges.where_left_off(db, learner, deps.catalogue)
            reviews = len(await nudges.due_reviews(db, learner, now))
        try:
            async with deps.database.session() as db:
                delivery_id = await nudges.claim(db, learner.id, item.due_at, now)
        except IntegrityError:
            continue  # claimed by someone else meanwhile
        tr = deps.translator_for(learner)
        module = deps.catalogue.get(resume.module_id) if resume else None
        card = resume.card if resume else 0
        status = "sent"
        try:
            await bot.send_message(
                learner.telegram_id,
                nudge_text(tr, module, card, reviews),
                reply_markup=nudge_keyboard(tr, module, card, reviews),
            )
        except Forbidden:
            status = "unreachable"
        except BadRequest as error:
            log.warning("nudge %s not delivered: %s", delivery_id, error.message)
            status = "failed"
        except TelegramError as error:
            # It may or may not have arrived: the claim stays, it is never sent again.
            log.warning("nudge %s may not have arrived: %s", delivery_id, type(error).__name__)
            continue
        async with deps.database.session() as db:
            await nudges.finish(db, delivery_id, status)
            if status == "unreachable":
                await learners.mark_unreachable(db, learner_id=learner.id)


# -- the review of missed questions ----------------------------------------------------------


def review_text(tr: Translator, module: Module, question: Question, item: ReviewItem) -> str:
    text = module.text(tr.language_code).questions[question.id]
    options = "\n".join(
        f"<b>{LETTERS[position]}</b>) {text.options[option]}"
        for position, option in enumerate(nudges.option_order(item, question))
    )
    header = tr._("🔁 <b>Review</b> · {module}", module=module.text(tr.language_code).title)
    return f"{header}\n\n<b>{text.text}</b>\n\n{options}"


def review_keyboard(item: ReviewItem, question: Question) -> InlineKeyboardMarkup:
    assert item.id is not None
    review_id = item.id
    return markup(
        [
            [
                button(LETTERS[position], AnswerReview(review_id, option))
                for position, option in enumerate(nudges.option_order(item, question))
            ]
        ]
    )


async def _next_review(update: Update, context: BotContext, current: Turn, *, edit: bool) -> bool:
    """Asks the next question due for review; False when none is due."""
    for item in await nudges.due_reviews(current.db, current.learner, context.deps.clock.now()):
        found = nudges.question_of(item, context.deps.catalogue)
        if found is None:
            continue
        module, question = found
        await show(
            update,
            review_text(current.tr, module, question, item),
            review_keyboard(item, question),
            edit=edit,
        )
        return True
    return False


@on_button(StartReview, roles=ANYONE)
async def start_review(
    update: Update, context: BotContext, current: Turn, data: StartReview
) -> None:
    tr = current.tr
    await answer_query(update)
    if not await _next_review(update, context, current, edit=False):
        await show(update, tr._("No questions are due for review just now."), edit=False)


@on_button(AnswerReview, roles=ANYONE)
async def answer_review(
    update: Update, context: BotContext, current: Turn, data: AnswerReview
) -> None:
    tr = current.tr
    item, module, question, correct = await nudges.answer_review(
        current.db,
        current.learner,
        data.review,
        data.option,
        context.deps.catalogue,
        context.deps.clock.now(),
    )
    await answer_query(update, tr._("✅ Right!") if correct else tr._("❌ Not quite."))
    text = module.text(tr.language_code).questions[question.id]
    order = nudges.option_order(item, question)
    verdict = (
        tr._("✅ Right!")
        if correct
        else tr._(
            "❌ Not quite. The right answer is {letter}) {option}",
            letter=LETTERS[order.index(question.correct)],
            option=Html(text.options[question.correct]),
        )
    )
    await show(update, "\n\n".join([f"<b>{text.text}</b>", verdict, text.explanation]))
    if not await _next_review(update, context, current, edit=False):
        await show(
            update,
            tr._("That was the review. Well done! Questions you missed come back in a few days."),
            edit=False,
        )


HANDLERS: Handlers = (
    studytime_command,
    open_studytime,
    pick_frequency,
    pick_weekday,
    pick_time,
    pick_zone,
    stop_nudges,
    start_review,
    answer_review,
)
