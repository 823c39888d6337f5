"""Scheduling a session, editing and cancelling it, and the lists (who may see and manage a
session is :mod:`~bot.services.sessions.access`).

Every change of a session raises its ``version``, and an edit is only applied when the
version the editor saw is still the current one (compare-and-set in one UPDATE), so two
trainers editing one session cannot overwrite each other unnoticed.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, Registration, RegistrationStatus, TrainingSession
from bot.services import audit, programmes
from bot.services.sessions.access import managed, reach
from bot.services.sessions.errors import Reason, SessionError
from bot.services.sessions.values import (
    MAX_DURATION,
    SessionValues,
    check_start,
    check_values,
    parse_place,
)

LONGEST_SESSION = timedelta(minutes=MAX_DURATION)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code read aloud or typed from a projector is not misread."""
CODE_LENGTH = 8


@dataclass(frozen=True)
class RegistrationCounts:
    registered: int
    apologised: int


@dataclass(frozen=True)
class Change:
    """A successful edit: the session as it is now and the start it had before."""

    training: TrainingSession
    previous_start: datetime


# -- the session -----------------------------------------------------------------------------


async def get_session(db: AsyncSession, session_id: int) -> TrainingSession | None:
    return await db.get(TrainingSession, session_id)


def has_started(training: TrainingSession, now: datetime) -> bool:
    return training.starts_at <= now


def has_ended(training: TrainingSession, now: datetime) -> bool:
    return training.ends_at <= now


# -- scheduling -----------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_invite_code(code: str) -> str:
    """An invite code as stored (upper case), from what was typed or linked."""
    return code.strip().upper()


async def find_by_code(db: AsyncSession, code: str) -> TrainingSession | None:
    result = await db.exec(
        select(TrainingSession).where(TrainingSession.code == clean_invite_code(code))
    )
    return result.first()


async def create_session(
    db: AsyncSession,
    trainer: Learner,
    values: SessionValues,
    now: datetime,
    known_modules: Collection[str] | None = None,
    programme_id: int | None = None,
) -> TrainingSession:
    """Schedules a session (the trainer's role, and their choice of programme, are checked
    by the caller); in the default programme unless ``programme_id`` says otherwise."""
    assert trainer.id is not None
    values = check_values(values, now, known_modules)
    if programme_id is None:
        programme_id = (await programmes.default_programme(db, now)).id
    for _attempt in range(5):
        code = new_code()
        if await find_by_code(db, code) is not None:
            continue
        training = TrainingSession(
            code=code,
            trainer_id=trainer.id,
            title=values.title,
            module_id=values.module_id,
            starts_at=values.starts_at,
            duration_minutes=values.duration_minutes,
            venue=values.venue,
            online_url=values.online_url,
            country=values.country,
            language=values.language,
            capacity=values.capacity,
            programme_id=programme_id,
            created_at=now,
            updated_at=now,
            checkin_secret=secrets.token_hex(32),
        )
        try:
            async with db.begin_nested():
                db.add(training)
                await db.flush()
        except IntegrityError:
            continue  # the same code, taken at this very moment
        assert training.id is not None
        await audit.record(
            db,
            actor_id=trainer.id,
            action="session.create",
            subject_type="session",
            subject_id=training.id,
            details={
                "starts_at": values.starts_at.isoformat(),
                "code": code,
                "programme_id": programme_id,
            },
            now=now,
        )
        return training
    raise RuntimeError("no free session code found")  # 31**8 codes: practically impossible


# -- editing --------------------------------------------------------------------------------


def check_editable(
    training: TrainingSession, expected_version: int, now: datetime, *, moving: bool = False
) -> None:
    """Raises what stops an edit of the session as the editor saw it (``expected_version``):
    ``changed``, ``cancelled``, ``ended``, or (``moving`` it) ``started``."""
    if training.version != expected_version:
        raise SessionError(Reason.CHANGED)
    if training.cancelled_at is not None:
        raise SessionError(Reason.CANCELLED)
    if has_ended(training, now):
        raise SessionError(Reason.ENDED)
    if moving and has_started(training, now):
        raise SessionError(Reason.STARTED)


async def _editable(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    now: datetime,
    admin_ids: Iterable[int],
    *,
    moving: bool = False,
) -> TrainingSession:
    training = await managed(db, actor, session_id, admin_ids=admin_ids)
    check_editable(training, expected_version, now, moving=moving)
    return training


async def _apply(
    db: AsyncSession,
    training: TrainingSession,
    expected_version: int,
    now: datetime,
    **changes: Any,
) -> None:
    """Compare-and-set: changes only the version the editor saw, else ``Reason.CHANGED``."""
    table = TrainingSession.__table__  # type: ignore[attr-defined]
    statement = (
        sa.update(table)
        .where(table.c.id == training.id, table.c.version == expected_version)
        .values(version=table.c.version + 1, updated_at=now, **changes)
    )
    result = await db.exec(statement)
    if result.rowcount != 1:
        raise SessionError(Reason.CHANGED)
    await db.refresh(training)


async def reschedule(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    new_start: datetime,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """Moves a session that has not started yet; the caller tells those registered."""
    training = await _editable(db, actor, session_id, expected_version, now, admin_ids, moving=True)
    check_start(new_start, now)
    previous = training.starts_at
    if new_start == previous:
        raise SessionError(Reason.SAME_TIME)
    await _apply(db, training, expected_version, now, starts_at=new_start)
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.reschedule",
        subject_type="session",
        subject_id=session_id,
        # The version after the move: a button shown before it can say "moved" (session_state).
        details={
            "old": previous.isoformat(),
            "new": new_start.isoformat(),
            "version": expected_version + 1,
        },
        now=now,
    )
    return Change(training, previous)


async def change_venue(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    place: str,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """A new venue or online link (typed as for a new session)."""
    venue, url = parse_place(place)
    training = await _editable(db, actor, session_id, expected_version, now, admin_ids)
    old = training.venue or training.online_url
    await _apply(db, training, expected_version, now, venue=venue, online_url=url)
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.venue",
        subject_type="session",
        subject_id=session_id,
        details={"old": old, "new": venue or url},
        now=now,
    )
    return Change(training, training.starts_at)


async def cancel(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """Cancels a session that has not ended; the caller tells those registered."""
    training = await _editable(db, actor, session_id, expected_version, now, admin_ids)
    await _apply(db, training, expected_version, now, cancelled_at=now)
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.cancel",
        subject_type="session",
        subject_id=session_id,
        details={"starts_at": training.starts_at.isoformat()},
        now=now,
    )
    return Change(training, training.starts_at)


async def registered_learners(db: AsyncSession, session_id: int) -> list[Learner]:
    """Everyone registered (not apologised) for the session, in registration order."""
    result = await db.exec(
        select(Learner)
        .join(Registration, col(Registration.learner_id) == col(Learner.id))
        .where(
            Registration.session_id == session_id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
        .order_by(col(Registration.registered_at), col(Registration.id))
    )
    return list(result.all())


async def keep_change(db: AsyncSession, change: Change) -> list[Learner]:
    """Commits the change and returns everyone registered, who is to be told of it.

    The change is kept before anyone hears of it, so nobody is told of a change that is then
    lost. If the bot dies after this, the notices may be lost but are never sent twice: the
    update, handled again, finds the session's version raised and changes nothing.
    """
    assert change.training.id is not None
    people = await registered_learners(db, change.training.id)
    await db.commit()
    return people


# -- lists ----------------------------------------------------------------------------------


async def list_sessions(
    db: AsyncSession,
    actor: Learner,
    now: datetime,
    *,
    past: bool = False,
    limit: int = 20,
    admin_ids: Iterable[int] = (),
) -> list[TrainingSession]:
    """Upcoming (not ended; soonest first) or past (ended; latest first) sessions the actor
    sees (:func:`~bot.services.sessions.access.reach`): runs, or oversees."""
    reached = await reach(db, actor, admin_ids)
    query = select(TrainingSession).where(sa.or_(reached.manage, reached.see))
    if past:
        query = query.where(col(TrainingSession.starts_at) < now).order_by(
            col(TrainingSession.starts_at).desc()
        )
    else:
        query = query.where(col(TrainingSession.starts_at) > now - LONGEST_SESSION).order_by(
            col(TrainingSession.starts_at)
        )
    found: list[TrainingSession] = []
    for training in (await db.exec(query)).all():
        if has_ended(training, now) == past:
            found.append(training)
            if len(found) >= limit:
                break
    return found


async def counts(db: AsyncSession, session_id: int) -> RegistrationCounts:
    result = await db.exec(
        select(Registration.status, func.count())
        .where(Registration.session_id == session_id)
        .group_by(col(Registration.status))
    )
    by_status = dict(result.all())
    return RegistrationCounts(
        by_status.get(RegistrationStatus.REGISTERED, 0),
        by_status.get(RegistrationStatus.APOLOGISED, 0),
    )
