"""Feedback after a session: the 1-5 question (a periodic task), the rating buttons, a comment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from telegram import Bot, InlineKeyboardMarkup, Update

from bot.handlers.common import keyboards
from bot.handlers.common.callback_data import Between, CallbackData
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_text
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.reminders import learner_translator
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.runtime.context import BotContext, Deps
from bot.runtime.send_once import send_once
from bot.services import feedback

COMMENT = feedback.KIND
"""The text step while an attendee may type a comment (the service sets it)."""


@dataclass(frozen=True)
class RateSession(CallbackData):
    """A tap on 1..5 under the question about ``session``."""

    prefix = "fr"
    session: int
    rating: Annotated[int, Between(1, 5)]


@dataclass(frozen=True)
class SkipComment(CallbackData):
    prefix = "fs"
    session: int


def question_text(tr: Translator, training: TrainingSession) -> str:
    return tr._(
        "📝 <b>How useful was {title}</b> ({date})?\n\n"
        "Tap a number: 1 = not useful at all, 5 = very useful.",
        title=training.title,
        date=tr.date(training.starts_at),
    )


def rating_keyboard(session_id: int) -> InlineKeyboardMarkup:
    return keyboards.markup(
        [
            [
                keyboards.button(str(rating), RateSession(session_id, rating))
                for rating in (1, 2, 3, 4, 5)
            ]
        ]
    )


def skip_keyboard(tr: Translator, session_id: int) -> InlineKeyboardMarkup:
    return keyboards.markup([[keyboards.button(tr._("Skip"), SkipComment(session_id))]])


async def send_feedback_questions(deps: Deps, bot: Bot) -> None:
    """Asks each attendee of a session that has ended how useful it was, once."""
    now = deps.clock.now()
    async with deps.database.session() as db:
        due = await feedback.due_questions(db, now)
    for item in due:
        training = item.training
        assert training.id is not None
        tr = learner_translator(deps, item.learner)
        await send_once(
            deps,
            bot,
            session_id=training.id,
            learner=item.learner,
            kind=feedback.KIND,
            session_start=item.session_start,
            text=question_text(tr, training),
            keyboard=rating_keyboard(training.id),
        )


@on_button(RateSession, roles=ANYONE)
async def rate(update: Update, context: BotContext, current: Turn, data: RateSession) -> None:
    tr = current.tr
    result = await feedback.record_rating(
        current.db, current.learner, data.session, data.rating, context.deps.clock.now()
    )
    if result.outcome == feedback.Rated.INVALID:
        raise Stale
    if result.outcome == feedback.Rated.NOT_ATTENDED:
        await answer_query(update, tr._("You can only rate a session you attended."))
        return
    if result.outcome == feedback.Rated.ALREADY:
        await answer_query(update, tr._("You have already rated this session. Thank you!"))
        return
    assert result.training is not None
    await answer_query(update)
    rated = tr._("Your rating: {rating} of 5.", rating=data.rating)
    await show(update, f"{question_text(tr, result.training)}\n\n{rated}")
    if result.comment_asked:
        await show(
            update,
            tr._("Anything to add? Type a short comment, or tap Skip."),
            skip_keyboard(tr, data.session),
            edit=False,
        )
    else:
        await show(update, tr._("Thank you for your feedback!"), edit=False)


@on_text(COMMENT, roles=ANYONE)
async def receive_comment(update: Update, context: BotContext, current: Turn) -> None:
    """The typed comment after a rating."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    session_id = await feedback.awaited_comment(current.db, current.learner)
    outcome = await feedback.record_comment(current.db, current.learner, message.text)
    if outcome == feedback.Commented.STORED:
        await show(update, tr._("Thank you! Your comment is saved."))
        return
    if outcome == feedback.Commented.NOT_AWAITED or session_id is None:
        await show(
            update,
            tr._(
                "I answer to buttons and commands. "
                "/lessons opens the lessons, /help lists the rest."
            ),
        )
        return
    if outcome == feedback.Commented.TOO_LONG:
        text = tr._(
            "That is longer than {limit} characters. Please type a shorter comment, or tap Skip.",
            limit=feedback.MAX_COMMENT,
        )
    else:
        text = tr._("Please type a short comment, or tap Skip.")
    await show(update, text, skip_keyboard(tr, session_id), edit=False)


@on_button(SkipComment, roles=ANYONE)
async def skip(update: Update, context: BotContext, current: Turn, data: SkipComment) -> None:
    if not await feedback.skip_comment(current.db, current.learner, data.session):
        raise Stale
    await answer_query(update)
    await show(update, current.tr._("Thank you for your feedback!"))


HANDLERS: Handlers = (rate, skip)
