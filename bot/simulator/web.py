"""The offline simulator in a browser: the real bot against the fake Bot API, and a chat page.

``python -m bot run`` without ``BOT_TOKEN`` starts three things in one process:

* :class:`~bot.simulator.fake_bot_api.FakeBotApi` on 127.0.0.1 with a free port, the same fake
  Telegram the end-to-end tests use;
* the real bot application, polling that server over HTTP exactly as it polls Telegram, with
  its background jobs, a :class:`~bot.clock.MovableClock` shared with the fake server, and its
  own SQLite file (``./data/simulator.sqlite3``) unless ``DATABASE_URL`` is set;
* a small web app on ``SIMULATOR_HOST:SIMULATOR_PORT`` (127.0.0.1:8080) that serves a chat page
  looking like Telegram on a phone, for several simulated people, with a clock that can be
  moved forward.

The page talks to a JSON API under ``/api/`` and receives what the bot does as Server-Sent
Events (``/api/events``), fed by :meth:`FakeBotApi.on_change`. Every action answers once the
bot has finished handling it, so a test (or a person) sees the reply right after the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import json
import logging
import re
import signal
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.runtime.context import BotApplication, Deps
from bot.simulator.fake_bot_api import FakeBotApi, SentMessage, StoredFile

log = logging.getLogger(__name__)

SIMULATOR_TOKEN = "100000:SIMULATOR-LOCAL-TOKEN"
STATIC_DIR = Path(__file__).with_name("static")

FIRST_PERSON_ID = 1001
LAST_PERSON_ID = 9_999_999
MAX_PEOPLE = 50
MAX_TEXT_LENGTH = 4096
MAX_NAME_LENGTH = 64
MAX_REQUEST_BYTES = 64 * 1024
MAX_ADVANCE_MINUTES = 60 * 24 * 31
SETTLE_TIMEOUT = 15.0

ROLES = ("learner", "trainer", "coordinator", "admin")
"""Presets in the page; all but "learner" are granted in the database (``RoleGrant``)."""

TELEGRAM_LANGUAGE_CODES = ("en", "sq", "bs", "hr", "sr", "mk", "de", "")
"""What the page offers as a person's Telegram language (a Telegram client's setting)."""
_LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$")
_FILE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DEFAULT_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Ana", "en", "learner"),
    ("Marko", "en", "trainer"),
    ("Vesna", "en", "coordinator"),
)


def simulator_database_url(folder: Path | None = None) -> str:
    """The simulator's own SQLite file, apart from a real bot's data."""
    return f"sqlite:///{(folder or Path.cwd()) / 'data' / 'simulator.sqlite3'}"


def simulator_database(settings: Settings) -> str:
    """Unless DATABASE_URL is set, the simulator keeps its own file."""
    if "database_url" in settings.model_fields_set:
        return settings.database_url
    return simulator_database_url()


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


class AddressInUse(Exception):
    """The page's address cannot be bound; the message is one line for the operator."""


# ---------------------------------------------------------------------------------------------
# Telegram HTML, made safe for the page.

_ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "s", "code", "pre", "a", "blockquote"})


def safe_link(url: str | None) -> str | None:
    """An http(s) address without spaces or control characters, else ``None``."""
    if not url or any(ch.isspace() for ch in url) or _CONTROL_RE.search(url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, written to the output)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        written = False
        if tag == "a":
            href = safe_link(dict(attrs).get("href"))
            if href is not None:
                self.parts.append(
                    f'<a href="{html.escape(href, quote=True)}" target="_blank" '
                    'rel="noopener noreferrer">'
                )
                written = True
        elif tag in _ALLOWED_TAGS:
            self.parts.append(f"<{tag}>")
            written = True
        self.open.append((tag, written))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <img/>, ...: nothing Telegram sends

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if not any(name == tag for name, _ in self.open):
            return
        while self.open:
            name, written = self.open.pop()
            if written:
                self.parts.append(f"</{name}>")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            name, written = self.open.pop()
            if written:
                self.parts.append(f"</{name}>")
        return "".join(self.parts)


def sanitize_html(fragment: str) -> str:
    """Telegram HTML reduced to b/strong/i/em/u/s/code/pre/a/blockquote; links open in a new tab
    (``rel=noopener``) and only for http(s); everything else is text, escaped."""
    sanitizer = _Sanitizer()
    sanitizer.feed(fragment)
    return sanitizer.result()


# ---------------------------------------------------------------------------------------------
# People and requests.


@dataclass
class Person:
    id: int
    name: str
    language_code: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class BadRequest(Exception):
    """The page sent something of the wrong shape; answered with 400 and the reason."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _is_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _content_disposition(kind: str, filename: str) -> str:
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", filename) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _check_name(value: object) -> str:
    if not isinstance(value, str):
        raise BadRequest("name: expected a string")
    name = " ".join(value.split())
    if not name or len(name) > MAX_NAME_LENGTH or _CONTROL_RE.search(name):
        raise BadRequest(f"name: expected 1 to {MAX_NAME_LENGTH} characters")
    return name


def _check_language_code(value: object) -> str:
    if not isinstance(value, str) or (value and not _LANGUAGE_CODE_RE.match(value)):
        raise BadRequest("language_code: expected a code such as en, sq or sr-Latn, or nothing")
    return value


def _check_role(value: object) -> str:
    if value not in ROLES:
        raise BadRequest(f"role: expected one of {', '.join(ROLES)}")
    return str(value)


def telegram_language_code(language: str) -> str:
    """What a Telegram client in our language ``language`` would send as ``language_code``."""
    return {"sr-Latn": "sr", "sr-Cyrl": "sr", "cnr": "sr"}.get(language, language)


# ---------------------------------------------------------------------------------------------
# The simulator.


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
    ) -> None:
        self._settings = settings
        self._catalogue = catalogue
        self.host = host if host is not None else settings.simulator_host
        self._port = port if port is not None else settings.simulator_port
        self.clock = clock or MovableClock()
        self._background_jobs = background_jobs
        self._people_file = people_file
        self._default_people = default_people
        self._settle_timeout = settle_timeout
        self.api = FakeBotApi(token=SIMULATOR_TOKEN, clock=lambda: self.clock.now().timestamp())
        self.people: dict[int, Person] = {}
        self._deps: Deps | None = None
        self._application: BotApplication | None = None
        self._runner: web.AppRunner | None = None
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._seq = 0
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
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    def person_url(self, person_id: int) -> str:
        return f"{self.url}/?person={person_id}"

    async def start(self) -> None:
        from bot.app import build_application, build_deps

        await self.api.start()
        try:
            settings = simulator_settings(self._settings, self.api)
            self._deps = build_deps(settings, self._catalogue, self.clock)
            await self._deps.database.migrate()
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
            await self._start_web()
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
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
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

    async def _start_web(self) -> None:
        app = web.Application(
            client_max_size=MAX_REQUEST_BYTES,
            middlewares=[self._guard_middleware, self._headers_middleware],
        )
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC_DIR, show_index=False, follow_symlinks=False)
        app.router.add_get("/favicon.ico", self._favicon)
        app.router.add_get("/api/state", self._state)
        app.router.add_post("/api/people", self._add_person)
        app.router.add_get("/api/people/{person}/chat", self._chat)
        app.router.add_get("/api/people/{person}/commands", self._commands)
        app.router.add_post("/api/people/{person}/messages", self._send)
        app.router.add_post("/api/people/{person}/taps", self._tap)
        app.router.add_get("/api/files/{file_id}", self._file)
        app.router.add_post("/api/clock", self._advance_clock)
        app.router.add_get("/api/events", self._events)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise AddressInUse(
                f"cannot listen on {self.host}:{self._port} ({error.strerror or error}); "
                "set SIMULATOR_PORT (and SIMULATOR_HOST) to another address"
            ) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    # -- people ---------------------------------------------------------------------------------

    async def _load_people(self) -> None:
        saved: list[dict[str, Any]] = []
        if self._people_file is not None and self._people_file.exists():
            try:
                saved = json.loads(self._people_file.read_text(encoding="utf-8"))["people"]
                for entry in saved:
                    person = Person(
                        id=int(entry["id"]),
                        name=_check_name(entry["name"]),
                        language_code=_check_language_code(entry["language_code"]),
                        role=_check_role(entry["role"]),
                    )
                    self._register(person)
            except (ValueError, KeyError, TypeError, BadRequest):
                log.warning("Ignoring %s: it is not a list of simulated people", self._people_file)
                self.people.clear()
        if not self.people:
            for name, language_code, role in self._default_people:
                await self.add_person(name, language_code, role)

    def _register(self, person: Person) -> None:
        self.people[person.id] = person
        self.api.add_user(person.id, first_name=person.name, language_code=person.language_code)

    def _save_people(self) -> None:
        if self._people_file is None:
            return
        self._people_file.parent.mkdir(parents=True, exist_ok=True)
        body = {"people": [person.to_json() for person in self.people.values()]}
        self._people_file.write_text(json.dumps(body, indent=2), encoding="utf-8")

    async def _next_person_id(self) -> int:
        """Above every simulated person the database knows, so a new person is a stranger."""
        from bot.models import Learner

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
        name = _check_name(name)
        language_code = _check_language_code(language_code)
        role = _check_role(role)
        async with self._people_lock:
            if len(self.people) >= MAX_PEOPLE:
                raise BadRequest(f"at most {MAX_PEOPLE} people")
            person = Person(await self._next_person_id(), name, language_code, role)
            if role != "learner":
                await self._grant(person)
            self._register(person)
            self._save_people()
        self._publish({"type": "people", "people": self.people_json()})
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

    def _person(self, value: str | int) -> Person:
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
        person = self._person(person_id)
        if not isinstance(text, str):
            raise BadRequest("text: expected a string")
        if len(text) > MAX_TEXT_LENGTH:
            raise BadRequest(f"text: at most {MAX_TEXT_LENGTH} characters")
        text = _CONTROL_RE.sub("", text).strip()
        if not text:
            raise BadRequest("text: empty")
        await self._settle(self.api.push_message(person.id, text))

    async def tap(self, person_id: int, message_id: int, row: int, column: int) -> str:
        """The person taps the inline button at (row, column) of a bot message."""
        person = self._person(person_id)
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
        person = self._person(person_id)
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
            self._publish({"type": "clock", "clock": self.clock_json()})
            await jobs.tick(self.application)

    def clock_json(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "now": now.isoformat(),
            "now_ms": int(now.timestamp() * 1000),
            "offset_ms": int(self.clock.offset.total_seconds() * 1000),
            "timezone": self._settings.timezone,
        }

    # -- what the page sees ---------------------------------------------------------------------

    def commands_for(self, person: Person) -> list[dict[str, Any]]:
        """The command menu a Telegram client would show this person (most specific scope)."""
        language = person.language_code.split("-", 1)[0].lower()
        languages = [language, ""] if re.fullmatch(r"[a-z]{2}", language) else [""]
        for scope, chat_id in (
            ("chat", person.id),
            ("all_private_chats", None),
            ("default", None),
        ):
            for code in languages:
                found = self.api.commands(scope, code, chat_id=chat_id)
                if found:
                    return found
        return []

    def message_json(self, message: SentMessage) -> dict[str, Any]:
        text_html = message.html
        caption_html = message.caption_html
        keyboard = [
            [self._button_json(button) for button in row] for row in message.inline_keyboard
        ]
        reply_keyboard: list[list[str]] | None = None
        markup = message.reply_markup or {}
        if isinstance(markup.get("keyboard"), list):
            reply_keyboard = [
                [
                    str(button.get("text", "")) if isinstance(button, dict) else str(button)
                    for button in row
                ]
                for row in markup["keyboard"]
                if isinstance(row, list)
            ]
        return {
            "id": message.message_id,
            "chat_id": message.chat_id,
            "from_bot": message.from_bot,
            "date": message.date,
            "edited": message.edited > 0,
            "html": sanitize_html(text_html) if text_html is not None else None,
            "caption_html": sanitize_html(caption_html) if caption_html is not None else None,
            "keyboard": keyboard,
            "reply_keyboard": reply_keyboard,
            "remove_keyboard": bool(markup.get("remove_keyboard")),
            "document": self._file_json(message.document) if message.document else None,
            "photo": self._file_json(message.photo) if message.photo else None,
            "reply_to": message.reply_to_message_id,
        }

    @staticmethod
    def _button_json(button: dict[str, Any]) -> dict[str, Any]:
        text = str(button.get("text", ""))
        if "callback_data" in button:
            return {"text": text, "kind": "callback"}
        url = safe_link(button.get("url")) if isinstance(button.get("url"), str) else None
        if url is not None:
            return {"text": text, "kind": "url", "url": url}
        return {"text": text, "kind": "other"}

    @staticmethod
    def _file_json(stored: StoredFile) -> dict[str, Any]:
        return {
            "name": stored.file_name or stored.file_path.rsplit("/", 1)[-1],
            "size": stored.file_size,
            "mime_type": stored.mime_type,
            "width": stored.width,
            "height": stored.height,
            "url": f"/api/files/{quote(stored.file_id, safe='')}",
        }

    def chat_json(self, person: Person) -> dict[str, Any]:
        return {
            "seq": self._seq,
            "person": person.to_json(),
            "messages": [self.message_json(m) for m in self.api.messages(person.id)],
        }

    # -- events ---------------------------------------------------------------------------------

    def _publish(self, event: dict[str, Any]) -> None:
        self._seq += 1
        event = {**event, "seq": self._seq}
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A page that stopped reading: close its stream; it reconnects and reloads.
                self._subscribers.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    def _on_change(self, event: dict[str, Any]) -> None:
        chat_id = event.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.people:
            return
        kind = event.get("type")
        if kind in ("message_sent", "message_edited"):
            message = self.api.message(chat_id, int(event["message_id"]))
            if message is not None and not message.deleted:
                self._publish(
                    {
                        "type": "message",
                        "person": chat_id,
                        "edited": kind == "message_edited",
                        "message": self.message_json(message),
                    }
                )
        elif kind == "message_deleted":
            self._publish({"type": "deleted", "person": chat_id, "message_id": event["message_id"]})
        elif kind == "callback_answered":
            self._publish(
                {
                    "type": "answer",
                    "person": chat_id,
                    "message_id": event.get("message_id"),
                    "text": event.get("text"),
                    "show_alert": bool(event.get("show_alert")),
                }
            )

    # -- HTTP -----------------------------------------------------------------------------------

    def _allowed_hosts(self) -> set[str] | None:
        """Host headers accepted (against DNS rebinding); ``None`` accepts any."""
        try:
            address = ipaddress.ip_address(self.host)
        except ValueError:
            address = None
        if address is not None and address.is_unspecified:
            return None
        port = self._port
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        hosts.add(f"[{self.host}]:{port}" if ":" in self.host else f"{self.host}:{port}")
        return hosts

    @web.middleware
    async def _guard_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        allowed = self._allowed_hosts()
        if allowed is not None and request.host.lower() not in allowed:
            return web.json_response({"ok": False, "error": "unexpected Host"}, status=403)
        if request.method not in ("GET", "HEAD", "POST"):
            return web.json_response({"ok": False, "error": "method not allowed"}, status=405)
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
                return web.json_response({"ok": False, "error": "cross-origin"}, status=403)
        try:
            return await handler(request)
        except BadRequest as error:
            return web.json_response({"ok": False, "error": error.reason}, status=error.status)

    @web.middleware
    async def _headers_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") or request.path == "/":
            headers.setdefault("Cache-Control", "no-store")
        return response

    @staticmethod
    async def _json(request: web.Request, fields: dict[str, type]) -> dict[str, Any]:
        """The request's JSON object, which must have exactly ``fields`` of these types."""
        if request.content_type != "application/json":
            raise BadRequest("expected Content-Type: application/json", 415)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise BadRequest("request too large", 413) from None
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("expected a JSON object") from None
        if not isinstance(data, dict) or set(data) != set(fields):
            raise BadRequest(f"expected a JSON object with {', '.join(sorted(fields))}")
        for name, kind in fields.items():
            value = data[name]
            if type(value) is not kind:  # bool is not an int here
                raise BadRequest(f"{name}: expected {kind.__name__}")
        return data

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _favicon(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            STATIC_DIR / "favicon.svg", headers={"Content-Type": "image/svg+xml"}
        )

    async def _state(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "bot": {
                    "name": self.api.bot_user["first_name"],
                    "username": self.api.bot_user["username"],
                },
                "clock": self.clock_json(),
                "people": self.people_json(),
                "roles": list(ROLES),
                "language_codes": list(TELEGRAM_LANGUAGE_CODES),
                "max_text_length": MAX_TEXT_LENGTH,
            }
        )

    async def _add_person(self, request: web.Request) -> web.StreamResponse:
        data = await self._json(request, {"name": str, "language_code": str, "role": str})
        person = await self.add_person(data["name"], data["language_code"], data["role"])
        return web.json_response({"ok": True, "person": person.to_json()})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request.match_info["person"])
        return web.json_response(self.chat_json(person))

    async def _commands(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request.match_info["person"])
        return web.json_response({"commands": self.commands_for(person)})

    async def _send(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request.match_info["person"])
        data = await self._json(request, {"text": str})
        await self.send(person.id, data["text"])
        return web.json_response({"ok": True})

    async def _tap(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request.match_info["person"])
        data = await self._json(request, {"message_id": int, "row": int, "column": int})
        query_id = await self.tap(person.id, data["message_id"], data["row"], data["column"])
        answer = self.api.callback_answers.get(query_id)
        return web.json_response(
            {
                "ok": True,
                "answer": None
                if answer is None
                else {"text": answer.text, "show_alert": answer.show_alert},
            }
        )

    async def _file(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        if not _FILE_ID_RE.match(file_id):
            raise BadRequest("no such file", 404)
        try:
            stored = self.api.file(file_id)
        except KeyError:
            raise BadRequest("no such file", 404) from None
        name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
        image = _is_image(stored.content) if stored.kind == "photo" else None
        if image is not None:
            content_type, disposition = image, _content_disposition("inline", name)
        else:
            content_type = stored.mime_type or "application/octet-stream"
            disposition = _content_disposition("attachment", name)
        return web.Response(
            body=stored.content,
            headers={
                "Content-Type": content_type,
                "Content-Disposition": disposition,
                "Cache-Control": "private, max-age=3600",
            },
        )

    async def _advance_clock(self, request: web.Request) -> web.StreamResponse:
        data = await self._json(request, {"minutes": int})
        minutes = data["minutes"]
        if not 1 <= minutes <= MAX_ADVANCE_MINUTES:
            raise BadRequest(f"minutes: expected 1 to {MAX_ADVANCE_MINUTES}")
        await self.advance(timedelta(minutes=minutes))
        return web.json_response({"ok": True, "clock": self.clock_json()})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=2000)
        self._subscribers.add(queue)
        try:
            hello = {"type": "hello", "seq": self._seq, "clock": self.clock_json()}
            await response.write(
                f"retry: 1000\nevent: hello\ndata: {json.dumps(hello)}\n\n".encode()
            )
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is None:
                    break
                payload = json.dumps(event, ensure_ascii=False)
                await response.write(f"event: {event['type']}\ndata: {payload}\n\n".encode())
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            self._subscribers.discard(queue)
        return response


# ---------------------------------------------------------------------------------------------
# Running it from the command line.


def people_file_for(database_url: str) -> Path:
    """The people live next to the simulator's SQLite file (or under ./data/ otherwise)."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = Path(str(parsed.database))
        return database.with_name(database.stem + ".people.json")
    return Path.cwd() / "data" / "simulator.people.json"


@dataclass(frozen=True)
class Preview:
    """``python -m bot preview``: one person, onboarded, looking at a module."""

    module_id: str
    language: str
    open_browser: bool = True


async def open_preview(simulator: Simulator, preview: Preview) -> Person:
    """A new person in ``preview.language`` who declined consent (so nothing about them is
    kept) and opened the module's first card, driven through the fake Telegram like a user."""
    from bot.handlers.learning.data import OpenModule, ShowCard
    from bot.handlers.onboarding import AnswerConsent, PickLanguage

    person = await simulator.add_person(
        "Author", telegram_language_code(preview.language), "learner"
    )
    steps: list[Callable[[], Awaitable[object]]] = [
        lambda: simulator.send(person.id, "/start"),
        lambda: simulator.tap_data(person.id, PickLanguage(preview.language, True).encode()),
        lambda: simulator.tap_data(person.id, AnswerConsent(False).encode()),
        lambda: simulator.send(person.id, "/lessons"),
        lambda: simulator.tap_data(person.id, OpenModule(preview.module_id).encode()),
        lambda: simulator.tap_data(person.id, ShowCard(preview.module_id, 0).encode()),
    ]
    for step in steps:
        try:
            await step()
        except BadRequest as error:
            log.warning("Preview stopped early: %s", error.reason)
            break
    return person


async def serve(settings: Settings, catalogue: Catalogue, preview: Preview | None = None) -> None:
    """Runs the simulator until Ctrl+C (or SIGTERM)."""
    simulator = Simulator(
        settings,
        catalogue,
        people_file=None if preview is not None else people_file_for(simulator_database(settings)),
        default_people=() if preview is not None else DEFAULT_PEOPLE,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    await simulator.start()
    try:
        url = simulator.url
        if preview is not None:
            person = await open_preview(simulator, preview)
            url = simulator.person_url(person.id)
        print(
            f"Kapacitet simulator: open {url}\n"
            "No BOT_TOKEN is set, so the bot runs against a local fake Telegram. "
            "Ctrl+C stops it.",
            flush=True,
        )
        if preview is not None and preview.open_browser:
            await loop.run_in_executor(None, webbrowser.open, url)
        await stop.wait()
    finally:
        await simulator.stop()


def run_simulator(settings: Settings, catalogue: Catalogue, preview: Preview | None = None) -> int:
    try:
        asyncio.run(serve(settings, catalogue, preview))
    except KeyboardInterrupt:
        print("\nKapacitet simulator stopped.", flush=True)
    except AddressInUse as error:
        print(f"Cannot start the simulator: {error}", file=sys.stderr, flush=True)
        return 1
    return 0
