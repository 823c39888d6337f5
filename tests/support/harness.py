"""The bot under test in the handler tests: the real application polling the fake Bot API
server (:class:`Harness`), with the people who chat with it.

The fixtures that build it (``harness``, ``bot``) are in ``tests/handlers/conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from bot.app import build_application
from bot.clock import MovableClock
from bot.i18n.translator import Translator
from bot.runtime import jobs
from bot.runtime.context import BotApplication, Deps
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.driver import TelegramUser, running_application

TOKEN = "123456:TEST-TOKEN-FOR-KAPACITET"


@dataclass
class Harness:
    api: FakeBotApi
    deps: Deps
    clock: MovableClock
    application: BotApplication | None = None
    users: dict[int, TelegramUser] = field(default_factory=dict)

    def user(
        self, user_id: int, language_code: str = "en", first_name: str = "Ana"
    ) -> TelegramUser:
        assert self.application is not None
        person = TelegramUser(self.api, self.application, user_id, first_name, language_code)
        self.users[user_id] = person
        return person

    def tr(self, language_code: str) -> Translator:
        return self.deps.translators(language_code)

    async def tick(self) -> None:
        """One round of background work (reminders, feedback, check-in codes), as the bot's
        JobQueue runs it every half minute."""
        assert self.application is not None
        await jobs.tick(self.application)

    async def advance(self, **delta: float) -> None:
        """Moves the clock forward (``hours=23``) and runs the background work once."""
        self.clock.advance(timedelta(**delta))
        await self.tick()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[BotApplication]:
        """Runs one bot process; leaving the block stops it like a shutdown would."""
        application = build_application(self.deps, rate_limit=False, background_jobs=False)
        self.application = application
        for person in self.users.values():
            person.application = application
        async with running_application(application, self.api):
            yield application
