"""``/export``: a coordinator's file of attendance, participants, sessions, learning and
indicators, as XLSX (or CSV: the Attendance sheet), sent as a document.

The conversation (``steps``) is kept in the Draft table, so it survives a restart; typed
answers reach the text step ``export``. The file is made in the background (``making``).
"""

from bot.handlers.common.entry import Handlers
from bot.handlers.exports.programme_steps import open_programmes, pick_programme
from bot.handlers.exports.steps import (
    export_action,
    export_command,
    open_filter,
    pick_country,
    pick_format,
    pick_module,
    pick_period,
    receive_text,
)
from bot.services.exports.conversation import KIND

HANDLERS: Handlers = (
    export_command,
    pick_period,
    pick_format,
    open_filter,
    pick_country,
    pick_module,
    open_programmes,
    pick_programme,
    export_action,
)

__all__ = ["HANDLERS", "KIND", "receive_text"]
