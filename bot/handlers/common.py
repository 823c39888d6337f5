"""Small helpers every handler uses: who is talking, in which language, and how to answer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.context import BotContext
from bot.i18n.translator import Translator
from bot.intake import mark_done_in
from bot.models import Learner, Role
from bot.services import learners, roles

log = logging.getLogger(__name__)

_open_turns: ContextVar[int] = ContextVar("open_turns", default=0)
"""Units of work open in this task: only the outermost marks the update done."""


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
        async with deps.database.session() as session:
            seen = await learners.get_or_create(
                session, user.id, user.language_code, deps.settings.default_language
            )
            tr = translator_for(context, seen.learner)
            yield Turn(session, seen.learner, tr, seen.is_new)
            if outermost:
                await mark_done_in(session, update.update_id, deps.clock.now())
        if outermost:
            context.update_done = True  # committed
    finally:
        _open_turns.reset(depth)


def translator_for(context: BotContext, learner: Learner) -> Translator:
    """The learner's language, with times in their country's time zone."""
    deps = context.deps
    zone = ZoneInfo(learners.zone_name(learner, deps.settings.timezone))
    return deps.translators(learner.language, zone)


def retranslate(context: BotContext, current: Turn) -> None:
    """After a language or country change, speak accordingly for the rest of the turn."""
    current.tr = translator_for(context, current.learner)


TextStep = Callable[[Update, BotContext, Turn], Awaitable[None]]
TEXT_STEPS: dict[str, TextStep] = {}
"""What to do with typed text, by the learner's ``awaiting`` (the part before any ':')."""


def text_step(name: str) -> Callable[[TextStep], TextStep]:
    """Registers the handler for typed text while ``learner.awaiting`` starts with ``name``."""

    def register(handler: TextStep) -> TextStep:
        if name in TEXT_STEPS:
            raise ValueError(f"text step {name!r} registered twice")
        TEXT_STEPS[name] = handler
        return handler

    return register


StartPayload = Callable[[Update, BotContext, Turn, str], Awaitable[None]]
START_PAYLOADS: dict[str, StartPayload] = {}
"""Deep links ``/start <prefix>_<argument>``, by prefix (``s`` for a session, ``r`` for a role)."""


def start_payload(prefix: str) -> Callable[[StartPayload], StartPayload]:
    def register(handler: StartPayload) -> StartPayload:
        if prefix in START_PAYLOADS:
            raise ValueError(f"start payload {prefix!r} registered twice")
        START_PAYLOADS[prefix] = handler
        return handler

    return register


async def refresh_command_menu(
    context: BotContext, session: AsyncSession, learner: Learner
) -> None:
    """Publishes the learner's own command menu (language and roles); harmless if it fails."""
    if learner.telegram_id is None:
        return
    from bot.commands import publish_chat_commands

    held = await roles.roles_of(session, learner, context.deps.settings.admin_telegram_ids)
    try:
        await publish_chat_commands(
            context.bot, learner.telegram_id, translator_for(context, learner), held
        )
    except TelegramError as error:
        log.info("command menu not updated: %s", type(error).__name__)


def button_data(update: Update) -> object:
    """The pressed button's data (None for anything but a callback query), for ``.decode()``."""
    return update.callback_query.data if update.callback_query else None


async def refuse_invalid(update: Update, current: Turn) -> None:
    """Stale, forged or out-of-place button data: say so, and change nothing."""
    text = current.tr._("This button is no longer valid.")
    if update.callback_query is not None:
        await answer_query(update, text)
    else:
        await show(update, text)


async def refuse_not_allowed(update: Update, current: Turn) -> None:
    text = current.tr._("Sorry, you are not allowed to do that.")
    if update.callback_query is not None:
        await answer_query(update, text, alert=True)
    else:
        await show(update, text)


async def require_role(update: Update, context: BotContext, current: Turn, *allowed: Role) -> bool:
    """True when the learner holds one of ``allowed``; else says "not allowed" and returns False.

    Called by every trainer and coordinator command and button, every time.
    """
    held = await roles.roles_of(
        current.session, current.learner, context.deps.settings.admin_telegram_ids
    )
    if held & set(allowed):
        return True
    await refuse_not_allowed(update, current)
    return False


NOT_EDITABLE = (
    "message to edit not found",
    "can't be edited",
    "there is no text in the message to edit",
)
"""Telegram's refusals to edit the message of a button, answered with a new message."""


async def show(
    update: Update,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Edits the message whose button was pressed, or sends a new message.

    Network trouble that outlasted the retries of ``bot.request`` (a timeout: the message
    may well have arrived) is logged and the handler goes on, so that what it records is
    kept; the message is not sent again (it could arrive twice). Returns None then.
    """
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            edited = await query.edit_message_text(text, reply_markup=keyboard)
        except BadRequest as error:
            reason = str(error).lower()
            # Pressing the same button twice asks for the same content again.
            if "not modified" in reason:
                return None
            # The message is gone (the person deleted it), can no longer be edited, or has
            # no text (a file: only forged button data points there): the answer comes as a
            # new message instead.
            if not any(phrase in reason for phrase in NOT_EDITABLE):
                raise
            log.info("message of the button not edited (%s); sending a new one", error.message)
        except NetworkError as error:
            log.warning("edit not confirmed (%s); going on", type(error).__name__)
            return None
        else:
            return edited if isinstance(edited, Message) else None
    chat = update.effective_chat
    assert chat is not None
    try:
        return await chat.send_message(text, reply_markup=keyboard)
    except BadRequest:
        raise
    except NetworkError as error:
        log.warning("message not confirmed (%s); going on", type(error).__name__)
        return None


async def answer_query(update: Update, text: str | None = None, alert: bool = False) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        # An old query (for example after a restart) cannot be answered any more.
        log.debug("callback answer refused: %s", error.message)
    except NetworkError as error:
        # It may have arrived; the spinner stops by itself anyway.
        log.info("callback answer not confirmed (%s)", type(error).__name__)
