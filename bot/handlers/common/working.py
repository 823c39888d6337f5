"""Long work (a file being made): Telegram's chat action ("sending a file…") while it runs,
and a "⏳ working…" message that the result replaces, so that no "working" message is left
behind, whether the work succeeds or fails.

    message = await show(update, tr._("⏳ Making the file…"))
    async with working(context.bot, chat_id, message, failure=tr._("Sorry, …")) as work:
        await context.bot.send_document(chat_id, ...)
    # the working message is deleted: the document is the answer

``work.finish(text)`` edits the working message into a short text instead (a result that is
no file, such as "too large"). An exception inside the block replaces it with ``failure`` (or
deletes it when ``failure`` is None: the error handler apologises then) and goes on up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, Message
from telegram.constants import ChatAction
from telegram.error import TelegramError

log = logging.getLogger(__name__)

ACTION_EVERY = 4.0
"""Seconds between chat actions: Telegram shows one for 5 seconds, or until a message comes."""


class Working:
    """The working message of one piece of long work (None when it could not be sent)."""

    def __init__(self, bot: Bot, chat_id: int, message: Message | None) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message = message
        self.finished = False

    async def finish(self, text: str | None = None) -> None:
        """The work is done: the working message becomes ``text``, or is deleted."""
        if self.finished:
            return
        self.finished = True
        if self.message is None:
            if text is not None:
                await self.bot.send_message(self.chat_id, text)
            return
        try:
            if text is None:
                await self.bot.delete_message(self.chat_id, self.message.message_id)
            else:
                await self.bot.edit_message_text(
                    text, chat_id=self.chat_id, message_id=self.message.message_id
                )
        except TelegramError as error:
            # Too old to delete, or deleted by the person: the result is there anyway.
            log.info("working message not replaced (%s)", type(error).__name__)


async def _act(bot: Bot, chat_id: int) -> None:
    with contextlib.suppress(TelegramError):
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)


async def _keep_acting(bot: Bot, chat_id: int) -> None:
    while True:
        await asyncio.sleep(ACTION_EVERY)
        await _act(bot, chat_id)


@asynccontextmanager
async def working(
    bot: Bot, chat_id: int, message: Message | None, *, failure: str | None
) -> AsyncIterator[Working]:
    """The chat action while the block runs; then the working ``message`` replaced (see the
    module's docstring)."""
    work = Working(bot, chat_id, message)
    await _act(bot, chat_id)  # before the work starts, which may keep the loop busy
    acting = asyncio.create_task(_keep_acting(bot, chat_id), name=f"chat-action-{chat_id}")
    try:
        yield work
    except BaseException:
        acting.cancel()
        with contextlib.suppress(TelegramError):
            await work.finish(failure)
        raise
    finally:
        acting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await acting
    await work.finish()
