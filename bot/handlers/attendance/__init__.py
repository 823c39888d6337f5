"""Attendance: the trainer's check-in code, the roster with marks, walk-ins; ``/checkin``.

Entry points for trainers (and coordinators or admins who may manage the session): the
``OpenAttendance(session_id)`` button, which the session view shows, and ``/attendance``,
which lists today's sessions. Learners check in with ``/checkin``. Modules: :mod:`.data`
(the buttons), :mod:`.texts`, :mod:`.keyboards`, :mod:`.panel` (the panel, opening and
closing check-in), :mod:`.roster` (marks), :mod:`.walk_ins`, :mod:`.checkin` (learners)
and :mod:`.refresh` (the code message, refreshed every tick).
"""

from __future__ import annotations

from bot.handlers.attendance.absent import ask_rest_absent, confirm_rest_absent
from bot.handlers.attendance.checkin import (
    CHECKIN,
    cancel_checkin,
    checkin_command,
    receive_checkin_code,
)
from bot.handlers.attendance.panel import (
    attendance_command,
    close_checkin,
    open_attendance,
    open_checkin,
)
from bot.handlers.attendance.qr import open_checkin_link
from bot.handlers.attendance.refresh import refresh_checkin_codes
from bot.handlers.attendance.roster import mark_person, open_roster, pick_person
from bot.handlers.attendance.walk_ins import (
    WALK_IN,
    cancel_walk_in,
    receive_walk_in_text,
    start_walk_in,
    walk_in_button,
)
from bot.handlers.common.entry import Handlers

HANDLERS: Handlers = (
    attendance_command,
    checkin_command,
    open_attendance,
    open_checkin,
    close_checkin,
    open_roster,
    pick_person,
    mark_person,
    start_walk_in,
    walk_in_button,
    cancel_walk_in,
    cancel_checkin,
    ask_rest_absent,
    confirm_rest_absent,
)

__all__ = [
    "CHECKIN",
    "HANDLERS",
    "WALK_IN",
    "open_checkin_link",
    "receive_checkin_code",
    "receive_walk_in_text",
    "refresh_checkin_codes",
]
