"""A clock a test sets by hand, for :class:`~bot.simulator.fake_bot_api.FakeBotApi`'s ``clock``
(seconds since the epoch)."""

from __future__ import annotations


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now
