"""The programme filter of ``/export``: its buttons and its line in the summary, shown only
when the reader sees more than one programme (the steps are in ``programme_steps``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.exports.data import Action, ExportAction
from bot.i18n.translator import Translator
from bot.models import Programme
from bot.services import programmes
from bot.services.roles import Scope

ALL_PROGRAMMES = 0


@dataclass(frozen=True)
class ExportProgrammes(CallbackData):
    """Open the programme filter."""

    prefix = "xg"


@dataclass(frozen=True)
class ExportProgramme(CallbackData):
    """A programme id, or 0 for every programme of the scope (checked on use)."""

    prefix = "xq"
    programme: int


def programme_keyboard(tr: Translator, visible: list[Programme]) -> InlineKeyboardMarkup:
    grid = []
    for programme in visible:
        assert programme.id is not None
        grid.append([button(shorten(programme.name, 60), ExportProgramme(programme.id))])
    grid.append([button(tr._("All programmes of my scope"), ExportProgramme(ALL_PROGRAMMES))])
    grid.append([button(tr._("« Back"), ExportAction(Action.BACK))])
    return markup(grid)


async def with_programmes(
    db: AsyncSession,
    tr: Translator,
    scope: Scope,
    answers: dict[str, Any],
    text: str,
    keyboard: InlineKeyboardMarkup,
) -> tuple[str, InlineKeyboardMarkup]:
    """The summary and its keyboard with the programme line and button, when the reader
    sees more than one programme; else unchanged."""
    visible = await programmes.visible_to(db, scope)
    if len(visible) < 2:
        return text, keyboard
    chosen = answers.get("programme")
    name = next((p.name for p in visible if p.id == chosen), None) or tr._("all")
    line = tr._("🗂 Programme: {name}", name=name)
    lines = text.split("\n")
    # Beside the other filters: before the scope line (the last three lines).
    lines.insert(max(len(lines) - 3, 0), line)
    rows = [list(row) for row in keyboard.inline_keyboard]
    rows.insert(1, [button(tr._("🗂 Programme"), ExportProgrammes())])
    return "\n".join(lines), markup(rows)
