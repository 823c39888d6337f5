"""Small helpers every handler uses: who is talking, in which language, and how to answer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.context import BotContext
from bot.i18n.translator import Translator
from bot.models import Learner
from bot.services import learners

log = logging.getLogger(__name__)


@dataclass
class Turn:
    """One update's worth of state: the session, the learner and their translator."""

    session: AsyncSession
    learner: Learner
    tr: Translator
    is_new: bool


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


@asynccontextmanager
async def turn(update: Update, context: BotContext) -> AsyncIterator[Turn]:
    """Opens a unit of work for the user behind ``update`` (created on first contact)."""
    user = update.effective_user
    assert user is not None
    deps = context.deps
    async with deps.database.session() as session:
        seen = await learners.get_or_create(
            session, user.id, user.language_code, deps.settings.default_language
        )
        tr = deps.translators(seen.learner.language)
        yield Turn(session, seen.learner, tr, seen.is_new)


def retranslate(context: BotContext, current: Turn) -> None:
    """After a language change, speak the new language for the rest of the turn."""
    current.tr = context.deps.translators(current.learner.language)


async def show(
    update: Update,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Edits the message whose button was pressed, or sends a new message."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            edited = await query.edit_message_text(text, reply_markup=keyboard)
        except BadRequest as error:
            # Pressing the same button twice asks for the same content again.
            if "not modified" in str(error).lower():
                return None
            raise
        return edited if isinstance(edited, Message) else None
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(text, reply_markup=keyboard)


async def answer_query(update: Update, text: str | None = None, alert: bool = False) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        # An old query (for example after a restart) cannot be answered any more.
        log.debug("callback answer refused: %s", error.message)
