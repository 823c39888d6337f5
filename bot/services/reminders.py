"""Reminders before a session: which are due now, read from the database every time.

Nothing is scheduled in memory. Every tick asks :func:`due_reminders` what is
due at ``now``; a reminder is due once ``now`` has reached ``starts_at - offset``
while the session has not begun, and stays due until a :class:`Delivery` row
for (session, learner, ``reminder-<offset>``, ``starts_at``) exists. So:

- one that fell due while the bot was down goes out on the next tick, if the
  session has not begun; once it has begun, none is sent;
- when several fell due at once (the bot was down for a day), only the nearest
  one (the smallest offset) is sent; the others are recorded as "skipped" so
  they never go out later;
- a rescheduled session has a new ``starts_at``, hence new keys: its reminders
  come again for the new start;
- cancelled sessions, apologised, erased, unreachable learners and learners
  without Telegram get none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Delivery, Learner, Registration, RegistrationStatus, TrainingSession

KIND_PREFIX = "reminder-"
SKIPPED = "skipped"


class DueReminder(NamedTuple):
    training: TrainingSession
    learner: Learner
    kind: str
    """``reminder-<minutes before the start>``"""
    session_start: datetime
    """The start the reminder is about (the session's ``starts_at`` now)."""


def reminder_kind(offset_minutes: int) -> str:
    return f"{KIND_PREFIX}{offset_minutes}"


def offset_of(kind: str) -> int | None:
    """The minutes before the start of a ``reminder-<minutes>`` kind; None for other kinds."""
    if not kind.startswith(KIND_PREFIX):
        return None
    number = kind.removeprefix(KIND_PREFIX)
    return int(number) if number.isdigit() else None


def _offsets(offsets_minutes: tuple[int, ...] | list[int]) -> list[int]:
    return sorted({offset for offset in offsets_minutes if offset > 0})


async def due_reminders(
    db: AsyncSession, now: datetime, offsets_minutes: tuple[int, ...] | list[int]
) -> list[DueReminder]:
    """The reminders to send at ``now``, nearest session first.

    Reminders overtaken by a nearer one are written as "skipped" deliveries in
    ``db`` (committed with it) and not returned.
    """
    offsets = _offsets(offsets_minutes)
    if not offsets:
        return []
    horizon = now + timedelta(minutes=offsets[-1])
    rows = await db.exec(
        select(TrainingSession, Learner)
        .join(Registration, col(Registration.session_id) == col(TrainingSession.id))
        .join(Learner, col(Learner.id) == col(Registration.learner_id))
        .where(
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) > now,
            col(TrainingSession.starts_at) <= horizon,
            col(Registration.status) == RegistrationStatus.REGISTERED,
            col(Learner.telegram_id).is_not(None),
            col(Learner.reachable).is_(True),
            col(Learner.erased_at).is_(None),
        )
        .order_by(col(TrainingSession.starts_at), col(TrainingSession.id), col(Learner.id))
    )
    pairs = list(rows.all())
    if not pairs:
        return []
    session_ids = {training.id for training, _ in pairs}
    delivered = await db.exec(
        select(Delivery.session_id, Delivery.learner_id, Delivery.kind, Delivery.session_start)
        .where(col(Delivery.session_id).in_(session_ids))
        .where(col(Delivery.kind).startswith(KIND_PREFIX))
    )
    existing = {tuple(row) for row in delivered.all()}

    due: list[DueReminder] = []
    skipped: list[tuple[int, int, str, datetime]] = []
    for training, learner in pairs:
        assert training.id is not None and learner.id is not None
        start = training.starts_at
        reached = [offset for offset in offsets if now >= start - timedelta(minutes=offset)]
        if not reached:
            continue
        nearest = reached[0]
        for offset in reached:
            key = (training.id, learner.id, reminder_kind(offset), start)
            if key in existing:
                continue
            if offset == nearest:
                due.append(DueReminder(training, learner, reminder_kind(offset), start))
            else:
                skipped.append(key)
    if skipped:
        await _record_skipped(db, skipped, now)
    return due


async def _record_skipped(
    db: AsyncSession, keys: list[tuple[int, int, str, datetime]], now: datetime
) -> None:
    """Writes "skipped" deliveries; a row another process wrote meanwhile is left alone."""
    values = [
        {
            "session_id": session_id,
            "learner_id": learner_id,
            "kind": kind,
            "session_start": start,
            "status": SKIPPED,
            "created_at": now,
        }
        for session_id, learner_id, kind, start in keys
    ]
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Delivery).values(values).on_conflict_do_nothing()
    await db.exec(statement)


# -- the trainer's own reminder ------------------------------------------------------------------

TRAINER_KIND_PREFIX = "trainer-"


class TrainerReminder(NamedTuple):
    training: TrainingSession
    trainer: Learner
    kind: str
    """``trainer-<minutes before the start>``: its own delivery rows, apart from learners'."""
    session_start: datetime
    registered: int
    """Registered (not apologised), walk-ins apart."""
    walk_ins: int
    """Walk-ins on the roster so far: added by the trainer, or registered at check-in."""


async def due_trainer_reminders(
    db: AsyncSession, now: datetime, offsets_minutes: tuple[int, ...] | list[int]
) -> list[TrainerReminder]:
    """The trainers' reminders to send at ``now`` (one per session and start: the nearest
    offset reached; the farther ones, overtaken, are recorded as skipped), with the roster
    count. Cancelled sessions, erased or unreachable trainers get none."""
    offsets = _offsets(offsets_minutes)
    if not offsets:
        return []
    horizon = now + timedelta(minutes=offsets[-1])
    rows = await db.exec(
        select(TrainingSession, Learner)
        .join(Learner, col(Learner.id) == col(TrainingSession.trainer_id))
        .where(
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) > now,
            col(TrainingSession.starts_at) <= horizon,
            col(Learner.telegram_id).is_not(None),
            col(Learner.reachable).is_(True),
            col(Learner.erased_at).is_(None),
        )
        .order_by(col(TrainingSession.starts_at), col(TrainingSession.id))
    )
    pairs = list(rows.all())
    if not pairs:
        return []
    delivered = await db.exec(
        select(Delivery.session_id, Delivery.learner_id, Delivery.kind, Delivery.session_start)
        .where(col(Delivery.session_id).in_({training.id for training, _ in pairs}))
        .where(col(Delivery.kind).startswith(TRAINER_KIND_PREFIX))
    )
    existing = {tuple(row) for row in delivered.all()}
    due: list[TrainerReminder] = []
    skipped: list[tuple[int, int, str, datetime]] = []
    for training, trainer in pairs:
        assert training.id is not None and trainer.id is not None
        start = training.starts_at
        reached = [offset for offset in offsets if now >= start - timedelta(minutes=offset)]
        keys = [(training.id, trainer.id, f"{TRAINER_KIND_PREFIX}{o}", start) for o in reached]
        fresh = [key for key in keys if key not in existing]
        if not fresh:
            continue
        if fresh[0] == keys[0]:
            registered, walk_ins = await _roster_count(db, training.id)
            due.append(TrainerReminder(training, trainer, keys[0][2], start, registered, walk_ins))
        skipped += [key for key in fresh if key != keys[0]]
    if skipped:
        await _record_skipped(db, skipped, now)
    return due


async def _roster_count(db: AsyncSession, session_id: int) -> tuple[int, int]:
    """(registered, walk-ins) of a session's roster, apologies left out."""
    rows = await db.exec(
        select(Learner.source, Registration.walk_in)
        .select_from(Registration)
        .join(Learner, col(Learner.id) == col(Registration.learner_id))
        .where(
            Registration.session_id == session_id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    )
    kinds = [source == "walk_in" or walk_in for source, walk_in in rows.all()]
    return kinds.count(False), kinds.count(True)
