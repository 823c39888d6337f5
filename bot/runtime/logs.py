"""Logging: plain text or one JSON object per line, never a token, never what people wrote.

Every handler gets a :class:`RedactSecrets` filter: whatever a record carries (its
message, arguments, traceback) is searched for things that look like a bot token (also
URL-encoded) and for the configured secrets (:func:`secret_forms`: the token, its secret
half alone, its URL-encoded form, the webhook secret, the database password), which are
replaced by ``[REDACTED]``. A traceback keeps its code lines and exception types, but no
exception's message except Telegram's (:func:`safe_traceback`): messages can quote what
people wrote. The few records of python-telegram-bot that carry a whole update or answer
of Telegram lose it. That is the second line of defence; the first is not to log them:
httpx, which logs request URLs with the token in them, stays at WARNING, and ``-v`` turns on
debug records of the bot's own code only (python-telegram-bot's debug records hold every
update and every message sent, names and texts included).

While an update is processed, :data:`current_update` holds its id and type, and
every record logged meanwhile carries them (``update_id``, ``update_type``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, NamedTuple, TextIO
from urllib.parse import quote

from telegram.error import TelegramError

TOKEN_RE = re.compile(r"\d{6,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
"""A bot token, as it is or URL-encoded (``123456789%3AAA…``)."""
REDACTED = "[REDACTED]"
PTB_DATA_MESSAGES = (
    "Can not load invalid JSON data",
    "Error while parsing updates! Received data was",
    "Something went wrong processing the data received from Telegram",
)
"""Records of python-telegram-bot whose arguments are a whole update or answer of Telegram:
other people's messages. Their arguments are left out."""
LEFT_OUT = " (what Telegram sent is left out of the log)"

UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "inline_query",
    "channel_post",
    "pre_checkout_query",
)


class UpdateRef(NamedTuple):
    update_id: int
    update_type: str


current_update: ContextVar[UpdateRef | None] = ContextVar("current_update", default=None)


def update_type(update: object) -> str:
    """``message``, ``callback_query``, ...: the kind of an update, for logs and metrics."""
    for kind in UPDATE_KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def secret_forms(*secrets: str | None) -> list[str]:
    """Every form in which ``secrets`` could show up in a log: each as it is and URL-encoded,
    and a bot token's secret half alone (the part after the colon)."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.update({secret, quote(secret, safe=""), quote(secret, safe="").replace("%3A", "%3a")})
        bot_id, colon, half = secret.partition(":")
        if colon and bot_id.isdigit() and len(half) >= 10:
            forms.add(half)
    return sorted(forms)


def safe_traceback(error: BaseException) -> str:
    """The stack of ``error`` and of its causes: code lines and exception types only.

    Messages are left out (they can quote what people wrote), except Telegram's own.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        said = f": {current.message}" if isinstance(current, TelegramError) else ""
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"{frames}{name}{said}")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n(caused by)\n".join(parts)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_RE.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Replaces bot tokens (and the given secrets) in a record's message and traceback; keeps
    no exception message but Telegram's, and no update python-telegram-bot logs whole."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is replaced whole.
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram") and isinstance(record.msg, str):
            for start in PTB_DATA_MESSAGES:
                if record.msg.startswith(start):
                    record.msg, record.args = start + LEFT_OUT, None
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info[1])
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class UpdateContext(logging.Filter):
    """Adds ``update_id`` and ``update_type`` of the update being processed, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        ref = current_update.get()
        if ref is not None and not hasattr(record, "update_id"):
            record.update_id = ref.update_id
            record.update_type = ref.update_type
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and update, exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("update_id", "update_type"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message [update 12 message]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            kind = getattr(record, "update_type", None)
            text += f" [update {update_id}{' ' + kind if kind else ''}]"
        return text


def make_handler(
    log_format: str = "text", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(UpdateContext())
    handler.addFilter(RedactSecrets(secrets))
    return handler


def configure_logging(
    *, verbose: bool = False, log_format: str = "text", secrets: Iterable[str] = ()
) -> None:
    """The root logger writes to stderr, in text or JSON, with tokens redacted."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(make_handler(log_format, secrets))
    # Debug records of the bot's own code only: python-telegram-bot's hold every update and
    # every message sent, and the database drivers' the values they were given.
    root.setLevel(logging.INFO)
    logging.getLogger("bot").setLevel(logging.DEBUG if verbose else logging.NOTSET)
    # httpx logs every request URL, and Telegram's URLs contain the bot token.
    for name in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
