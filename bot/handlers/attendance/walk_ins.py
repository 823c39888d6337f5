"""Adding a walk-in participant (without Telegram): a short conversation, typed and tapped.

The service keeps the conversation in a draft and sets the text step "walkin"."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.handlers.attendance.data import CancelWalkIn, ShowRoster, StartWalkIn, WalkInAnswer
from bot.handlers.attendance.texts import error_text
from bot.handlers.common.entry import (
    ANYONE,
    NotAllowed,
    Refusal,
    Stale,
    guarded,
    on_button,
    on_text,
)
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, end_conversation, keeps_role, managed_training
from bot.i18n.labels import (
    AGE_BAND_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
)
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import attendance
from bot.services.attendance import AttendanceError, Reason, WalkInDraft, WalkInStep
from bot.services.learners import UNDISCLOSED

WALK_IN = attendance.WALK_IN
"""The text step of the walk-in conversation (the service sets it)."""
RETYPE = (Reason.EMPTY, Reason.TOO_LONG, Reason.UNKNOWN_CHOICE)
"""Refused answers: the question is asked again."""


def walk_in_keyboard(tr: Translator, step: WalkInStep) -> InlineKeyboardMarkup:
    cancel = [button(tr._("Cancel"), CancelWalkIn())]
    undisclosed = [button(tr._(PREFER_NOT_TO_SAY), WalkInAnswer(step, UNDISCLOSED))]
    if step == WalkInStep.ORGANISATION:
        return markup([[button(tr._("Skip"), WalkInAnswer(step, UNDISCLOSED))], cancel])
    if step == WalkInStep.COUNTRY:
        choices = [
            button(tr._(name), WalkInAnswer(step, code)) for code, name in COUNTRY_NAMES.items()
        ]
        return markup([*rows(choices, 2), undisclosed, cancel])
    if step == WalkInStep.GENDER:
        choices = [
            button(tr._(name), WalkInAnswer(step, code)) for code, name in GENDER_NAMES.items()
        ]
        return markup([choices, undisclosed, cancel])
    if step == WalkInStep.AGE:
        choices = [
            button(tr._(name) if code in TRANSLATED_AGE_BANDS else name, WalkInAnswer(step, code))
            for code, name in AGE_BAND_NAMES.items()
        ]
        return markup([*rows(choices, 3), undisclosed, cancel])
    return markup([cancel])


def walk_in_question(tr: Translator, draft: WalkInDraft) -> str:
    if draft.step == WalkInStep.NAME:
        return tr._(
            "<b>Add a walk-in participant</b>\n\n"
            "First ask the person whether they agree that their name and these answers are "
            "recorded for the programme's reports. Add them only if they agree.\n\n"
            "<b>Type their full name:</b>"
        )
    if draft.step == WalkInStep.ORGANISATION:
        return tr._(
            "<b>Which organisation is {name} with?</b> Type its name, or tap Skip.",
            name=draft.name,
        )
    if draft.step == WalkInStep.COUNTRY:
        return tr._("<b>Which country does {name} work in?</b>", name=draft.name)
    if draft.step == WalkInStep.GENDER:
        return tr._("<b>What is the gender of {name}?</b>", name=draft.name)
    return tr._("<b>How old is {name}?</b>", name=draft.name)


@on_button(StartWalkIn, roles=MANAGERS)
async def start_walk_in(
    update: Update, context: BotContext, current: Turn, data: StartWalkIn
) -> None:
    training = await managed_training(context, current, data.session_id)
    tr = current.tr
    try:
        draft = await attendance.begin_walk_in(
            current.db,
            current.learner,
            data.session_id,
            context.deps.clock.now(),
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except AttendanceError as error:
        await answer_query(update, error_text(tr, error, training), alert=True)
        return
    await answer_query(update)
    await show(update, walk_in_question(tr, draft), walk_in_keyboard(tr, draft.step), edit=False)


async def _walk_in_step(
    update: Update, context: BotContext, current: Turn, step: WalkInStep | None, value: str | None
) -> None:
    """One answer of the walk-in conversation, tapped or typed (``step`` None: typed where a
    button is asked for). Someone who may no longer add people loses the conversation."""
    tr = current.tr
    tapped = update.callback_query is not None
    if not await keeps_role(update, context, current, WALK_IN):
        return
    draft = await attendance.walk_in_draft(current.db, current.learner)
    if draft is None:
        await attendance.cancel_walk_in(current.db, current.learner)
        if tapped:
            raise Stale
        await show(update, tr._("Nobody is being added right now. /attendance starts again."))
        return
    try:
        training = await managed_training(context, current, draft.session_id)
    except Refusal:
        await attendance.cancel_walk_in(current.db, current.learner)
        raise NotAllowed from None
    if step != draft.step:
        if tapped:
            raise Stale
        await show(
            update,
            tr._("Please tap one of the buttons.") + "\n\n" + walk_in_question(tr, draft),
            walk_in_keyboard(tr, draft.step),
        )
        return
    try:
        result = await attendance.walk_in_answer(
            current.db,
            current.learner,
            step,
            value,
            context.deps.clock.now(),
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except AttendanceError as error:
        await answer_query(update)
        if error.reason in RETYPE:
            await show(
                update,
                error_text(tr, error, training) + "\n\n" + walk_in_question(tr, draft),
                walk_in_keyboard(tr, draft.step),
                edit=False,
            )
            return
        await attendance.cancel_walk_in(current.db, current.learner)
        await show(update, error_text(tr, error, training), edit=False)
        return
    await answer_query(update)
    if isinstance(result, WalkInDraft):
        await show(update, walk_in_question(tr, result), walk_in_keyboard(tr, result.step))
        return
    assert training.id is not None
    await show(
        update,
        tr._(
            "✅ {name} was added to {title} and marked present.",
            name=result.display_name or "",
            title=training.title,
        ),
        markup(
            [
                [button(tr._("➕ Add another walk-in"), StartWalkIn(training.id))],
                [button(tr._("📋 Roster"), ShowRoster(training.id, 0))],
            ]
        ),
    )


@on_text(WALK_IN, roles=MANAGERS, leave=lambda current: end_conversation(current, WALK_IN))
async def receive_walk_in_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    draft = await attendance.walk_in_draft(current.db, current.learner)
    step = WalkInStep.NAME if draft is None else draft.step
    typed = step if step.typed else None
    await guarded(
        update,
        context,
        current,
        ANYONE,
        lambda: _walk_in_step(update, context, current, typed, text),
    )


@on_button(WalkInAnswer, roles=ANYONE)  # the role is checked inside: losing it ends the draft
async def walk_in_button(
    update: Update, context: BotContext, current: Turn, data: WalkInAnswer
) -> None:
    value = None if data.value == UNDISCLOSED else data.value
    await _walk_in_step(update, context, current, data.step, value)


@on_button(CancelWalkIn, roles=ANYONE)  # one's own conversation: no role needed to end it
async def cancel_walk_in(
    update: Update, context: BotContext, current: Turn, data: CancelWalkIn
) -> None:
    if not await attendance.cancel_walk_in(current.db, current.learner):
        raise Stale
    await answer_query(update)
    await show(update, current.tr._("All right, nobody was added."))
