"""The durable intake: every update is stored before Telegram is told it arrived, and
handled once (docs/architecture.md, "The durable intake"). The database side is
:mod:`bot.runtime.inbound`; the webhook's server :mod:`bot.runtime.webhook`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ExtBot, TypeHandler, Updater

from bot.clock import Clock, SystemClock
from bot.db import Database
from bot.runtime.context import BotContext
from bot.runtime.inbound import (
    DONE,
    FAILED,
    KEEP_DONE,
    KEEP_FAILED,
    MAX_ATTEMPTS,
    PENDING,
    Inbound,
    Incoming,
    IntakeStorageError,
    Shards,
    forget_old_updates,
    mark_done,
    mark_done_in,
    read,
)
from bot.runtime.ptb import (
    DefaultValue,
    DVType,
    bootstrap,
    is_initialized,
    network_retry_loop,
    raw_updates,
    set_running,
)

if TYPE_CHECKING:
    from bot.runtime.webhook import WebhookServer

log = logging.getLogger(__name__)

TimePeriod = int | dtm.timedelta
"""What getUpdates takes as ``timeout`` (as in PTB)."""

FOLLOW_SECONDS = 0.05
"""How often a worker other than 0 looks for its share of new updates."""

DONE_GROUP = 10_000
"""After every feature (group 0) and the flood control (group -1)."""


class DurableUpdater(Updater):
    """PTB's Updater, with polling that stores each update before acknowledging it, and a
    webhook server of its own that does the same before answering 200."""

    def __init__(
        self,
        bot: ExtBot[Any],
        update_queue: asyncio.Queue[object],
        database: Database,
        clock: Clock | None = None,
        shards: Shards | None = None,
    ) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self.database = database
        self.clock: Clock = clock or SystemClock()
        self.shards = shards
        """With several workers: which one this is (worker 0 polls Telegram, the others
        follow their share of the stored updates)."""
        self.inbound = Inbound(database, self.clock, uuid.uuid4().hex, bot, shards)
        self.run_id = self.inbound.run_id
        """This run's claim on the updates it queues (:mod:`bot.runtime.inbound`)."""
        self._durable_lock = asyncio.Lock()
        self._polling_task: asyncio.Task[None] | None = None
        self._polling_stop = asyncio.Event()
        self._offset = 0
        self._allowed_updates: Sequence[str] | None = None
        self._webhook: WebhookServer | None = None
        self.exclusive = False
        """Set when this process holds the single-instance lock (``python -m bot run``): at
        start it then takes over what a previous run claimed and did not finish."""

    async def start_polling(
        self,
        poll_interval: float = 0.0,
        timeout: TimePeriod = dtm.timedelta(seconds=10),  # noqa: ASYNC109 (PTB's signature)
        bootstrap_retries: int = 0,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        error_callback: Callable[[TelegramError], None] | None = None,
    ) -> asyncio.Queue[object]:
        if error_callback and asyncio.iscoroutinefunction(error_callback):
            raise TypeError("The `error_callback` must not be a coroutine function!")
        if self.shards is not None and self.shards.index > 0:
            return await self._start_following(poll_interval or FOLLOW_SECONDS)
        async with self._durable_lock:
            self._check_startable()
            set_running(self, True)
            try:
                # No webhook, and drop_pending_updates applied (what Telegram holds; what
                # was stored already is still handled).
                await bootstrap(
                    self,
                    bootstrap_retries,
                    drop_pending_updates=drop_pending_updates,
                    webhook_url="",
                    allowed_updates=None,
                )
                await self._queue_unfinished()
            except Exception:
                set_running(self, False)
                raise
            self._allowed_updates = allowed_updates
            self._polling_stop.clear()
            self._polling_task = asyncio.create_task(
                network_retry_loop(
                    is_running=lambda: self.running,
                    action_cb=lambda: self._poll_once(timeout, allowed_updates),
                    on_err_cb=error_callback or _log_polling_error,
                    description="Polling Updates (durable)",
                    interval=poll_interval,
                    stop_event=self._polling_stop,
                    max_retries=-1,
                    repeat_on_success=True,
                ),
                name="DurableUpdater:start_polling:polling_task",
            )
            log.debug("Durable polling started")
            return self.update_queue

    async def start_webhook(
        self,
        listen: DVType[str] = "127.0.0.1",
        port: DVType[int] = 80,
        url_path: str = "",
        cert: object = None,
        key: object = None,
        bootstrap_retries: int = 0,
        webhook_url: str | None = None,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: object = None,
    ) -> asyncio.Queue[object]:
        """PTB's ``start_webhook`` (what ``run_webhook`` calls), served by
        :class:`~bot.runtime.webhook.WebhookServer`: the secret first, the body's size
        bounded, each update stored before Telegram is answered 200."""
        if cert is not None or key is not None or unix is not None:
            raise ValueError("TLS and unix sockets are left to the reverse proxy in front")
        if not secret_token or not webhook_url:
            raise ValueError("the webhook needs its public address and a secret")
        async with self._durable_lock:
            self._check_startable()
            # aiohttp (some 9 MiB) only in webhook mode (tests/test_startup_imports.py).
            from bot.runtime.webhook import WebhookServer

            set_running(self, True)
            server = WebhookServer(
                DefaultValue.get_value(listen),
                DefaultValue.get_value(port),
                url_path,
                secret_token,
                self._receive,
            )
            try:
                await self._queue_unfinished()
                await server.start()
                self._webhook = server
                await self.bot.set_webhook(
                    url=webhook_url,
                    secret_token=secret_token,
                    allowed_updates=allowed_updates,
                    drop_pending_updates=drop_pending_updates,
                    ip_address=ip_address,
                    max_connections=max_connections,
                )
            except Exception:
                self._webhook = None
                await server.stop()
                set_running(self, False)
                raise
            return self.update_queue

    async def _start_following(self, interval: float) -> asyncio.Queue[object]:
        """A worker other than 0: its share of what worker 0 stored, read from the database
        every ``interval`` seconds, in order; Telegram is not polled."""
        async with self._durable_lock:
            self._check_startable()
            set_running(self, True)
            try:
                unfinished = await self.inbound.claim_unfinished(take_over=True)
            except Exception:
                set_running(self, False)
                raise
            last = 0
            for update in unfinished:
                await self.update_queue.put(update)
                last = max(last, update.update_id)
            self._polling_stop.clear()
            self._polling_task = asyncio.create_task(
                self._follow(last, interval), name="DurableUpdater:follow"
            )
            log.info("Worker %s: handling its share of the stored updates", self.run_id)
            return self.update_queue

    async def _follow(self, last: int, interval: float) -> None:
        while self.running and not self._polling_stop.is_set():
            try:
                for update in await self.inbound.share_after(last):
                    await self.update_queue.put(update)
                    last = max(last, update.update_id)
            except Exception as error:  # the database is away for a moment: tried again
                log.warning("Could not read the stored updates (%s)", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._polling_stop.wait(), interval)

    @property
    def webhook_port(self) -> int | None:
        """The port the webhook server listens on (when started with port 0), else None."""
        return self._webhook.port if self._webhook is not None else None

    async def stop(self) -> None:
        async with self._durable_lock:
            if not self.running:
                raise RuntimeError("This Updater is not running!")
            set_running(self, False)
            webhook, self._webhook = self._webhook, None
            if webhook is not None:
                await webhook.stop()
                return
            self._polling_stop.set()
            if self._polling_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._polling_task
                self._polling_task = None
            if self.shards is not None and self.shards.index > 0:
                return  # a follower acknowledges nothing to Telegram
            # Acknowledge what was stored and queued; whatever is not handled by now stays
            # pending in the database and is queued again on the next start.
            try:
                await raw_updates(
                    self.bot, offset=self._offset, timeout=0, allowed_updates=self._allowed_updates
                )
            except TelegramError as error:
                log.warning("Could not acknowledge the last updates on stop: %s", error)

    def _check_startable(self) -> None:
        if self.running:
            raise RuntimeError("This Updater is already running!")
        if not is_initialized(self):
            raise RuntimeError("This Updater was not initialized via `Updater.initialize`!")

    async def _queue_unfinished(self) -> None:
        for update in await self.inbound.claim_unfinished(take_over=self.exclusive):
            await self.update_queue.put(update)

    async def _receive(self, raw: object) -> int:
        """One update posted to the webhook: stored (and claimed), then queued; the status
        to answer Telegram with."""
        incoming = read(raw, self.bot)
        if incoming is None:
            log.warning("webhook: a request without an update id was refused")
            return 400
        try:
            fresh = await self.inbound.store([incoming])
        except IntakeStorageError as error:
            log.warning("webhook: update %d not stored (%s)", incoming.update_id, error)
            return 500  # not acknowledged: Telegram sends it again later
        for update in fresh:
            await self.update_queue.put(update)
        return 200

    async def _poll_once(
        self,
        timeout: TimePeriod,  # noqa: ASYNC109 (passed to getUpdates)
        allowed_updates: Sequence[str] | None,
    ) -> None:
        try:
            result = await raw_updates(
                self.bot, offset=self._offset, timeout=timeout, allowed_updates=allowed_updates
            )
        except TelegramError:
            raise  # PTB's retry loop: backoff, RetryAfter honoured
        except Exception as exc:
            # The type only: what Telegram sent is other people's messages.
            log.warning("Could not read Telegram's answer to getUpdates (%s)", type(exc).__name__)
            return
        if not result or not isinstance(result, list):
            return
        if not self.running:
            return  # not stored, not acknowledged: fetched again on the next start
        batch: list[Incoming] = []
        for raw in result:
            incoming = read(raw, self.bot)
            if incoming is None:
                log.warning("Telegram sent an update without an id; left out")
            else:
                batch.append(incoming)
        if not batch:
            return
        fresh = await self.inbound.store(batch)  # IntakeStorageError: retried, not acknowledged
        for update in fresh:
            await self.update_queue.put(update)
        self._offset = max(item.update_id for item in batch) + 1


def _log_polling_error(error: TelegramError) -> None:
    if isinstance(error, NetworkError | IntakeStorageError):
        log.warning("Polling failed, retrying: %s", error)
    else:
        log.error("Polling failed, retrying: %s", error)


async def _done(update: Update, context: BotContext) -> None:
    deps = context.deps
    if not context.update_done:  # else a unit of work marked it, in its own transaction
        await mark_done(deps.database, update.update_id, deps.clock.now())


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, _done, block=True), group=DONE_GROUP)


def install(
    application: Application,  # type: ignore[type-arg]
    database: Database,
    clock: Clock,
    shards: Shards | None = None,
) -> None:
    """Replaces the application's Updater by a :class:`DurableUpdater` and adds the handler
    that marks updates done."""
    application.updater = DurableUpdater(
        application.bot, application.update_queue, database, clock, shards
    )
    register(application)


__all__ = [
    "DONE",
    "FAILED",
    "KEEP_DONE",
    "KEEP_FAILED",
    "MAX_ATTEMPTS",
    "PENDING",
    "DurableUpdater",
    "IntakeStorageError",
    "Shards",
    "forget_old_updates",
    "install",
    "mark_done",
    "mark_done_in",
    "register",
]
