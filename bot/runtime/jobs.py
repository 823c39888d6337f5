"""Background work that runs every half minute: reminders, feedback, check-in codes.

Each task reads what is due from the database (the source of truth) and acts
on it idempotently, so nothing has to be rebuilt after a restart: the first
run after start picks up whatever fell due while the bot was down. Tests and
the simulator call ``tick`` themselves, with a movable clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.ext import ContextTypes

from bot.runtime.context import DEPS_KEY, BotApplication, Deps

log = logging.getLogger(__name__)

PeriodicTask = Callable[[Deps, Bot], Awaitable[None]]
TASKS_KEY = "periodic_tasks"
TICK_SECONDS = 30


def install(application: BotApplication, tasks: Sequence[PeriodicTask]) -> None:
    """The tasks every tick runs, in this order (``bot.app`` lists them)."""
    application.bot_data[TASKS_KEY] = tuple(tasks)


async def tick(application: BotApplication) -> None:
    """Runs every periodic task once; one failing task does not stop the others."""
    deps: Deps = application.bot_data[DEPS_KEY]
    tasks: tuple[PeriodicTask, ...] = application.bot_data.get(TASKS_KEY, ())
    for task in tasks:
        try:
            await task(deps, application.bot)
        except Exception:
            deps.metrics.task_errors.labels(task.__name__).inc()
            log.exception("periodic task %s failed", task.__name__)


async def _on_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    application: Any = context.application
    await tick(application)


def schedule(application: BotApplication) -> None:
    if application.job_queue is None:
        raise RuntimeError("the JobQueue is missing; install python-telegram-bot[job-queue]")
    # The first run is due a second from now; the application starts later than that
    # (migrations, Telegram's getMe, the command menus). Given only ``first``, APScheduler
    # would then wait for the next whole interval after it (up to 30 s); a due
    # ``next_run_time`` runs as soon as the JobQueue starts (within the grace time).
    first = datetime.now(UTC) + timedelta(seconds=1)
    application.job_queue.run_repeating(
        _on_tick,
        interval=TICK_SECONDS,
        first=first,
        name="tick",
        job_kwargs={"misfire_grace_time": 60, "next_run_time": first},
    )
