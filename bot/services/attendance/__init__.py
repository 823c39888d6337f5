"""Attendance: check-in with a rotating code, marks on the roster, walk-in participants.

``from bot.services import attendance`` gives the whole interface; its parts:
:mod:`~bot.services.attendance.window` (when check-in may be open; the rotating code),
:mod:`~bot.services.attendance.checkin` (opening, closing, checking in by code),
:mod:`~bot.services.attendance.marks` (the attendance rows, audited; the trainer's marks),
:mod:`~bot.services.attendance.walk_ins` (participants without Telegram) and
:mod:`~bot.services.attendance.errors` (:class:`AttendanceError` and its reasons). The
roster itself is :mod:`bot.services.roster`.
"""

from __future__ import annotations

from bot.models import ATTENDED
from bot.services.attendance.checkin import (
    LOCK_FOR,
    MAX_WRONG_TRIES,
    CheckinOutcome,
    CheckinResult,
    check_in,
    close_checkin,
    guard_of,
    open_checkin,
    open_sessions,
    sessions_around,
    sessions_to_refresh,
    set_code_message,
)
from bot.services.attendance.errors import AttendanceError, Reason
from bot.services.attendance.marks import (
    AUDIT_ACTION,
    METHOD_CODE,
    METHOD_TRAINER,
    METHOD_WALK_IN,
    MarkResult,
    attendance_of,
    mark,
    on_roster,
)
from bot.services.attendance.walk_ins import (
    MAX_NAME,
    WALK_IN,
    WalkInDraft,
    WalkInStep,
    add_walk_in,
    begin_walk_in,
    cancel_walk_in,
    check_choice,
    clean_name,
    clean_organisation,
    walk_in_answer,
    walk_in_draft,
)
from bot.services.attendance.window import (
    CODE_ALPHABET,
    CODE_LENGTH,
    EXPIRED_LOOKBACK_MINUTES,
    WINDOW_AFTER,
    WINDOW_BEFORE,
    code_age,
    code_for_minute,
    current_code,
    in_window,
    is_open,
    looks_like_code,
    minute_of,
    minute_start,
    window,
)

__all__ = [
    "ATTENDED",  # for bot.services.exports and indicators until they import it from bot.models
    "AUDIT_ACTION",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "EXPIRED_LOOKBACK_MINUTES",
    "LOCK_FOR",
    "MAX_NAME",
    "MAX_WRONG_TRIES",
    "METHOD_CODE",
    "METHOD_TRAINER",
    "METHOD_WALK_IN",
    "WALK_IN",
    "WINDOW_AFTER",
    "WINDOW_BEFORE",
    "AttendanceError",
    "CheckinOutcome",
    "CheckinResult",
    "MarkResult",
    "Reason",
    "WalkInDraft",
    "WalkInStep",
    "add_walk_in",
    "attendance_of",
    "begin_walk_in",
    "cancel_walk_in",
    "check_choice",
    "check_in",
    "clean_name",
    "clean_organisation",
    "close_checkin",
    "code_age",
    "code_for_minute",
    "current_code",
    "guard_of",
    "in_window",
    "is_open",
    "looks_like_code",
    "mark",
    "minute_of",
    "minute_start",
    "on_roster",
    "open_checkin",
    "open_sessions",
    "sessions_around",
    "sessions_to_refresh",
    "set_code_message",
    "walk_in_answer",
    "walk_in_draft",
    "window",
]
