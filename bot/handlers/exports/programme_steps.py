"""The programme filter's steps in ``/export`` (see ``programme_filter``)."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common.entry import on_button
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.exports.data import FilterField
from bot.handlers.exports.programme_filter import (
    ALL_PROGRAMMES,
    ExportProgramme,
    ExportProgrammes,
    programme_keyboard,
)
from bot.handlers.exports.screens import ended, scope_of
from bot.handlers.exports.steps import EXPORTERS, apply_filter
from bot.runtime.context import BotContext
from bot.services import programmes
from bot.services.exports import conversation


@on_button(ExportProgrammes, roles=EXPORTERS)
async def open_programmes(
    update: Update, context: BotContext, current: Turn, data: ExportProgrammes
) -> None:
    draft = await conversation.current(current.db, current.learner)
    if draft is None or "format" not in draft[1]:
        await ended(update, current)
        return
    visible = await programmes.visible_to(current.db, await scope_of(context, current))
    await answer_query(update)
    await show(update, current.tr._("Which programme?"), programme_keyboard(current.tr, visible))


@on_button(ExportProgramme, roles=EXPORTERS)
async def pick_programme(
    update: Update, context: BotContext, current: Turn, data: ExportProgramme
) -> None:
    chosen = None if data.programme == ALL_PROGRAMMES else data.programme
    await apply_filter(update, context, current, FilterField.PROGRAMME, chosen)
