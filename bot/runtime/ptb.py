"""The one place that reaches into python-telegram-bot's private parts.

The durable intake (:mod:`bot.runtime.intake`) is a PTB ``Updater`` whose polling stores
each update before it is acknowledged; PTB offers no public hook for that, so it reuses
PTB's own retry loop and the updater's start-up steps, and asks ``getUpdates`` for the raw
updates (``Bot.get_updates`` parses the whole batch at once, and logs every update of it,
text and all, when one cannot be read). Everything private it needs is named here, and
``tests/test_ptb_adapter.py`` fails loudly when an upgrade of PTB moves any of it.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Sequence
from typing import Any

from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import DVType, ODVInput
from telegram.ext import Application, Updater
from telegram.ext._utils.networkloop import network_retry_loop

__all__ = [
    "DVType",
    "DefaultValue",
    "ODVInput",
    "bootstrap",
    "is_initialized",
    "network_retry_loop",
    "pending_tasks",
    "raw_updates",
    "set_running",
]


def is_initialized(updater: Updater) -> bool:
    return bool(updater._initialized)


def set_running(updater: Updater, running: bool) -> None:
    updater._running = running


async def bootstrap(
    updater: Updater,
    retries: int,
    *,
    drop_pending_updates: bool | None,
    webhook_url: str | None,
    allowed_updates: Any,
) -> None:
    """PTB's start-up of polling: deletes a webhook, drops pending updates if asked."""
    await updater._bootstrap(
        retries,
        drop_pending_updates=drop_pending_updates,
        webhook_url=webhook_url,
        allowed_updates=allowed_updates,
    )


def pending_tasks(application: Application[Any, Any, Any, Any, Any, Any]) -> set[asyncio.Task[Any]]:
    """The tasks the application started with ``create_task`` that have not finished yet (the
    handlers of updates when they run concurrently, the error handler): tests wait for them."""
    tasks: set[asyncio.Task[Any]] = application._Application__create_task_tasks  # type: ignore[attr-defined]
    return {task for task in tasks if not task.done()}


async def raw_updates(
    bot: Bot,
    *,
    offset: int,
    timeout: int | dtm.timedelta,  # noqa: ASYNC109 (passed to getUpdates)
    allowed_updates: Sequence[str] | None,
) -> object:
    """``getUpdates`` as ``Bot.get_updates`` asks it (the long poll's read timeout on top of the
    request's own), but the answer's ``result`` as Telegram sent it: each update is then read
    on its own (:func:`bot.runtime.inbound.read`)."""
    seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else float(timeout)
    read_timeout = (bot._request[0].read_timeout or 0) + seconds
    return await bot._post(
        "getUpdates",
        {
            "timeout": int(seconds) if seconds.is_integer() else seconds,
            "offset": offset,
            "allowed_updates": allowed_updates,
        },
        read_timeout=read_timeout,
    )
