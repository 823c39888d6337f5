"""Texts of attendance that several screens share: the panel, the code message, errors."""

from __future__ import annotations

from datetime import datetime

from bot.handlers.common.entry import NOT_ALLOWED_TEXT, STALE_TEXT
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.services import attendance
from bot.services.attendance import AttendanceError, Reason
from bot.services.roster import AttendanceCounts


def counts_text(tr: Translator, counts: AttendanceCounts) -> str:
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
    tr: Translator, training: TrainingSession, counts: AttendanceCounts, now: datetime
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
            tr._(
                "Participants scan the QR code with their phone's camera, or send: /checkin {code}",
                code=code,
            ),
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
    """The answer to a refused attendance request."""
    reason = error.reason
    if reason == Reason.NOT_ALLOWED:
        return tr._(NOT_ALLOWED_TEXT)
    if reason == Reason.CANCELLED:
        return tr._("This session was cancelled.")
    if reason == Reason.TOO_EARLY and training is not None:
        return tr._(
            "Check-in opens 30 minutes before the start, at {time}.",
            time=tr.date_time(attendance.window(training)[0]),
        )
    if reason == Reason.TOO_EARLY:
        return tr._("The session has not begun yet.")
    if reason == Reason.OVER:
        return tr._("Check-in is over: it closes 30 minutes after the end of the session.")
    if reason == Reason.NOT_STARTED:
        return tr._("The session has not started yet: nobody can be marked absent before it.")
    if reason == Reason.NOT_ON_ROSTER:
        return tr._("This person is not on the roster.")
    if reason == Reason.EMPTY:
        return tr._("Please type a name.")
    if reason == Reason.TOO_LONG:
        return tr._(
            "That is too long. Please type at most {limit} characters.", limit=attendance.MAX_NAME
        )
    return tr._(STALE_TEXT)
