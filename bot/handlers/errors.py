"""The one error handler: log what happened without tokens, texts or personal data.

- Telegram's harmless refusals ("message is not modified", "query is too old") are
  noted at debug level and nothing else.
- 403 (the person blocked the bot): the person is marked unreachable, so that
  reminders and announcements skip them until they write again.
- 429 (``RetryAfter``): the rate limiter already waited and retried (AIORateLimiter,
  three times); if it still fails, a warning. Network errors and timeouts: a warning.
- Anything else: an error in the log with the exception's type, where in the bot it
  was raised, the update's type and ids, and the stack (code lines, not values:
  exception messages can quote what people wrote, so only Telegram's are kept);
  the person gets an apology in their language, and the admins of
  ``ADMIN_TELEGRAM_IDS`` a notice in theirs, at most once a minute for the same
  error (same exception type, same place).
"""

from __future__ import annotations

import logging
import sysconfig
import traceback
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select
from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.i18n.languages import guess_language
from bot.i18n.translator import Translator
from bot.models import Learner
from bot.runtime.context import BotContext, Deps
from bot.runtime.logs import safe_traceback, update_type
from bot.runtime.request import ChatForbidden
from bot.services import learners

log = logging.getLogger("bot.errors")

HARMLESS = ("message is not modified", "query is too old", "query id is invalid")
NOTICE_INTERVAL = timedelta(minutes=1)
NOTICES_KEY = "error_notices"
"""bot_data key: (exception type, place) -> when the admins were last told."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_THIS_FILE = Path(__file__).resolve()
_LIBRARY_DIRS = tuple(
    Path(sysconfig.get_paths()[name]).resolve() for name in ("stdlib", "purelib", "platlib")
)


def update_ids(update: object) -> dict[str, int | str]:
    """The update's id and type, and the message's or the query's id: nothing anyone wrote."""
    if not isinstance(update, Update):
        return {"update_type": type(update).__name__}
    ids: dict[str, int | str] = {"update_id": update.update_id, "update_type": update_type(update)}
    if update.callback_query is not None:
        ids["callback_query_id"] = update.callback_query.id
    message = update.effective_message
    if message is not None:
        ids["message_id"] = message.message_id
    return ids


def describe_update(update: object) -> str:
    """Type and ids only: enough to find the update again, nothing anyone wrote."""
    if not isinstance(update, Update):
        return type(update).__name__
    ids = update_ids(update)
    extra = "".join(
        f", {name.replace('_', ' ')} {ids[name]}"
        for name in ("message_id", "callback_query_id")
        if name in ids
    )
    chat = update.effective_chat
    return (
        f"update {update.update_id} ({ids['update_type']}{extra}), "
        f"chat type {chat.type if chat else '-'}"
    )


def place_of(error: BaseException) -> str:
    """Where ``error`` was raised: the deepest frame in the bot's code
    (``handlers/learning/lessons.py:show_card``), else the deepest outside the libraries."""
    in_bot: str | None = None
    elsewhere = "unknown"
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path == _THIS_FILE:
            continue
        if path.is_relative_to(_PACKAGE_DIR):
            in_bot = f"{path.relative_to(_PACKAGE_DIR).as_posix()}:{frame.name}"
        elif not any(path.is_relative_to(root) for root in _LIBRARY_DIRS):
            elsewhere = f"{path.name}:{frame.name}"
    return in_bot or elsewhere


def is_harmless(error: BaseException) -> bool:
    if not isinstance(error, BadRequest):
        return False
    message = error.message.lower()
    return any(phrase in message for phrase in HARMLESS)


def _blocked_chat(update: object, error: Forbidden) -> int | None:
    """The private chat a 403 came from: named by the request, else the update's own chat."""
    if isinstance(error, ChatForbidden):
        return error.chat_id if error.chat_id > 0 else None
    if isinstance(update, Update):
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            return chat.id
    return None


async def _language_of(deps: Deps, telegram_id: int, telegram_language: str | None) -> str:
    try:
        async with deps.database.session() as db:
            learner = await learners.find(db, telegram_id)
    except Exception:  # the database may be what failed
        learner = None
    if learner is not None:
        return learner.language
    return guess_language(telegram_language, deps.settings.default_language)


def _due_for_notice(context: BotContext, key: tuple[str, str], now: datetime) -> bool:
    notices: dict[tuple[str, str], datetime] = context.application.bot_data.setdefault(
        NOTICES_KEY, {}
    )
    last = notices.get(key)
    if last is not None and now - last < NOTICE_INTERVAL:
        return False
    notices[key] = now
    return True


def admin_notice(tr: Translator, error: BaseException, place: str, about: str) -> str:
    return tr._(
        "⚠️ <b>The bot hit an error</b>: {error} in {place}, while handling {update}.\n"
        "The details are in the bot's log. The same error is reported at most once a minute.",
        error=type(error).__name__,
        place=place,
        update=about,
    )


async def notify_admins(context: BotContext, error: BaseException, place: str, about: str) -> None:
    """Tells each admin of ADMIN_TELEGRAM_IDS, at most once a minute per (type, place)."""
    deps = context.deps
    admins = deps.settings.admin_telegram_ids
    if not admins or not _due_for_notice(context, (type(error).__name__, place), deps.clock.now()):
        return
    languages: dict[int, str] = {}
    try:
        async with deps.database.session() as db:
            rows = await db.exec(
                select(Learner.telegram_id, Learner.language).where(
                    col(Learner.telegram_id).in_(admins)
                )
            )
            languages = {telegram_id: language for telegram_id, language in rows if telegram_id}
    except Exception:
        log.warning("admin languages not read; telling the admins in the default language")
    for admin_id in admins:
        tr = deps.translator_for(None, languages.get(admin_id))
        try:
            await context.bot.send_message(admin_id, admin_notice(tr, error, place, about))
        except TelegramError as failure:
            log.warning("could not tell admin chat about the error: %s", type(failure).__name__)


async def _apologise(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return
    language = context.deps.settings.default_language
    if user is not None:
        language = await _language_of(context.deps, user.id, user.language_code)
    tr = context.deps.translator_for(None, language)
    try:
        await chat.send_message(tr._("Sorry, something went wrong on my side. Please try again."))
    except TelegramError as failure:
        log.debug("could not tell the user about the error: %s", type(failure).__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if error is None:
        return
    deps = context.deps
    deps.metrics.handler_errors.labels(type(error).__name__).inc()
    ids = update_ids(update)
    about = describe_update(update)
    if is_harmless(error):
        log.debug("harmless: %s on %s", error, about, extra=ids)
        return
    if isinstance(error, Forbidden):
        chat_id = _blocked_chat(update, error)
        if chat_id is not None:
            async with deps.database.session() as db:
                await learners.mark_unreachable(db, telegram_id=chat_id)
        log.info("not delivered, the person blocked the bot: %s", about, extra=ids)
        return
    if isinstance(error, RetryAfter):
        log.warning("Telegram still asks to slow down (%s) on %s", error.message, about, extra=ids)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("network trouble on %s: %s", about, type(error).__name__, extra=ids)
        return
    place = place_of(error)
    log.error(
        "unhandled %s in %s on %s\n%s",
        type(error).__name__,
        place,
        about,
        safe_traceback(error),
        extra=ids,
    )
    await notify_admins(context, error, place, about)
    if isinstance(update, Update):
        await _apologise(update, context)
