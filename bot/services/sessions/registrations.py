"""The learner's side of a session: registering through the invite link, apologising,
and their own list of sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    ATTENDED,
    Attendance,
    Learner,
    Registration,
    RegistrationStatus,
    TrainingSession,
)
from bot.services.learners import records_allowed
from bot.services.sessions.schedule import (
    LONGEST_SESSION,
    clean_invite_code,
    counts,
    get_session,
    has_ended,
    has_started,
)


class RegistrationOutcome(StrEnum):
    """What opening an invite link (or sending an apology) came to."""

    REGISTERED = "registered"
    ALREADY_REGISTERED = "already-registered"
    FULL = "full"
    CANCELLED = "cancelled"
    STARTED = "started"
    """Already under way."""
    ENDED = "ended"
    ATTENDED = "attended"
    """The person was there (present or late): an apology comes too late."""
    OPEN = "open"
    """Not registered yet, and there is a place: the invitation offers "Register"."""
    UNKNOWN = "unknown"
    APOLOGISED = "apologised"
    ALREADY_APOLOGISED = "already-apologised"
    NOT_REGISTERED = "not-registered"
    NEEDS_CONSENT = "needs-consent"
    """Registration and attendance are records: only with the learner's consent."""


@dataclass(frozen=True)
class RegisterResult:
    outcome: RegistrationOutcome
    training: TrainingSession | None = None


async def registration_of(
    db: AsyncSession, session_id: int, learner_id: int
) -> Registration | None:
    result = await db.exec(
        select(Registration).where(
            Registration.session_id == session_id, Registration.learner_id == learner_id
        )
    )
    return result.first()


async def attended(db: AsyncSession, session_id: int, learner_id: int) -> bool:
    """Whether the person was at the session (present or late)."""
    result = await db.exec(
        select(Attendance.status).where(
            Attendance.session_id == session_id, Attendance.learner_id == learner_id
        )
    )
    status = result.first()
    return status is not None and status in ATTENDED


def _closed(training: TrainingSession, now: datetime) -> RegistrationOutcome | None:
    """Why nothing about the session can be changed any more: cancelled, over or under way."""
    if training.cancelled_at is not None:
        return RegistrationOutcome.CANCELLED
    if has_ended(training, now):
        return RegistrationOutcome.ENDED
    if has_started(training, now):
        return RegistrationOutcome.STARTED
    return None


async def standing(
    db: AsyncSession, learner: Learner, training: TrainingSession, now: datetime
) -> RegistrationOutcome:
    """Where the person stands with a session whose invitation they opened, without changing
    anything: ``attended``, ``cancelled``, ``ended``, ``started``, ``already-registered``,
    ``full``, or ``open`` (an apology can be taken back by registering again)."""
    assert training.id is not None
    if learner.id is not None and await attended(db, training.id, learner.id):
        return RegistrationOutcome.ATTENDED
    closed = _closed(training, now)
    if closed is not None:
        return closed
    existing = await registration_of(db, training.id, learner.id) if learner.id else None
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        return RegistrationOutcome.ALREADY_REGISTERED
    if (await counts(db, training.id)).registered >= training.capacity:
        return RegistrationOutcome.FULL
    return RegistrationOutcome.OPEN


async def register(db: AsyncSession, learner: Learner, code: str, now: datetime) -> RegisterResult:
    """Registers the learner for the session with this invite code.

    A double tap makes no second row (unique constraint, also under a race); a
    learner who apologised and opens the link again is registered again.
    """
    assert learner.id is not None
    if not re.fullmatch(r"[A-Za-z0-9]{1,16}", code.strip()):
        return RegisterResult(RegistrationOutcome.UNKNOWN)
    # Locking the session row serialises registrations for it, so that two people
    # cannot both take the last place (PostgreSQL; SQLite writes one at a time anyway).
    result = await db.exec(
        select(TrainingSession)
        .where(TrainingSession.code == clean_invite_code(code))
        .with_for_update()
    )
    training = result.first()
    if training is None:
        return RegisterResult(RegistrationOutcome.UNKNOWN)
    assert training.id is not None
    closed = _closed(training, now)
    if closed is not None:
        # Also for someone registered: the truth is that the session is past registering.
        return RegisterResult(closed, training)
    existing = await registration_of(db, training.id, learner.id)
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        return RegisterResult(RegistrationOutcome.ALREADY_REGISTERED, training)
    if (await counts(db, training.id)).registered >= training.capacity:
        return RegisterResult(RegistrationOutcome.FULL, training)
    if not records_allowed(learner):
        return RegisterResult(RegistrationOutcome.NEEDS_CONSENT, training)
    if existing is not None:
        existing.status = RegistrationStatus.REGISTERED
        existing.registered_at = now
        existing.apologised_at = None
        db.add(existing)
        await db.flush()
        return RegisterResult(RegistrationOutcome.REGISTERED, training)
    try:
        async with db.begin_nested():
            db.add(
                Registration(
                    session_id=training.id,
                    learner_id=learner.id,
                    status=RegistrationStatus.REGISTERED,
                    registered_at=now,
                )
            )
            await db.flush()
    except IntegrityError:
        # The same learner, registered by a second tap at the same moment.
        return RegisterResult(RegistrationOutcome.ALREADY_REGISTERED, training)
    return RegisterResult(RegistrationOutcome.REGISTERED, training)


async def apologise(
    db: AsyncSession, learner: Learner, session_id: int, now: datetime
) -> RegisterResult:
    """An apology ("I can't come"): allowed before the start, for one's own registration.

    Checked in the order a person would want to hear it: that they were there, that the
    session was cancelled, is over or under way, and only then how they are registered."""
    training = await get_session(db, session_id)
    if training is None or learner.id is None:
        return RegisterResult(RegistrationOutcome.UNKNOWN)
    refusal = await apology_refusal(db, learner, training, now)
    if refusal is not None:
        return RegisterResult(refusal, training)
    registration = await registration_of(db, session_id, learner.id)
    assert registration is not None
    registration.status = RegistrationStatus.APOLOGISED
    registration.apologised_at = now
    db.add(registration)
    await db.flush()
    return RegisterResult(RegistrationOutcome.APOLOGISED, training)


async def apology_refusal(
    db: AsyncSession, learner: Learner, training: TrainingSession, now: datetime
) -> RegistrationOutcome | None:
    """Why the person cannot say "I can't come" (None: they can): ``attended``,
    ``cancelled``, ``ended``, ``started``, ``not-registered`` or ``already-apologised``."""
    assert training.id is not None
    if learner.id is None:
        return RegistrationOutcome.NOT_REGISTERED
    if await attended(db, training.id, learner.id):
        return RegistrationOutcome.ATTENDED
    closed = _closed(training, now)
    if closed is not None:
        return closed
    registration = await registration_of(db, training.id, learner.id)
    if registration is None:
        return RegistrationOutcome.NOT_REGISTERED
    if registration.status == RegistrationStatus.APOLOGISED:
        return RegistrationOutcome.ALREADY_APOLOGISED
    return None


async def my_sessions(
    db: AsyncSession, learner: Learner, now: datetime
) -> list[tuple[TrainingSession, Registration]]:
    """The learner's sessions that are not over and not cancelled, soonest first."""
    if learner.id is None:
        return []
    result = await db.exec(
        select(TrainingSession, Registration)
        .join(Registration, col(Registration.session_id) == col(TrainingSession.id))
        .where(
            Registration.learner_id == learner.id,
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) > now - LONGEST_SESSION,
        )
        .order_by(col(TrainingSession.starts_at))
    )
    return [(s, r) for s, r in result.all() if not has_ended(s, now)]
