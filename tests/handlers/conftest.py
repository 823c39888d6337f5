"""The real bot, running against the fake Bot API server over HTTP, on each database backend."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.app import build_application, build_deps
from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
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


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a test does, nothing may end as an error in the log."""
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    """ADMIN_TELEGRAM_IDS of the bot under test; a test module overrides this fixture to
    have admins."""
    return ()


@pytest.fixture
def flood_max_updates() -> int:
    """FLOOD_MAX_UPDATES of the bot under test: high, since tests act faster than people; a
    test module overrides this fixture to test the flood control."""
    return 10_000


@pytest.fixture
async def harness(
    database_url: str,
    catalogue: Catalogue,
    admin_telegram_ids: tuple[int, ...],
    flood_max_updates: int,
) -> AsyncIterator[Harness]:
    clock = MovableClock()
    api = FakeBotApi(token=TOKEN, clock=lambda: clock.now().timestamp())
    await api.start()
    settings = Settings(
        bot_token=TOKEN,
        database_url=database_url,
        telegram_api_base_url=api.base_url,
        telegram_api_base_file_url=api.base_file_url,
        admin_telegram_ids=admin_telegram_ids,
        flood_max_updates=flood_max_updates,
    )
    deps = build_deps(settings, catalogue, clock)
    await deps.database.migrate()
    try:
        yield Harness(api, deps, clock)
    finally:
        await deps.database.dispose()
        await api.stop()


@pytest.fixture
async def bot(harness: Harness) -> AsyncIterator[Harness]:
    async with harness.running():
        yield harness
