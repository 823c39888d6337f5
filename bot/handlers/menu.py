"""The main menu's buttons: the lessons, one's progress, the language."""

from __future__ import annotations

from telegram import Update

from bot.handlers import account, onboarding
from bot.handlers.common.callback_data import MenuTarget, OpenMenu
from bot.handlers.common.entry import ANYONE, Handlers, on_button
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.learning.lessons import show_catalogue
from bot.runtime.context import BotContext


@on_button(OpenMenu, roles=ANYONE)
async def open_menu(update: Update, context: BotContext, current: Turn, data: OpenMenu) -> None:
    await answer_query(update)
    if data.target == MenuTarget.LESSONS:
        await show_catalogue(update, context, current)
    elif data.target == MenuTarget.PROGRESS:
        await show(update, await account.progress_text(current, context))
    else:
        await onboarding.ask_language(update, current)


HANDLERS: Handlers = (open_menu,)
