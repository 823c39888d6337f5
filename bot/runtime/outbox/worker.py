"""The outbox worker: a background task of the application that drains the outbox whenever
there is something to send, and :func:`drain` itself (tests and benchmarks call it directly).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.ext import Application

from bot.runtime.context import DEPS_KEY, Deps
from bot.runtime.outbox import rows
from bot.runtime.outbox.pacing import pacer_for
from bot.runtime.outbox.sending import DrainReport, send_due
from bot.runtime.outbox.summary import finish_announcements

log = logging.getLogger("bot.runtime.outbox")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

WORKER_KEY = "outbox_worker"
IDLE_SECONDS = 60.0
"""The worker looks at the database at least this often, even when nobody wakes it."""
WAIT_STEP_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0
"""How long stopping waits for the messages on their way (a few, at most SENDERS) before it
cancels the worker: cancelled inside a unit of work, the rollback is cut short too."""


async def drain(
    deps: Deps, bot: Bot, *, until_empty: bool = True, stop: asyncio.Event | None = None
) -> DrainReport:
    """Delivers what is due; with ``until_empty`` also waits for rows to come due (after a
    429 or a network error) until nothing is pending. Finished announcements are marked done
    and their summary is sent. One drain at a time per database in this process. Once
    ``stop`` is set, the messages on their way are finished and nothing more is taken."""
    pacer = pacer_for(deps)
    report = DrainReport()
    async with pacer.lock:
        report.unknown += await rows.recover(deps)
        while True:
            await send_due(deps, bot, pacer, report, stop)
            if stop is not None and stop.is_set():
                break
            await finish_announcements(deps, bot, pacer, report)
            if not until_empty:
                break
            wait = await rows.seconds_until_due(deps)
            if wait is None:
                break
            await asyncio.sleep(min(max(wait, 0.01), WAIT_STEP_SECONDS))
    return report


def sending_bot(application: AnyApplication) -> Bot:
    """The bot the outbox sends with: the application's token, Bot API server and HTTP
    connections (its request object), but without PTB's AIORateLimiter, so that a 429 reaches
    the outbox at once instead of being retried behind its back while it holds every request.
    """
    bot: Bot = application.bot
    if getattr(bot, "rate_limiter", None) is None:
        return bot
    settings = application.bot_data[DEPS_KEY].settings
    return Bot(
        bot.token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_base_file_url,
        request=bot.request,
        get_updates_request=bot.request,
    )


class Worker:
    """The background task that runs :func:`drain` whenever there is something to send."""

    def __init__(self, deps: Deps, bot: Bot) -> None:
        self.deps = deps
        self.bot = bot
        self.woken = asyncio.Event()
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while not self.stopping.is_set():
            self.woken.clear()
            timeout = IDLE_SECONDS
            try:
                await drain(self.deps, self.bot, until_empty=False, stop=self.stopping)
                if self.stopping.is_set():
                    return
                wait = await rows.seconds_until_due(self.deps)
                if wait is not None:
                    timeout = min(max(wait, 0.05), IDLE_SECONDS)
            except Exception:
                log.exception("outbox: a delivery round failed; trying again shortly")
                timeout = 5.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), timeout)


def start_worker(application: AnyApplication) -> Worker:
    """Starts the worker (``post_init``); a plain task, so that ``Application.stop`` does not
    wait for it. It begins with a drain: whatever a previous run left is picked up."""
    worker = application.bot_data.get(WORKER_KEY)
    if isinstance(worker, Worker) and worker.task is not None and not worker.task.done():
        return worker
    worker = Worker(application.bot_data[DEPS_KEY], sending_bot(application))
    worker.task = asyncio.get_running_loop().create_task(worker.run(), name="outbox-worker")
    application.bot_data[WORKER_KEY] = worker
    return worker


async def stop_worker(application: AnyApplication) -> None:
    """Stops the worker (``post_stop``): no further message is taken, those on their way are
    finished (their answers recorded), then the worker ends. If that takes longer than
    :data:`STOP_GRACE_SECONDS` it is cancelled, and a message on its way stays ``sending``,
    counted as not confirmed by the next run, as after a crash."""
    worker = application.bot_data.pop(WORKER_KEY, None)
    if not isinstance(worker, Worker) or worker.task is None or worker.task.done():
        return
    worker.stopping.set()
    worker.woken.set()
    try:
        await asyncio.wait_for(asyncio.shield(worker.task), STOP_GRACE_SECONDS)
    except TimeoutError:
        log.warning(
            "outbox: messages still on their way after %.0f s; stopping anyway", STOP_GRACE_SECONDS
        )
        worker.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker.task


def wake(application: AnyApplication) -> None:
    """Tells the worker that there is something new to send."""
    worker = application.bot_data.get(WORKER_KEY)
    if isinstance(worker, Worker):
        worker.woken.set()


def wake_on_commit(application: AnyApplication, db: AsyncSession) -> None:
    """Wakes the worker once ``db`` has committed (nothing happens if it rolls back): rows
    written in ``db`` are only there for the worker after the commit, and a worker woken
    earlier would find none and sleep until its next look, up to :data:`IDLE_SECONDS`."""
    sa.event.listen(db.sync_session, "after_commit", lambda _session: wake(application), once=True)
