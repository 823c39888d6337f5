"""The real bot, running against the fake Bot API server over HTTP, on each database backend
(:class:`tests.support.harness.Harness`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import build_deps
from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.harness import CONTROLLER, TOKEN, Harness
from tests.support.logs import no_errors_logged  # noqa: F401  (autouse: applies to this folder)


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
def certificate_settings() -> dict[str, object]:
    """The CERTIFICATE_* settings of the bot under test (none: the brand alone); a test
    module overrides this fixture to print an issuer, a logo, a signature."""
    return {}


@pytest.fixture
async def harness(
    database_url: str,
    catalogue: Catalogue,
    admin_telegram_ids: tuple[int, ...],
    flood_max_updates: int,
    certificate_settings: dict[str, object],
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
        **CONTROLLER,
        **certificate_settings,  # type: ignore[arg-type]
    )
    # A catalogue of its own: publishing in one test changes what it holds.
    deps = build_deps(settings, Catalogue(list(catalogue.modules)), clock)
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
