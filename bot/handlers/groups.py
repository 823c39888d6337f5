"""Group chats: the bot is a one-to-one bot. In a group it answers once (when added, or at
the first message it sees) with a short note and a link to its private chat, and is silent
there afterwards; the answer is remembered in the database, so a restart does not repeat
it, and only a bot removed and added again answers again. Nobody in the group is recorded
as a person (no unit of work: no learner row is made for the sender)."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.handlers.common.entry import Handlers
from bot.i18n.languages import guess_language
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.runtime.intake import mark_done_in
from bot.services import groups

log = logging.getLogger(__name__)

GROUPS = filters.ChatType.GROUPS
GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})


def note_text(tr: Translator, username: str) -> str:
    return tr._(
        "Hello! I am a learning bot and I talk with people one to one, so I stay silent in "
        "groups. Write to me in a private chat: {link}",
        link=f"https://t.me/{username}",
    )


async def _greet(update: Update, context: BotContext, chat_id: int) -> None:
    deps = context.deps
    now = deps.clock.now()
    async with deps.database.session() as db:
        first = await groups.greet_once(db, chat_id, now)
        await mark_done_in(db, update.update_id, now)
    context.update_done = True
    if not first:
        return
    user = update.effective_user
    language = guess_language(user.language_code if user else None, deps.settings.default_language)
    tr = deps.translator_for(None, language)
    try:
        await context.bot.send_message(chat_id, note_text(tr, context.bot.username))
    except TelegramError as error:
        log.info("group note not delivered: %s", type(error).__name__)


async def group_message(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is not None:
        await _greet(update, context, chat.id)


def _is_removal(change: ChatMemberUpdated) -> bool:
    return change.new_chat_member.status in GONE


async def bot_membership(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type not in (change.chat.GROUP, change.chat.SUPERGROUP):
        return
    if not _is_removal(change):
        await _greet(update, context, change.chat.id)
        return
    deps = context.deps
    async with deps.database.session() as db:
        await groups.forget(db, change.chat.id)
        await mark_done_in(db, update.update_id, deps.clock.now())
    context.update_done = True


HANDLERS: Handlers = (
    MessageHandler(GROUPS, group_message),
    ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
)
