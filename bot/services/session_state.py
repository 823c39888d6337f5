"""What is true of a session now, for a button shown earlier: the one rule behind the answers
to stale taps ("has already started", "was cancelled on …", "has ended", "was moved to …").

A button about a session says what it is used for (:class:`TrainingUse`); :func:`outdated`
tells whether the session has since become something that use no longer fits, and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditEntry, TrainingSession
from bot.services.attendance.window import window

RESCHEDULED = "session.reschedule"
"""The audit action of a move; its details carry the session's version after the move."""


class TrainingUse(StrEnum):
    """What a button does with its session."""

    RECORD = "record"
    """Attendance: marks, the roster to mark, walk-ins, "the rest absent". Marks may still be
    corrected after the session, so only a cancelled session makes these stale."""
    CHECK_IN = "check-in"
    """The check-in screen: opening and closing check-in, within its window."""
    CHANGE = "change"
    """A new venue, cancelling: until the session ends."""
    MOVE = "move"
    """Rescheduling: until the session starts."""


class Why(StrEnum):
    CANCELLED = "cancelled"
    STARTED = "started"
    ENDED = "ended"
    MOVED = "moved"


@dataclass(frozen=True)
class Outdated:
    """Why a button about ``training`` no longer fits: the answer names the date (the
    cancellation's, or the new start)."""

    why: Why
    training: TrainingSession


async def outdated(
    db: AsyncSession,
    training: TrainingSession,
    use: TrainingUse,
    now: datetime,
    shown_version: int | None = None,
) -> Outdated | None:
    """Why a button for ``use`` shown with ``training`` at ``shown_version`` (when the button
    carries it) no longer fits the session; None while it still does."""
    if training.cancelled_at is not None:
        return Outdated(Why.CANCELLED, training)
    if use == TrainingUse.RECORD:
        return None
    if use == TrainingUse.CHECK_IN:
        opens, closes = window(training)
        if now > closes:
            return Outdated(Why.ENDED, training)
        if now < opens and await moved_since(db, training, None):
            # Its check-in screen is shown within the window only: it was moved since.
            return Outdated(Why.MOVED, training)
        return None
    if shown_version is not None and await moved_since(db, training, shown_version):
        return Outdated(Why.MOVED, training)
    if training.ends_at <= now:
        return Outdated(Why.ENDED, training)
    if use == TrainingUse.MOVE and training.starts_at <= now:
        return Outdated(Why.STARTED, training)
    return None


async def moved_since(db: AsyncSession, training: TrainingSession, version: int | None) -> bool:
    """Whether the session was rescheduled after the view of ``version`` was shown (None:
    ever)."""
    if version is not None and training.version <= version:
        return False
    statement = select(AuditEntry.details).where(
        AuditEntry.action == RESCHEDULED,
        AuditEntry.subject_type == "session",
        AuditEntry.subject_id == training.id,
        col(AuditEntry.at) >= training.created_at,
    )
    for details in (await db.exec(statement)).all():
        if version is None:
            return True
        moved_to = json.loads(details).get("version")
        if isinstance(moved_to, int) and moved_to > version:
            return True
    return False
