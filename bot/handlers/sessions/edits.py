"""The actions of the session view: the invite link, the roster, and the edits (reschedule,
a new place, its place on the map, cancelling) that everyone registered is told about.

An edit carries the version of the session the trainer saw: an edit made from an older
view is refused with "changed meanwhile". The new place is typed at the text step
"session-edit"; the new day and time are tapped or typed there too
(:mod:`~bot.handlers.sessions.reschedule`); the map location is typed there too, or sent as a
location message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update

from bot.handlers.common.entry import on_button, on_text
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, end_conversation, managed_access
from bot.handlers.sessions.data import (
    CancelEdit,
    EditStep,
    OpenSession,
    SessionAction,
    ViewAction,
)
from bot.handlers.sessions.notices import CANCELLED, map_kind, notify_registered, venue_kind
from bot.handlers.sessions.picking import take_keyboard_off
from bot.handlers.sessions.reschedule import (
    EDIT,
    PROMPT,
    ask_edit,
    cancel_row,
    receive_when,
)
from bot.handlers.sessions.roster import show_roster_page
from bot.handlers.sessions.texts import PLACE_REASONS, error_text
from bot.handlers.sessions.view import send_invite, show_view
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import drafts, learners, sessions
from bot.services.sessions import Reason, SessionError

RETYPE = PLACE_REASONS
"""Refused new places: the trainer is asked to type another one."""
COORDINATE_REASONS = frozenset({Reason.BAD_COORDINATES, Reason.OUT_OF_RANGE})
"""Refused map coordinates: the trainer is asked again."""


def coordinates_error_text(tr: Translator, error: SessionError) -> str:
    if error.reason == Reason.OUT_OF_RANGE:
        return tr._(
            "That place is not on the map: the latitude goes from -90 to 90 and the longitude "
            "from -180 to 180. Please send the location, or type for example "
            "<code>42.44, 19.26</code>"
        )
    return tr._(
        "I could not read those coordinates. Please send the location, or type the latitude "
        "and the longitude like this: <code>42.44, 19.26</code>"
    )


def map_question(tr: Translator, training: TrainingSession) -> tuple[str, InlineKeyboardMarkup]:
    assert training.id is not None
    return tr._(
        "<b>{title}</b>: {place}\n\nSend the venue's location: tap 📎 and choose "
        "“Location”, then move the pin to the venue. Or type its coordinates (latitude, "
        "longitude), for example <code>42.44, 19.26</code>",
        title=training.title,
        place=training.venue or "",
    ), markup([cancel_row(tr, training.id)])


def venue_question(tr: Translator, training: TrainingSession) -> tuple[str, InlineKeyboardMarkup]:
    assert training.id is not None
    return tr._(
        "<b>{title}</b>: {place}\n\nType the new venue's address, or the link of the online "
        "meeting (starting with https://).",
        title=training.title,
        place=training.venue or training.online_url or "",
    ), markup([cancel_row(tr, training.id)])


def cancel_question(
    tr: Translator, training: TrainingSession, version: int
) -> InlineKeyboardMarkup:
    assert training.id is not None
    return markup(
        [
            [
                button(
                    tr._("Yes, cancel the session"),
                    SessionAction(training.id, version, ViewAction.CANCEL_YES),
                )
            ],
            [button(tr._("No, keep it"), OpenSession(training.id))],
        ]
    )


@on_button(SessionAction, roles=MANAGERS)
async def session_action(
    update: Update, context: BotContext, current: Turn, data: SessionAction
) -> None:
    tr = current.tr
    found = await managed_access(context, current, data.session_id)
    training = found.training
    assert training.id is not None
    now = context.deps.clock.now()
    if data.action == ViewAction.INVITE:
        await answer_query(update)
        await send_invite(update, context, current, training)
        return
    if data.action == ViewAction.ROSTER:
        await answer_query(update)
        await show_roster_page(update, current, found, 0)
        return
    try:
        sessions.check_editable(
            training, data.version, now, moving=data.action == ViewAction.RESCHEDULE
        )
    except SessionError as error:
        await answer_query(update)
        await show_view(update, context, current, training, notice=error_text(tr, error))
        return
    if data.action in (ViewAction.RESCHEDULE, ViewAction.VENUE, ViewAction.MAP):
        await answer_query(update)
        values: dict[str, Any] = {"session_id": training.id, "version": data.version}
        await learners.await_input(current.db, current.learner, EDIT)
        earlier = await drafts.get_draft(current.db, current.learner, EDIT)
        if earlier is not None and update.effective_chat is not None:
            # An edit started again: the old question's buttons go.
            old = drafts.draft_data(earlier).get(PROMPT)
            await take_keyboard_off(context, update.effective_chat.id, old)
        if data.action == ViewAction.RESCHEDULE:
            await ask_edit(update, context, current, EditStep.DATE, values, training, edit=False)
            return
        question = map_question if data.action == ViewAction.MAP else venue_question
        text, keyboard = question(tr, training)
        shown = await show(update, text, keyboard, edit=False)
        if shown is not None:
            values[PROMPT] = shown.message_id
        await drafts.save_draft(current.db, current.learner, EDIT, data.action, values, now)
        return
    if data.action == ViewAction.CANCEL:
        await answer_query(update)
        await show(
            update,
            tr._(
                "Cancel <b>{title}</b> on {when}? Everyone registered will be told.",
                title=training.title,
                when=tr.date_time(training.starts_at),
            ),
            cancel_question(tr, training, data.version),
        )
        return
    await cancel_session(update, context, current, training, data.version, now)


async def cancel_session(
    update: Update,
    context: BotContext,
    current: Turn,
    training: TrainingSession,
    version: int,
    now: datetime,
) -> None:
    tr = current.tr
    assert training.id is not None
    try:
        change = await sessions.cancel(
            current.db,
            current.learner,
            training.id,
            version,
            now,
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except SessionError as error:
        await answer_query(update)
        await show_view(update, context, current, training, notice=error_text(tr, error))
        return
    await answer_query(update, tr._("The session is cancelled."))
    told = await notify_registered(update, context, current, change, CANCELLED)
    await show_view(
        update,
        context,
        current,
        change.training,
        notice=tr.ngettext(
            "The session is cancelled; {n} registered person will be told.",
            "The session is cancelled; {n} registered people will be told.",
            told,
        ),
    )


def coordinates_of(message: Message) -> tuple[float, float]:
    """A location message's point, or the typed coordinates (refused with a reason)."""
    if message.location is not None:
        return message.location.latitude, message.location.longitude
    return sessions.parse_coordinates(message.text or "")


@on_text(
    EDIT,
    roles=MANAGERS,
    leave=lambda current: end_conversation(current, EDIT),
    locations=True,
)
async def receive_edit_text(update: Update, context: BotContext, current: Turn) -> None:
    """The new time, place or map location, typed (or, for the map, sent as a location)."""
    message = update.effective_message
    assert message is not None
    tr = current.tr
    draft = await drafts.get_draft(current.db, current.learner, EDIT)
    values = drafts.draft_data(draft) if draft is not None else {}
    session_id, version = values.get("session_id"), values.get("version")
    if draft is None or not isinstance(session_id, int) or not isinstance(version, int):
        await drafts.end_conversation(current.db, current.learner, EDIT)
        await show(update, tr._("That conversation has ended. /sessions lists your sessions."))
        return
    if draft.step != ViewAction.MAP and message.text is None:
        await show(update, tr._("Please type your answer."), edit=False)
        return
    if draft.step in (EditStep.DATE, EditStep.TIME, EditStep.WHEN):
        await receive_when(
            update, context, current, EditStep(draft.step), message.text or "", values
        )
        return
    now = context.deps.clock.now()
    admin_ids = context.deps.settings.admin_telegram_ids
    try:
        if draft.step == ViewAction.MAP:
            latitude, longitude = coordinates_of(message)
            change = await sessions.set_location(
                current.db,
                current.learner,
                session_id,
                version,
                latitude,
                longitude,
                now,
                admin_ids=admin_ids,
            )
        else:
            change = await sessions.change_venue(
                current.db,
                current.learner,
                session_id,
                version,
                message.text or "",
                now,
                admin_ids=admin_ids,
            )
    except SessionError as error:
        if draft.step == ViewAction.MAP and error.reason in COORDINATE_REASONS:
            await show(update, coordinates_error_text(tr, error), edit=False)
            return
        if error.reason in RETYPE:
            # A short answer; the question (with its Cancel) stays above it.
            await show(update, error_text(tr, error), edit=False)
            return
        await _end(update, context, current, values)
        training = await sessions.get_session(current.db, session_id)
        if training is None or error.reason == Reason.NOT_ALLOWED:
            await show(update, error_text(tr, error))
            return
        await show_view(
            update, context, current, training, edit=False, notice=error_text(tr, error)
        )
        return
    await _end(update, context, current, values)
    if draft.step == ViewAction.MAP:
        told = await notify_registered(update, context, current, change, map_kind(change))
        notice = tr.ngettext(
            "The venue is on the map; {n} registered person will get it.",
            "The venue is on the map; {n} registered people will get it.",
            told,
        )
    else:
        told = await notify_registered(update, context, current, change, venue_kind(change))
        notice = tr.ngettext(
            "The place is changed; {n} registered person will be told.",
            "The place is changed; {n} registered people will be told.",
            told,
        )
    await show_view(update, context, current, change.training, edit=False, notice=notice)


async def _end(update: Update, context: BotContext, current: Turn, values: dict[str, Any]) -> None:
    """Ends the edit; its question on screen loses its Cancel."""
    await drafts.end_conversation(current.db, current.learner, EDIT)
    if update.effective_chat is not None:
        await take_keyboard_off(context, update.effective_chat.id, values.get(PROMPT))


@on_button(CancelEdit, roles=MANAGERS)
async def cancel_edit(update: Update, context: BotContext, current: Turn, data: CancelEdit) -> None:
    await drafts.end_conversation(current.db, current.learner, EDIT)
    await answer_query(update)
    await show(update, current.tr._("Nothing was changed."))
