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

from bot.models import Learner, Registration, RegistrationStatus, TrainingSession
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
    """Already under way or over."""
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
    existing = await registration_of(db, training.id, learner.id)
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        return RegisterResult(RegistrationOutcome.ALREADY_REGISTERED, training)
    if training.cancelled_at is not None:
        return RegisterResult(RegistrationOutcome.CANCELLED, training)
    if has_started(training, now):
        return RegisterResult(RegistrationOutcome.STARTED, training)
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
    """An apology ("I can't come"): allowed before the start, for one's own registration."""
    training = await get_session(db, session_id)
    if training is None or learner.id is None:
        return RegisterResult(RegistrationOutcome.UNKNOWN)
    registration = await registration_of(db, session_id, learner.id)
    if registration is None:
        return RegisterResult(RegistrationOutcome.NOT_REGISTERED, training)
    if registration.status == RegistrationStatus.APOLOGISED:
        return RegisterResult(RegistrationOutcome.ALREADY_APOLOGISED, training)
    if training.cancelled_at is not None:
        return RegisterResult(RegistrationOutcome.CANCELLED, training)
    if has_started(training, now):
        return RegisterResult(RegistrationOutcome.STARTED, training)
    registration.status = RegistrationStatus.APOLOGISED
    registration.apologised_at = now
    db.add(registration)
    await db.flush()
    return RegisterResult(RegistrationOutcome.APOLOGISED, training)


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
