"""Trouble on the line, on purpose: planned errors and delays for the next calls of a method,
random faults (429, 502, answers that come too late) and Telegram's flood limits.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.simulator.fake_bot_api.protocol import (
    BAD_GATEWAY,
    ApiError,
    JSONDict,
    too_many_requests,
)
from bot.simulator.fake_bot_api.state import keep_last

FAULT_KINDS = frozenset({"429", "502", "timeout"})
"""What :meth:`Faults.random_faults` can inject (403 comes from ``FakeBotApi.block``)."""

# Methods that send a message to a chat: what Telegram's flood limits count.
_SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendlocation",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)

# Methods that change a message already sent: counted too when the limits are set with
# ``edits=True`` (Telegram answers 429 to a bot that edits too fast, as to one that sends).
_EDITING_METHODS = frozenset(
    {
        "editmessagetext",
        "editmessagecaption",
        "editmessagemedia",
        "editmessagereplymarkup",
    }
)


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None


@dataclass(frozen=True)
class InjectedFault:
    """One fault that random faults injected."""

    method: str
    kind: str
    """``429``, ``502`` or ``timeout``"""
    params: JSONDict = field(compare=False, repr=False)


@dataclass
class _RandomFaults:
    random: random.Random
    rate: float
    kinds: tuple[str, ...]
    methods: frozenset[str] | None
    retry_after: int
    timeout_seconds: float
    max_in_a_row: int
    limits: dict[str, int]
    in_a_row: dict[tuple[str, str], int] = field(default_factory=dict)


class Faults:
    """Planned and random faults; ``history`` bounds :attr:`injected` (``None``: no bound)."""

    def __init__(self, history: int | None) -> None:
        self._history = history
        self._planned: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._random: _RandomFaults | None = None
        #: Every fault the random faults injected, in order.
        self.injected: list[InjectedFault] = []

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None, count: int
    ) -> None:
        queue = self._planned.setdefault(method.lower(), deque())
        queue.extend(_Fault(error_code, description, retry_after) for _ in range(count))

    def delay_next(self, method: str, seconds: float) -> None:
        self._delays.setdefault(method.lower(), deque()).append(seconds)

    def random_faults(
        self,
        seed: int,
        rate: float,
        kinds: Iterable[str],
        *,
        methods: Iterable[str] | None,
        retry_after: int,
        timeout_seconds: float,
        max_in_a_row: int,
        limits: Mapping[str, int] | None,
    ) -> None:
        chosen = tuple(kinds)
        unknown = set(chosen) - FAULT_KINDS
        if unknown or not chosen:
            raise ValueError(f"fault kinds are {sorted(FAULT_KINDS)}, not {sorted(unknown)}")
        if not 0 <= rate <= 1:
            raise ValueError("the fault rate is a share between 0 and 1")
        self._random = _RandomFaults(
            random=random.Random(seed),
            rate=rate,
            kinds=chosen,
            methods=frozenset(m.lower() for m in methods) if methods is not None else None,
            retry_after=retry_after,
            timeout_seconds=timeout_seconds,
            max_in_a_row=max_in_a_row,
            limits=dict(limits or {}),
        )

    def stop_random_faults(self) -> None:
        self._random = None

    def delay(self, method: str) -> float | None:
        """The planned delay of this call, if any."""
        delays = self._delays.get(method.lower())
        return delays.popleft() if delays else None

    def planned(self, method: str) -> ApiError | None:
        """The planned error of this call, if any."""
        faults = self._planned.get(method.lower())
        if not faults:
            return None
        fault = faults.popleft()
        extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
        return ApiError(fault.error_code, fault.description, extra)

    def draw(self, method: str, params: JSONDict) -> ApiError | float | None:
        """A random fault for this call: an error to answer instead of carrying it out, or
        the seconds to hold the answer after carrying it out, or ``None``."""
        mode = self._random
        if mode is None:
            return None
        kind = self._draw_kind(mode, method, params)
        if kind == "429":
            return too_many_requests(mode.retry_after)
        if kind == "502":
            return ApiError(502, BAD_GATEWAY)
        if kind == "timeout":
            return mode.timeout_seconds
        return None

    def _draw_kind(self, mode: _RandomFaults, method: str, params: JSONDict) -> str | None:
        name = method.lower()
        if mode.methods is not None and name not in mode.methods:
            return None
        target = params.get("chat_id", params.get("callback_query_id", ""))
        key = (name, str(target))
        draw, kind = mode.random.random(), mode.random.choice(mode.kinds)
        if draw >= mode.rate or mode.in_a_row.get(key, 0) >= mode.max_in_a_row:
            mode.in_a_row.pop(key, None)
            return None
        if (kind == "timeout" and name == "getupdates") or mode.limits.get(kind, 1) <= 0:
            return None
        if kind in mode.limits:
            mode.limits[kind] -= 1
        mode.in_a_row[key] = mode.in_a_row.get(key, 0) + 1
        self.injected.append(InjectedFault(method, kind, dict(params)))
        keep_last(self.injected, self._history)
        return kind


class RateLimits:
    """Telegram's flood limits on the methods that send messages: overall and per chat."""

    def __init__(self, history: int | None) -> None:
        self._history = history
        #: 429 answers given by the rate limits.
        self.rate_limited = 0
        #: ``time.monotonic()`` of every sending call that passed the limits (while any limit
        #: is set), with its method.
        self.sent_times: list[tuple[str, float]] = []
        self._overall_limit: tuple[int, float] | None = None
        self._chat_limit: tuple[int, float] | None = None
        self._overall_window: deque[float] = deque()
        self._chat_windows: dict[int | str, deque[float]] = {}
        self._counted = _SENDING_METHODS

    def set(
        self, per_second: float | None, per_chat_per_second: float | None, *, edits: bool = False
    ) -> None:
        self._overall_limit = self._window(per_second)
        self._chat_limit = self._window(per_chat_per_second)
        self._counted = _SENDING_METHODS | _EDITING_METHODS if edits else _SENDING_METHODS
        self._overall_window.clear()
        self._chat_windows.clear()

    @staticmethod
    def _window(per_second: float | None) -> tuple[int, float] | None:
        if per_second is None:
            return None
        if per_second <= 0:
            raise ValueError("a rate limit must be positive")
        count = max(1, math.floor(per_second))
        return count, count / per_second

    def check(self, method: str, params: JSONDict) -> ApiError | None:
        """A 429 when this sending call would exceed a rate limit; else records it."""
        if method.lower() not in self._counted:
            return None
        if self._overall_limit is None and self._chat_limit is None:
            return None
        now = time.monotonic()
        chat_key = params.get("chat_id")
        windows: list[tuple[deque[float], tuple[int, float]]] = []
        if self._overall_limit is not None:
            windows.append((self._overall_window, self._overall_limit))
        if self._chat_limit is not None and isinstance(chat_key, int | str):
            windows.append((self._chat_windows.setdefault(chat_key, deque()), self._chat_limit))
        wait = 0.0
        for window, (count, seconds) in windows:
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= count:
                wait = max(wait, window[0] + seconds - now)
        if wait > 0:
            self.rate_limited += 1
            return too_many_requests(max(1, math.ceil(wait)))
        for window, _limit in windows:
            window.append(now)
        self.sent_times.append((method, now))
        keep_last(self.sent_times, self._history)
        return None
