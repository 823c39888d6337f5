"""The Participants and Learning sheets: the people of a request, a batch at a time, with
their profiles or their learning per module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    ATTENDED,
    Attendance,
    Learner,
    ModuleProgress,
    QuizAttempt,
    QuizKind,
    Registration,
    TrainingSession,
)
from bot.services.exports.conditions import (
    attempt_activity,
    completed_in_period,
    learning_activity,
    person_conditions,
    progress_activity,
    session_conditions,
)
from bot.services.exports.request import ExportRequest
from bot.services.exports.rows import LearningRow, ParticipantRow, named, personal
from bot.services.indicators.gain import knowledge_gain
from bot.services.quiz import percent
from bot.services.scope import select_columns

PEOPLE_BATCH = 500
"""People read at a time (participants, learning)."""

Attempt = tuple[str, int, int, datetime, datetime | None, int]
"""kind, correct, questions, started, finished, id"""


def participant_condition(request: ExportRequest) -> Any:
    """Someone in the Attendance sheet or in the Learning sheet of the request.

    Set-based (``id IN (... UNION ...)``) rather than a correlated EXISTS per person:
    registration and attendance have no index on the person, so the database reads each
    table once instead of once per person."""
    in_sessions = session_conditions(request, cancelled=False)
    at_sessions = sa.union(
        select_columns(col(Registration.learner_id))
        .join(TrainingSession, col(TrainingSession.id) == col(Registration.session_id))
        .where(*in_sessions),
        select_columns(col(Attendance.learner_id))
        .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
        .where(*in_sessions),
    )
    learned = sa.union(
        select_columns(col(ModuleProgress.learner_id)).where(*progress_activity(request)),
        select_columns(col(QuizAttempt.learner_id)).where(*attempt_activity(request)),
    )
    learning = sa.and_(col(Learner.id).in_(learned), *person_conditions(request, learning=True))
    return sa.and_(sa.or_(col(Learner.id).in_(at_sessions), learning), *person_conditions(request))


async def _people_batches(db: AsyncSession, condition: Any) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Learners matching ``condition``, by number, a batch at a time (keyset)."""
    after = 0
    while True:
        rows = (
            await db.exec(
                select_columns(
                    col(Learner.id),
                    col(Learner.display_name),
                    col(Learner.source),
                    col(Learner.consent),
                    col(Learner.erased_at).is_not(None),
                    col(Learner.organisation),
                    col(Learner.country),
                    col(Learner.gender),
                    col(Learner.age_band),
                    col(Learner.special_consent),
                    col(Learner.vulnerable_group),
                    col(Learner.created_at),
                    col(Learner.pseudonym),
                    col(Learner.name_consent),
                    col(Learner.language),
                )
                .where(condition, col(Learner.id) > after)
                .order_by(col(Learner.id))
                .limit(PEOPLE_BATCH)
            )
        ).all()
        if not rows:
            return
        yield [tuple(row) for row in rows]
        if len(rows) < PEOPLE_BATCH:
            return
        after = rows[-1][0]


async def participant_rows(
    db: AsyncSession, request: ExportRequest
) -> AsyncIterator[list[ParticipantRow]]:
    """The Participants sheet: the unique people of the Attendance and Learning sheets."""
    async for batch in _people_batches(db, participant_condition(request)):
        ids = [row[0] for row in batch]
        attended = dict(
            (
                await db.exec(
                    select_columns(col(Attendance.learner_id), sa.func.count())
                    .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
                    .where(
                        col(Attendance.learner_id).in_(ids),
                        col(Attendance.status).in_(sorted(ATTENDED)),
                        *session_conditions(request, cancelled=False),
                    )
                    .group_by(col(Attendance.learner_id))
                )
            ).all()
        )
        completed = dict(
            (
                await db.exec(
                    select_columns(col(ModuleProgress.learner_id), sa.func.count())
                    .where(col(ModuleProgress.learner_id).in_(ids), *completed_in_period(request))
                    .group_by(col(ModuleProgress.learner_id))
                )
            ).all()
        )
        chunk = []
        for row in batch:
            (learner_id, name, source, consent, erased, org, country, gender, age) = row[:9]
            special, group, created_at, pseudonym, name_consent, language = row[9:]
            shown = personal(consent, erased)
            chunk.append(
                ParticipantRow(
                    learner_id=learner_id,
                    person_id=pseudonym,
                    name=name if named(consent, erased, name_consent, source) else None,
                    source=source,
                    language=language,
                    organisation=org if shown else None,
                    country=country if shown else None,
                    gender=gender if shown else None,
                    age_band=age if shown else None,
                    vulnerable_group=group if shown and special is True else None,
                    first_seen=created_at,
                    erased=bool(erased),
                    sessions_attended=attended.get(learner_id, 0),
                    modules_completed=completed.get(learner_id, 0),
                )
            )
        yield chunk


def _learning_row(
    request: ExportRequest,
    learner_id: int,
    person_id: str | None,
    module_id: str,
    progress: tuple[datetime, datetime | None] | None,
    attempts: list[Attempt],
) -> LearningRow | None:
    """One person and module, or None without learning in the period."""
    period = request.period
    started_at, passed_at = progress if progress else (None, None)
    active = (started_at is not None and period.contains(started_at)) or (
        passed_at is not None and period.contains(passed_at)
    )
    pre: tuple[datetime, int, int] | None = None
    best: int | None = None
    posts = 0
    first_attempt: datetime | None = None
    for kind, correct, total, started, finished, attempt_id in attempts:
        if first_attempt is None or started < first_attempt:
            first_attempt = started
        in_period = finished is not None and period.contains(finished)
        active = active or in_period
        if kind == QuizKind.PRE:
            if pre is None or (started, attempt_id) < pre[:2]:
                pre = (started, attempt_id, percent(correct, total))
        elif kind == QuizKind.POST and in_period:
            posts += 1
            best = max(best or 0, percent(correct, total))
    if not active:
        return None
    if first_attempt is not None and (started_at is None or first_attempt < started_at):
        started_at = first_attempt
    return LearningRow(
        learner_id=learner_id,
        person_id=person_id,
        module_id=module_id,
        started_at=started_at,
        completed_at=passed_at,
        pre_percent=pre[2] if pre else None,
        best_post_percent=best,
        post_attempts=posts,
    )


async def learning_rows(
    db: AsyncSession, request: ExportRequest
) -> AsyncIterator[list[LearningRow]]:
    """The Learning sheet, by person and module. Knowledge gain as in the indicators
    (``indicators.knowledge_gain``): on the items the first scored pre-test and the best
    scored post-test finished in the period matched by objective."""
    condition = sa.and_(
        learning_activity(request, col(Learner.id)), *person_conditions(request, learning=True)
    )
    module = request.filters.module
    async for batch in _people_batches(db, condition):
        ids = [row[0] for row in batch]
        pseudonyms = {row[0]: row[12] for row in batch}
        progress_query = select_columns(
            col(ModuleProgress.learner_id),
            col(ModuleProgress.module_id),
            col(ModuleProgress.started_at),
            col(ModuleProgress.passed_at),
        ).where(col(ModuleProgress.learner_id).in_(ids))
        attempt_query = select_columns(
            col(QuizAttempt.learner_id),
            col(QuizAttempt.module_id),
            col(QuizAttempt.kind),
            col(QuizAttempt.correct_count),
            col(QuizAttempt.question_count),
            col(QuizAttempt.started_at),
            col(QuizAttempt.finished_at),
            col(QuizAttempt.id),
        ).where(
            col(QuizAttempt.learner_id).in_(ids),
            col(QuizAttempt.passed).is_not(None),
            col(QuizAttempt.finished_at).is_not(None),
        )
        if module is not None:
            progress_query = progress_query.where(col(ModuleProgress.module_id) == module)
            attempt_query = attempt_query.where(col(QuizAttempt.module_id) == module)
        progress = {
            (learner_id, module_id): (started, passed)
            for learner_id, module_id, started, passed in (await db.exec(progress_query)).all()
        }
        attempts: dict[tuple[int, str], list[Attempt]] = defaultdict(list)
        for learner_id, module_id, *rest in (await db.exec(attempt_query)).all():
            attempts[(learner_id, module_id)].append(tuple(rest))
        gains = await knowledge_gain(
            db, request.scope, request.period, request.filters, learner_ids=ids
        )
        chunk = []
        for key in sorted(set(progress) | set(attempts)):
            learner_id, module_id = key
            row = _learning_row(
                request,
                learner_id,
                pseudonyms.get(learner_id),
                module_id,
                progress.get(key),
                attempts.get(key, []),
            )
            if row is not None:
                gain = gains.pairs.get(key)
                if gain is not None:
                    row = replace(row, gain=gain.points, gain_items=gain.items)
                chunk.append(row)
        if chunk:
            yield chunk
