"""What a report covers, as SQL conditions: the period, the filters, and the coordinator's
scope applied to sessions and to people. Shared by the indicators and the exports, so that
both count the same rows.

A country limit (scope or filter) applies to the session's country for training figures and
to the person's country for learning figures; an organisation limit to the person's
organisation. A programme limit (scope or filter) applies to the session's programme for
training figures and, for learning figures, keeps the people who take part in one of the
programmes: registered for or marked at one of its sessions, or learning one of the modules
linked to it (``programme_module``). Periods are half-open ``[start, end)`` in UTC;
``None`` is open on that side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from bot.models import (
    Attendance,
    Learner,
    ModuleProgress,
    ProgrammeModule,
    Registration,
    TrainingSession,
)
from bot.services.roles import Scope


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in aware datetimes (UTC); ``None`` leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


ALL_TIME = Period()


@dataclass(frozen=True)
class Filters:
    """Narrower than the scope, chosen for one report; ``None`` means any."""

    country: str | None = None
    organisation: str | None = None
    module: str | None = None
    programme: int | None = None
    """A programme id."""


NO_FILTERS = Filters()


def select_columns(*columns: Any) -> Any:
    """``select`` of more columns than sqlmodel's type hints spell out (four)."""
    return select(*columns)


def in_period(column: Any, period: Period) -> list[Any]:
    """``column`` within ``period`` (no condition for an open side)."""
    conditions: list[Any] = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column < period.end)
    return conditions


def session_conditions(
    scope: Scope, filters: Filters, period: Period, *, cancelled: bool = False
) -> list[Any]:
    """Sessions that start in ``period``, in the countries of the scope and the filter, of
    the filtered module; cancelled ones only with ``cancelled``."""
    conditions = in_period(col(TrainingSession.starts_at), period)
    if not cancelled:
        conditions.append(col(TrainingSession.cancelled_at).is_(None))
    if scope.countries is not None:
        conditions.append(col(TrainingSession.country).in_(sorted(scope.countries)))
    if filters.country is not None:
        conditions.append(col(TrainingSession.country) == filters.country)
    if filters.module is not None:
        conditions.append(col(TrainingSession.module_id) == filters.module)
    programmes = programmes_of(scope, filters)
    if programmes is not None:
        conditions.append(col(TrainingSession.programme_id).in_(programmes))
    return conditions


def programmes_of(scope: Scope, filters: Filters) -> list[int] | None:
    """The programmes a report is limited to (scope and filter together), or None for any.
    A filter outside the scope leaves no programme (nothing is counted)."""
    chosen: set[int] | None = None if scope.programmes is None else set(scope.programmes)
    if filters.programme is not None:
        chosen = {filters.programme} & chosen if chosen is not None else {filters.programme}
    return sorted(chosen) if chosen is not None else None


def programme_people(programmes: list[int]) -> Any:
    """Ids of the people who take part in one of ``programmes``: registered for or marked
    at one of its sessions, or learning one of its linked modules."""
    sessions = select(col(TrainingSession.id)).where(
        col(TrainingSession.programme_id).in_(programmes)
    )
    modules = select(col(ProgrammeModule.module_id)).where(
        col(ProgrammeModule.programme_id).in_(programmes)
    )
    return sa.union(
        select(col(Registration.learner_id)).where(col(Registration.session_id).in_(sessions)),
        select(col(Attendance.learner_id)).where(col(Attendance.session_id).in_(sessions)),
        select(col(ModuleProgress.learner_id)).where(col(ModuleProgress.module_id).in_(modules)),
    )


def person_conditions(scope: Scope, filters: Filters, *, learning: bool = False) -> list[Any]:
    """People of the organisations of the scope and the filter and, for learning figures,
    of its countries (the person's own country)."""
    conditions: list[Any] = []
    if scope.organisations is not None:
        conditions.append(col(Learner.organisation).in_(sorted(scope.organisations)))
    if filters.organisation is not None:
        conditions.append(col(Learner.organisation) == filters.organisation)
    if learning:
        if scope.countries is not None:
            conditions.append(col(Learner.country).in_(sorted(scope.countries)))
        if filters.country is not None:
            conditions.append(col(Learner.country) == filters.country)
        programmes = programmes_of(scope, filters)
        if programmes is not None:
            conditions.append(col(Learner.id).in_(programme_people(programmes)))
    return conditions
