"""A fake Telegram Bot API server that runs in-process on 127.0.0.1.

It speaks the HTTP protocol of https://core.telegram.org/bots/api closely enough for
python-telegram-bot to run against it unchanged: point ``ApplicationBuilder().base_url()`` at
:attr:`FakeBotApi.base_url` and ``base_file_url()`` at :attr:`FakeBotApi.base_file_url`.
Tests push updates as if users were typing (:meth:`FakeBotApi.push_message`,
:meth:`FakeBotApi.push_callback`), the bot fetches them with ``getUpdates`` and answers through
the usual methods; the tests then inspect the resulting chat (:meth:`FakeBotApi.messages`).
Errors are answered with Telegram's own descriptions.

This package's names are the ones to import; its modules are the pieces of the server.
"""

from bot.simulator.fake_bot_api.faults import FAULT_KINDS, InjectedFault
from bot.simulator.fake_bot_api.protocol import (
    BAD_GATEWAY,
    BOT_BLOCKED,
    CHAT_NOT_FOUND,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    UploadedFile,
)
from bot.simulator.fake_bot_api.server import FakeBotApi
from bot.simulator.fake_bot_api.state import CallbackAnswer, ChangeListener, SentMessage, StoredFile
from bot.simulator.fake_bot_api.telegram_html import (
    EntityParseError,
    entities_to_html,
    parse_html,
    sort_entities,
    utf16_len,
)

__all__ = [
    "BAD_GATEWAY",
    "BOT_BLOCKED",
    "CHAT_NOT_FOUND",
    "FAULT_KINDS",
    "NOT_MODIFIED",
    "QUERY_TOO_OLD",
    "ApiError",
    "CallbackAnswer",
    "ChangeListener",
    "EntityParseError",
    "FakeBotApi",
    "InjectedFault",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
    "entities_to_html",
    "parse_html",
    "sort_entities",
    "utf16_len",
]
