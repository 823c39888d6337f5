"""The trainer's roster with marks: everyone registered or marked, and one person's status."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.attendance.data import (
    MarkPerson,
    OpenAttendance,
    PickPerson,
    ShowRoster,
    StartWalkIn,
)
from bot.handlers.attendance.texts import counts_text, error_text
from bot.handlers.common.entry import Stale, on_button
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, managed_access
from bot.i18n.labels import (
    APOLOGISED,
    APOLOGISED_MARK,
    ATTENDANCE_STATUS_MARKS,
    ATTENDANCE_STATUS_NAMES,
    COUNTRY_NAMES,
    NOT_MARKED,
    NOT_MARKED_MARK,
)
from bot.i18n.translator import Html, Translator
from bot.models import AttendanceStatus, RegistrationStatus, TrainingSession
from bot.runtime.context import BotContext
from bot.services import attendance, roster
from bot.services.attendance import AttendanceError
from bot.services.roster import RosterEntry
from bot.services.sessions import SessionAccess

ROSTER_PAGE = 15


def person_name(tr: Translator, entry: RosterEntry) -> str:
    """The name the person gave, or a neutral label (Telegram names are not stored): plain
    text, for buttons and as a placeholder value."""
    if entry.name:
        return entry.name
    return html.unescape(tr._("Participant #{number}", number=str(entry.learner_id)))


def person_details(tr: Translator, entry: RosterEntry) -> Html:
    """Organisation, country and "walk-in", as far as the person consented: Telegram HTML."""
    parts = [html.escape(entry.organisation or "", quote=False)]
    if entry.country:
        parts.append(tr._(COUNTRY_NAMES[entry.country]) if entry.country in COUNTRY_NAMES else "")
    if entry.walk_in:
        parts.append(tr._("walk-in"))
    return Html(" · ".join(part for part in parts if part))


def status_name(tr: Translator, entry: RosterEntry) -> str:
    if entry.status in ATTENDANCE_STATUS_NAMES:
        return tr._(ATTENDANCE_STATUS_NAMES[entry.status])
    if entry.registration == RegistrationStatus.APOLOGISED:
        return tr._(APOLOGISED)
    return tr._(NOT_MARKED)


def status_mark(entry: RosterEntry) -> str:
    if entry.status in ATTENDANCE_STATUS_MARKS:
        return ATTENDANCE_STATUS_MARKS[entry.status]
    return (
        APOLOGISED_MARK if entry.registration == RegistrationStatus.APOLOGISED else NOT_MARKED_MARK
    )


def person_text(tr: Translator, training: TrainingSession, entry: RosterEntry) -> str:
    lines = [f"<b>{html.escape(person_name(tr, entry), quote=False)}</b>"]
    details = person_details(tr, entry)
    if details:
        lines.append(details)
    lines += [
        tr._("Session: {title}", title=training.title),
        tr._("Status: {status}", status=status_name(tr, entry)),
    ]
    return "\n".join(lines)


def roster_keyboard(
    tr: Translator, training: TrainingSession, entries: list[RosterEntry], page: int
) -> InlineKeyboardMarkup:
    assert training.id is not None
    start = page * ROSTER_PAGE
    grid = [
        [
            button(
                f"{number}. {status_mark(entry)} {person_name(tr, entry)}",
                PickPerson(training.id, entry.learner_id),
            )
        ]
        for number, entry in enumerate(entries[start : start + ROSTER_PAGE], start + 1)
    ]
    paging: list[InlineKeyboardButton] = []
    if page > 0:
        paging.append(button(tr._("◀️ Back"), ShowRoster(training.id, page - 1)))
    if start + ROSTER_PAGE < len(entries):
        paging.append(button(tr._("Next ▶️"), ShowRoster(training.id, page + 1)))
    grid.append(paging)
    if training.cancelled_at is None:
        grid.append([button(tr._("➕ Add walk-in"), StartWalkIn(training.id))])
    grid.append([button(tr._("« Attendance"), OpenAttendance(training.id))])
    return markup(grid)


def person_keyboard(tr: Translator, session_id: int, learner_id: int) -> InlineKeyboardMarkup:
    marks = [
        button(
            f"{ATTENDANCE_STATUS_MARKS[status]} {tr._(ATTENDANCE_STATUS_NAMES[status])}",
            MarkPerson(session_id, learner_id, status),
        )
        for status in AttendanceStatus
    ]
    return markup([*rows(marks, 2), [button(tr._("« Roster"), ShowRoster(session_id, 0))]])


async def render_roster(
    update: Update, current: Turn, access: SessionAccess, page: int, *, edit: bool = True
) -> None:
    training = access.training
    assert training.id is not None
    tr = current.tr
    entries = await roster.roster(current.db, access)
    pages = max(1, -(-len(entries) // ROSTER_PAGE))
    page = min(max(page, 0), pages - 1)
    counts = await roster.counts(current.db, training.id)
    lines = [tr._("<b>Roster: {title}</b>", title=training.title), counts_text(tr, counts), ""]
    if not entries:
        lines.append(tr._("Nobody has registered yet."))
    start = page * ROSTER_PAGE
    for number, entry in enumerate(entries[start : start + ROSTER_PAGE], start + 1):
        details = person_details(tr, entry)
        lines.append(
            tr._(
                "{number}. {mark} {name} — {status}",
                number=number,
                mark=status_mark(entry),
                name=person_name(tr, entry),
                status=status_name(tr, entry),
            )
            + (f"\n    {details}" if details else "")
        )
    if pages > 1:
        lines += ["", tr._("Page {page} of {pages}", page=page + 1, pages=pages)]
    lines += ["", tr._("Tap a person to mark them.")]
    await show(update, "\n".join(lines), roster_keyboard(tr, training, entries, page), edit=edit)


@on_button(ShowRoster, roles=MANAGERS)
async def open_roster(update: Update, context: BotContext, current: Turn, data: ShowRoster) -> None:
    found = await managed_access(context, current, data.session_id)
    await answer_query(update)
    # The code message keeps showing the code: the roster comes as a new message there.
    query = update.callback_query
    on_code_message = (
        query is not None
        and query.message is not None
        and query.message.message_id == found.training.checkin_message_id
    )
    await render_roster(update, current, found, data.page, edit=not on_code_message)


@on_button(PickPerson, roles=MANAGERS)
async def pick_person(update: Update, context: BotContext, current: Turn, data: PickPerson) -> None:
    found = await managed_access(context, current, data.session_id)
    entry = await roster.roster_entry(current.db, found, data.learner_id)
    if entry is None:
        raise Stale
    await answer_query(update)
    tr = current.tr
    await show(
        update,
        person_text(tr, found.training, entry),
        person_keyboard(tr, data.session_id, data.learner_id),
    )


@on_button(MarkPerson, roles=MANAGERS)
async def mark_person(update: Update, context: BotContext, current: Turn, data: MarkPerson) -> None:
    found = await managed_access(context, current, data.session_id)
    training = found.training
    tr = current.tr
    try:
        await attendance.mark(
            current.db,
            current.learner,
            data.session_id,
            data.learner_id,
            data.status,
            context.deps.clock.now(),
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except AttendanceError as error:
        await answer_query(update, error_text(tr, error, training), alert=True)
        return
    entry = await roster.roster_entry(current.db, found, data.learner_id)
    assert entry is not None
    await answer_query(
        update, tr._("Marked: {status}", status=tr._(ATTENDANCE_STATUS_NAMES[data.status]))
    )
    await show(
        update,
        person_text(tr, training, entry),
        person_keyboard(tr, data.session_id, data.learner_id),
    )
