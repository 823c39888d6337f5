"""The outbox worker: delivers announcements row by row, within Telegram's limits, once at most.

Confirming an announcement writes one ``outbox`` row per recipient (status ``pending``;
see :mod:`bot.services.announcements`). The worker, started with the application
(:func:`start_worker`, from ``post_init``; stopped in ``post_stop``) and woken when an
announcement is confirmed, delivers them; tests and benchmarks call :func:`drain` directly.

How a row travels
-----------------
``pending`` → ``sending`` (committed right before the message goes out) → one of

- ``sent``;
- ``unreachable``: Telegram answered 403 (the person blocked the bot; the learner is marked
  ``reachable = False`` and left out of later announcements), or the person has no chat any
  more (erased, or known to be unreachable since the announcement was confirmed);
- ``failed``: 400 Bad Request (or another refusal), or network trouble 5 times in a row;
- ``unknown``: the message may or may not have arrived (see below);
- back to ``pending`` with ``not_before``: Telegram asked us to wait (429, ``retry_after``),
  or the request certainly did not reach Telegram (no connection, a full connection pool, a
  502 from Telegram's front end): retried after 1, 2, 4, 8 seconds, at most 5 attempts.

At most once
------------
A row found in ``sending`` when a drain begins belongs to a run that was interrupted (a crash,
a restart, a cancelled worker) while its message was on its way. Telegram offers no way to
ask whether it arrived, so such rows become ``unknown`` and are never sent again: a lost
message is preferred to a duplicate. The same holds for a request that went out but got no
answer (a read timeout, a dropped connection): ``unknown``, not retried. The coordinator's
summary counts them ("not confirmed"). Only one drain runs at a time in a process (a lock),
and one bot process serves a database (Telegram allows one poller per bot anyway), which is
what makes "in ``sending`` at the start" mean "interrupted".

Limits
------
Every message waits for aiolimiter ``AsyncLimiter`` s before it goes: one per chat (1 a
second) and one for the whole outbox at ``settings.announce_rate_per_second`` (Telegram's
"about 30 a second"), both aiming 3 % under the limit (:data:`PACE`); the overall one is a
bucket of two, so that a wake-up that comes a millisecond late is made up by the next one
instead of being lost. A third one, right before the request (after the row is committed as
``sending``, which takes a varying time), keeps any two requests at least 1/30 s apart. The
headroom matters: requests sent evenly can still arrive bunched together, and a server that
counts strictly 30 in any second answers 429 to the 31st. A 429 pauses the whole outbox for
``retry_after`` seconds (every message waits, also those already past the limiters) and puts
the row back to ``pending``.

PTB's AIORateLimiter
--------------------
The application's bot has PTB's ``AIORateLimiter`` (``bot.app``), which retries a 429 itself
and, while it waits, holds every request of the bot. Sent through it, the outbox would not
hear of a 429: its messages would pile up behind the held requests and all go at once when
the wait ends, earning more 429s (the benchmark showed dozens of them from a single one). So
the outbox sends with :func:`sending_bot`: the same token, server and HTTP connections, but
without the AIORateLimiter; the outbox handles its own 429s, and the AIORateLimiter keeps
handling the bot's answers to people. The two are not added up: during a large announcement,
the bot's answers come on top of the outbox's 29 a second. If Telegram objects, both back
off (each on its own 429); an operator who expects heavy use during announcements can lower
``ANNOUNCE_RATE_PER_SECOND`` to leave room.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import warnings
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from aiolimiter import AsyncLimiter
from sqlmodel import col, select
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application

from bot.db import Database
from bot.models import Announcement, Learner, OutboxMessage
from bot.runtime.context import Deps
from bot.runtime.request import not_sent
from bot.services.announcements import (
    DONE,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    UNKNOWN,
    UNREACHABLE,
    Delivery,
    delivery,
)

log = logging.getLogger(__name__)

WORKER_KEY = "outbox_worker"
BATCH = 100
"""Rows read from the database at a time."""
SENDERS = 16
"""Messages on their way at the same time (Telegram answers in ~0.1-0.3 s; 30 a second)."""
PACE = 0.97
"""Aim 3 % under each limit: requests sent evenly can still arrive bunched together."""
CHAT_RATE_PER_SECOND = 1.0
MAX_ATTEMPTS = 5
MAX_BACKOFF_SECONDS = 60
IDLE_SECONDS = 60.0
"""The worker looks at the database at least this often, even when nobody wakes it."""
WAIT_STEP_SECONDS = 1.0
SUMMARY_RETRIES = 3
SNIPPET = 60


@dataclass
class DrainReport:
    """What one :func:`drain` did."""

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


@dataclass(frozen=True)
class _Row:
    id: int
    announcement_id: int
    attempts: int
    chat_id: int


class _ChatLimits:
    """One chat's limiters: pacing before the row is claimed, spacing right before the
    request (both 1 message in 1/(1 x PACE) s: the per-chat limit has no room for jitter)."""

    __slots__ = ("pacing", "spacing")

    def __init__(self) -> None:
        interval = 1 / (CHAT_RATE_PER_SECOND * PACE)
        self.pacing = AsyncLimiter(1, interval)
        self.spacing = AsyncLimiter(1, interval)

    def idle(self) -> bool:
        return self.pacing.has_capacity(1) and self.spacing.has_capacity(1)


class _Pacer:
    """Limits and state shared by every drain of one database in this process."""

    def __init__(self, rate_per_second: float) -> None:
        self.rate = rate_per_second * PACE
        # A bucket of two: a wake-up that comes a little late is made up by the next one,
        # so that the average stays at the pace (a bucket of one loses every delay).
        self.overall = AsyncLimiter(2, 2 / self.rate)
        # Never two requests closer together than the limit allows (1/30 s).
        self.spacing = AsyncLimiter(1, 1 / rate_per_second)
        self.chats: dict[int, _ChatLimits] = {}
        self.resume_at = 0.0
        self.lock = asyncio.Lock()

    def chat(self, chat_id: int) -> _ChatLimits:
        if len(self.chats) > 4096:
            # Forget the chats whose limits have run out: they may send at once anyway.
            for key, limits in list(self.chats.items()):
                if limits.idle():
                    del self.chats[key]
        found = self.chats.get(chat_id)
        if found is None:
            found = self.chats[chat_id] = _ChatLimits()
        return found

    def pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self.resume_at = max(self.resume_at, loop.time() + seconds)

    async def wait_resumed(self) -> None:
        """Returns once no pause is in force (a pause may be extended while waiting)."""
        loop = asyncio.get_running_loop()
        remaining = self.resume_at - loop.time()
        while remaining > 0:
            await asyncio.sleep(remaining)
            remaining = self.resume_at - loop.time()

    async def slot(self, chat_id: int) -> None:
        """Waits until a message to ``chat_id`` may be prepared: no pause, and the chat's and
        the overall pace allow it."""
        await self.wait_resumed()
        await self.chat(chat_id).pacing.acquire()
        await self.overall.acquire()
        await self.wait_resumed()

    async def gate(self, chat_id: int) -> None:
        """Right before the request: keeps requests apart that the database's commit (whose
        time varies) between :meth:`slot` and the request would bunch together, and holds
        them during a pause. Usually immediate."""
        await self.wait_resumed()
        await self.chat(chat_id).spacing.acquire()
        await self.spacing.acquire()


_PACERS: weakref.WeakKeyDictionary[Database, _Pacer] = weakref.WeakKeyDictionary()


def _pacer(deps: Deps) -> _Pacer:
    pacer = _PACERS.get(deps.database)
    if pacer is None:
        pacer = _PACERS[deps.database] = _Pacer(deps.settings.announce_rate_per_second)
    return pacer


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds: a timedelta (``bot`` opts in to PTB_TIMEDELTA), or whole
    seconds, without PTB's deprecation warning, where an operator set it to false."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return max(value.total_seconds(), 0.0)
    return max(float(value), 0.0)


def certainly_not_sent(error: NetworkError) -> bool:
    """True when the request never reached Telegram, or Telegram's front end answered with an
    error status instead of taking the message (502 and the like): sending again cannot
    duplicate it. False when it went out and no answer came back (read timeout, a dropped
    connection): it may have been delivered."""
    cause = error.__cause__
    if cause is None:
        # An answer with an HTTP error status, or PTB's own "Pool timeout" (not sent).
        return True
    return not_sent(error)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


# -- the database side ----------------------------------------------------------------------


async def _recover(deps: Deps) -> int:
    """Rows left in ``sending`` by an interrupted run become ``unknown`` (at most once)."""
    async with deps.database.session() as db:
        result = await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.status) == SENDING)
            .values(status=UNKNOWN)
            .execution_options(synchronize_session=False)
        )
        count = int(result.rowcount or 0)
    if count:
        log.warning(
            "outbox: %d message(s) were on their way when the bot stopped; not sent again", count
        )
    return count


async def _due(deps: Deps, now: datetime, limit: int, after: int = 0) -> list[_Row]:
    """Up to ``limit`` pending rows that may go now, with ids above ``after``, in id order
    (plain columns, no ORM objects: this runs while messages are on their way)."""
    async with deps.database.session() as db:
        result = await db.exec(
            select(
                col(OutboxMessage.id),
                col(OutboxMessage.announcement_id),
                col(OutboxMessage.attempts),
                col(Learner.telegram_id),
            )
            .join(Learner, col(Learner.id) == col(OutboxMessage.learner_id))
            .join(Announcement, col(Announcement.id) == col(OutboxMessage.announcement_id))
            .where(
                col(OutboxMessage.status) == PENDING,
                sa.or_(
                    col(OutboxMessage.not_before).is_(None), col(OutboxMessage.not_before) <= now
                ),
                col(Announcement.status) == SENDING,
                col(OutboxMessage.id) > after,
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        return [
            _Row(row_id or 0, announcement_id, attempts, chat_id)
            for row_id, announcement_id, attempts, chat_id in result.all()
            if chat_id is not None
        ]


async def _skip_unreachable(deps: Deps) -> int:
    """Pending rows of people who cannot be written to any more (erased, or found to have
    blocked the bot since the announcement was confirmed) become ``unreachable``."""
    gone = select(col(Learner.id)).where(
        sa.or_(
            col(Learner.telegram_id).is_(None),
            col(Learner.erased_at).is_not(None),
            col(Learner.reachable).is_(False),
        )
    )
    async with deps.database.session() as db:
        result = await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.status) == PENDING, col(OutboxMessage.learner_id).in_(gone))
            .values(status=UNREACHABLE)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


async def _seconds_until_due(deps: Deps) -> float | None:
    """Seconds until the next pending row may go (0 when one may go now); None when none."""
    not_before = col(OutboxMessage.not_before)
    async with deps.database.session() as db:
        result = await db.exec(
            select(not_before)
            .join(Announcement, col(Announcement.id) == col(OutboxMessage.announcement_id))
            .where(col(OutboxMessage.status) == PENDING, col(Announcement.status) == SENDING)
            .order_by(not_before.is_not(None), not_before)
            .limit(1)
        )
        found = list(result.all())
    if not found:
        return None
    earliest: datetime | None = found[0]
    if earliest is None:
        return 0.0
    return max((earliest - deps.clock.now()).total_seconds(), 0.0)


async def _claim(deps: Deps, row_id: int) -> bool:
    """pending → sending, committed; False when someone else took the row."""
    async with deps.database.session() as db:
        result = await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.status) == PENDING)
            .values(status=SENDING, attempts=col(OutboxMessage.attempts) + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


async def _finish(deps: Deps, row: _Row, status: str) -> None:
    async with deps.database.session() as db:
        values: dict[str, Any] = {"status": status}
        if status == SENT:
            values["sent_at"] = deps.clock.now()
        await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.status) == SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if status == UNREACHABLE:
            learner_id = (
                select(col(OutboxMessage.learner_id))
                .where(col(OutboxMessage.id) == row.id)
                .scalar_subquery()
            )
            await db.exec(
                sa.update(Learner)
                .where(col(Learner.id) == learner_id)
                .values(reachable=False)
                .execution_options(synchronize_session=False)
            )


async def _unclaim(deps: Deps, row: _Row) -> None:
    """sending → pending, for a row whose message had not gone out yet."""
    async with deps.database.session() as db:
        await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.status) == SENDING)
            .values(status=PENDING, attempts=row.attempts)
            .execution_options(synchronize_session=False)
        )


async def _reschedule(deps: Deps, row: _Row, not_before: datetime, attempts: int) -> None:
    async with deps.database.session() as db:
        await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.status) == SENDING)
            .values(status=PENDING, not_before=not_before, attempts=attempts)
            .execution_options(synchronize_session=False)
        )


# -- sending --------------------------------------------------------------------------------

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def _send(bot: Bot, chat_id: int, text: str) -> None:
    """Telegram HTML without link previews, as the coordinator saw it in the preview (stated
    here rather than left to the application's defaults: any Bot may drain the outbox)."""
    await bot.send_message(
        chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
    )


async def _deliver(
    deps: Deps, bot: Bot, pacer: _Pacer, row: _Row, text: str, report: DrainReport
) -> None:
    await pacer.slot(row.chat_id)
    try:
        if not await _claim(deps, row.id):
            return
        await pacer.gate(row.chat_id)
    except asyncio.CancelledError:
        # Stopped before the message went out: nothing was sent, so it may go later.
        await asyncio.shield(_unclaim(deps, row))
        raise
    attempts = row.attempts + 1
    try:
        await _send(bot, row.chat_id, text)
    except RetryAfter as error:
        seconds = retry_seconds(error)
        pacer.pause(seconds)
        report.rate_limited += 1
        log.info("outbox: Telegram asked to wait %.1f s (row %d)", seconds, row.id)
        # A 429 is no attempt: the message was refused before anything was delivered.
        await _reschedule(
            deps, row, deps.clock.now() + timedelta(seconds=seconds), attempts=row.attempts
        )
    except Forbidden:
        await _finish(deps, row, UNREACHABLE)
        report.unreachable += 1
    except BadRequest as error:
        log.warning("outbox: row %d refused: %s", row.id, error.message)
        await _finish(deps, row, FAILED)
        report.failed += 1
    except NetworkError as error:  # TimedOut included
        if not certainly_not_sent(error):
            log.warning("outbox: row %d sent without an answer (%s)", row.id, type(error).__name__)
            await _finish(deps, row, UNKNOWN)
            report.unknown += 1
        elif attempts >= MAX_ATTEMPTS:
            log.warning("outbox: row %d failed after %d attempts", row.id, attempts)
            await _finish(deps, row, FAILED)
            report.failed += 1
        else:
            await _reschedule(deps, row, deps.clock.now() + backoff(attempts), attempts)
            report.retried += 1
    except TelegramError as error:
        log.warning("outbox: row %d not delivered: %s", row.id, type(error).__name__)
        await _finish(deps, row, FAILED)
        report.failed += 1
    else:
        await _finish(deps, row, SENT)
        report.sent += 1


async def _texts(deps: Deps, announcement_ids: Iterable[int]) -> dict[int, str]:
    async with deps.database.session() as db:
        result = await db.exec(
            select(Announcement).where(col(Announcement.id).in_(sorted(set(announcement_ids))))
        )
        return {a.id: a.text for a in result.all() if a.id is not None}


async def _send_due(deps: Deps, bot: Bot, pacer: _Pacer, report: DrainReport) -> None:
    """Sends every row that is due now, in id order, at most :data:`SENDERS` at a time. The
    next batch is read while the last messages of the previous one are on their way, so that
    the pace does not stall between batches. Rows put back for later are left for later."""
    report.unreachable += await _skip_unreachable(deps)
    free = asyncio.Semaphore(SENDERS)
    texts: dict[int, str] = {}
    after = 0
    async with asyncio.TaskGroup() as group:
        while rows := await _due(deps, deps.clock.now(), BATCH, after):
            unknown = {row.announcement_id for row in rows} - texts.keys()
            if unknown:
                texts.update(await _texts(deps, unknown))
            for row in rows:
                await free.acquire()
                task = group.create_task(
                    _deliver(deps, bot, pacer, row, texts[row.announcement_id], report),
                    name=f"outbox-{row.id}",
                )
                task.add_done_callback(lambda _task: free.release())
            after = rows[-1].id


# -- finishing: the coordinator's summary ---------------------------------------------------


def summary_text(deps: Deps, author: Learner, announcement: Announcement, counts: Delivery) -> str:
    tr = deps.translator_for(author)
    snippet = html.unescape(announcement.text).replace("\n", " ")
    if len(snippet) > SNIPPET:
        snippet = snippet[: SNIPPET - 1] + "…"
    lines = [
        tr._("📣 <b>Your announcement has been sent.</b>"),
        tr._("“{snippet}”", snippet=snippet),
        "",
        tr._("✅ Delivered: {count}", count=counts.sent),
        tr._("🚫 Not reachable (blocked the bot or left): {count}", count=counts.unreachable),
        tr._("⚠️ Failed: {count}", count=counts.failed),
    ]
    if counts.unknown:
        lines.append(
            tr._(
                "❔ Not confirmed (the bot restarted while sending; not sent again): {count}",
                count=counts.unknown,
            )
        )
    return "\n".join(lines)


async def _send_summary(deps: Deps, bot: Bot, pacer: _Pacer, announcement_id: int) -> None:
    async with deps.database.session() as db:
        announcement = await db.get(Announcement, announcement_id)
        if announcement is None or announcement.report_chat_id is None:
            return
        author = await db.get(Learner, announcement.created_by)
        if author is None or author.erased_at is not None or author.telegram_id is None:
            return
        counts = await delivery(db, announcement_id)
        text = summary_text(deps, author, announcement, counts)
        chat_id = announcement.report_chat_id
    for _ in range(SUMMARY_RETRIES):
        await pacer.slot(chat_id)
        await pacer.gate(chat_id)
        try:
            await _send(bot, chat_id, text)
        except RetryAfter as error:
            pacer.pause(retry_seconds(error))
            continue
        except TelegramError as error:
            log.info(
                "outbox: summary of announcement %d not delivered: %s",
                announcement_id,
                type(error).__name__,
            )
        return


async def _finish_announcements(deps: Deps, bot: Bot, pacer: _Pacer, report: DrainReport) -> None:
    """Announcements with nothing pending or on its way: done, and the summary goes out
    (once: the announcement is marked done before the summary is sent)."""
    open_rows = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.announcement_id) == col(Announcement.id),
            col(OutboxMessage.status).in_((PENDING, SENDING)),
        )
        .exists()
    )
    async with deps.database.session() as db:
        result = await db.exec(
            select(col(Announcement.id)).where(col(Announcement.status) == SENDING, ~open_rows)
        )
        candidates = [announcement_id for announcement_id in result.all() if announcement_id]
    for announcement_id in candidates:
        async with deps.database.session() as db:
            claimed = await db.exec(
                sa.update(Announcement)
                .where(col(Announcement.id) == announcement_id, col(Announcement.status) == SENDING)
                .values(status=DONE, finished_at=deps.clock.now())
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                continue
        report.finished.append(announcement_id)
        await _send_summary(deps, bot, pacer, announcement_id)


# -- the public interface -------------------------------------------------------------------


async def drain(deps: Deps, bot: Bot, *, until_empty: bool = True) -> DrainReport:
    """Delivers what is due; with ``until_empty`` also waits for rows to come due (after a
    429 or a network error) until nothing is pending. Finished announcements are marked done
    and their summary is sent. One drain at a time per database in this process."""
    pacer = _pacer(deps)
    report = DrainReport()
    async with pacer.lock:
        report.unknown += await _recover(deps)
        while True:
            await _send_due(deps, bot, pacer, report)
            await _finish_announcements(deps, bot, pacer, report)
            if not until_empty:
                break
            wait = await _seconds_until_due(deps)
            if wait is None:
                break
            await asyncio.sleep(min(max(wait, 0.01), WAIT_STEP_SECONDS))
    return report


def sending_bot(application: Application[Any, Any, Any, Any, Any, Any]) -> Bot:
    """The bot the outbox sends with: the application's token, Bot API server and HTTP
    connections (its request object), but without PTB's AIORateLimiter, so that a 429 reaches
    the outbox at once instead of being retried behind its back (see the module's docstring).
    """
    from bot.runtime.context import DEPS_KEY

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
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while True:
            self.woken.clear()
            timeout = IDLE_SECONDS
            try:
                await drain(self.deps, self.bot, until_empty=False)
                wait = await _seconds_until_due(self.deps)
                if wait is not None:
                    timeout = min(max(wait, 0.05), IDLE_SECONDS)
            except Exception:
                log.exception("outbox: a delivery round failed; trying again shortly")
                timeout = 5.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), timeout)


def start_worker(application: Application[Any, Any, Any, Any, Any, Any]) -> Worker:
    """Starts the worker (``post_init``); a plain task, so that ``Application.stop`` does not
    wait for it. It begins with a drain: whatever a previous run left is picked up."""
    from bot.runtime.context import DEPS_KEY

    worker = application.bot_data.get(WORKER_KEY)
    if isinstance(worker, Worker) and worker.task is not None and not worker.task.done():
        return worker
    worker = Worker(application.bot_data[DEPS_KEY], sending_bot(application))
    worker.task = asyncio.get_running_loop().create_task(worker.run(), name="outbox-worker")
    application.bot_data[WORKER_KEY] = worker
    return worker


async def stop_worker(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stops the worker (``post_stop``); a message on its way stays ``sending`` and is
    counted as not confirmed by the next run."""
    worker = application.bot_data.pop(WORKER_KEY, None)
    if not isinstance(worker, Worker) or worker.task is None:
        return
    worker.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker.task


def wake(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Tells the worker that there is something new to send (after a confirmation)."""
    worker = application.bot_data.get(WORKER_KEY)
    if isinstance(worker, Worker):
        worker.woken.set()
