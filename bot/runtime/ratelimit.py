"""PTB's ``AIORateLimiter``, spent only on the calls Telegram limits, and paced per chat.

Telegram limits what a bot *sends*: about 30 messages a second overall and about one a second
in one chat; editing a message counts as sending one. PTB's ``AIORateLimiter`` counts every
call that names a chat against the 30 a second (a ``sendChatAction`` or a ``getChat`` as much
as a message), holds every call, ``answerCallbackQuery`` included, while it waits out a 429,
and has no limit per private chat at all (only per group). :class:`TelegramRateLimiter`:

- sends the calls Telegram does not count (:data:`LIMITED` names the ones it does):
  ``answerCallbackQuery``, chat actions, ``getMe``, ``setMyCommands``, ``deleteMessage``…
  straight away, past the limiter and any pause (a 429 on one of them is waited out for that
  call alone);
- keeps PTB's limiter for the others (20 a minute per group, a 429 pauses them all), but
  paced evenly: one call every 1/:data:`OVERALL_PER_SECOND` s instead of PTB's default bucket
  of 30 a second, which lets 30 go at once and 30 more within the same second (60 in one
  second draw 429s from Telegram; the fake Bot API server counts a sliding second too);
- paces them in a private chat at one a second (aiolimiter, as the outbox does), so that a
  reply of two messages waits a second instead of drawing a 429.

``getUpdates`` never reaches a rate limiter (PTB's ``ExtBot`` sends it past).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

LIMITED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendVideoNote",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendInvoice",
        "sendMediaGroup",
        "sendPaidMedia",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "stopPoll",
    }
)
"""The Bot API methods that put a message into a chat or change one: what Telegram's limits
count."""

OVERALL_PER_SECOND = 28.0
"""A little under Telegram's 30 a second: calls sent evenly can still arrive bunched."""
PER_CHAT_PER_SECOND = 1.0
FORGET_CHATS_AFTER = 10.0
"""Seconds after which a private chat's pace is forgotten (its limiter is full again by then)."""

Result = bool | dict[str, Any] | list[dict[str, Any]]


class TelegramRateLimiter(AIORateLimiter):
    """See the module's description."""

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        per_chat_per_second: float = PER_CHAT_PER_SECOND,
        **kwargs: Any,
    ) -> None:
        # A bucket of one that refills evenly: never two calls closer than 1/rate seconds.
        kwargs.setdefault("overall_max_rate", 1)
        kwargs.setdefault("overall_time_period", 1 / overall_per_second)
        super().__init__(**kwargs)
        self._per_chat = per_chat_per_second
        self._chats: dict[int, tuple[AsyncLimiter, float]] = {}
        self._swept = time.monotonic()
        self.retries: int = kwargs.get("max_retries", 0)

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        now = time.monotonic()
        if now - self._swept > FORGET_CHATS_AFTER:
            self._swept = now
            self._chats = {
                chat: entry
                for chat, entry in self._chats.items()
                if now - entry[1] < FORGET_CHATS_AFTER
            }
        entry = self._chats.get(chat_id)
        limiter = entry[0] if entry else AsyncLimiter(1, 1 / self._per_chat)
        self._chats[chat_id] = (limiter, now)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if endpoint not in LIMITED:
            return await self._unlimited(callback, args, kwargs, rate_limit_args)
        chat_id = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        pace = (
            self._chat_limiter(chat_id)
            if isinstance(chat_id, int) and chat_id > 0
            else contextlib.nullcontext()
        )
        async with pace:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

    async def _unlimited(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        retries = rate_limit_args or self.retries
        for attempt in range(retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    raise
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dtm.timedelta) else wait
                await asyncio.sleep(seconds + 0.1)
        raise AssertionError("unreachable")
