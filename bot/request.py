"""The bot's HTTP layer to the Bot API: PTB's own, plus two things it does not know.

- Every sendMessage, sendDocument, sendPhoto and editMessageText call that Telegram
  accepted is counted in :attr:`bot.metrics.Metrics.messages_sent`.
- A 403 ("bot was blocked by the user") names the chat it came from: it is raised as
  :class:`ChatForbidden`, still a :class:`telegram.error.Forbidden`, with ``chat_id``, so
  the error handler marks the right person unreachable.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from telegram._utils.types import ODVInput
from telegram.error import Forbidden
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.metrics import SENT_METHODS, Metrics


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
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        # The URL ends with the Bot API method (and carries the token: never log it).
        api_method = url.rsplit("/", 1)[-1]
        if HTTPStatus.OK <= code < HTTPStatus.MULTIPLE_CHOICES and api_method in SENT_METHODS:
            self.metrics.messages_sent.labels(api_method).inc()
        elif code == HTTPStatus.FORBIDDEN:
            chat_id = _chat_id(request_data)
            if chat_id is not None:
                raise ChatForbidden(_description(payload), chat_id)
        return code, payload
