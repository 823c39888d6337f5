"""The bot under test in the handler tests: the real application polling the fake Bot API
server (:class:`Harness`), with the people who chat with it.

    coordinator = await bot.person(2001, role=Role.COORDINATOR, countries=("XK",))
    await coordinator.send("/stats")
    assert coordinator.last_message().text == ...

People: :meth:`Harness.user` (someone new to the bot), :meth:`Harness.person` (someone the
bot knows, maybe with a role), :meth:`Harness.onboarded` (a learner who went through the
onboarding). What the database holds: :meth:`Harness.learner_of`, :meth:`Harness.count`.
The fixtures that build it (``harness``, ``bot``) are in ``tests/handlers/conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import SQLModel, select

from bot.app import build_application
from bot.clock import MovableClock
from bot.i18n.translator import Translator
from bot.models import Learner, Role
from bot.runtime import jobs
from bot.runtime.context import BotApplication, Deps
from bot.services import learners
from bot.simulator.fake_bot_api import FakeBotApi
from tests.factories import grant
from tests.support import rows
from tests.support.driver import TelegramUser, running_application
from tests.support.learners import onboard

TOKEN = "123456:TEST-TOKEN-FOR-KAPACITET"
CONTROLLER: dict[str, str] = {
    "data_controller_name": "Kapacitet Programme Office",
    "data_controller_contact": "privacy@kapacitet.example",
}
"""The data controller every bot with a token must name (the privacy notice shows it)."""
CONTROLLER_ENV = {name.upper(): value for name, value in CONTROLLER.items()}
"""The same, as environment variables for a bot started as a process."""


@dataclass
class Harness:
    api: FakeBotApi
    deps: Deps
    clock: MovableClock
    application: BotApplication | None = None
    users: dict[int, TelegramUser] = field(default_factory=dict)

    # -- people ---------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        language_code: str = "en",
        first_name: str = "Ana",
        last_name: str | None = None,
    ) -> TelegramUser:
        """Someone on Telegram (``language_code``: their app's language; the account shows
        ``first_name`` and ``last_name``) who may write to the bot; new to it until they do."""
        assert self.application is not None
        person = TelegramUser(
            self.api, self.application, user_id, first_name, language_code, last_name=last_name
        )
        self.users[user_id] = person
        return person

    async def person(
        self,
        user_id: int,
        *,
        role: Role | None = None,
        countries: Iterable[str] = (),
        organisations: Iterable[str] = (),
        language_code: str = "en",
        first_name: str = "Ana",
    ) -> TelegramUser:
        """Someone the bot knows already (as it records a person on first contact: no
        language chosen, no consent asked), holding ``role`` if given (a coordinator limited
        to ``countries`` and ``organisations``; none means all)."""
        user = self.user(user_id, language_code, first_name)
        async with self.deps.database.session() as db:
            seen = await learners.get_or_create(
                db, user_id, language_code, self.deps.settings.default_language
            )
            if role is not None:
                await grant(
                    db, seen.learner, role, countries=countries, organisations=organisations
                )
        return user

    async def onboarded(
        self,
        user_id: int,
        language: str = "en",
        native_name: str = "English",
        organisation: str = "Civic Lab",
        country: str = "Kosovo",
        *,
        language_code: str | None = None,
        first_name: str = "Ana",
        last_name: str | None = None,
    ) -> TelegramUser:
        """A learner who chose ``language`` (tapping its ``native_name``), gave consent and
        answered the profile questions (:func:`tests.support.learners.onboard`), named as
        their Telegram account (``first_name`` ``last_name``); their Telegram app is in
        ``language_code`` (``language`` unless given)."""
        user = self.user(user_id, language_code or language, first_name, last_name)
        await onboard(self, user, language, native_name, organisation, country)
        return user

    def tr(self, language_code: str) -> Translator:
        return self.deps.translators(language_code)

    # -- what the database holds ------------------------------------------------------------

    async def learner_of(self, user_id: int) -> Learner:
        """The learner row of the person with Telegram id ``user_id``."""
        async with self.deps.database.session() as db:
            found = await db.exec(select(Learner).where(Learner.telegram_id == user_id))
            return found.one()

    async def count(self, model: type[SQLModel]) -> int:
        """How many rows the table of ``model`` holds."""
        async with self.deps.database.session() as db:
            return await rows.count(db, model)

    # -- time and processes -----------------------------------------------------------------

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
