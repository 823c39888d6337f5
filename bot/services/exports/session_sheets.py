"""The Attendance and Sessions sheets: the sessions of a request, a batch at a time, with
their rosters or their counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    ATTENDED,
    Attendance,
    Feedback,
    Learner,
    Registration,
    RegistrationStatus,
    TrainingSession,
)
from bot.services.exports.conditions import person_conditions, session_conditions
from bot.services.exports.request import ExportRequest
from bot.services.exports.rows import (
    AttendanceRow,
    SessionInfo,
    SessionRow,
    named,
    personal,
    shown_name_column,
)
from bot.services.indicators import Disclosure
from bot.services.scope import select_columns

SESSION_BATCH = 50
"""Sessions read at a time; their rows (at most 50 x capacity) are the largest chunk."""


async def _session_batches(
    db: AsyncSession, request: ExportRequest, *, cancelled: bool
) -> AsyncIterator[list[SessionInfo]]:
    """The sessions of the request by start (then id), a batch at a time (keyset)."""
    trainer = aliased(Learner)
    after: tuple[datetime, int] | None = None
    while True:
        query = (
            select_columns(
                col(TrainingSession.id),
                col(TrainingSession.title),
                col(TrainingSession.starts_at),
                col(TrainingSession.duration_minutes),
                col(TrainingSession.country),
                col(TrainingSession.module_id),
                col(TrainingSession.language),
                col(TrainingSession.capacity),
                col(TrainingSession.cancelled_at),
                col(TrainingSession.trainer_id),
                col(trainer.pseudonym),
                shown_name_column(trainer),
            )
            .join(trainer, col(trainer.id) == col(TrainingSession.trainer_id))
            .where(*session_conditions(request, cancelled=cancelled))
            .order_by(col(TrainingSession.starts_at), col(TrainingSession.id))
            .limit(SESSION_BATCH)
        )
        if after is not None:
            query = query.where(
                sa.or_(
                    col(TrainingSession.starts_at) > after[0],
                    sa.and_(
                        col(TrainingSession.starts_at) == after[0],
                        col(TrainingSession.id) > after[1],
                    ),
                )
            )
        batch = [SessionInfo(*row) for row in (await db.exec(query)).all()]
        if not batch:
            return
        yield batch
        if len(batch) < SESSION_BATCH:
            return
        after = (batch[-1].starts_at, batch[-1].id)


def roster_union(session_ids: Any) -> Any:
    """(session, learner, registration status, attendance status) of the sessions: every
    registration with its mark, and marks without a registration."""
    registered = (
        select_columns(
            col(Registration.session_id).label("session_id"),
            col(Registration.learner_id).label("learner_id"),
            col(Registration.status).label("registration"),
            col(Attendance.status).label("attendance"),
        )
        .select_from(Registration)
        .outerjoin(
            Attendance,
            sa.and_(
                col(Attendance.session_id) == col(Registration.session_id),
                col(Attendance.learner_id) == col(Registration.learner_id),
            ),
        )
        .where(col(Registration.session_id).in_(session_ids))
    )
    unregistered = select_columns(
        col(Attendance.session_id),
        col(Attendance.learner_id),
        sa.null().label("registration"),
        col(Attendance.status),
    ).where(
        col(Attendance.session_id).in_(session_ids),
        ~select_columns(col(Registration.id))
        .where(
            col(Registration.session_id) == col(Attendance.session_id),
            col(Registration.learner_id) == col(Attendance.learner_id),
        )
        .exists(),
    )
    return sa.union_all(registered, unregistered).subquery("roster")


async def attendance_rows(
    db: AsyncSession, request: ExportRequest
) -> AsyncIterator[list[AttendanceRow]]:
    """The Attendance sheet, a chunk at a time: sessions by start, people by number."""
    async for sessions in _session_batches(db, request, cancelled=False):
        by_id = {info.id: info for info in sessions}
        roster = roster_union(list(by_id))
        query = (
            select_columns(
                roster.c.session_id,
                roster.c.learner_id,
                roster.c.registration,
                roster.c.attendance,
                col(Learner.pseudonym),
                col(Learner.display_name),
                col(Learner.consent),
                col(Learner.erased_at).is_not(None),
                col(Learner.name_consent),
                col(Learner.source),
                col(Learner.organisation),
                col(Learner.country),
                col(Learner.gender),
                col(Learner.age_band),
            )
            .join(Learner, col(Learner.id) == roster.c.learner_id)
            .where(*person_conditions(request))
            .order_by(roster.c.learner_id)
        )
        grouped: dict[int, list[AttendanceRow]] = defaultdict(list)
        for row in (await db.exec(query)).all():
            (
                session_id,
                learner_id,
                registration,
                mark,
                pseudonym,
                name,
                consent,
                erased,
                name_consent,
                source,
                org,
                country,
                gender,
                age,
            ) = row
            shown = personal(consent, erased)
            grouped[session_id].append(
                AttendanceRow(
                    training=by_id[session_id],
                    learner_id=learner_id,
                    person_id=pseudonym,
                    name=name if named(consent, erased, name_consent, source) else None,
                    organisation=org if shown else None,
                    country=country if shown else None,
                    gender=gender if shown else None,
                    age_band=age if shown else None,
                    status=mark or registration or RegistrationStatus.REGISTERED.value,
                    erased=bool(erased),
                )
            )
        chunk = [row for info in sessions for row in grouped.get(info.id, [])]
        if chunk:
            yield chunk


def _state(info: SessionInfo, held: bool, now: datetime) -> str:
    if info.cancelled_at is not None:
        return "cancelled"
    if info.starts_at > now:
        return "upcoming"
    return "held" if held else "not-held"


async def _held(db: AsyncSession, ids: list[int]) -> set[int]:
    """The sessions someone attended (present or late), whoever they were: whether a
    session was held is a fact about the session, and counting only an organisation's
    people would tell its coordinator that one of them came (a count of at least 1)."""
    rows = await db.exec(
        select_columns(col(Attendance.session_id))
        .where(col(Attendance.session_id).in_(ids), col(Attendance.status).in_(sorted(ATTENDED)))
        .distinct()
    )
    return set(rows.all())


async def session_rows(
    db: AsyncSession, request: ExportRequest, *, now: datetime
) -> AsyncIterator[list[SessionRow]]:
    """The Sessions sheet: every session of the period (cancelled ones too) with counts of
    the people within the scope and filters. With an organisation limit, only sessions
    that some of those people registered for or attended are listed."""
    people = person_conditions(request)
    async for sessions in _session_batches(db, request, cancelled=True):
        ids = [info.id for info in sessions]
        registrations = await db.exec(
            select_columns(col(Registration.session_id), col(Registration.status), sa.func.count())
            .join(Learner, col(Learner.id) == col(Registration.learner_id))
            .where(col(Registration.session_id).in_(ids), *people)
            .group_by(col(Registration.session_id), col(Registration.status))
        )
        by_status: dict[tuple[int, str], int] = {
            (session_id, status): count for session_id, status, count in registrations.all()
        }
        marks = await db.exec(
            select_columns(col(Attendance.session_id), col(Attendance.status), sa.func.count())
            .join(Learner, col(Learner.id) == col(Attendance.learner_id))
            .where(col(Attendance.session_id).in_(ids), *people)
            .group_by(col(Attendance.session_id), col(Attendance.status))
        )
        attended: dict[int, int] = defaultdict(int)
        marked: set[int] = set()
        for session_id, status, count in marks.all():
            marked.add(session_id)
            if status in ATTENDED:
                attended[session_id] += count
        ratings = await db.exec(
            select_columns(
                col(Feedback.session_id),
                sa.func.count(),
                sa.func.sum(col(Feedback.rating)),
            )
            .join(Learner, col(Learner.id) == col(Feedback.learner_id))
            .where(col(Feedback.session_id).in_(ids), *people)
            .group_by(col(Feedback.session_id))
        )
        feedback = {session_id: (count, total) for session_id, count, total in ratings.all()}
        held = await _held(db, ids)
        chunk: list[SessionRow] = []
        for info in sessions:
            registered = by_status.get((info.id, RegistrationStatus.REGISTERED), 0)
            apologised = by_status.get((info.id, RegistrationStatus.APOLOGISED), 0)
            if not request.session_filters_only() and not (
                registered or apologised or info.id in marked
            ):
                continue
            count, total = feedback.get(info.id, (0, 0))
            chunk.append(
                SessionRow(
                    training=info,
                    state=_state(info, info.id in held, now),
                    registered=registered,
                    apologised=apologised,
                    attended=attended[info.id],
                    ratings=count,
                    average_rating=float(total) / count if count else None,
                )
            )
        if chunk:
            yield chunk


COUNTED_STATES = frozenset({"held", "not-held"})
"""The sessions the indicators count (started, not cancelled): a table of their own, whose
columns add up to the Indicators sheet's attendances and ratings."""


def shown_sessions(rows: Sequence[SessionRow], disclosure: Disclosure) -> list[SessionRow]:
    """The Sessions sheet as ``disclosure`` lets it be seen. For a limited scope each count
    column is a table (``Disclosure.table``), in two parts: the sessions the indicators
    count, whose attended and ratings add up to the Indicators sheet's rounded totals, and
    the others (cancelled, upcoming); an average rating is shown by
    ``Disclosure.averages`` within its part."""
    if disclosure.exact:
        return list(rows)
    shown = list(rows)
    for counted in (True, False):
        indexes = [i for i, row in enumerate(rows) if (row.state in COUNTED_STATES) == counted]
        part = [rows[i] for i in indexes]
        registered = disclosure.table([row.registered for row in part])
        apologised = disclosure.table([row.apologised for row in part])
        attended = disclosure.table([row.attended for row in part])
        ratings = disclosure.table([row.ratings for row in part])
        averages = disclosure.averages([row.ratings for row in part])
        for place, index in enumerate(indexes):
            average = rows[index].average_rating
            shown[index] = replace(
                rows[index],
                registered=registered[place],
                apologised=apologised[place],
                attended=attended[place],
                ratings=ratings[place],
                average_rating=average if averages[place] else None,
                rounded=True,
                average_suppressed=average is not None and not averages[place],
            )
    return shown


async def shown_session_rows(
    db: AsyncSession, request: ExportRequest, *, now: datetime, disclosure: Disclosure
) -> AsyncIterator[list[SessionRow]]:
    """The Sessions sheet as ``disclosure`` lets it be seen. Rounding a column needs all of
    it, so for a limited scope the rows are read first (one small row per session, and a
    limited scope has few sessions), then given a chunk at a time."""
    if disclosure.exact:
        async for chunk in session_rows(db, request, now=now):
            yield chunk
        return
    every = [row async for chunk in session_rows(db, request, now=now) for row in chunk]
    shown = shown_sessions(every, disclosure)
    for start in range(0, len(shown), SESSION_BATCH):
        yield shown[start : start + SESSION_BATCH]
