"""The webhook's HTTP server (aiohttp), in place of python-telegram-bot's (tornado).

PTB's server reads a request's whole body (up to tornado's default of 100 MB) before it
looks at the secret, and logs a body it cannot read, text and all. Here the order is:

1. the secret (``X-Telegram-Bot-Api-Secret-Token``), compared in constant time: without it,
   403 at once, the body unread and the connection closed;
2. the size: a declared body above :data:`MAX_BODY_BYTES` gets 413 at once; one that grows
   past it while being read gets 413 too (aiohttp's ``client_max_size``); an update of
   Telegram is a few KB;
3. JSON, then ``receive`` (which stores the update before the answer): 200, or 500 when the
   database refused (Telegram sends it again later), or 400 for a body that is no update.

Nothing of a body is ever logged.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.runtime.ops import CannotListen

log = logging.getLogger("bot.runtime.intake")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 256 * 1024
"""Telegram's updates are a few KB (a message of 4,096 characters with its entities and the
message it answers); a quarter of a megabyte leaves plenty of room."""

Receive = Callable[[object], Awaitable[int]]
"""Stores and queues one update as Telegram sent it; returns the HTTP status to answer."""


def _refuse(status: int) -> web.Response:
    response = web.Response(status=status)
    # The body, if any, is not read: the connection goes, so nothing of it is taken in.
    response.force_close()
    return response


class WebhookServer:
    def __init__(self, listen: str, port: int, path: str, secret: str, receive: Receive) -> None:
        self.listen = listen
        self.port = port
        self.path = "/" + path.strip("/")
        self._secret = secret.encode()
        self._receive = receive
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(self.path, self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except OSError as error:
            await runner.cleanup()
            raise CannotListen(
                f"the webhook server cannot listen on {self.listen}:{self.port} "
                f"({error.strerror}); set WEBHOOK_PORT to a free port"
            ) from error
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return _refuse(403)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _refuse(413)
        if request.content_type != "application/json":
            return _refuse(415)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413)
        try:
            raw = json.loads(body)
        except ValueError:
            log.warning("webhook: a request that is not JSON was refused")
            return web.Response(status=400)
        return web.Response(status=await self._receive(raw))
