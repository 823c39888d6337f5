"""The offline simulator (:class:`Simulator`): the real bot, polling the fake Bot API over HTTP
exactly as it polls Telegram, and the chat page for several simulated people, started and
stopped together. It keeps its own SQLite file (``./data/simulator.sqlite3``) unless
``DATABASE_URL`` is set, and a :class:`~bot.clock.MovableClock` that the page moves forward.

It refuses a database that holds real people (:func:`real_people`), unless asked explicitly
(``--allow-real-data``): its preset people come with roles of full scope, which in a real
database would see and export everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select

from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.runtime import marks
from bot.runtime.context import BotApplication, Deps
from bot.simulator import page
from bot.simulator.fake_bot_api import FakeBotApi
from bot.simulator.people import (
    DEFAULT_PEOPLE,
    FIRST_PERSON_ID,
    LAST_PERSON_ID,
    MAX_PEOPLE,
    BadRequest,
    Person,
    check_language_code,
    check_name,
    check_role,
    load_people,
    save_people,
)
from bot.simulator.sanitize import CONTROL_CHARACTERS
from bot.simulator.web import MAX_TEXT_LENGTH, PageEvents, PageServer

MAX_FILENAME_LENGTH = 120

log = logging.getLogger(__name__)

SIMULATOR_TOKEN = "100000:SIMULATOR-LOCAL-TOKEN"
SETTLE_TIMEOUT = 15.0
HISTORY = 1000
"""Messages kept per chat (and calls, callback queries...) by the simulator's fake Telegram."""


def simulator_database_url(folder: Path | None = None) -> str:
    """The simulator's own SQLite file, apart from a real bot's data."""
    return f"sqlite:///{(folder or Path.cwd()) / 'data' / 'simulator.sqlite3'}"


def simulator_database(settings: Settings) -> str:
    """Unless DATABASE_URL is set, the simulator keeps its own file."""
    if "database_url" in settings.model_fields_set:
        return settings.database_url
    return simulator_database_url()


class RealDatabase(Exception):
    """The database holds real people; the message says how to go on."""


async def real_people(database: Database) -> str | None:
    """Why the database at hand holds real people, or None: the real bot has run on it (its
    ``bot_started`` mark), or it knows Telegram users outside the ids the simulator gives
    out. Read before anything is written (the tables may not even exist yet)."""

    def look(connection: sa.Connection) -> str | None:
        tables = set(sa.inspect(connection).get_table_names())
        if "runtime_mark" in tables:
            started = connection.execute(
                sa.text("SELECT at FROM runtime_mark WHERE name = :name"),
                {"name": marks.BOT_STARTED},
            ).first()
            if started is not None:
                return "the real bot has run on it"
        if "learner" in tables:
            outside = connection.execute(
                sa.text(
                    "SELECT count(*) FROM learner WHERE telegram_id IS NOT NULL "
                    "AND (telegram_id < :first OR telegram_id > :last)"
                ),
                {"first": FIRST_PERSON_ID, "last": LAST_PERSON_ID},
            ).scalar_one()
            if outside:
                return f"it knows Telegram users the simulator did not make: {outside}"
        return None

    async with database.engine.connect() as connection:
        return await connection.run_sync(look)


def simulator_settings(settings: Settings, api: FakeBotApi) -> Settings:
    """The settings the bot runs with inside the simulator."""
    return settings.model_copy(
        update={
            "bot_token": SIMULATOR_TOKEN,
            "telegram_api_base_url": api.base_url,
            "telegram_api_base_file_url": api.base_file_url,
            "database_url": simulator_database(settings),
        }
    )


class Simulator:
    """The fake Telegram, the real bot and the web page, started and stopped together.

    ``people_file`` keeps the simulated people (names, languages, roles) across restarts, next
    to the database they belong to; ``None`` keeps them in memory only.
    """

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        *,
        host: str | None = None,
        port: int | None = None,
        clock: MovableClock | None = None,
        background_jobs: bool = True,
        people_file: Path | None = None,
        default_people: tuple[tuple[str, str, str], ...] = DEFAULT_PEOPLE,
        settle_timeout: float = SETTLE_TIMEOUT,
        allow_real_data: bool = False,
    ) -> None:
        self._settings = settings
        self._allow_real_data = allow_real_data
        self._catalogue = catalogue
        self.clock = clock or MovableClock()
        self._background_jobs = background_jobs
        self._people_file = people_file
        self._default_people = default_people
        self._settle_timeout = settle_timeout
        self.api = FakeBotApi(
            token=SIMULATOR_TOKEN, clock=lambda: self.clock.now().timestamp(), history=HISTORY
        )
        self.people: dict[int, Person] = {}
        self.events = PageEvents()
        self._web = PageServer(
            self,
            host if host is not None else settings.simulator_host,
            port if port is not None else settings.simulator_port,
        )
        self._deps: Deps | None = None
        self._application: BotApplication | None = None
        self._tick_lock = asyncio.Lock()
        self._people_lock = asyncio.Lock()
        self._unsubscribe: Callable[[], None] | None = None
        self._ticker: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def deps(self) -> Deps:
        if self._deps is None:
            raise RuntimeError("the simulator is not running")
        return self._deps

    @property
    def application(self) -> BotApplication:
        if self._application is None:
            raise RuntimeError("the simulator is not running")
        return self._application

    @property
    def host(self) -> str:
        return self._web.host

    @property
    def port(self) -> int:
        return self._web.port

    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def person_url(self, person_id: int) -> str:
        return f"{self.url}/?person={person_id}"

    async def start(self) -> None:
        from bot.app import build_application, build_deps
        from bot.handlers.content import refresh as content_refresh

        await self.api.start()
        try:
            settings = simulator_settings(self._settings, self.api)
            # A catalogue of its own: the stored content replaces what it holds (below), and
            # the one given may be shared (tests).
            catalogue = Catalogue(list(self._catalogue.modules))
            self._deps = build_deps(settings, catalogue, self.clock)
            if not self._allow_real_data:
                why = await real_people(self._deps.database)
                if why is not None:
                    raise RealDatabase(
                        f"the database in DATABASE_URL holds real people ({why}), and the "
                        "simulator would add its own people with full-scope roles to them; "
                        "unset DATABASE_URL to use data/simulator.sqlite3, or pass "
                        "--allow-real-data if this is what you want"
                    )
            await self._deps.database.migrate()
            # The stored content, as `python -m bot run` loads it: what editors publish in
            # the simulator is what its learners get.
            await content_refresh.prepare(self._deps)
            self._unsubscribe = self.api.on_change(self._on_change)
            await self._load_people()
            # The background work runs here (see _tick_forever), not in PTB's JobQueue, so
            # that it never overlaps with a tick started by moving the clock.
            application = build_application(self._deps, rate_limit=False, background_jobs=False)
            self._application = application
            await application.initialize()
            if application.post_init:
                await application.post_init(application)
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0,
                timeout=1,
                bootstrap_retries=0,
                allowed_updates=["message", "callback_query", "my_chat_member"],
            )
            await application.start()
            if self._background_jobs:
                self._ticker = asyncio.create_task(self._tick_forever(), name="simulator-ticks")
            await self._web.start()
        except BaseException:
            await self.stop()
            raise

    async def _tick_forever(self) -> None:
        """What the bot's JobQueue does in production: ``jobs.tick`` soon after the start (to
        catch up on what fell due while it was down), then every ``jobs.TICK_SECONDS``."""
        from bot.runtime import jobs

        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            delay = jobs.TICK_SECONDS
            async with self._tick_lock:
                await jobs.tick(self.application)

    async def stop(self) -> None:
        if self._ticker is not None:
            ticker, self._ticker = self._ticker, None
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        self.events.close()
        await self._web.stop()
        application, self._application = self._application, None
        if application is not None:
            with contextlib.suppress(Exception):
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
                    if application.post_stop:
                        await application.post_stop(application)
            with contextlib.suppress(Exception):
                await application.shutdown()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._deps is not None:
            await self._deps.database.dispose()
            self._deps = None
        await self.api.stop()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _on_change(self, change: dict[str, Any]) -> None:
        event = page.change_event(self.api, self.people, change)
        if event is not None:
            self.events.publish(event)

    # -- people ---------------------------------------------------------------------------------

    async def _load_people(self) -> None:
        if self._people_file is not None:
            for person in load_people(self._people_file):
                self._register(person)
        if not self.people:
            for name, language_code, role in self._default_people:
                await self.add_person(name, language_code, role)

    def _register(self, person: Person) -> None:
        self.people[person.id] = person
        self.api.add_user(person.id, first_name=person.name, language_code=person.language_code)

    async def _next_person_id(self) -> int:
        """Above every simulated person the database knows, so a new person is a stranger."""
        from bot.models import Learner

        # A read only the simulator needs (no service offers "the highest Telegram id in a
        # range"): it keeps a new simulated person apart from anyone the database knows.
        async with self.deps.database.session() as db:
            known = (
                await db.exec(
                    select(func.max(Learner.telegram_id)).where(
                        col(Learner.telegram_id).between(FIRST_PERSON_ID, LAST_PERSON_ID)
                    )
                )
            ).one()
        highest = max([FIRST_PERSON_ID - 1, known or 0, *self.people])
        if highest >= LAST_PERSON_ID:
            raise BadRequest("no more simulated people can be added")
        return highest + 1

    async def add_person(self, name: str, language_code: str, role: str) -> Person:
        """A new simulated Telegram user; trainers, coordinators and admins get their role."""
        name = check_name(name)
        language_code = check_language_code(language_code)
        role = check_role(role)
        async with self._people_lock:
            if len(self.people) >= MAX_PEOPLE:
                raise BadRequest(f"at most {MAX_PEOPLE} people")
            person = Person(await self._next_person_id(), name, language_code, role)
            if role != "learner":
                await self._grant(person)
            self._register(person)
            if self._people_file is not None:
                save_people(self._people_file, list(self.people.values()))
        self.events.publish({"type": "people", "people": self.people_json()})
        return person

    async def _grant(self, person: Person) -> None:
        """The role, and nothing else: the person still goes through /start like anyone."""
        from bot.models import Role
        from bot.services import learners, roles

        async with self.deps.database.session() as db:
            seen = await learners.get_or_create(
                db,
                person.id,
                person.language_code or None,
                self.deps.settings.default_language,
            )
            await roles.grant_preset(db, seen.learner, Role(person.role), self.deps.clock.now())

    def people_json(self) -> list[dict[str, Any]]:
        return [person.to_json() for person in self.people.values()]

    def person(self, value: str | int) -> Person:
        """The simulated person with this id (404 for anyone else)."""
        try:
            person_id = int(value)
        except ValueError:
            raise BadRequest("unknown person", 404) from None
        person = self.people.get(person_id)
        if person is None:
            raise BadRequest("unknown person", 404)
        return person

    # -- what people do -------------------------------------------------------------------------

    async def send(self, person_id: int, text: str) -> None:
        """The person writes ``text``; returns once the bot has handled it."""
        person = self.person(person_id)
        if not isinstance(text, str):
            raise BadRequest("text: expected a string")
        if len(text) > MAX_TEXT_LENGTH:
            raise BadRequest(f"text: at most {MAX_TEXT_LENGTH} characters")
        text = CONTROL_CHARACTERS.sub("", text).strip()
        if not text:
            raise BadRequest("text: empty")
        await self._settle(self.api.push_message(person.id, text))

    async def send_document(self, person_id: int, content: bytes, filename: str) -> None:
        """The person sends a file (an editor's workbook or PO file); returns once the bot
        has handled it."""
        person = self.person(person_id)
        name = CONTROL_CHARACTERS.sub("", filename).replace("/", "_").replace("\\", "_").strip()
        if not name or len(name) > MAX_FILENAME_LENGTH:
            raise BadRequest(f"name: 1 to {MAX_FILENAME_LENGTH} characters")
        if not content:
            raise BadRequest("the file is empty")
        await self._settle(self.api.push_document(person.id, content, name))

    async def tap(self, person_id: int, message_id: int, row: int, column: int) -> str:
        """The person taps the inline button at (row, column) of a bot message."""
        person = self.person(person_id)
        message = self.api.message(person.id, message_id)
        if message is None or message.deleted or not message.from_bot:
            raise BadRequest("no such message", 404)
        keyboard = message.inline_keyboard
        if not (0 <= row < len(keyboard) and 0 <= column < len(keyboard[row])):
            raise BadRequest("no such button", 404)
        data = keyboard[row][column].get("callback_data")
        if not isinstance(data, str):
            raise BadRequest("this button is not a callback button")
        return await self._tap_data(person, message.message_id, data)

    async def tap_data(self, person_id: int, data: str) -> str:
        """Taps the button carrying ``data`` on the newest bot message that has one."""
        person = self.person(person_id)
        for message in reversed(self.api.messages(person.id)):
            if not message.from_bot:
                continue
            for row in message.inline_keyboard:
                if any(button.get("callback_data") == data for button in row):
                    return await self._tap_data(person, message.message_id, data)
        raise BadRequest(f"no button with {data!r} in the chat of {person.name}", 404)

    async def _tap_data(self, person: Person, message_id: int, data: str) -> str:
        update_id, query_id = self.api.push_callback(person.id, message_id, data)
        await self._settle(update_id)
        return query_id

    async def _settle(self, update_id: int) -> None:
        """Waits until the bot fetched the update and finished every handler for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settle_timeout
        try:
            await self.api.wait_fetched(update_id, timeout=self._settle_timeout)
            async with asyncio.timeout(max(deadline - loop.time(), 0.01)):
                await self.application.update_queue.join()
        except TimeoutError:
            log.warning("The bot did not finish update %s in time", update_id)

    async def advance(self, delta: timedelta) -> None:
        """Moves the clock forward and runs the background work once (due reminders arrive)."""
        from bot.runtime import jobs

        async with self._tick_lock:
            self.clock.advance(delta)
            self.events.publish({"type": "clock", "clock": self.clock_json()})
            await jobs.tick(self.application)

    def clock_json(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "now": now.isoformat(),
            "now_ms": int(now.timestamp() * 1000),
            "offset_ms": int(self.clock.offset.total_seconds() * 1000),
            "timezone": self._settings.timezone,
        }
