"""The outbox's pace: Telegram's limits per chat and overall, and its answers about waiting.

Every message waits for a slot (per chat and overall, 3 % under each limit), then passes a
gate (spacing and pauses); only then is its row claimed, and the request follows the claim's
commit at once. A 429 pauses every message of the outbox.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import NetworkError, RetryAfter

from bot.db import Database
from bot.runtime.context import Deps
from bot.runtime.request import not_sent

PACE = 0.97
"""Aim 3 % under each limit: requests sent evenly can still arrive bunched together."""
CHAT_RATE_PER_SECOND = 1.0
MAX_ATTEMPTS = 5
MAX_BACKOFF_SECONDS = 60
MAX_CHATS = 4096
"""Chats whose limiters are kept before the idle ones are forgotten."""


class ChatLimits:
    """One chat's limiters: pacing (the slot) and spacing (the gate, right before the claim
    and the request), both 1 message in 1/(1 x PACE) s: the per-chat limit has no room for
    jitter."""

    __slots__ = ("pacing", "spacing")

    def __init__(self) -> None:
        interval = 1 / (CHAT_RATE_PER_SECOND * PACE)
        self.pacing = AsyncLimiter(1, interval)
        self.spacing = AsyncLimiter(1, interval)

    def idle(self) -> bool:
        return self.pacing.has_capacity(1) and self.spacing.has_capacity(1)


class Pacer:
    """Limits and state shared by every drain of one database in this process."""

    def __init__(self, rate_per_second: float) -> None:
        self.rate = rate_per_second * PACE
        # A bucket of two: a wake-up that comes a little late is made up by the next one,
        # so that the average stays at the pace (a bucket of one loses every delay).
        self.overall = AsyncLimiter(2, 2 / self.rate)
        # Never two requests closer together than the limit allows (1/30 s).
        self.spacing = AsyncLimiter(1, 1 / rate_per_second)
        self.chats: dict[int, ChatLimits] = {}
        self.resume_at = 0.0
        self.lock = asyncio.Lock()

    def chat(self, chat_id: int) -> ChatLimits:
        if len(self.chats) > MAX_CHATS:
            # Forget the chats whose limits have run out: they may send at once anyway.
            for key, limits in list(self.chats.items()):
                if limits.idle():
                    del self.chats[key]
        found = self.chats.get(chat_id)
        if found is None:
            found = self.chats[chat_id] = ChatLimits()
        return found

    def pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self.resume_at = max(self.resume_at, loop.time() + seconds)

    async def wait_resumed(self) -> None:
        """Returns once no pause is in force (a pause may be extended while waiting)."""
        loop = asyncio.get_running_loop()
        remaining = self.resume_at - loop.time()
        while remaining > 0:
            await asyncio.sleep(remaining)
            remaining = self.resume_at - loop.time()

    async def slot(self, chat_id: int) -> None:
        """Waits until a message to ``chat_id`` may be prepared: no pause, and the chat's and
        the overall pace allow it."""
        await self.wait_resumed()
        await self.chat(chat_id).pacing.acquire()
        await self.overall.acquire()
        await self.wait_resumed()

    def paused(self) -> bool:
        """Whether a pause (after a 429) is in force now."""
        return self.resume_at > asyncio.get_running_loop().time()

    async def gate(self, chat_id: int) -> None:
        """Right before the row is claimed and its request sent: keeps requests apart (at
        least 1/30 s, and per chat) that waiting for :meth:`slot` at different times would
        bunch together, and holds them during a pause. Usually immediate. Only the claim's
        commit (milliseconds) then stands between it and the request."""
        await self.wait_resumed()
        await self.chat(chat_id).spacing.acquire()
        await self.spacing.acquire()


_PACERS: weakref.WeakKeyDictionary[Database, Pacer] = weakref.WeakKeyDictionary()


def pacer_for(deps: Deps) -> Pacer:
    """The one pacer of ``deps.database`` in this process."""
    pacer = _PACERS.get(deps.database)
    if pacer is None:
        pacer = _PACERS[deps.database] = Pacer(deps.settings.announce_rate_per_second)
    return pacer


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds: a timedelta (``bot`` opts in to PTB_TIMEDELTA), or whole
    seconds, without PTB's deprecation warning, where an operator set it to false."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return max(value.total_seconds(), 0.0)
    return max(float(value), 0.0)


def certainly_not_sent(error: NetworkError) -> bool:
    """True when the request never reached Telegram, or Telegram's front end answered with an
    error status instead of taking the message (502 and the like): sending again cannot
    duplicate it. False when it went out and no answer came back (read timeout, a dropped
    connection): it may have been delivered."""
    cause = error.__cause__
    if cause is None:
        # An answer with an HTTP error status, or PTB's own "Pool timeout" (not sent).
        return True
    return not_sent(error)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))
