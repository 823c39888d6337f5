"""The attendance rows: one per person and session, every change audited.

Every change of an attendance status is audited (``attendance.mark``, with the old and the
new status), whoever made it: the learner with a code, the trainer on the roster, or the
trainer adding a walk-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    AttendanceStatus,
    Learner,
    Registration,
    RegistrationStatus,
    TrainingSession,
)
from bot.services import audit, sessions
from bot.services.attendance.errors import AttendanceError, Reason
from bot.services.attendance.window import window
from bot.services.sessions import SessionError, registration_of

METHOD_CODE = "code"
METHOD_QR = "qr"
METHOD_TRAINER = "trainer"
METHOD_WALK_IN = "walk_in"

AUDIT_ACTION = "attendance.mark"


@dataclass(frozen=True)
class MarkResult:
    attendance: Attendance
    old: str | None
    new: str
    changed: bool


async def training_of(db: AsyncSession, session_id: int) -> TrainingSession:
    """The session, or ``not-found``."""
    training = await db.get(TrainingSession, session_id)
    if training is None:
        raise AttendanceError(Reason.NOT_FOUND)
    return training


async def managed_training(
    db: AsyncSession, actor: Learner, session_id: int, admin_ids: Iterable[int]
) -> TrainingSession:
    """The session, if ``actor`` manages it (the one rule, ``sessions.access``); else
    ``not-found`` or ``not-allowed``. Every change a person makes to attendance asks it."""
    try:
        return await sessions.managed(db, actor, session_id, admin_ids=admin_ids)
    except SessionError as error:
        raise AttendanceError(Reason(error.reason.value)) from None


async def attendance_of(db: AsyncSession, session_id: int, learner_id: int) -> Attendance | None:
    result = await db.exec(
        select(Attendance).where(
            Attendance.session_id == session_id, Attendance.learner_id == learner_id
        )
    )
    return result.first()


async def ensure_registered(
    db: AsyncSession, session_id: int, learner_id: int, now: datetime, *, walk_in: bool = False
) -> None:
    """Registers someone who is in the room (``walk_in``: marked as registered on the spot);
    an apology is withdrawn: they came after all."""
    registration = await registration_of(db, session_id, learner_id)
    if registration is None:
        db.add(
            Registration(
                session_id=session_id,
                learner_id=learner_id,
                status=RegistrationStatus.REGISTERED,
                registered_at=now,
                walk_in=walk_in,
            )
        )
    elif registration.status != RegistrationStatus.REGISTERED:
        registration.status = RegistrationStatus.REGISTERED
        registration.apologised_at = None
        db.add(registration)
    await db.flush()


async def set_status(
    db: AsyncSession,
    *,
    actor_id: int | None,
    session_id: int,
    learner_id: int,
    status: AttendanceStatus,
    method: str,
    now: datetime,
) -> MarkResult:
    """Creates or updates the one attendance row of (session, learner), and audits a change."""
    row = await attendance_of(db, session_id, learner_id)
    old = row.status if row is not None else None
    if row is not None and old == status:
        return MarkResult(row, old, status, changed=False)
    if row is None:
        row = Attendance(session_id=session_id, learner_id=learner_id, status=status, method=method)
    row.status = status
    row.method = method
    row.marked_by = actor_id
    row.marked_at = now
    db.add(row)
    await db.flush()
    assert row.id is not None
    await audit.record(
        db,
        actor_id=actor_id,
        action=AUDIT_ACTION,
        subject_type="attendance",
        subject_id=row.id,
        details={
            "session_id": session_id,
            "learner_id": learner_id,
            "old": old,
            "new": status,
            "method": method,
        },
        now=now,
    )
    return MarkResult(row, old, status, changed=True)


async def on_roster(db: AsyncSession, session_id: int, learner_id: int) -> bool:
    return (
        await registration_of(db, session_id, learner_id) is not None
        or await attendance_of(db, session_id, learner_id) is not None
    )


async def mark(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    learner_id: int,
    status: str,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> MarkResult:
    """Sets a roster person's status. Raises ``unknown-status``, ``not-found``,
    ``not-allowed`` (``actor`` does not manage the session), ``cancelled``, ``not-on-roster``
    or ``too-early`` (present, late or absent before the check-in window; excused is fine at
    any time)."""
    try:
        known = AttendanceStatus(status)
    except ValueError:
        raise AttendanceError(Reason.UNKNOWN_STATUS, status) from None
    training = await managed_training(db, actor, session_id, admin_ids)
    if training.cancelled_at is not None:
        raise AttendanceError(Reason.CANCELLED)
    if known != AttendanceStatus.EXCUSED and now < window(training)[0]:
        raise AttendanceError(Reason.TOO_EARLY)
    if not await on_roster(db, session_id, learner_id):
        raise AttendanceError(Reason.NOT_ON_ROSTER)
    return await set_status(
        db,
        actor_id=actor.id,
        session_id=session_id,
        learner_id=learner_id,
        status=known,
        method=METHOD_TRAINER,
        now=now,
    )


async def unmarked(db: AsyncSession, session_id: int) -> list[int]:
    """The people registered (not apologised) who have no attendance status yet, by id."""
    result = await db.exec(
        select(Registration.learner_id)
        .outerjoin(
            Attendance,
            (Attendance.session_id == Registration.session_id)  # type: ignore[arg-type]
            & (Attendance.learner_id == Registration.learner_id),
        )
        .where(
            Registration.session_id == session_id,
            Registration.status == RegistrationStatus.REGISTERED,
            Attendance.id == None,  # noqa: E711
        )
        .order_by(Registration.learner_id)  # type: ignore[arg-type]
    )
    return list(result.all())


async def mark_rest_absent(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> int:
    """Marks everyone registered and not yet marked absent; how many. Idempotent: a second
    call finds nobody left. Raises ``not-found``, ``not-allowed``, ``cancelled`` or
    ``not-started`` (nobody is absent from a session that has not begun)."""
    training = await managed_training(db, actor, session_id, admin_ids)
    if training.cancelled_at is not None:
        raise AttendanceError(Reason.CANCELLED)
    if now < training.starts_at:
        raise AttendanceError(Reason.NOT_STARTED)
    rest = await unmarked(db, session_id)
    for learner_id in rest:
        await set_status(
            db,
            actor_id=actor.id,
            session_id=session_id,
            learner_id=learner_id,
            status=AttendanceStatus.ABSENT,
            method=METHOD_TRAINER,
            now=now,
        )
    return len(rest)
