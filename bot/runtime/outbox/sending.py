"""Sending the outbox's messages: each row claimed, sent once, and its answer recorded."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.runtime.context import Deps
from bot.runtime.outbox import rows
from bot.runtime.outbox.pacing import (
    MAX_ATTEMPTS,
    Pacer,
    backoff,
    certainly_not_sent,
    retry_seconds,
)
from bot.services.announcements import FAILED, SENT, UNKNOWN, UNREACHABLE

log = logging.getLogger("bot.runtime.outbox")

BATCH = 100
"""Rows read from the database at a time."""
SENDERS = 16
"""Messages on their way at the same time (Telegram answers in ~0.1-0.3 s; 30 a second)."""
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class DrainReport:
    """What one drain did."""

    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    unknown: int = 0
    """Rows found interrupted, or sent without an answer: maybe delivered, not sent again."""
    retried: int = 0
    """Network errors that put a row back to pending."""
    rate_limited: int = 0
    """429 answers (RetryAfter) that paused the outbox."""
    finished: list[int] = field(default_factory=list)
    """Announcements completed by this drain (their summary was sent)."""


async def send(bot: Bot, chat_id: int, text: str) -> None:
    """Telegram HTML without link previews, as the coordinator saw it in the preview (stated
    here rather than left to the application's defaults: any Bot may drain the outbox)."""
    await bot.send_message(
        chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
    )


async def deliver(
    deps: Deps,
    bot: Bot,
    pacer: Pacer,
    row: rows.Row,
    text: str,
    report: DrainReport,
    stop: asyncio.Event | None = None,
) -> None:
    """One row: waits for its slot and its gate, claims it, sends it at once, and records
    what came of it. Once ``stop`` is set, a row still waiting stays pending for the next run.

    The claim comes last, right before the request: a row is ``sending`` only while its
    message is on its way, so a process killed meanwhile leaves ``sending`` (counted as not
    confirmed, never sent again) only what may really have arrived, never a row that was
    still waiting its turn."""
    await pacer.slot(row.chat_id)
    if stop is not None and stop.is_set():
        return
    await pacer.gate(row.chat_id)
    if stop is not None and stop.is_set():
        return
    try:
        if not await rows.claim(deps, row.id):
            return
    except asyncio.CancelledError:
        # Stopped around the claim's commit: nothing was sent, so it may go later.
        await asyncio.shield(rows.unclaim(deps, row))
        raise
    if pacer.paused():
        # A 429 came while the claim was committed: the row waits its turn again.
        await rows.unclaim(deps, row)
        return
    attempts = row.attempts + 1
    try:
        await send(bot, row.chat_id, text)
    except RetryAfter as error:
        seconds = retry_seconds(error)
        pacer.pause(seconds)
        report.rate_limited += 1
        log.info("outbox: Telegram asked to wait %.1f s (row %d)", seconds, row.id)
        # A 429 is no attempt: the message was refused before anything was delivered.
        await rows.reschedule(
            deps, row, deps.clock.now() + timedelta(seconds=seconds), attempts=row.attempts
        )
    except Forbidden:
        await rows.finish(deps, row, UNREACHABLE)
        report.unreachable += 1
    except BadRequest as error:
        log.warning("outbox: row %d refused: %s", row.id, error.message)
        await rows.finish(deps, row, FAILED)
        report.failed += 1
    except NetworkError as error:  # TimedOut included
        if not certainly_not_sent(error):
            log.warning("outbox: row %d sent without an answer (%s)", row.id, type(error).__name__)
            await rows.finish(deps, row, UNKNOWN)
            report.unknown += 1
        elif attempts >= MAX_ATTEMPTS:
            log.warning("outbox: row %d failed after %d attempts", row.id, attempts)
            await rows.finish(deps, row, FAILED)
            report.failed += 1
        else:
            await rows.reschedule(deps, row, deps.clock.now() + backoff(attempts), attempts)
            report.retried += 1
    except TelegramError as error:
        log.warning("outbox: row %d not delivered: %s", row.id, type(error).__name__)
        await rows.finish(deps, row, FAILED)
        report.failed += 1
    else:
        await rows.finish(deps, row, SENT)
        report.sent += 1


async def send_due(
    deps: Deps, bot: Bot, pacer: Pacer, report: DrainReport, stop: asyncio.Event | None = None
) -> None:
    """Sends every row that is due now, in id order, at most :data:`SENDERS` at a time. The
    next batch is read while the last messages of the previous one are on their way, so that
    the pace does not stall between batches. Rows put back for later are left for later.
    Once ``stop`` is set no further row is taken; those on their way are finished."""
    report.unreachable += await rows.skip_unreachable(deps)
    free = asyncio.Semaphore(SENDERS)
    texts: dict[int, str] = {}
    after = 0
    async with asyncio.TaskGroup() as group:
        while batch := await rows.due(deps, deps.clock.now(), BATCH, after):
            unknown = {row.announcement_id for row in batch} - texts.keys()
            if unknown:
                texts.update(await rows.texts(deps, unknown))
            for row in batch:
                await free.acquire()
                if stop is not None and stop.is_set():
                    free.release()
                    return
                task = group.create_task(
                    deliver(deps, bot, pacer, row, texts[row.announcement_id], report, stop),
                    name=f"outbox-{row.id}",
                )
                task.add_done_callback(lambda _task: free.release())
            after = batch[-1].id
