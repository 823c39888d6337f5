"""The bot's HTTP layer to the Bot API: PTB's own, plus two things it does not know.

- Every sendMessage, sendDocument, sendPhoto and editMessageText call that Telegram
  accepted is counted in :attr:`bot.runtime.metrics.Metrics.messages_sent`.
- A 403 ("bot was blocked by the user") names the chat it came from: it is raised as
  :class:`ChatForbidden`, still a :class:`telegram.error.Forbidden`, with ``chat_id``, so
  the error handler marks the right person unreachable.
- Network trouble is retried with backoff (:data:`RETRY_DELAYS`), by every caller alike
  (handlers, background work, the outbox): a request that certainly did not reach the Bot
  API (no connection, a full connection pool, 502/503/504 from Telegram's front end) is
  sent again, whatever its method; one that went out without an answer (a read timeout, a
  dropped connection) may have been carried out, so it is sent again only when repeating
  it does no harm (reads and settings: ``get...``, ``set...``, ``deleteWebhook``). Sending a
  message again could deliver it twice, and an edit or a callback answer repeated would be
  refused ("not modified", "query is too old"): those raise, and their callers decide (see
  ``bot.handlers.common.turn.show``). 429 is not handled here (PTB's AIORateLimiter and the
  outbox wait for ``retry_after``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any

import httpx
from telegram.error import Forbidden, NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.runtime.metrics import SENT_METHODS, Metrics
from bot.runtime.ptb import ODVInput

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)
"""Seconds to wait before the second, third and fourth try of a request."""
NOT_CARRIED_OUT = frozenset(
    {HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT}
)
"""Answers of Telegram's front end when the Bot API did not take the request."""
_NOT_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Network errors that prove the request never left (as in ``bot.runtime.outbox``)."""
_REPEATABLE = frozenset({"deleteWebhook", "deleteMyCommands", "sendChatAction", "logOut"})


def repeatable(api_method: str) -> bool:
    """Whether sending ``api_method`` again, after it may have been carried out, does no harm."""
    return api_method.startswith(("get", "set")) or api_method in _REPEATABLE


def not_sent(error: NetworkError) -> bool:
    """The request never reached Telegram (PTB raised it for an httpx connection error)."""
    return isinstance(error.__cause__, _NOT_SENT_CAUSES)


class ChatForbidden(Forbidden):
    """Telegram refused to deliver to ``chat_id`` (the person blocked the bot)."""

    __slots__ = ("chat_id",)

    def __init__(self, message: str, chat_id: int) -> None:
        super().__init__(message)
        self.chat_id = chat_id

    def __reduce__(self) -> tuple[type, tuple[str, int]]:  # type: ignore[override]
        return self.__class__, (self.message, self.chat_id)


def _chat_id(request_data: RequestData | None) -> int | None:
    if request_data is None:
        return None
    value: Any = request_data.parameters.get("chat_id")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None  # absent, or a channel's @username


def _description(payload: bytes) -> str:
    """Telegram's own words from an error answer ("Forbidden: bot was blocked by the user")."""
    try:
        description = json.loads(payload).get("description")
    except (ValueError, AttributeError):
        description = None
    return str(description or "Forbidden (403)")


class BotRequest(HTTPXRequest):
    """:class:`HTTPXRequest` (with PTB's defaults for the bot's requests) that counts."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 256)
        super().__init__(**kwargs)
        self.metrics = metrics

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # The URL ends with the Bot API method (and carries the token: never log it).
        api_method = url.rsplit("/", 1)[-1]
        for delay in (*RETRY_DELAYS, None):
            try:
                code, payload = await super().do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            except NetworkError as error:  # TimedOut included
                if delay is None or not (not_sent(error) or repeatable(api_method)):
                    raise
                trouble = type(error.__cause__ or error).__name__
            else:
                if delay is None or code not in NOT_CARRIED_OUT:
                    break
                trouble = f"HTTP {code}"
            log.info("%s failed (%s); trying again in %.1f s", api_method, trouble, delay)
            await asyncio.sleep(delay)
        if HTTPStatus.OK <= code < HTTPStatus.MULTIPLE_CHOICES and api_method in SENT_METHODS:
            self.metrics.messages_sent.labels(api_method).inc()
        elif code == HTTPStatus.FORBIDDEN:
            chat_id = _chat_id(request_data)
            if chat_id is not None:
                raise ChatForbidden(_description(payload), chat_id)
        return code, payload


def telegram_requests(metrics: Metrics) -> tuple[BotRequest, HTTPXRequest]:
    """The bot's requests and those of ``getUpdates`` (python-telegram-bot's defaults for
    each: 256 connections and one), sharing one TLS context: each httpx client otherwise
    loads the CA certificates into a context of its own (about 0.8 MiB each)."""
    shared = {"verify": httpx.create_ssl_context()}
    return (
        BotRequest(metrics, httpx_kwargs=shared),
        HTTPXRequest(connection_pool_size=1, httpx_kwargs=shared),
    )
