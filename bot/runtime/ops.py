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
import json
import logging

import sqlalchemy as sa
from sqlmodel import col, func, select

from bot.models import OutboxMessage
from bot.runtime import marks, verify_page
from bot.runtime.context import Deps
from bot.runtime.metrics import CONTENT_TYPE_LATEST
from bot.runtime.small_http import Reply, SmallServer
from bot.services import certificates

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0


class CannotListen(OSError):
    """A server of the bot cannot listen where it is told to; the message names the setting."""


class OpsServer:
    """The ops server (:class:`bot.runtime.small_http.SmallServer`); ``port=0`` picks a free
    port (see :attr:`port`)."""

    def __init__(self, deps: Deps, host: str = "127.0.0.1", port: int = 9090) -> None:
        self.deps = deps
        self.host = host
        self._server = SmallServer(self._route, host, port)

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        try:
            await self._server.start()
        except OSError as error:
            raise CannotListen(
                f"the ops server cannot listen on {self.host}:{self.port} ({error.strerror}); "
                "set OPS_PORT to a free port, or to 0 to turn it off"
            ) from error
        log.info("Ops server on http://%s:%d (/health, /metrics, /verify)", self.host, self.port)

    async def stop(self) -> None:
        await self._server.stop()

    async def _route(self, path: str) -> Reply | None:
        if path == "/health":
            return await self._health()
        if path == "/metrics":
            return await self._metrics()
        code = path.removeprefix("/verify/")
        if code != path and code and "/" not in code:
            return await self._verify(code)
        return None

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

    async def _health(self) -> Reply:
        state = await self.database_state()
        if state == "ok":
            return _json(200, {"status": "ok", "database": "ok"})
        return _json(503, {"status": "error", "database": state})

    async def _metrics(self) -> Reply:
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
        return Reply(200, metrics.render(), CONTENT_TYPE_LATEST)

    async def _verify(self, code: str) -> Reply:
        typed = code[:100]
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with self.deps.database.session() as db:
                result = await certificates.verify(db, typed)
        body = verify_page.page(
            result, self.deps.translators, self.deps.catalogue, self.deps.settings
        )
        status = 404 if result.status == certificates.Status.UNKNOWN else 200
        return Reply(
            status,
            body.encode(),
            "text/html; charset=utf-8",
            (("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex")),
        )


def _json(status: int, data: dict[str, str]) -> Reply:
    return Reply(status, json.dumps(data).encode(), "application/json; charset=utf-8")
