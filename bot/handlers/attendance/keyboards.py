"""Keyboards of the trainer's attendance panel and of the code message."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.attendance.data import (
    AskRestAbsent,
    CloseCheckin,
    OpenCheckin,
    ShowRoster,
    StartWalkIn,
)
from bot.handlers.common.keyboards import button, markup
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.services import attendance


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
    if training.cancelled_at is None and now >= training.starts_at:
        grid.append([button(tr._("✖️ Mark the rest absent"), AskRestAbsent(training.id))])
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
