"""The rows the indicators are counted from: attendances, completions, knowledge gains and
ratings within the scope, the period and the filters, with each person's breakdown values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    ATTENDED,
    Attendance,
    Feedback,
    Learner,
    ModuleProgress,
    QuizAttempt,
    QuizKind,
    TrainingSession,
)
from bot.services.quiz import percent
from bot.services.roles import Scope
from bot.services.scope import (
    Filters,
    Period,
    in_period,
    person_conditions,
    select_columns,
    session_conditions,
)

UNKNOWN = "unknown"
"""A breakdown value nobody knows: erased people, profiles not given, no consent."""

PEOPLE_BATCH = 500
"""People read at a time (a list of ids stays well below any limit on bound parameters)."""


def _known(value: str | None) -> str:
    return value if value else UNKNOWN


NOT_ASKED = "not-asked"
"""The vulnerable-group row of everyone without the special consent (never asked)."""


def _vulnerable(special_consent: bool | None, group: str | None) -> str:
    """The person's row of the vulnerable-group table: their group only with the special
    consent, else "not asked"."""
    if special_consent is not True:
        return NOT_ASKED
    return _known(group)


@dataclass(frozen=True)
class Attended:
    learner_id: int
    session_id: int
    starts_at: datetime
    session_country: str


async def attended(
    db: AsyncSession, scope: Scope, period: Period, filters: Filters
) -> list[Attended]:
    """Every attendance (present or late) at the sessions of the report."""
    query = (
        select_columns(
            col(Attendance.learner_id),
            col(TrainingSession.id),
            col(TrainingSession.starts_at),
            col(TrainingSession.country),
        )
        .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
        .join(Learner, col(Learner.id) == col(Attendance.learner_id))
        .where(
            col(Attendance.status).in_(sorted(ATTENDED)),
            *session_conditions(scope, filters, period),
            *person_conditions(scope, filters),
        )
    )
    rows = (await db.exec(query)).all()
    return [
        Attended(learner_id, session_id, starts_at, _known(country))
        for learner_id, session_id, starts_at, country in rows
    ]


@dataclass(frozen=True)
class Person:
    """A person's breakdown values (registry: every figure about people counts a person by
    their own country)."""

    country: str
    gender: str
    age_band: str
    organisation: str
    vulnerable: str


async def people(db: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    """The breakdown values of the people ``ids``."""
    wanted = sorted(set(ids))
    found: dict[int, Person] = {}
    for offset in range(0, len(wanted), PEOPLE_BATCH):
        chunk = wanted[offset : offset + PEOPLE_BATCH]
        rows = (
            await db.exec(
                select_columns(
                    col(Learner.id),
                    col(Learner.country),
                    col(Learner.gender),
                    col(Learner.age_band),
                    col(Learner.organisation),
                    col(Learner.special_consent),
                    col(Learner.vulnerable_group),
                ).where(col(Learner.id).in_(chunk))
            )
        ).all()
        for learner_id, country, gender, age_band, organisation, special, group in rows:
            found[learner_id] = Person(
                _known(country),
                _known(gender),
                _known(age_band),
                _known(organisation),
                _vulnerable(special, group),
            )
    return found


async def completed(db: AsyncSession, scope: Scope, period: Period, filters: Filters) -> set[int]:
    """People who passed a module in the period: by its progress or by a passed post-test."""
    limits = person_conditions(scope, filters, learning=True)
    by_progress = (
        select(col(ModuleProgress.learner_id))
        .join(Learner, col(Learner.id) == col(ModuleProgress.learner_id))
        .where(
            col(ModuleProgress.passed_at).is_not(None),
            *in_period(col(ModuleProgress.passed_at), period),
            *limits,
        )
    )
    by_attempt = (
        select(col(QuizAttempt.learner_id))
        .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
        .where(
            col(QuizAttempt.kind) == QuizKind.POST.value,
            col(QuizAttempt.passed).is_(True),
            col(QuizAttempt.finished_at).is_not(None),
            *in_period(col(QuizAttempt.finished_at), period),
            *limits,
        )
    )
    if filters.module is not None:
        by_progress = by_progress.where(col(ModuleProgress.module_id) == filters.module)
        by_attempt = by_attempt.where(col(QuizAttempt.module_id) == filters.module)
    ids = {row for row in (await db.exec(by_progress)).all()}
    ids |= {row for row in (await db.exec(by_attempt)).all()}
    return ids


async def gains(
    db: AsyncSession, scope: Scope, period: Period, filters: Filters
) -> dict[tuple[int, str], int]:
    """Percentage points gained, per (person, module) pair that has both tests."""
    limits = person_conditions(scope, filters, learning=True)
    scored = [
        col(QuizAttempt.finished_at).is_not(None),
        col(QuizAttempt.passed).is_not(None),
        *limits,
    ]
    if filters.module is not None:
        scored.append(col(QuizAttempt.module_id) == filters.module)
    columns = (
        col(QuizAttempt.learner_id),
        col(QuizAttempt.module_id),
        col(QuizAttempt.correct_count),
        col(QuizAttempt.question_count),
        col(QuizAttempt.started_at),
        col(QuizAttempt.id),
    )
    posts = (
        await db.exec(
            select_columns(*columns)
            .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
            .where(
                col(QuizAttempt.kind) == QuizKind.POST.value,
                *scored,
                *in_period(col(QuizAttempt.finished_at), period),
            )
        )
    ).all()
    best: dict[tuple[int, str], int] = {}
    for learner_id, module_id, correct, total, _started, _id in posts:
        key = (learner_id, module_id)
        best[key] = max(best.get(key, 0), percent(correct, total))
    if not best:
        return {}
    pres = (
        await db.exec(
            select_columns(*columns)
            .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
            .where(
                col(QuizAttempt.kind) == QuizKind.PRE.value,
                # The same limits rather than a list of ids: no limit on bound parameters.
                *scored,
            )
        )
    ).all()
    first: dict[tuple[int, str], tuple[datetime, int, int]] = {}
    for learner_id, module_id, correct, total, started, attempt_id in pres:
        key = (learner_id, module_id)
        if key not in best:
            continue
        if key not in first or (started, attempt_id) < first[key][:2]:
            first[key] = (started, attempt_id, percent(correct, total))
    return {key: best[key] - first[key][2] for key in best if key in first}


@dataclass(frozen=True)
class Rating:
    learner_id: int
    rating: int


async def ratings(db: AsyncSession, scope: Scope, period: Period, filters: Filters) -> list[Rating]:
    """The ratings given for the sessions of the report."""
    query = (
        select_columns(col(Feedback.learner_id), col(Feedback.rating))
        .join(TrainingSession, col(TrainingSession.id) == col(Feedback.session_id))
        .join(Learner, col(Learner.id) == col(Feedback.learner_id))
        .where(
            *session_conditions(scope, filters, period),
            *person_conditions(scope, filters),
        )
    )
    return [Rating(learner_id, rating) for learner_id, rating in (await db.exec(query)).all()]
