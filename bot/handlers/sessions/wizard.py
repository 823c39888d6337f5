"""``/newsession``: the conversation that schedules a session, one question at a time.

Typed answers reach the text step "newsession"; the conversation is kept in the Draft
table, so it survives a restart. Every question has Back (its answer kept) and Cancel; the
date is read back for a yes or no; the summary has an Edit button per answer. A question
that was answered loses its buttons (the draft remembers its message), and a button of a
step the conversation has left is refused as stale: it changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from telegram import Update

from bot.handlers.common.entry import Stale, on_button, on_command, on_text
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, end_conversation
from bot.handlers.sessions.data import (
    DraftAction,
    DraftChoice,
    DraftEdit,
    DraftField,
    DraftMove,
    DraftPick,
    DraftStep,
    Move,
)
from bot.handlers.sessions.picking import (
    check_day,
    date_first,
    date_problem,
    read_day_value,
    read_time_value,
    take_keyboard_off,
    time_problem,
    today_of,
)
from bot.handlers.sessions.questions import (
    EDITABLE,
    NO_MODULE,
    day_of,
    given_answer,
    next_step,
    previous_step,
    question,
    time_of,
    values_of,
)
from bot.handlers.sessions.texts import error_text
from bot.handlers.sessions.view import send_invite, show_view
from bot.runtime.context import BotContext
from bot.services import drafts, learners, programmes, sessions
from bot.services.sessions import Reason, SessionError

NEW = "newsession"
"""Text step and draft kind of the new-session conversation."""
Step = DraftStep
PROMPT = "prompt"
"""Draft key: the message id of the question on screen (its buttons go when it is answered)."""


async def ask(
    update: Update,
    context: BotContext,
    current: Turn,
    step: Step,
    data: dict[str, Any],
    *,
    edit: bool = False,
) -> None:
    """Moves the conversation to ``step`` and asks it: in place of the question whose button
    was tapped, or as a new message after a typed answer (the old question's buttons go)."""
    now = context.deps.clock.now()
    if step == Step.CONFIRM:
        data.pop("editing", None)
    text, keyboard = question(current.tr, context.deps, step, data, now)
    chat = update.effective_chat
    assert chat is not None
    if not edit or update.callback_query is None:
        await take_keyboard_off(context, chat.id, data.get(PROMPT))
    shown = await show(update, text, keyboard, edit=edit)
    if shown is not None:
        if edit and shown.message_id != data.get(PROMPT):
            await take_keyboard_off(context, chat.id, data.get(PROMPT))
        data[PROMPT] = shown.message_id
    await drafts.save_draft(current.db, current.learner, NEW, step, data, now)


async def problem(update: Update, text: str) -> None:
    """A short answer to a typed answer that cannot be taken; the question stays above it."""
    await show(update, text, edit=False)


@on_command("newsession", roles=MANAGERS)
async def newsession_command(update: Update, context: BotContext, current: Turn) -> None:
    now = context.deps.clock.now()
    choices = await programmes.choices_for(
        current.db, current.learner, context.deps.settings.admin_telegram_ids, now
    )
    earlier = await drafts.get_draft(current.db, current.learner, NEW)
    if earlier is not None and update.effective_chat is not None:
        # A conversation started again: the old question's buttons go.
        old = drafts.draft_data(earlier).get(PROMPT)
        await take_keyboard_off(context, update.effective_chat.id, old)
    # The programme is asked only when there is a choice; else the session goes to the
    # default programme.
    step, data = Step.TITLE, {}
    if len(choices) > 1:
        step = Step.PROGRAMME
        data = {"programme_choices": [[p.id, p.name] for p in choices]}
    await learners.await_input(current.db, current.learner, NEW)
    await ask(update, context, current, step, data)


def _when_typed(
    current: Turn, step: Step, text: str, data: dict[str, Any], now: datetime
) -> Step | str:
    """A typed (or picked) date or time at ``step``, taken into ``data``: the next step, or
    the short problem to answer (and ``data`` is left as it was)."""
    tr = current.tr
    prefer: Literal["date", "time"] = "time" if step == Step.TIME else "date"
    try:
        typed = sessions.parse_typed(text, today_of(tr, now), prefer)
        if typed.day is None and step == Step.DATE:
            return date_first(tr, now)
        if typed.at is None and step == Step.TIME:
            return time_problem(tr, SessionError(Reason.MALFORMED), now)
        day = check_day(tr, typed.day, now) if typed.day is not None else day_of(data)
        if day is None:
            return date_first(tr, now)
        at = typed.at or time_of(data)
        following = Step.WHEN if typed.at is not None else next_step(step, data)
        if following == Step.WHEN:
            assert at is not None
            sessions.local_moment(day, at, tr.zone, now)
    except SessionError as error:
        return (date_problem if step == Step.DATE else time_problem)(tr, error, now)
    data["day"] = day.isoformat()
    if typed.at is not None:
        data["time"] = typed.at.isoformat("minutes")
    data["typed_at"] = step.value
    return following


@on_text(NEW, roles=MANAGERS, leave=lambda current: end_conversation(current, NEW))
async def receive_new_session_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None:
        await learners.await_input(current.db, current.learner, None)
        await show(update, tr._("That conversation has ended. /newsession starts a new one."))
        return
    data = drafts.draft_data(draft)
    try:
        step = Step(draft.step)
    except ValueError:
        await drafts.end_conversation(current.db, current.learner, NEW)
        await show(update, tr._("This draft is no longer valid. /newsession starts again."))
        return
    now = context.deps.clock.now()
    text = message.text
    try:
        if step == Step.TITLE:
            data["title"] = sessions.check_title(text)
        elif step in (Step.DATE, Step.TIME):
            following = _when_typed(current, step, text, data, now)
            if not isinstance(following, Step):
                await problem(update, following)
                return
            await ask(update, context, current, following, data)
            return
        elif step == Step.DURATION:
            data["duration"] = sessions.parse_duration(text)
        elif step == Step.PLACE:
            data["venue"], data["online_url"] = sessions.parse_place(text)
        elif step == Step.CAPACITY:
            data["capacity"] = sessions.parse_capacity(text)
        elif step == Step.CONFIRM:
            await problem(update, tr._("Please tap Create, an Edit button or Cancel."))
            return
        elif step == Step.WHEN:
            await problem(update, tr._("Please tap Yes or No."))
            return
        else:
            await problem(update, tr._("Please tap one of the buttons."))
            return
    except SessionError as error:
        await problem(update, error_text(tr, error, asked=step.value))
        return
    await ask(update, context, current, next_step(step, data), data)


def _picked(data: DraftPick, values: dict[str, Any], known: set[str]) -> None:
    """Takes a picked answer into ``values``; raises Stale for one that was never offered."""
    try:
        if data.field == DraftField.PROGRAMME:
            offered = {int(number) for number, _name in values.get("programme_choices", [])}
            if not data.value.isdigit() or int(data.value) not in offered:
                raise Stale
            values["programme"] = int(data.value)
        elif data.field == DraftField.MODULE:
            values["module"] = (
                None if data.value == NO_MODULE else sessions.check_module(data.value, known)
            )
        elif data.field == DraftField.DURATION:
            values["duration"] = sessions.parse_duration(data.value)
        elif data.field == DraftField.COUNTRY:
            values["country"] = sessions.check_country(data.value)
        else:
            values["language"] = sessions.check_language(data.value)
    except SessionError:
        raise Stale from None


@on_button(DraftPick, roles=MANAGERS)
async def pick(update: Update, context: BotContext, current: Turn, data: DraftPick) -> None:
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None or draft.step != data.field:
        raise Stale
    values = drafts.draft_data(draft)
    step = Step(data.field.value)
    if data.field in (DraftField.DATE, DraftField.TIME):
        picked = read_day_value(data.value) if data.field == DraftField.DATE else None
        at = read_time_value(data.value) if data.field == DraftField.TIME else None
        if picked is None and at is None:
            raise Stale
        typed = f"{picked:%Y-%m-%d}" if picked else f"{at:%H:%M}"
        following = await _when_picked(update, context, current, step, typed, values)
        if following is None:
            return
    else:
        _picked(data, values, {module.id for module in context.deps.catalogue.modules})
        following = next_step(step, values)
    await answer_query(update)
    await ask(update, context, current, following, values, edit=True)


async def _when_picked(
    update: Update,
    context: BotContext,
    current: Turn,
    step: Step,
    typed: str,
    values: dict[str, Any],
) -> Step | None:
    """A tapped (or kept) date or time: the next step, or None when it could not be taken (a
    day that has passed since the buttons were shown, a time already gone today); the
    problem is shown on the button's notice then."""
    following = _when_typed(current, step, typed, values, context.deps.clock.now())
    if isinstance(following, Step):
        return following
    await answer_query(update, _plain(following), alert=True)
    return None


def _plain(text: str) -> str:
    """A problem shown on a button's notice, which shows no markup."""
    return text.replace("<code>", "").replace("</code>", "")


@on_button(DraftMove, roles=MANAGERS)
async def move(update: Update, context: BotContext, current: Turn, data: DraftMove) -> None:
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None or draft.step != data.step:
        raise Stale
    values = drafts.draft_data(draft)
    step = data.step
    following: Step | None = None
    if data.move == Move.BACK or (data.move == Move.NO and step == Step.WHEN):
        following = previous_step(step, values)
    elif data.move == Move.YES and step == Step.WHEN:
        following = next_step(step, values)
    elif data.move == Move.KEEP and given_answer(current.tr, step, values) is not None:
        if step == Step.DATE:
            kept = f"{day_of(values):%Y-%m-%d}"
        elif step == Step.TIME:
            kept = f"{time_of(values):%H:%M}"
        if step in (Step.DATE, Step.TIME):
            following = await _when_picked(update, context, current, step, kept, values)
            if following is None:
                return
        else:
            following = next_step(step, values)
    if following is None:
        raise Stale
    await answer_query(update)
    await ask(update, context, current, following, values, edit=True)


@on_button(DraftEdit, roles=MANAGERS)
async def edit_answer(update: Update, context: BotContext, current: Turn, data: DraftEdit) -> None:
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None or draft.step != Step.CONFIRM or data.step not in EDITABLE:
        raise Stale
    values = drafts.draft_data(draft)
    values["editing"] = True
    await answer_query(update)
    await ask(update, context, current, data.step, values, edit=True)


@on_button(DraftAction, roles=MANAGERS)
async def draft_action(
    update: Update, context: BotContext, current: Turn, data: DraftAction
) -> None:
    tr = current.tr
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None:
        raise Stale
    if data.action == DraftChoice.CANCEL:
        await _close(update, context, current, drafts.draft_data(draft))
        await answer_query(update)
        await show(update, tr._("Cancelled. No session was created."))
        return
    if draft.step != Step.CONFIRM:
        raise Stale
    values = drafts.draft_data(draft)
    now = context.deps.clock.now()
    known = {module.id for module in context.deps.catalogue.modules}
    no_longer_valid = tr._("This draft is no longer valid. /newsession starts again.")
    try:
        programme = await programmes.chosen(
            current.db,
            current.learner,
            values.get("programme"),
            admin_ids=context.deps.settings.admin_telegram_ids,
            now=now,
        )
        training = await sessions.create_session(
            current.db, current.learner, values_of(tr, values), now, known, programme.id
        )
    except programmes.ProgrammeError:
        await _close(update, context, current, values)
        await answer_query(update)
        await show(update, no_longer_valid)
        return
    except SessionError as error:
        await answer_query(update)
        if error.reason in (Reason.PAST, Reason.TOO_FAR):
            # Time went by while the summary was open: ask for the date again.
            values["editing"] = True
            example = sessions.example_datetime(tr.zone, now)
            await problem(update, error_text(tr, error, example=example))
            await ask(update, context, current, Step.DATE, values)
            return
        await _close(update, context, current, values)
        await show(update, no_longer_valid)
        return
    except (KeyError, TypeError, ValueError):
        await _close(update, context, current, values)
        await answer_query(update)
        await show(update, no_longer_valid)
        return
    await _close(update, context, current, values)
    await answer_query(update, tr._("Session created."))
    await show(update, tr._("✅ The session is scheduled."))
    await show_view(update, context, current, training, edit=False)
    await send_invite(update, context, current, training)


async def _close(
    update: Update, context: BotContext, current: Turn, values: dict[str, Any]
) -> None:
    """Ends the conversation; the question on screen (if it is not the one tapped, which is
    replaced) loses its buttons."""
    await drafts.end_conversation(current.db, current.learner, NEW)
    query_message = update.callback_query.message if update.callback_query else None
    prompt = values.get(PROMPT)
    if update.effective_chat is not None and (
        query_message is None or query_message.message_id != prompt
    ):
        await take_keyboard_off(context, update.effective_chat.id, prompt)
