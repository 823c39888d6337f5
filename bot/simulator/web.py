"""The simulator's web page: the static chat page, its JSON API under ``/api/`` and the
Server-Sent Events (``/api/events``) that tell it what the bot did.

:class:`PageServer` serves them for a :class:`~bot.simulator.simulator.Simulator` on its own
address, guarded against other sites and host names (DNS rebinding); :class:`PageEvents`
numbers the events and hands them to every open page. Every action answers once the bot has
finished handling it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.simulator import page
from bot.simulator.fake_bot_api import FakeBotApi
from bot.simulator.people import ROLES, TELEGRAM_LANGUAGE_CODES, BadRequest, Person

STATIC_DIR = Path(__file__).with_name("static")

MAX_TEXT_LENGTH = 4096
MAX_REQUEST_BYTES = 64 * 1024
"""A JSON request (a message, a tap)."""
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
"""A file a person sends (an editor's workbook or PO file)."""
MAX_ADVANCE_MINUTES = 60 * 24 * 31
_FILE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Event = dict[str, Any]


class Simulated(Protocol):
    """What the page asks of the simulator (:class:`bot.simulator.simulator.Simulator`): the
    page server depends on this, the simulator on the page server, never both ways."""

    api: FakeBotApi
    events: PageEvents

    def person(self, value: str | int) -> Person: ...

    async def add_person(self, name: str, language_code: str, role: str) -> Person: ...

    async def send(self, person_id: int, text: str) -> None: ...

    async def send_document(self, person_id: int, content: bytes, filename: str) -> None: ...

    async def tap(self, person_id: int, message_id: int, row: int, column: int) -> str: ...

    async def advance(self, delta: timedelta) -> None: ...

    def clock_json(self) -> dict[str, Any]: ...

    def people_json(self) -> list[dict[str, Any]]: ...


class AddressInUse(Exception):
    """The page's address cannot be bound; the message is one line for the operator."""


class PageEvents:
    """Numbered events for every open page (``seq`` tells a page what it missed)."""

    def __init__(self) -> None:
        self.seq = 0
        self._subscribers: set[asyncio.Queue[Event | None]] = set()

    def publish(self, event: Event) -> None:
        self.seq += 1
        event = {**event, "seq": self.seq}
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A page that stopped reading: close its stream; it reconnects and reloads.
                self._subscribers.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    def subscribe(self) -> asyncio.Queue[Event | None]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=2000)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        """Ends every open stream."""
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)


class PageServer:
    """The page's HTTP server for one simulator."""

    def __init__(self, simulator: Simulated, host: str, port: int) -> None:
        self._simulator = simulator
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listens on ``host:port`` (port 0: a free one, then :attr:`port` is the one taken)."""
        app = web.Application(
            client_max_size=MAX_DOCUMENT_BYTES,
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
        app.router.add_post("/api/people/{person}/documents", self._send_document)
        app.router.add_get("/api/files/{file_id}", self._file)
        app.router.add_post("/api/clock", self._advance_clock)
        app.router.add_get("/api/events", self._events)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise AddressInUse(
                f"cannot listen on {self.host}:{self.port} ({error.strerror or error}); "
                "set SIMULATOR_PORT (and SIMULATOR_HOST) to another address"
            ) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- guards ---------------------------------------------------------------------------------

    def _allowed_hosts(self) -> set[str] | None:
        """Host headers accepted (against DNS rebinding); ``None`` accepts any."""
        try:
            address = ipaddress.ip_address(self.host)
        except ValueError:
            address = None
        if address is not None and address.is_unspecified:
            return None
        port = self.port
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        hosts.add(f"[{self.host}]:{port}" if ":" in self.host else f"{self.host}:{port}")
        return hosts

    @web.middleware
    async def _guard_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
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
        self, request: web.Request, handler: Handler
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
        if len(body) > MAX_REQUEST_BYTES:
            raise BadRequest("request too large", 413)
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

    def _person(self, request: web.Request) -> Person:
        return self._simulator.person(request.match_info["person"])

    # -- routes ---------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _favicon(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            STATIC_DIR / "favicon.svg", headers={"Content-Type": "image/svg+xml"}
        )

    async def _state(self, request: web.Request) -> web.StreamResponse:
        simulator = self._simulator
        return web.json_response(
            {
                "bot": {
                    "name": simulator.api.bot_user["first_name"],
                    "username": simulator.api.bot_user["username"],
                },
                "clock": simulator.clock_json(),
                "people": simulator.people_json(),
                "roles": list(ROLES),
                "language_codes": list(TELEGRAM_LANGUAGE_CODES),
                "max_text_length": MAX_TEXT_LENGTH,
            }
        )

    async def _add_person(self, request: web.Request) -> web.StreamResponse:
        data = await self._json(request, {"name": str, "language_code": str, "role": str})
        person = await self._simulator.add_person(data["name"], data["language_code"], data["role"])
        return web.json_response({"ok": True, "person": person.to_json()})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        simulator = self._simulator
        return web.json_response(page.chat_json(simulator.api, person, simulator.events.seq))

    async def _commands(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        return web.json_response({"commands": page.commands_for(self._simulator.api, person)})

    async def _send(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        data = await self._json(request, {"text": str})
        await self._simulator.send(person.id, data["text"])
        return web.json_response({"ok": True})

    async def _send_document(self, request: web.Request) -> web.StreamResponse:
        """A file the person sends: the body as it is, its name in ``?name=``."""
        person = self._person(request)
        try:
            content = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise BadRequest("file too large", 413) from None
        await self._simulator.send_document(person.id, content, request.query.get("name", ""))
        return web.json_response({"ok": True})

    async def _tap(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        data = await self._json(request, {"message_id": int, "row": int, "column": int})
        query_id = await self._simulator.tap(
            person.id, data["message_id"], data["row"], data["column"]
        )
        answer = self._simulator.api.callback_answers.get(query_id)
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
            stored = self._simulator.api.file(file_id)
        except KeyError:
            raise BadRequest("no such file", 404) from None
        name = page.file_name(stored)
        image = _image_type(stored.content) if stored.kind == "photo" else None
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
        await self._simulator.advance(timedelta(minutes=minutes))
        return web.json_response({"ok": True, "clock": self._simulator.clock_json()})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        events = self._simulator.events
        queue = events.subscribe()
        try:
            hello = {"type": "hello", "seq": events.seq, "clock": self._simulator.clock_json()}
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
            events.unsubscribe(queue)
        return response


def _image_type(data: bytes) -> str | None:
    """The type of an image the page may show inline; ``None`` for anything else."""
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
