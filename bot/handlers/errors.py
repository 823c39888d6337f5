"""The one error handler: log what happened without tokens, texts or personal data."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TimedOut
from telegram.ext import Application

from bot.context import BotContext

log = logging.getLogger("bot.errors")


def describe_update(update: object) -> str:
    """Type and ids only: enough to find the update again, nothing anyone wrote."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = [
        name
        for name in ("message", "edited_message", "callback_query", "my_chat_member")
        if getattr(update, name) is not None
    ]
    chat = update.effective_chat
    return (
        f"update {update.update_id} ({', '.join(kinds) or 'other'}), "
        f"chat type {chat.type if chat else '-'}"
    )


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("not delivered, the user blocked the bot: %s", describe_update(update))
        return
    if isinstance(error, (TimedOut, NetworkError)):
        log.warning("network trouble on %s: %s", describe_update(update), type(error).__name__)
        return
    log.error(
        "unhandled %s on %s",
        type(error).__name__,
        describe_update(update),
        exc_info=error,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            tr = context.deps.translators(None)
            await update.effective_chat.send_message(
                tr._("Sorry, something went wrong on my side. Please try again.")
            )
        except Exception:
            log.debug("could not tell the user about the error")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_error_handler(on_error)
