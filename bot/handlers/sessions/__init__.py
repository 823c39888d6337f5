"""The trainer's sessions: ``/newsession``, ``/sessions``, the session view and its edits.

Every command and button is for trainers, coordinators and admins, and, for one session,
for those who may see or manage it (the one rule of ``bot.services.sessions.access``).
Modules: :mod:`.data` (the buttons), :mod:`.texts`, :mod:`.access` (who may see and manage a
session), :mod:`.wizard` (``/newsession``) with :mod:`.questions` (its steps) and
:mod:`.picking` (dates and times, shared with the reschedule), :mod:`.listing`
(``/sessions``), :mod:`.view` (one session), :mod:`.roster`, :mod:`.edits` (its actions and
edits), :mod:`.reschedule` (moving it) and :mod:`.notices` (telling the learners).
"""

from __future__ import annotations

from bot.handlers.common.entry import Handlers
from bot.handlers.sessions.edits import cancel_edit, receive_edit_text, session_action
from bot.handlers.sessions.listing import list_button, sessions_command
from bot.handlers.sessions.reschedule import EDIT, edit_move, edit_pick
from bot.handlers.sessions.roster import roster_page
from bot.handlers.sessions.view import open_session
from bot.handlers.sessions.wizard import (
    NEW,
    draft_action,
    edit_answer,
    move,
    newsession_command,
    pick,
    receive_new_session_text,
)

HANDLERS: Handlers = (
    newsession_command,
    sessions_command,
    pick,
    move,
    edit_answer,
    draft_action,
    list_button,
    open_session,
    session_action,
    edit_pick,
    edit_move,
    roster_page,
    cancel_edit,
)

__all__ = ["EDIT", "HANDLERS", "NEW", "receive_edit_text", "receive_new_session_text"]
