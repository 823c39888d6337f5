"""A session's roster: everyone registered or marked, with what a trainer may see of them,
and its totals. The session view and the attendance screens show the same roster.

The roster is always read through a :class:`~bot.services.sessions.SessionAccess` (the one
rule of :mod:`bot.services.sessions.access`): whoever manages the session sees everyone; a
coordinator who only sees it (limited to organisations) sees only their organisations'
people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    AttendanceStatus,
    Consent,
    Learner,
    Registration,
    RegistrationStatus,
)
from bot.services.learners import UNDISCLOSED, shown_name
from bot.services.sessions import SessionAccess


@dataclass(frozen=True)
class RosterEntry:
    """One person on a session's roster, with what the trainer may see of them."""

    learner_id: int
    name: str | None
    """The name the person agreed to show (:func:`bot.services.learners.shown_name`), else
    None ("Participant #N")."""
    organisation: str | None
    country: str | None
    registration: str | None
    """registered | apologised | None (only an attendance row)"""
    status: str | None
    """The attendance status (:class:`~bot.models.AttendanceStatus`), None if not marked."""
    method: str | None
    walk_in: bool


@dataclass(frozen=True)
class AttendanceCounts:
    registered: int
    present: int
    late: int
    excused: int
    absent: int

    @property
    def attended(self) -> int:
        return self.present + self.late


def _shown(value: str | None, learner: Learner) -> str | None:
    if learner.consent != Consent.GIVEN or learner.erased_at is not None:
        return None
    return value if value and value != UNDISCLOSED else None


async def roster(db: AsyncSession, access: SessionAccess) -> list[RosterEntry]:
    """Everyone ``access`` shows of those registered (apologised included) or with an
    attendance row, in the order they came in (registration order; walk-ins last, as they
    were added)."""
    session_id = access.training.id
    assert session_id is not None
    registrations = (
        await db.exec(
            select(Registration)
            .where(Registration.session_id == session_id)
            .order_by(col(Registration.registered_at), col(Registration.id))
        )
    ).all()
    rows = {
        row.learner_id: row
        for row in (
            await db.exec(select(Attendance).where(Attendance.session_id == session_id))
        ).all()
    }
    order: list[int] = [r.learner_id for r in registrations]
    order += sorted(set(rows) - set(order))
    by_registration = {r.learner_id: r for r in registrations}
    people: dict[int | None, Learner] = {}
    if order:
        found = await db.exec(select(Learner).where(col(Learner.id).in_(order)))
        people = {learner.id: learner for learner in found.all()}
    entries: list[RosterEntry] = []
    for learner_id in order:
        learner = people.get(learner_id)
        if learner is None or not access.shows(learner):
            continue
        registration = by_registration.get(learner_id)
        row = rows.get(learner_id)
        entries.append(
            RosterEntry(
                learner_id=learner_id,
                name=shown_name(learner),
                organisation=_shown(learner.organisation, learner),
                country=_shown(learner.country, learner),
                registration=registration.status if registration is not None else None,
                status=row.status if row is not None else None,
                method=row.method if row is not None else None,
                walk_in=learner.source == "walk_in"
                or (registration is not None and registration.walk_in),
            )
        )
    return entries


async def roster_entry(
    db: AsyncSession, access: SessionAccess, learner_id: int
) -> RosterEntry | None:
    return next((e for e in await roster(db, access) if e.learner_id == learner_id), None)


async def counts(db: AsyncSession, session_id: int) -> AttendanceCounts:
    registered = (
        await db.exec(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.session_id == session_id,
                Registration.status == RegistrationStatus.REGISTERED,
            )
        )
    ).one()
    by_status = dict(
        (
            await db.exec(
                select(Attendance.status, func.count())
                .where(Attendance.session_id == session_id)
                .group_by(Attendance.status)
            )
        ).all()
    )
    return AttendanceCounts(
        registered=registered,
        present=by_status.get(AttendanceStatus.PRESENT, 0),
        late=by_status.get(AttendanceStatus.LATE, 0),
        excused=by_status.get(AttendanceStatus.EXCUSED, 0),
        absent=by_status.get(AttendanceStatus.ABSENT, 0),
    )
