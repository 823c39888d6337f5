"""The durable intake: every update is stored before Telegram is told it arrived, and
handled once (docs/architecture.md, "The durable intake")."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel import delete as sql_delete
from sqlmodel import update as sql_update
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ExtBot, TypeHandler, Updater

from bot.clock import Clock, SystemClock
from bot.db import Database
from bot.models import InboundUpdate
from bot.runtime.context import BotContext, Deps
from bot.runtime.ptb import bootstrap, is_initialized, network_retry_loop, set_running

log = logging.getLogger(__name__)

TimePeriod = int | dtm.timedelta
"""What getUpdates takes as ``timeout`` (as in PTB)."""

PENDING = "pending"
DONE = "done"
FAILED = "failed"
MAX_ATTEMPTS = 3
KEEP_DONE = dtm.timedelta(days=2)
"""Telegram resends an update for at most a day; a done row only has to outlive that."""
KEEP_FAILED = dtm.timedelta(days=14)
"""Failed updates keep their payload for an operator to look into, then go."""
DONE_GROUP = 10_000
"""After every feature (group 0) and the flood control (group -1)."""


class IntakeStorageError(TelegramError):
    """The database refused a batch: PTB's retry loop backs off and polls the same batch again
    (the offset did not move, so Telegram sends it again)."""


async def mark_done_in(db: AsyncSession, update_id: int, now: dtm.datetime) -> None:
    """Marks a stored update done within ``session``'s transaction (no-op for updates that
    were not stored): with a handler's own writes, so both are kept or neither."""
    await db.exec(
        sql_update(InboundUpdate)
        .where(col(InboundUpdate.update_id) == update_id)
        .where(col(InboundUpdate.status) != DONE)
        # The update's text and sender are personal data, no longer needed once handled.
        .values(status=DONE, processed_at=now, payload="{}")
    )


async def mark_done(database: Database, update_id: int, now: dtm.datetime) -> None:
    """Marks a stored update done (no-op for updates that were not stored)."""
    async with database.session() as db:
        await mark_done_in(db, update_id, now)


class _StoreFirst:
    """What PTB's webhook handler takes for the update queue: it stores each update before
    queueing it, and PTB answers Telegram only when ``put`` has returned."""

    def __init__(self, updater: DurableUpdater, queue: asyncio.Queue[object]) -> None:
        self.updater = updater
        self.queue = queue

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):
            await self.queue.put(item)
            return
        stored = await self.updater._store([item])
        # Checked and claimed with no await between: two deliveries of one update racing
        # through the webhook queue it once.
        fresh = [update for update in stored if update.update_id not in self.updater._queued]
        self.updater._queued.update(update.update_id for update in fresh)
        for update in fresh:
            await self.queue.put(update)


class DurableUpdater(Updater):
    """PTB's Updater, with polling that stores each update before acknowledging it."""

    def __init__(
        self,
        bot: ExtBot[Any],
        update_queue: asyncio.Queue[object],
        database: Database,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self.database = database
        self.clock: Clock = clock or SystemClock()
        self._durable_lock = asyncio.Lock()
        self._polling_task: asyncio.Task[None] | None = None
        self._polling_stop = asyncio.Event()
        self._offset = 0
        self._queued: set[int] = set()
        """Ids queued in this run: Telegram sends them again until the offset passes them."""
        self._allowed_updates: Sequence[str] | None = None

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
        async with self._durable_lock:
            if self.running:
                raise RuntimeError("This Updater is already running!")
            if not is_initialized(self):
                raise RuntimeError("This Updater was not initialized via `Updater.initialize`!")
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
                await self._requeue_unfinished()
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

    async def start_webhook(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:
        """PTB's webhook, with each update stored before Telegram is answered 200."""
        application_queue = self.update_queue
        await self._requeue_unfinished()
        self.update_queue = cast("asyncio.Queue[object]", _StoreFirst(self, application_queue))
        try:
            await super().start_webhook(*args, **kwargs)
        except Exception:
            self.update_queue = application_queue
            raise
        return application_queue

    def forget(self, update_id: int) -> None:
        """A done update need not be remembered: its row says it is done."""
        self._queued.discard(update_id)

    async def stop(self) -> None:
        if self._polling_task is None:
            try:
                await super().stop()  # the webhook, or not running (PTB raises)
            finally:
                if isinstance(self.update_queue, _StoreFirst):
                    self.update_queue = self.update_queue.queue
            return
        async with self._durable_lock:
            set_running(self, False)
            self._polling_stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling_task
            self._polling_task = None
            # Acknowledge what was stored and queued; whatever is not handled by now stays
            # pending in the database and is queued again on the next start.
            try:
                await self.bot.get_updates(
                    offset=self._offset,
                    timeout=dtm.timedelta(seconds=0),
                    allowed_updates=self._allowed_updates,
                )
            except TelegramError as error:
                log.warning("Could not acknowledge the last updates on stop: %s", error)

    async def _requeue_unfinished(self) -> None:
        """Queues what a previous run stored but did not finish (a crash or a hard stop)."""
        now = self.clock.now()
        async with self.database.session() as db:
            rows = (
                await db.exec(
                    select(InboundUpdate)
                    .where(col(InboundUpdate.status) == PENDING)
                    .order_by(col(InboundUpdate.update_id))
                )
            ).all()
            again: list[InboundUpdate] = []
            for row in rows:
                if row.update_id in self._queued:
                    continue
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = FAILED
                    row.processed_at = now
                    log.warning(
                        "Update %d was queued %d times without being handled; left as failed",
                        row.update_id,
                        row.attempts,
                    )
                else:
                    row.attempts += 1
                    again.append(row)
                db.add(row)
        if again:
            log.info("Handling %d updates left unfinished by the previous run", len(again))
        for row in again:
            update = Update.de_json(json.loads(row.payload), self.bot)
            self._queued.add(row.update_id)
            await self.update_queue.put(update)

    async def _poll_once(
        self,
        timeout: TimePeriod,  # noqa: ASYNC109 (passed to getUpdates)
        allowed_updates: Sequence[str] | None,
    ) -> None:
        try:
            updates = await self.bot.get_updates(
                offset=self._offset, timeout=timeout, allowed_updates=allowed_updates
            )
        except TelegramError:
            raise  # PTB's retry loop: backoff, RetryAfter honoured
        except Exception as exc:
            log.critical("Could not read the updates Telegram sent; not processed", exc_info=exc)
            return
        if not updates:
            return
        if not self.running:
            return  # not stored, not acknowledged: fetched again on the next start
        try:
            fresh = await self._store(updates)
        except Exception as exc:  # the database is away: nothing acknowledged, retried
            raise IntakeStorageError(f"could not store updates: {type(exc).__name__}") from exc
        for update in fresh:
            self._queued.add(update.update_id)
            await self.update_queue.put(update)
        self._offset = updates[-1].update_id + 1
        self._queued = {update_id for update_id in self._queued if update_id >= self._offset}

    async def _store(self, updates: Sequence[Update]) -> list[Update]:
        """Stores the batch in one transaction; returns those to queue now.

        Usually every id is new and one statement does it all: the rows come in counted as
        queued once. Only an id stored before (Telegram resending after a restart, or the
        webhook's retry) costs the second look, at whether it is still pending and not queued.
        """
        by_id = {update.update_id: update for update in updates}
        now = self.clock.now()
        rows = [
            {
                "update_id": update.update_id,
                "payload": json.dumps(update.to_dict(), ensure_ascii=False),
                "received_at": now,
                "status": PENDING,
                "attempts": 1,
            }
            for update in updates
            if update.update_id not in self._queued
        ]
        insert = (
            postgresql.insert
            if self.database.engine.dialect.name == "postgresql"
            else sqlite.insert
        )
        async with self.database.session() as db:
            inserted: set[int] = set()
            if rows:
                inserted = set(
                    (
                        await db.exec(
                            insert(InboundUpdate)
                            .values(rows)
                            .on_conflict_do_nothing(index_elements=["update_id"])
                            .returning(col(InboundUpdate.update_id))
                        )
                    ).scalars()
                )
            stored_before = set(by_id) - inserted - self._queued
            again: list[int] = []
            if stored_before:
                again = list(
                    (
                        await db.exec(
                            select(InboundUpdate.update_id)
                            .where(col(InboundUpdate.update_id).in_(stored_before))
                            .where(col(InboundUpdate.status) == PENDING)
                        )
                    ).all()
                )
                if again:
                    await db.exec(
                        sql_update(InboundUpdate)
                        .where(col(InboundUpdate.update_id).in_(again))
                        .values(attempts=col(InboundUpdate.attempts) + 1)
                    )
        return [by_id[update_id] for update_id in sorted(inserted | set(again))]


async def forget_old_updates(deps: Deps, bot: Bot) -> None:
    """Deletes handled updates once Telegram can no longer resend them, and failed ones
    after two weeks: nothing of a person's messages is kept longer than that."""
    now = deps.clock.now()
    async with deps.database.session() as db:
        await db.exec(
            sql_delete(InboundUpdate)
            .where(col(InboundUpdate.status) == DONE)
            .where(col(InboundUpdate.processed_at) < now - KEEP_DONE)
        )
        await db.exec(
            sql_delete(InboundUpdate)
            .where(col(InboundUpdate.status) == FAILED)
            .where(col(InboundUpdate.processed_at) < now - KEEP_FAILED)
        )


def _log_polling_error(error: TelegramError) -> None:
    if isinstance(error, NetworkError | IntakeStorageError):
        log.warning("Polling failed, retrying: %s", error)
    else:
        log.error("Polling failed, retrying: %s", error)


async def _done(update: Update, context: BotContext) -> None:
    deps = context.deps
    if not context.update_done:  # else a unit of work marked it, in its own transaction
        await mark_done(deps.database, update.update_id, deps.clock.now())
    updater = context.application.updater
    if isinstance(updater, DurableUpdater):
        updater.forget(update.update_id)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, _done, block=True), group=DONE_GROUP)


def install(application: Application, database: Database, clock: Clock) -> None:  # type: ignore[type-arg]
    """Replaces the application's Updater by a :class:`DurableUpdater` and adds the handler
    that marks updates done."""
    application.updater = DurableUpdater(application.bot, application.update_queue, database, clock)
    register(application)


__all__ = ["DurableUpdater", "install", "mark_done", "mark_done_in", "register"]
