"""Attendance: the trainer's check-in code, the roster with marks, walk-ins; ``/checkin``.

Entry points for trainers (and coordinators or admins who may manage the session):
the ``OpenAttendance(session_id)`` button, which the session view shows, and
``/attendance``, which lists today's sessions. Every button and typed step re-checks
the role and ``sessions.may_manage``. Learners check in with ``/checkin CODE``, or
``/checkin`` and then the code alone.

The code message in the trainer's chat is refreshed by a periodic task every tick
(the code changes every minute), and turned into a summary when the check-in
window ends.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, require_role
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import (
    answer_query,
    button_data,
    refuse_invalid,
    refuse_not_allowed,
    show,
)
from bot.handlers.common.turn import Turn, turn
from bot.i18n.labels import (
    AGE_BAND_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
)
from bot.i18n.translator import N_, Html, Translator
from bot.models import Learner, Role, TrainingSession
from bot.runtime.context import BotContext, Deps
from bot.services import attendance, learners, sessions
from bot.services.attendance import AttendanceError, Outcome, RosterEntry, WalkInDraft
from bot.services.learners import UNDISCLOSED

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
MANAGERS = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
ROSTER_PAGE = 15
CHECKIN = "checkin"
WALK_IN = attendance.WALK_IN
"""The text step of the walk-in conversation (the service sets it)."""
"""The text step (``learner.awaiting``) after ``/checkin`` without a code."""

STATUS_NAMES = {
    attendance.PRESENT: N_("Present"),
    attendance.LATE: N_("Late"),
    attendance.EXCUSED: N_("Excused"),
    attendance.ABSENT: N_("Absent"),
}
STATUS_MARKS = {
    attendance.PRESENT: "✅",
    attendance.LATE: "🕒",
    attendance.EXCUSED: "📝",
    attendance.ABSENT: "❌",
}
NOT_MARKED = N_("Not marked")
APOLOGISED = N_("Apologised")


# -- button data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAttendance(CallbackData):
    """The attendance panel of a session: the session view links here."""

    prefix = "aa"
    session_id: int


@dataclass(frozen=True)
class OpenCheckin(CallbackData):
    prefix = "ao"
    session_id: int


@dataclass(frozen=True)
class CloseCheckin(CallbackData):
    prefix = "ac"
    session_id: int


@dataclass(frozen=True)
class ShowRoster(CallbackData):
    prefix = "ar"
    session_id: int
    page: int


@dataclass(frozen=True)
class PickPerson(CallbackData):
    prefix = "ap"
    session_id: int
    learner_id: int


@dataclass(frozen=True)
class MarkPerson(CallbackData):
    prefix = "am"
    session_id: int
    learner_id: int
    status: str


@dataclass(frozen=True)
class StartWalkIn(CallbackData):
    prefix = "aw"
    session_id: int


@dataclass(frozen=True)
class WalkInAnswer(CallbackData):
    """A button answer in the walk-in conversation; the session is in the draft."""

    prefix = "av"
    step: str
    value: str


@dataclass(frozen=True)
class CancelWalkIn(CallbackData):
    prefix = "ax"


@dataclass(frozen=True)
class CancelCheckin(CallbackData):
    prefix = "ak"


# -- texts -------------------------------------------------------------------------------------


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
    if entry.status in STATUS_NAMES:
        return tr._(STATUS_NAMES[entry.status])
    if entry.registration == attendance.APOLOGISED:
        return tr._(APOLOGISED)
    return tr._(NOT_MARKED)


def status_mark(entry: RosterEntry) -> str:
    if entry.status in STATUS_MARKS:
        return STATUS_MARKS[entry.status]
    return "🙏" if entry.registration == attendance.APOLOGISED else "▫️"


def counts_text(tr: Translator, counts: attendance.Counts) -> str:
    return tr._(
        "Registered: {registered} · present: {present} · late: {late} · "
        "excused: {excused} · absent: {absent}",
        registered=counts.registered,
        present=counts.present,
        late=counts.late,
        excused=counts.excused,
        absent=counts.absent,
    )


def session_line(tr: Translator, training: TrainingSession) -> str:
    return tr._(
        "<b>{title}</b>\n{start} · {duration}",
        title=training.title,
        start=tr.date_time(training.starts_at),
        duration=tr.ngettext("{n} minute", "{n} minutes", training.duration_minutes),
    )


def checkin_state(tr: Translator, training: TrainingSession, now: datetime) -> str:
    opens, closes = attendance.window(training)
    if training.cancelled_at is not None:
        return tr._("This session was cancelled.")
    if attendance.is_open(training, now):
        return tr._("Check-in is open.")
    if now < opens:
        return tr._("Check-in can be opened from {time}.", time=tr.date_time(opens))
    if now > closes:
        return tr._("Check-in is over.")
    return tr._("Check-in is not open.")


def panel_text(
    tr: Translator, training: TrainingSession, counts: attendance.Counts, now: datetime
) -> str:
    return "\n".join(
        [
            tr._("<b>Attendance</b>"),
            session_line(tr, training),
            "",
            checkin_state(tr, training, now),
            counts_text(tr, counts),
        ]
    )


def code_text(tr: Translator, training: TrainingSession, attended: int, now: datetime) -> str:
    code = attendance.current_code(training, now)
    minute = attendance.minute_start(attendance.minute_of(now))
    return "\n".join(
        [
            tr._("<b>Check-in: {title}</b>", title=training.title),
            "",
            f"🔑 <b>{code}</b>",
            "",
            tr._(
                "Code for {time}. It changes every minute; the previous code works for one "
                "more minute.",
                time=tr.time(minute),
            ),
            tr._("Participants send: /checkin {code}", code=code),
            "",
            tr._("Present so far: {n}", n=attended),
        ]
    )


def closed_text(tr: Translator, training: TrainingSession, attended: int) -> str:
    return "\n".join(
        [
            tr._("<b>Check-in closed: {title}</b>", title=training.title),
            tr._("Present: {n}", n=attended),
        ]
    )


def error_text(tr: Translator, error: AttendanceError, training: TrainingSession | None) -> str:
    reason = error.reason
    if reason == "cancelled":
        return tr._("This session was cancelled.")
    if reason == "too-early" and training is not None:
        return tr._(
            "Check-in opens 30 minutes before the start, at {time}.",
            time=tr.date_time(attendance.window(training)[0]),
        )
    if reason == "too-early":
        return tr._("The session has not begun yet.")
    if reason == "over":
        return tr._("Check-in is over: it closes 30 minutes after the end of the session.")
    if reason == "not-on-roster":
        return tr._("This person is not on the roster.")
    if reason == "empty":
        return tr._("Please type a name.")
    if reason == "too-long":
        return tr._(
            "That is too long. Please type at most {limit} characters.", limit=attendance.MAX_NAME
        )
    return tr._("This button is no longer valid.")


# -- keyboards ---------------------------------------------------------------------------------


def panel_keyboard(
    tr: Translator, training: TrainingSession, now: datetime
) -> InlineKeyboardMarkup:
    assert training.id is not None
    grid: list[list[InlineKeyboardButton]] = []
    if training.cancelled_at is None:
        if attendance.is_open(training, now):
            grid.append(
                [
                    button(tr._("🔑 Show the code"), OpenCheckin(training.id)),
                    button(tr._("🔒 Close check-in"), CloseCheckin(training.id)),
                ]
            )
        elif attendance.in_window(training, now):
            grid.append([button(tr._("🔑 Open check-in"), OpenCheckin(training.id))])
    grid.append([button(tr._("📋 Roster"), ShowRoster(training.id, 0))])
    if training.cancelled_at is None and now >= attendance.window(training)[0]:
        grid.append([button(tr._("➕ Add walk-in"), StartWalkIn(training.id))])
    return markup(grid)


def code_keyboard(tr: Translator, session_id: int) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(tr._("📋 Roster"), ShowRoster(session_id, 0)),
                button(tr._("🔒 Close check-in"), CloseCheckin(session_id)),
            ]
        ]
    )


def closed_keyboard(tr: Translator, session_id: int) -> InlineKeyboardMarkup:
    return markup([[button(tr._("📋 Roster"), ShowRoster(session_id, 0))]])


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
            f"{STATUS_MARKS[status]} {tr._(STATUS_NAMES[status])}",
            MarkPerson(session_id, learner_id, status),
        )
        for status in attendance.STATUSES
    ]
    return markup([*rows(marks, 2), [button(tr._("« Roster"), ShowRoster(session_id, 0))]])


def walk_in_keyboard(tr: Translator, step: str) -> InlineKeyboardMarkup:
    cancel = [button(tr._("Cancel"), CancelWalkIn())]
    undisclosed = [button(tr._(PREFER_NOT_TO_SAY), WalkInAnswer(step, UNDISCLOSED))]
    if step == "organisation":
        return markup([[button(tr._("Skip"), WalkInAnswer(step, UNDISCLOSED))], cancel])
    if step == "country":
        choices = [
            button(tr._(name), WalkInAnswer(step, code)) for code, name in COUNTRY_NAMES.items()
        ]
        return markup([*rows(choices, 2), undisclosed, cancel])
    if step == "gender":
        choices = [
            button(tr._(name), WalkInAnswer(step, code)) for code, name in GENDER_NAMES.items()
        ]
        return markup([choices, undisclosed, cancel])
    if step == "age":
        choices = [
            button(tr._(name) if code in TRANSLATED_AGE_BANDS else name, WalkInAnswer(step, code))
            for code, name in AGE_BAND_NAMES.items()
        ]
        return markup([*rows(choices, 3), undisclosed, cancel])
    return markup([cancel])


def walk_in_question(tr: Translator, draft: WalkInDraft) -> str:
    if draft.step == "name":
        return tr._(
            "<b>Add a walk-in participant</b>\n\n"
            "First ask the person whether they agree that their name and these answers are "
            "recorded for the programme's reports. Add them only if they agree.\n\n"
            "<b>Type their full name:</b>"
        )
    if draft.step == "organisation":
        return tr._(
            "<b>Which organisation is {name} with?</b> Type its name, or tap Skip.",
            name=draft.name,
        )
    if draft.step == "country":
        return tr._("<b>Which country does {name} work in?</b>", name=draft.name)
    if draft.step == "gender":
        return tr._("<b>What is the gender of {name}?</b>", name=draft.name)
    return tr._("<b>How old is {name}?</b>", name=draft.name)


def cancel_checkin_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return markup([[button(tr._("Cancel"), CancelCheckin())]])


# -- shared steps ------------------------------------------------------------------------------


async def managed_session(
    update: Update, context: BotContext, current: Turn, session_id: int
) -> TrainingSession | None:
    """The session, if the user holds a trainer's role and may manage it; else answers."""
    if not await require_role(update, context, current, *MANAGERS):
        return None
    training = await sessions.get_session(current.db, session_id)
    if training is None:
        await refuse_invalid(update, current)
        return None
    admin_ids = context.deps.settings.admin_telegram_ids
    if not await sessions.may_manage(current.db, current.learner, admin_ids, training):
        await refuse_not_allowed(update, current)
        return None
    return training


async def show_panel(
    update: Update, context: BotContext, current: Turn, training: TrainingSession, *, edit: bool
) -> None:
    assert training.id is not None
    now = context.deps.clock.now()
    tr = current.tr
    counts = await attendance.counts(current.db, training.id)
    await show(
        update, panel_text(tr, training, counts, now), panel_keyboard(tr, training, now), edit=edit
    )


# -- the trainer: panel, check-in --------------------------------------------------------------


async def attendance_command(update: Update, context: BotContext) -> None:
    """``/attendance``: today's sessions of the user (and any whose check-in window is now)."""
    async with turn(update, context) as current:
        if not await require_role(update, context, current, *MANAGERS):
            return
        tr = current.tr
        now = context.deps.clock.now()
        today = now.astimezone(tr.zone).date()
        day_start = datetime.combine(today, time(0), tzinfo=tr.zone)
        day_end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tr.zone)
        admin_ids = context.deps.settings.admin_telegram_ids
        found = [
            training
            for training in await attendance.sessions_around(current.db, day_start, day_end, now)
            if await sessions.may_manage(current.db, current.learner, admin_ids, training)
        ]
        if not found:
            await show(update, tr._("You have no sessions today. /sessions lists all of them."))
            return
        grid = [
            [
                button(
                    tr._(
                        "{time} · {title}", time=tr.time(training.starts_at), title=training.title
                    ),
                    OpenAttendance(training.id),
                )
            ]
            for training in found
            if training.id is not None
        ]
        await show(update, tr._("<b>Attendance</b>\nChoose a session:"), markup(grid))


async def open_attendance(update: Update, context: BotContext) -> None:
    data = OpenAttendance.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        await answer_query(update)
        await show_panel(update, context, current, training, edit=True)


async def open_checkin(update: Update, context: BotContext) -> None:
    data = OpenCheckin.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        tr, now = current.tr, context.deps.clock.now()
        try:
            await attendance.open_checkin(current.db, current.learner, data.session_id, now)
        except AttendanceError as error:
            await answer_query(update, error_text(tr, error, training), alert=True)
            return
        await answer_query(update)
        old_chat, old_message = training.checkin_chat_id, training.checkin_message_id
        counts = await attendance.counts(current.db, data.session_id)
        sent = await show(
            update,
            code_text(tr, training, counts.attended, now),
            code_keyboard(tr, data.session_id),
            edit=False,
        )
        if sent is not None:
            await attendance.set_code_message(
                current.db, data.session_id, sent.chat_id, sent.message_id
            )
        query = update.callback_query
        if query is not None and query.message is not None:
            # Tapped on the panel: it now offers "Show the code" and "Close check-in".
            await show_panel(update, context, current, training, edit=True)
        if old_chat is not None and old_message is not None:
            await _edit_quietly(
                context.bot,
                old_chat,
                old_message,
                tr._("The check-in code is shown in a newer message."),
                None,
            )


async def close_checkin(update: Update, context: BotContext) -> None:
    data = CloseCheckin.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        tr, now = current.tr, context.deps.clock.now()
        await attendance.close_checkin(current.db, current.learner, data.session_id, now)
        counts = await attendance.counts(current.db, data.session_id)
        await answer_query(update, tr._("Check-in closed."))
        chat, message = training.checkin_chat_id, training.checkin_message_id
        query_message = update.callback_query.message if update.callback_query else None
        if chat is not None and message is not None:
            await _edit_quietly(
                context.bot,
                chat,
                message,
                closed_text(tr, training, counts.attended),
                closed_keyboard(tr, data.session_id),
            )
        if query_message is None or query_message.message_id != message:
            await show_panel(update, context, current, training, edit=True)


# -- the trainer: roster and marks -------------------------------------------------------------


async def render_roster(
    update: Update, current: Turn, training: TrainingSession, page: int, *, edit: bool = True
) -> None:
    assert training.id is not None
    tr = current.tr
    entries = await attendance.roster(current.db, training.id)
    pages = max(1, -(-len(entries) // ROSTER_PAGE))
    page = min(max(page, 0), pages - 1)
    counts = await attendance.counts(current.db, training.id)
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


async def show_roster(update: Update, context: BotContext) -> None:
    data = ShowRoster.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        await answer_query(update)
        # The code message keeps showing the code: the roster comes as a new message there.
        query = update.callback_query
        on_code_message = (
            query is not None
            and query.message is not None
            and query.message.message_id == training.checkin_message_id
        )
        await render_roster(update, current, training, data.page, edit=not on_code_message)


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


async def pick_person(update: Update, context: BotContext) -> None:
    data = PickPerson.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        entry = await attendance.roster_entry(current.db, data.session_id, data.learner_id)
        if entry is None:
            await refuse_invalid(update, current)
            return
        await answer_query(update)
        tr = current.tr
        await show(
            update,
            person_text(tr, training, entry),
            person_keyboard(tr, data.session_id, data.learner_id),
        )


async def mark_person(update: Update, context: BotContext) -> None:
    data = MarkPerson.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None or data.status not in attendance.STATUSES:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        tr = current.tr
        try:
            await attendance.mark(
                current.db,
                current.learner,
                data.session_id,
                data.learner_id,
                data.status,
                context.deps.clock.now(),
            )
        except AttendanceError as error:
            await answer_query(update, error_text(tr, error, training), alert=True)
            return
        entry = await attendance.roster_entry(current.db, data.session_id, data.learner_id)
        assert entry is not None
        await answer_query(update, tr._("Marked: {status}", status=tr._(STATUS_NAMES[data.status])))
        await show(
            update,
            person_text(tr, training, entry),
            person_keyboard(tr, data.session_id, data.learner_id),
        )


# -- the trainer: walk-ins ---------------------------------------------------------------------


async def start_walk_in(update: Update, context: BotContext) -> None:
    data = StartWalkIn.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed_session(update, context, current, data.session_id)
        if training is None:
            return
        tr = current.tr
        try:
            draft = await attendance.begin_walk_in(
                current.db, current.learner, data.session_id, context.deps.clock.now()
            )
        except AttendanceError as error:
            await answer_query(update, error_text(tr, error, training), alert=True)
            return
        await answer_query(update)
        await show(
            update, walk_in_question(tr, draft), walk_in_keyboard(tr, draft.step), edit=False
        )


async def _walk_in_step(
    update: Update, context: BotContext, current: Turn, step: str, value: str | None
) -> None:
    """One answer of the walk-in conversation, typed or tapped."""
    tr = current.tr
    if not await require_role(update, context, current, *MANAGERS):
        await attendance.cancel_walk_in(current.db, current.learner)
        return
    draft = await attendance.walk_in_draft(current.db, current.learner)
    if draft is None:
        await attendance.cancel_walk_in(current.db, current.learner)
        if update.callback_query is not None:
            await refuse_invalid(update, current)
        else:
            await show(update, tr._("Nobody is being added right now. /attendance starts again."))
        return
    training = await sessions.get_session(current.db, draft.session_id)
    admin_ids = context.deps.settings.admin_telegram_ids
    if training is None or not await sessions.may_manage(
        current.db, current.learner, admin_ids, training
    ):
        await attendance.cancel_walk_in(current.db, current.learner)
        await refuse_not_allowed(update, current)
        return
    if step != draft.step:
        if update.callback_query is not None:
            await refuse_invalid(update, current)
        else:
            await show(
                update,
                tr._("Please tap one of the buttons.") + "\n\n" + walk_in_question(tr, draft),
                walk_in_keyboard(tr, draft.step),
            )
        return
    try:
        result = await attendance.walk_in_answer(
            current.db, current.learner, step, value, context.deps.clock.now()
        )
    except AttendanceError as error:
        if error.reason in ("empty", "too-long", "unknown-choice"):
            await answer_query(update)
            await show(
                update,
                error_text(tr, error, training) + "\n\n" + walk_in_question(tr, draft),
                walk_in_keyboard(tr, draft.step),
                edit=False,
            )
            return
        await attendance.cancel_walk_in(current.db, current.learner)
        await answer_query(update)
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


async def receive_walk_in_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = await attendance.walk_in_draft(current.db, current.learner)
    step = draft.step if draft is not None else "name"
    if step in attendance.TYPED_STEPS:
        await _walk_in_step(update, context, current, step, message.text)
    else:
        await _walk_in_step(update, context, current, "typed", message.text)


async def walk_in_button(update: Update, context: BotContext) -> None:
    data = WalkInAnswer.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        value = None if data.value == UNDISCLOSED else data.value
        await _walk_in_step(update, context, current, data.step, value)


async def cancel_walk_in(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if CancelWalkIn.decode(button_data(update)) is None:
            await refuse_invalid(update, current)
            return
        found = await attendance.cancel_walk_in(current.db, current.learner)
        if not found:
            await refuse_invalid(update, current)
            return
        await answer_query(update)
        await show(update, current.tr._("All right, nobody was added."))


# -- learners: /checkin ------------------------------------------------------------------------


def checkin_reply(tr: Translator, result: attendance.CheckinResult) -> str:
    outcome = result.outcome
    title = result.training.title if result.training is not None else ""
    if outcome == Outcome.CHECKED_IN:
        return tr._("✅ You are checked in: {title}. Welcome!", title=title)
    if outcome == Outcome.REUSED:
        return tr._("You are already checked in: {title}.", title=title)
    if outcome == Outcome.EXPIRED:
        return tr._(
            "That code has expired. Ask the trainer for the current code and send it again."
        )
    if outcome == Outcome.MALFORMED:
        return tr._(
            "A check-in code has {length} letters and digits. Please send the code the trainer "
            "shows.",
            length=attendance.CODE_LENGTH,
        )
    if outcome == Outcome.NO_OPEN_CHECKIN:
        return tr._("There is no check-in open right now. Ask the trainer to open it.")
    if outcome == Outcome.LOCKED:
        until = result.locked_until
        return tr._(
            "Too many wrong codes. You can try again at {time}.",
            time=tr.time(until) if until else "",
        )
    if outcome == Outcome.NO_CONSENT:
        return tr._(
            "The code is right, but to be counted as present you need to agree to the privacy "
            "notice first: /privacy. Then send the code again."
        )
    return tr.ngettext(
        "That code is not right. Check it and try again ({n} try left).",
        "That code is not right. Check it and try again ({n} tries left).",
        result.tries_left,
    )


KEEP_WAITING = (Outcome.WRONG, Outcome.EXPIRED, Outcome.MALFORMED)


async def _check_in(update: Update, context: BotContext, current: Turn, text: str) -> None:
    result = await attendance.check_in(current.db, current.learner, text, context.deps.clock.now())
    tr = current.tr
    keep = result.outcome in KEEP_WAITING
    if keep:
        await learners.await_input(current.db, current.learner, CHECKIN)
    elif current.learner.awaiting == CHECKIN:
        await learners.await_input(current.db, current.learner, None)
    await show(
        update, checkin_reply(tr, result), cancel_checkin_keyboard(tr) if keep else None, edit=False
    )


async def checkin_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        code = " ".join(context.args or [])
        if code:
            await _check_in(update, context, current, code[:100])
            return
        tr = current.tr
        await learners.await_input(current.db, current.learner, CHECKIN)
        await show(
            update,
            tr._("Send the check-in code the trainer shows (5 letters and digits)."),
            cancel_checkin_keyboard(tr),
        )


async def receive_checkin_code(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await _check_in(update, context, current, message.text[:100])


async def cancel_checkin(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if CancelCheckin.decode(button_data(update)) is None:
            await refuse_invalid(update, current)
            return
        if current.learner.awaiting == CHECKIN:
            await learners.await_input(current.db, current.learner, None)
        await answer_query(update)
        await show(update, current.tr._("All right."))


# -- the periodic refresh ----------------------------------------------------------------------


async def _edit_quietly(
    bot: Bot, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None
) -> bool:
    """Edits a message the bot sent earlier; "not modified", a deleted message or a blocked
    bot are not errors here."""
    try:
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            log.info("check-in message %s/%s not edited: %s", chat_id, message_id, error.message)
        return False
    except Forbidden as error:
        log.info("check-in message %s/%s not edited: %s", chat_id, message_id, error.message)
        return False
    except TelegramError as error:
        log.warning("check-in message %s/%s not edited: %s", chat_id, message_id, error)
        return False
    return True


def _translator(deps: Deps, learner: Learner | None) -> Translator:
    return deps.translator_for(learner)


@dataclass(frozen=True)
class _Refresh:
    chat_id: int
    message_id: int
    text: str
    keyboard: InlineKeyboardMarkup


async def refresh_checkin_codes(deps: Deps, bot: Bot) -> None:
    """Shows the current code in every open check-in's message; closes those whose window
    ended (or whose session was cancelled) and says so in their message."""
    now = deps.clock.now()
    edits: list[_Refresh] = []
    async with deps.database.session() as db:
        for training in await attendance.sessions_to_refresh(db):
            assert training.id is not None
            still_open = attendance.is_open(training, now)
            if not still_open:
                await attendance.close_checkin(db, None, training.id, now)
            if training.checkin_chat_id is None or training.checkin_message_id is None:
                continue
            viewer = await learners.find(db, training.checkin_chat_id)
            tr = _translator(deps, viewer)
            attended = (await attendance.counts(db, training.id)).attended
            if still_open:
                text = code_text(tr, training, attended, now)
                keyboard = code_keyboard(tr, training.id)
            else:
                text = closed_text(tr, training, attended)
                keyboard = closed_keyboard(tr, training.id)
            edits.append(
                _Refresh(training.checkin_chat_id, training.checkin_message_id, text, keyboard)
            )
    for edit in edits:
        await _edit_quietly(bot, edit.chat_id, edit.message_id, edit.text, edit.keyboard)


HANDLERS: Handlers = [
    CommandHandler("attendance", attendance_command, filters=PRIVATE),
    CommandHandler("checkin", checkin_command, filters=PRIVATE),
    CallbackQueryHandler(open_attendance, pattern=OpenAttendance.pattern()),
    CallbackQueryHandler(open_checkin, pattern=OpenCheckin.pattern()),
    CallbackQueryHandler(close_checkin, pattern=CloseCheckin.pattern()),
    CallbackQueryHandler(show_roster, pattern=ShowRoster.pattern()),
    CallbackQueryHandler(pick_person, pattern=PickPerson.pattern()),
    CallbackQueryHandler(mark_person, pattern=MarkPerson.pattern()),
    CallbackQueryHandler(start_walk_in, pattern=StartWalkIn.pattern()),
    CallbackQueryHandler(walk_in_button, pattern=WalkInAnswer.pattern()),
    CallbackQueryHandler(cancel_walk_in, pattern=CancelWalkIn.pattern()),
    CallbackQueryHandler(cancel_checkin, pattern=CancelCheckin.pattern()),
]

__all__ = [
    "HANDLERS",
    "CancelCheckin",
    "CancelWalkIn",
    "CloseCheckin",
    "MarkPerson",
    "OpenAttendance",
    "OpenCheckin",
    "PickPerson",
    "ShowRoster",
    "StartWalkIn",
    "WalkInAnswer",
    "refresh_checkin_codes",
]
