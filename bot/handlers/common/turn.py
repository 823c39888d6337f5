"""Small helpers every handler uses: who is talking, in which language, and how to answer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.i18n.translator import Translator
from bot.models import Learner
from bot.runtime.context import BotContext
from bot.runtime.intake import mark_done_in
from bot.services import learners, roles

log = logging.getLogger(__name__)

_open_turns: ContextVar[int] = ContextVar("open_turns", default=0)
"""Units of work open in this task: only the outermost marks the update done."""


@dataclass
class Turn:
    """One update's worth of state: the session, the learner and their translator."""

    db: AsyncSession
    learner: Learner
    tr: Translator
    is_new: bool


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


@asynccontextmanager
async def turn(update: Update, context: BotContext) -> AsyncIterator[Turn]:
    """Opens a unit of work for the user behind ``update`` (created on first contact).

    The outermost unit of work marks the update done in its own transaction: if the bot
    dies before the commit, the update is handled again with nothing of it written; after
    the commit, it is never handled again. So a replayed update never writes twice.
    """
    user = update.effective_user
    assert user is not None
    deps = context.deps
    outermost = _open_turns.get() == 0
    depth = _open_turns.set(_open_turns.get() + 1)
    try:
        async with deps.database.session() as db:
            seen = await learners.get_or_create(
                db, user.id, user.language_code, deps.settings.default_language
            )
            tr = translator_for(context, seen.learner)
            yield Turn(db, seen.learner, tr, seen.is_new)
            if outermost:
                await mark_done_in(db, update.update_id, deps.clock.now())
        if outermost:
            context.update_done = True  # committed
    finally:
        _open_turns.reset(depth)


def translator_for(context: BotContext, learner: Learner) -> Translator:
    """The learner's language, with times in their country's time zone."""
    return context.deps.translator_for(learner)


def retranslate(context: BotContext, current: Turn) -> None:
    """After a language or country change, speak accordingly for the rest of the turn."""
    current.tr = translator_for(context, current.learner)


async def refresh_command_menu(context: BotContext, db: AsyncSession, learner: Learner) -> None:
    """Publishes the learner's own command menu (language and roles); harmless if it fails."""
    if learner.telegram_id is None:
        return
    from bot.handlers.common.menus import publish_chat_commands

    held = await roles.roles_of(db, learner, context.deps.settings.admin_telegram_ids)
    try:
        await publish_chat_commands(
            context.bot, learner.telegram_id, translator_for(context, learner), held
        )
    except TelegramError as error:
        log.info("command menu not updated: %s", type(error).__name__)
