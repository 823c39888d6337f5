"""The session view: what a session is, its registrations, and what the trainer may do.

Whoever manages the session (``sessions.access``) gets every action; a coordinator who only
sees it (limited to organisations, one of their people registered) gets its details and the
roster of their own people, without the invitation code or any action."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.content.catalogue import Catalogue
from bot.handlers.attendance.data import OpenAttendance
from bot.handlers.common.entry import on_button
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, seen_training
from bot.handlers.sessions.data import (
    ListSessions,
    OpenSession,
    SessionAction,
    ShowRosterPage,
    ViewAction,
)
from bot.handlers.sessions.invitation import (
    forward_instructions,
    in_session_zone,
    invitation_text,
    invite_link,
    session_translator,
    trainer_name,
)
from bot.handlers.sessions.texts import details_text
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import sessions


def view_text(
    tr: Translator,
    catalogue: Catalogue,
    training: TrainingSession,
    counts: sessions.RegistrationCounts,
    now: datetime,
    *,
    manages: bool = True,
) -> str:
    lines = [details_text(tr, catalogue, training), ""]
    lines.append(
        tr._(
            "👥 Registered: {registered} of {capacity}",
            registered=counts.registered,
            capacity=training.capacity,
        )
    )
    if counts.apologised:
        lines.append(tr.ngettext("🙋 {n} apology", "🙋 {n} apologies", counts.apologised))
    if manages:
        # The code registers whoever has it: only for those who run the session.
        lines.append(tr._("Invitation code: <code>{code}</code>", code=training.code))
    if training.venue_latitude is not None and training.venue_longitude is not None:
        lines.append(
            tr._(
                "🗺 On the map: {latitude}, {longitude}",
                latitude=f"{training.venue_latitude:.5f}",
                longitude=f"{training.venue_longitude:.5f}",
            )
        )
    if training.cancelled_at is not None:
        lines += ["", tr._("❌ <b>Cancelled</b> on {date}.", date=tr.date(training.cancelled_at))]
    elif sessions.has_ended(training, now):
        lines += ["", tr._("This session is over.")]
    elif sessions.has_started(training, now):
        lines += ["", tr._("This session is under way.")]
    return "\n".join(lines)


def view_keyboard(
    tr: Translator, training: TrainingSession, now: datetime, *, manages: bool = True
) -> InlineKeyboardMarkup:
    assert training.id is not None
    sid, version = training.id, training.version
    if not manages:
        return markup(
            [
                [button(tr._("👥 Roster"), ShowRosterPage(sid, 0))],
                [button(tr._("« All sessions"), ListSessions())],
            ]
        )

    def action(label: str, name: ViewAction) -> InlineKeyboardButton:
        return button(label, SessionAction(sid, version, name))

    grid: list[list[InlineKeyboardButton]] = []
    open_ = training.cancelled_at is None and not sessions.has_ended(training, now)
    if open_:
        grid.append(
            [
                action(tr._("🔗 Invite link"), ViewAction.INVITE),
                action(tr._("👥 Roster"), ViewAction.ROSTER),
            ]
        )
        edits = []
        if not sessions.has_started(training, now):
            edits.append(action(tr._("📅 Reschedule"), ViewAction.RESCHEDULE))
        edits.append(action(tr._("📍 Change venue"), ViewAction.VENUE))
        grid.append(edits)
        if training.venue:
            grid.append([action(tr._("🗺 Set map location"), ViewAction.MAP)])
    else:
        grid.append([action(tr._("👥 Roster"), ViewAction.ROSTER)])
    if training.cancelled_at is None:
        # The way into attendance (check-in, marks, walk-ins), which bot.handlers.attendance runs.
        grid.append([button(tr._("✅ Attendance"), OpenAttendance(sid))])
    if open_:
        grid.append([action(tr._("❌ Cancel session"), ViewAction.CANCEL)])
    grid.append([button(tr._("« All sessions"), ListSessions())])
    return markup(grid)


async def show_view(
    update: Update,
    context: BotContext,
    current: Turn,
    training: TrainingSession,
    *,
    edit: bool = True,
    notice: str | None = None,
    manages: bool = True,
) -> None:
    """The view; ``manages`` False: as a coordinator who only sees the session gets it."""
    assert training.id is not None
    tr = current.tr
    now = context.deps.clock.now()
    counts = await sessions.counts(current.db, training.id)
    text = view_text(tr, context.deps.catalogue, training, counts, now, manages=manages)
    if notice:
        text = f"{notice}\n\n{text}"
    await show(update, text, view_keyboard(tr, training, now, manages=manages), edit=edit)


@on_button(OpenSession, roles=MANAGERS)
async def open_session(
    update: Update, context: BotContext, current: Turn, data: OpenSession
) -> None:
    found = await seen_training(context, current, data.session_id)
    await answer_query(update)
    await show_view(update, context, current, found.training, manages=found.manages)


async def send_invite(
    update: Update, context: BotContext, current: Turn, training: TrainingSession
) -> None:
    """Two messages: what to do (in the trainer's language, with the invitation in it too
    when the session's language is another), then the invitation to forward, written in the
    session's language and speaking to the person invited."""
    deps = context.deps
    link = invite_link(context, training)
    trainer = await trainer_name(current.db, training)
    theirs = session_translator(deps, training)
    mine = in_session_zone(deps, current.tr, training)
    own_version = None
    if mine.language_code != theirs.language_code:
        own_version = invitation_text(mine, deps.catalogue, training, trainer, link)
    await show(update, forward_instructions(mine, training, own_version), edit=False)
    await show(update, invitation_text(theirs, deps.catalogue, training, trainer, link), edit=False)
