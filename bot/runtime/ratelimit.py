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
- keeps PTB's limiter for the others (20 a minute per group, a 429 pauses them all), with the
  overall limit counted as Telegram counts it: at most :data:`OVERALL_PER_SECOND` calls in any
  one second, and at most :data:`SPREAD` in any fifth of a second (:class:`SlidingWindow`).
  PTB's own, a leaky bucket of 30 a second, lets 30 go at once and 30 more within the same
  second (429s); a bucket of one, paced evenly, loses a third of the rate on a busy machine,
  where every wake-up of the event loop comes late;
- paces them in a private chat at one a second, so that a reply of two messages waits a
  second instead of drawing a 429.

``getUpdates`` never reaches a rate limiter (PTB's ``ExtBot`` sends it past).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import time
from collections import deque
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

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

OVERALL_PER_SECOND = 25
"""Under Telegram's 30 in any second: calls can arrive closer together than they left."""
SPREAD = 5
"""At most this many of them in any fifth of a second: with arrivals up to 0.2 s closer
together than departures, a second at Telegram still holds at most 30."""
PER_CHAT_PER_SECOND = 1
FORGET_CHATS_AFTER = 10.0
"""How often the windows of private chats that are idle are forgotten."""

Result = bool | dict[str, Any] | list[dict[str, Any]]


class SlidingWindow:
    """At most ``count`` entries in any ``seconds`` (and in each further window of
    ``also``: ``(count, seconds)`` pairs), first come first served: an async context manager
    that waits for room. Calls that wake late go together as soon as there is room, so a busy
    event loop does not lower the rate."""

    def __init__(
        self, count: int, seconds: float = 1.0, also: tuple[tuple[int, float], ...] = ()
    ) -> None:
        self.limits = ((count, seconds), *also)
        if any(limit < 1 for limit, _ in self.limits):
            raise ValueError("a window holds at least one call")
        self._longest = max(span for _, span in self.limits)
        self._times: deque[float] = deque()
        self._turn = asyncio.Lock()

    def _wait(self, now: float) -> float:
        """Seconds until every window has room (0: now)."""
        wait = 0.0
        times = self._times
        for limit, span in self.limits:
            inside = [t for t in times if t > now - span]
            if len(inside) >= limit:
                wait = max(wait, inside[-limit] + span - now)
        return wait

    async def __aenter__(self) -> None:
        async with self._turn:  # FIFO: the first to wait is the first to go
            while True:
                now = time.monotonic()
                while self._times and self._times[0] <= now - self._longest:
                    self._times.popleft()
                wait = self._wait(now)
                if wait <= 0:
                    self._times.append(now)
                    return
                await asyncio.sleep(wait)

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        return None

    @property
    def idle(self) -> bool:
        """Nothing in the windows and nobody waiting."""
        now = time.monotonic()
        return not self._turn.locked() and (
            not self._times or self._times[-1] <= now - self._longest
        )


class TelegramRateLimiter(AIORateLimiter):
    """See the module's description."""

    def __init__(
        self,
        *,
        overall_per_second: int = OVERALL_PER_SECOND,
        per_chat_per_second: int = PER_CHAT_PER_SECOND,
        **kwargs: Any,
    ) -> None:
        # PTB's bucket off (0); the window below counts the overall limit instead.
        kwargs.setdefault("overall_max_rate", 0)
        super().__init__(**kwargs)
        self._overall = (
            SlidingWindow(
                overall_per_second,
                1.0,
                ((max(1, SPREAD * overall_per_second // OVERALL_PER_SECOND), 0.2),),
            )
            if overall_per_second
            else None
        )
        self._per_chat = per_chat_per_second
        self._chats: dict[int, SlidingWindow] = {}
        self._swept = time.monotonic()
        self.retries: int = kwargs.get("max_retries", 0)

    def _chat_window(self, chat_id: int) -> SlidingWindow:
        now = time.monotonic()
        if now - self._swept > FORGET_CHATS_AFTER:
            self._swept = now
            self._chats = {chat: window for chat, window in self._chats.items() if not window.idle}
        window = self._chats.get(chat_id)
        if window is None:
            window = self._chats[chat_id] = SlidingWindow(self._per_chat)
        return window

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
        chat: SlidingWindow | contextlib.nullcontext[None] = (
            self._chat_window(chat_id)
            if isinstance(chat_id, int) and chat_id > 0
            else contextlib.nullcontext()
        )
        overall = self._overall or contextlib.nullcontext()
        async with chat, overall:
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
