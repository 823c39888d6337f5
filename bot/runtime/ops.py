"""The ops server: ``GET /health`` for the orchestrator, ``GET /metrics`` for Prometheus.

Listens on ``OPS_HOST:OPS_PORT`` (127.0.0.1:9090 by default; ``OPS_PORT=0`` turns it
off). Started by the application's ``post_init`` and stopped by its ``post_shutdown``.

- ``/health``: 200 ``{"status": "ok", "database": "ok"}`` when the database takes a write
  (the ``health`` mark, :mod:`bot.runtime.marks`) within a few seconds; else 503 with
  ``"database": "read-only"`` when it still answers reads (a replica, a read-only file) or
  ``"database": "error"`` when it does not answer at all. A bot whose database refuses
  writes can handle nothing, so it is not healthy.
- ``/metrics``: :class:`bot.runtime.metrics.Metrics` in Prometheus' text format; the outbox
  length is read from the database at each scrape.
- ``/verify/<code>``: a certificate's check as a small web page (``bot.runtime.verify_page``):
  200 for a certificate that is valid, revoked or replaced, 404 for an unknown code.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col, func, select

from bot.models import OutboxMessage
from bot.runtime import marks, verify_page
from bot.runtime.context import Deps
from bot.runtime.metrics import CONTENT_TYPE_LATEST
from bot.services import certificates

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0


class CannotListen(OSError):
    """A server of the bot cannot listen where it is told to; the message names the setting."""


class OpsServer:
    """A small aiohttp server; ``port=0`` picks a free port (see :attr:`port`)."""

    def __init__(self, deps: Deps, host: str = "127.0.0.1", port: int = 9090) -> None:
        self.deps = deps
        self.host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    async def start(self) -> None:
        from aiohttp import web  # some 9 MiB, only when the server is on (OPS_PORT)

        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/verify/{code}", self._verify)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._port)
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise CannotListen(
                f"the ops server cannot listen on {self.host}:{self._port} ({error.strerror}); "
                "set OPS_PORT to a free port, or to 0 to turn it off"
            ) from error
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])
        log.info("Ops server on http://%s:%d (/health, /metrics, /verify)", self.host, self._port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def database_state(self) -> str:
        """``ok`` (a write was committed), ``read-only`` (reads only) or ``error``."""
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self.deps.database.session() as db:
                    await marks.note(db, marks.HEALTH, self.deps.clock.now())
        except Exception as error:
            # The type only: a driver's message may carry the host or the user name.
            log.warning("health check: the database took no write (%s)", type(error).__name__)
        else:
            return "ok"
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self.deps.database.engine.connect() as connection:
                    await connection.execute(sa.text("SELECT 1"))
        except Exception:
            return "error"
        return "read-only"

    async def _health(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        state = await self.database_state()
        if state == "ok":
            return web.json_response({"status": "ok", "database": "ok"})
        return web.json_response({"status": "error", "database": state}, status=503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        metrics = self.deps.metrics
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self.deps.database.session() as db:
                    pending = (
                        await db.exec(
                            select(func.count())
                            .select_from(OutboxMessage)
                            .where(col(OutboxMessage.status) == "pending")
                        )
                    ).one()
        except Exception as error:
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
            metrics.database_up.set(0)
        else:
            metrics.outbox_pending.set(pending)
            metrics.database_up.set(1)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _verify(self, request: web.Request) -> web.Response:
        from aiohttp import web

        typed = request.match_info.get("code", "")[:100]
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with self.deps.database.session() as db:
                result = await certificates.verify(db, typed)
        body = verify_page.page(
            result, self.deps.translators, self.deps.catalogue, self.deps.settings
        )
        status = 404 if result.status == certificates.Status.UNKNOWN else 200
        return web.Response(
            text=body,
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
        )
