"""The actions of the session view: the invite link, the roster, and the edits (reschedule,
a new place, its place on the map, cancelling) that everyone registered is told about.

An edit carries the version of the session the trainer saw: an edit made from an older
view is refused with "changed meanwhile". The new time or place is typed at the text step
"session-edit"; the map location is typed there too, or sent as a location message.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update

from bot.handlers.common.entry import on_button, on_text
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, end_conversation, managed_access
from bot.handlers.sessions.data import CancelEdit, OpenSession, SessionAction, ViewAction
from bot.handlers.sessions.notices import (
    CANCELLED,
    RESCHEDULED,
    map_kind,
    notify_registered,
    venue_kind,
)
from bot.handlers.sessions.roster import show_roster_page
from bot.handlers.sessions.texts import PLACE_REASONS, error_text
from bot.handlers.sessions.view import send_invite, show_view
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import drafts, learners, sessions
from bot.services.sessions import Reason, SessionError

EDIT = "session-edit"
"""Text step and draft kind of a reschedule or a venue change."""
RETYPE = PLACE_REASONS | {
    Reason.MALFORMED,
    Reason.IMPOSSIBLE,
    Reason.PAST,
    Reason.NONEXISTENT,
    Reason.AMBIGUOUS,
    Reason.TOO_FAR,
    Reason.SAME_TIME,
}
"""Refused new times and places: the trainer is asked to type another one."""
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


def cancel_edit_keyboard(tr: Translator, session_id: int) -> InlineKeyboardMarkup:
    return markup([[button(tr._("✖️ Cancel"), CancelEdit(session_id))]])


def edit_question(
    tr: Translator, training: TrainingSession, action: ViewAction, now: datetime
) -> str:
    if action == ViewAction.MAP:
        return tr._(
            "<b>{title}</b>: {place}\n\nSend the venue's location: tap 📎 and choose "
            "“Location”, then move the pin to the venue. Or type its coordinates (latitude, "
            "longitude), for example <code>42.44, 19.26</code>",
            title=training.title,
            place=training.venue or "",
        )
    if action == ViewAction.RESCHEDULE:
        return tr._(
            "<b>{title}</b> starts on {when}.\n\nType the new date and local time, "
            "for example <code>{example}</code>",
            title=training.title,
            when=tr.date_time(training.starts_at),
            example=sessions.example_datetime(tr.zone, now),
        )
    return tr._(
        "<b>{title}</b>: {place}\n\nType the new venue's address, or the link of the online "
        "meeting (starting with https://).",
        title=training.title,
        place=training.venue or training.online_url or "",
    )


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
        await drafts.save_draft(
            current.db,
            current.learner,
            EDIT,
            data.action,
            {"session_id": training.id, "version": data.version},
            now,
        )
        await learners.await_input(current.db, current.learner, EDIT)
        await show(
            update,
            edit_question(tr, training, data.action, now),
            cancel_edit_keyboard(tr, training.id),
            edit=False,
        )
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
    now = context.deps.clock.now()
    admin_ids = context.deps.settings.admin_telegram_ids
    if draft.step != ViewAction.MAP and message.text is None:
        await show(update, tr._("Please type your answer."), cancel_edit_keyboard(tr, session_id))
        return
    text = message.text or ""
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
            kind = map_kind(change)
        elif draft.step == ViewAction.RESCHEDULE:
            new_start = sessions.parse_local_datetime(text, tr.zone, now)
            change = await sessions.reschedule(
                current.db,
                current.learner,
                session_id,
                version,
                new_start,
                now,
                admin_ids=admin_ids,
            )
            kind = RESCHEDULED
        else:
            change = await sessions.change_venue(
                current.db,
                current.learner,
                session_id,
                version,
                text,
                now,
                admin_ids=admin_ids,
            )
            kind = venue_kind(change)
    except SessionError as error:
        if draft.step == ViewAction.MAP and error.reason in COORDINATE_REASONS:
            await show(
                update, coordinates_error_text(tr, error), cancel_edit_keyboard(tr, session_id)
            )
            return
        if error.reason in RETYPE:
            example = sessions.example_datetime(tr.zone, now)
            await show(
                update, error_text(tr, error, example=example), cancel_edit_keyboard(tr, session_id)
            )
            return
        await drafts.end_conversation(current.db, current.learner, EDIT)
        training = await sessions.get_session(current.db, session_id)
        if training is None or error.reason == Reason.NOT_ALLOWED:
            await show(update, error_text(tr, error))
            return
        await show_view(
            update, context, current, training, edit=False, notice=error_text(tr, error)
        )
        return
    await drafts.end_conversation(current.db, current.learner, EDIT)
    told = await notify_registered(update, context, current, change, kind)
    if draft.step == ViewAction.MAP:
        notice = tr.ngettext(
            "The venue is on the map; {n} registered person will get it.",
            "The venue is on the map; {n} registered people will get it.",
            told,
        )
    elif kind == RESCHEDULED:
        notice = tr.ngettext(
            "The session is moved; {n} registered person will be told.",
            "The session is moved; {n} registered people will be told.",
            told,
        )
    else:
        notice = tr.ngettext(
            "The place is changed; {n} registered person will be told.",
            "The place is changed; {n} registered people will be told.",
            told,
        )
    await show_view(update, context, current, change.training, edit=False, notice=notice)


@on_button(CancelEdit, roles=MANAGERS)
async def cancel_edit(update: Update, context: BotContext, current: Turn, data: CancelEdit) -> None:
    await drafts.end_conversation(current.db, current.learner, EDIT)
    await answer_query(update)
    await show(update, current.tr._("Nothing was changed."))
