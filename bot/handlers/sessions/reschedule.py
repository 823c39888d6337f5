"""Moving a session: the new day (tapped from the next seven, or typed, with the time or
without), the time, and the new date read back for a yes or no before everyone registered
is told. The conversation is the edit draft ("session-edit") with the steps of
:class:`~bot.handlers.sessions.data.EditStep`; a button of a step it has left is stale."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common.entry import Stale, on_button
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS
from bot.handlers.sessions.data import (
    CancelEdit,
    DraftField,
    EditMove,
    EditPick,
    EditStep,
    Move,
)
from bot.handlers.sessions.notices import RESCHEDULED, notify_registered
from bot.handlers.sessions.picking import (
    check_day,
    date_example,
    date_first,
    date_problem,
    day_buttons,
    long_date,
    moment_of,
    read_day_value,
    read_time_value,
    take_keyboard_off,
    time_buttons,
    time_problem,
    today_of,
    when_words,
)
from bot.handlers.sessions.texts import error_text
from bot.handlers.sessions.view import show_view
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import drafts, sessions
from bot.services.sessions import Reason, SessionError

EDIT = "session-edit"
"""Text step and draft kind of a reschedule or a venue change."""
PROMPT = "prompt"
"""Draft key: the message id of the question on screen."""


def _day(data: dict[str, Any]) -> date | None:
    value = data.get("day")
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _time(data: dict[str, Any]) -> time | None:
    value = data.get("time")
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def cancel_row(tr: Translator, session_id: int) -> list[InlineKeyboardButton]:
    return [button(tr._("✖️ Cancel"), CancelEdit(session_id))]


def edit_question(
    tr: Translator,
    training: TrainingSession | None,
    step: EditStep,
    data: dict[str, Any],
    now: datetime,
) -> tuple[str, InlineKeyboardMarkup]:
    """The question of a reschedule step, with its buttons."""
    session_id = int(data["session_id"])
    if step == EditStep.WHEN:
        day, at = _day(data), _time(data)
        assert day is not None and at is not None
        return tr._(
            "Move the session to <b>{when}</b>? Everyone registered will be told.",
            when=when_words(tr, moment_of(tr, day, at)),
        ), markup(
            [
                [
                    button(tr._("✅ Yes"), EditMove(session_id, step, Move.YES)),
                    button(tr._("✏️ No, change it"), EditMove(session_id, step, Move.NO)),
                ],
                cancel_row(tr, session_id),
            ]
        )
    if step == EditStep.TIME:
        day = _day(data)
        text = tr._(
            "{date}: at what time does it start? Tap one, or type it "
            "(<code>10</code>, <code>10h</code>, <code>9:30</code>, <code>14h30</code>).",
            date=long_date(tr, day) if day else "",
        )
        grid = time_buttons(lambda value: EditPick(session_id, DraftField.TIME, value))
        grid.append(
            [
                button(tr._("« Back"), EditMove(session_id, step, Move.BACK)),
                *cancel_row(tr, session_id),
            ]
        )
        return text, markup(grid)
    assert training is not None
    text = tr._(
        "<b>{title}</b> starts on {when}.\n\nTap the new day or type the new date and local "
        "time, for example <code>{example}</code>",
        title=training.title,
        when=tr.date_time(training.starts_at),
        example=date_example(tr, now),
    )
    grid = day_buttons(tr, now, lambda value: EditPick(session_id, DraftField.DATE, value))
    grid.append(cancel_row(tr, session_id))
    return text, markup(grid)


async def ask_edit(
    update: Update,
    context: BotContext,
    current: Turn,
    step: EditStep,
    data: dict[str, Any],
    training: TrainingSession | None = None,
    *,
    edit: bool,
) -> None:
    """Moves the reschedule to ``step`` and asks it (the old question's buttons go)."""
    now = context.deps.clock.now()
    text, keyboard = edit_question(current.tr, training, step, data, now)
    chat = update.effective_chat
    assert chat is not None
    if not edit or update.callback_query is None:
        await take_keyboard_off(context, chat.id, data.get(PROMPT))
    shown = await show(update, text, keyboard, edit=edit)
    if shown is not None:
        data[PROMPT] = shown.message_id
    await drafts.save_draft(current.db, current.learner, EDIT, step, data, now)


def when_answer(
    tr: Translator, step: EditStep, text: str, data: dict[str, Any], now: datetime
) -> EditStep | str:
    """A typed or tapped date or time, taken into ``data``: the next step, or the short
    problem to answer (``data`` left as it was)."""
    try:
        typed = sessions.parse_typed(
            text, today_of(tr, now), "time" if step == EditStep.TIME else "date"
        )
        if typed.day is None and step == EditStep.DATE:
            return date_first(tr, now)
        if typed.at is None and step == EditStep.TIME:
            return time_problem(tr, SessionError(Reason.MALFORMED), now)
        day = check_day(tr, typed.day, now) if typed.day is not None else _day(data)
        if day is None:
            return date_first(tr, now)
        if typed.at is not None:
            sessions.local_moment(day, typed.at, tr.zone, now)
    except SessionError as error:
        return (date_problem if step == EditStep.DATE else time_problem)(tr, error, now)
    data["day"] = day.isoformat()
    data["typed_at"] = step.value
    if typed.at is None:
        return EditStep.TIME
    data["time"] = typed.at.isoformat("minutes")
    return EditStep.WHEN


async def receive_when(
    update: Update,
    context: BotContext,
    current: Turn,
    step: EditStep,
    text: str,
    data: dict[str, Any],
) -> None:
    """A typed answer at a reschedule step."""
    tr = current.tr
    if step == EditStep.WHEN:
        await show(update, tr._("Please tap Yes or No."), edit=False)
        return
    following = when_answer(tr, step, text, data, context.deps.clock.now())
    if not isinstance(following, EditStep):
        await show(update, following, edit=False)
        return
    await ask_edit(update, context, current, following, data, edit=False)


async def _edit_draft(current: Turn, session_id: int, step: EditStep) -> dict[str, Any]:
    """The reschedule's answers, if it is at ``step`` for that session; else raises Stale."""
    draft = await drafts.get_draft(current.db, current.learner, EDIT)
    values = drafts.draft_data(draft) if draft is not None else {}
    if draft is None or draft.step != step or values.get("session_id") != session_id:
        raise Stale
    return values


@on_button(EditPick, roles=MANAGERS)
async def edit_pick(update: Update, context: BotContext, current: Turn, data: EditPick) -> None:
    step = EditStep.DATE if data.field == DraftField.DATE else EditStep.TIME
    values = await _edit_draft(current, data.session_id, step)
    day = read_day_value(data.value) if data.field == DraftField.DATE else None
    at = read_time_value(data.value) if data.field == DraftField.TIME else None
    if day is None and at is None:
        raise Stale
    typed = f"{day:%Y-%m-%d}" if day else f"{at:%H:%M}"
    following = when_answer(current.tr, step, typed, values, context.deps.clock.now())
    if not isinstance(following, EditStep):
        await answer_query(
            update, following.replace("<code>", "").replace("</code>", ""), alert=True
        )
        return
    await answer_query(update)
    await ask_edit(update, context, current, following, values, edit=True)


RETYPE = frozenset(
    {Reason.PAST, Reason.TOO_FAR, Reason.SAME_TIME, Reason.NONEXISTENT, Reason.AMBIGUOUS}
)
"""A new time that cannot be taken (any more): the day is asked again."""


async def move_session(
    update: Update, context: BotContext, current: Turn, values: dict[str, Any]
) -> None:
    """The trainer confirmed the new date: the session moves, everyone registered is told."""
    tr = current.tr
    now = context.deps.clock.now()
    session_id, version = values.get("session_id"), values.get("version")
    day, at = _day(values), _time(values)
    if not isinstance(session_id, int) or not isinstance(version, int) or not day or not at:
        raise Stale
    try:
        new_start = sessions.local_moment(day, at, tr.zone, now)
        change = await sessions.reschedule(
            current.db,
            current.learner,
            session_id,
            version,
            new_start,
            now,
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except SessionError as error:
        training = await sessions.get_session(current.db, session_id)
        if error.reason in RETYPE and training is not None:
            # Time went by, or it is the time the session has already: another day, please.
            problem = error_text(tr, error, example=date_example(tr, now))
            await answer_query(update, problem.replace("<code>", "").replace("</code>", ""), True)
            await ask_edit(update, context, current, EditStep.DATE, values, training, edit=True)
            return
        await answer_query(update)
        await drafts.end_conversation(current.db, current.learner, EDIT)
        if training is None or error.reason == Reason.NOT_ALLOWED:
            await show(update, error_text(tr, error))
            return
        await show_view(update, context, current, training, notice=error_text(tr, error))
        return
    await drafts.end_conversation(current.db, current.learner, EDIT)
    await answer_query(update)
    told = await notify_registered(update, context, current, change, RESCHEDULED)
    notice = tr.ngettext(
        "The session is moved; {n} registered person will be told.",
        "The session is moved; {n} registered people will be told.",
        told,
    )
    await show_view(update, context, current, change.training, notice=notice)


@on_button(EditMove, roles=MANAGERS)
async def edit_move(update: Update, context: BotContext, current: Turn, data: EditMove) -> None:
    values = await _edit_draft(current, data.session_id, data.step)
    if data.step == EditStep.WHEN and data.move == Move.YES:
        await move_session(update, context, current, values)
        return
    back = data.move == Move.BACK and data.step == EditStep.TIME
    no = data.move == Move.NO and data.step == EditStep.WHEN
    if not back and not no:
        raise Stale
    following = EditStep.TIME if no and values.get("typed_at") == EditStep.TIME else EditStep.DATE
    training = None
    if following == EditStep.DATE:
        training = await sessions.get_session(current.db, data.session_id)
        if training is None:
            raise Stale
    await answer_query(update)
    await ask_edit(update, context, current, following, values, training, edit=True)
