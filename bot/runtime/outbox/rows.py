"""The outbox's database side: which rows are due, and each row's way from ``pending`` on.

Every change is its own short transaction, and each one that moves a row out of ``sending``
checks that it is still there: a row is ever claimed for one message only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from bot.models import Announcement, Learner, OutboxMessage
from bot.runtime.context import Deps
from bot.services import learners
from bot.services.announcements import PENDING, SENDING, SENT, UNKNOWN, UNREACHABLE

log = logging.getLogger("bot.runtime.outbox")


@dataclass(frozen=True)
class Row:
    """A pending message, as plain values (no ORM objects: they are read while messages are on
    their way)."""

    id: int
    announcement_id: int
    attempts: int
    chat_id: int


async def recover(deps: Deps) -> int:
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


async def due(deps: Deps, now: datetime, limit: int, after: int = 0) -> list[Row]:
    """Up to ``limit`` pending rows that may go now, with ids above ``after``, in id order."""
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
            Row(row_id or 0, announcement_id, attempts, chat_id)
            for row_id, announcement_id, attempts, chat_id in result.all()
            if chat_id is not None
        ]


async def skip_unreachable(deps: Deps) -> int:
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


async def seconds_until_due(deps: Deps) -> float | None:
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


async def texts(deps: Deps, announcement_ids: Iterable[int]) -> dict[int, str]:
    """The messages of these announcements, by id."""
    async with deps.database.session() as db:
        result = await db.exec(
            select(Announcement).where(col(Announcement.id).in_(sorted(set(announcement_ids))))
        )
        return {a.id: a.text for a in result.all() if a.id is not None}


async def claim(deps: Deps, row_id: int) -> bool:
    """pending → sending, committed; False when someone else took the row."""
    async with deps.database.session() as db:
        result = await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.status) == PENDING)
            .values(status=SENDING, attempts=col(OutboxMessage.attempts) + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


async def finish(deps: Deps, row: Row, status: str) -> None:
    """sending → ``status``; an unreachable person is left out of what follows."""
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
            learner_id = await db.exec(
                select(col(OutboxMessage.learner_id)).where(col(OutboxMessage.id) == row.id)
            )
            await learners.mark_unreachable(db, learner_id=learner_id.one())


async def unclaim(deps: Deps, row: Row) -> None:
    """sending → pending, for a row whose message had not gone out yet."""
    async with deps.database.session() as db:
        await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.status) == SENDING)
            .values(status=PENDING, attempts=row.attempts)
            .execution_options(synchronize_session=False)
        )


async def reschedule(deps: Deps, row: Row, not_before: datetime, attempts: int) -> None:
    """sending → pending, not before ``not_before``."""
    async with deps.database.session() as db:
        await db.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.status) == SENDING)
            .values(status=PENDING, not_before=not_before, attempts=attempts)
            .execution_options(synchronize_session=False)
        )
