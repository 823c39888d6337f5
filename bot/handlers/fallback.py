"""Whatever no other handler took: typed answers, unknown commands, stray text, old buttons.

Registered last, in the same group as the features: PTB runs the first matching handler
of a group, so these only see what no feature took.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.handlers.common.entry import Handlers, Stale, refuse
from bot.handlers.common.replies import show
from bot.handlers.common.routes import free_text_for, text_step_for
from bot.handlers.common.turn import turn
from bot.runtime.context import BotContext

PRIVATE = filters.ChatType.PRIVATE

MAX_TEXT = 4096


async def unknown_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        await show(update, current.tr._("I do not know that command. /help lists what I can do."))


async def text_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    async with turn(update, context) as current:
        step = text_step_for(context, current.learner.awaiting)
        if step is not None:
            await step(update, context, current)
            return
        if len(message.text) > MAX_TEXT:
            await show(update, current.tr._("That message is too long for me."))
            return
        free_text = free_text_for(context)
        if free_text is not None:
            await free_text(update, context, current)
            return
        await show(
            update,
            current.tr._(
                "I answer to buttons and commands. "
                "/lessons opens the lessons, /help lists the rest."
            ),
        )


async def other_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    async with turn(update, context) as current:
        step = text_step_for(context, current.learner.awaiting)
        if step is not None and step.locations and message is not None and message.location:
            await step(update, context, current)
            return
        await show(
            update,
            current.tr._("I can only read text. /lessons opens the lessons, /help lists the rest."),
        )


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button of no feature (an old keyboard, or forged data): the refusal of a stale one."""
    async with turn(update, context) as current:
        await refuse(update, current, Stale())


HANDLERS: Handlers = [
    MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
    MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, text_message),
    MessageHandler(PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL, other_message),
    CallbackQueryHandler(unknown_button),
]
