"""Donor indicators: how many people were trained, what they learned, what they thought of it.

Definitions (the numbers a donor report quotes; tests check them against a hand-computed
fixture):

- **People trained**: unique people with at least one attendance row marked *present* or
  *late* in a session that was not cancelled and that *started* in the period. Walk-ins
  count; erased people count (their row stays, anonymised). *Excused* and *absent* do not.
- **Attendances**: the number of such rows (a person at two sessions counts twice).
- **Sessions held**: sessions not cancelled, started in the period (and by ``now``), with at
  least one person present or late. A session nobody attended was not held.
- **People completed**: unique people who passed at least one module in the period: the
  module's ``passed_at`` falls in the period, or a post-test attempt that passed finished
  in it.
- **Knowledge gain**: per person and module, the best scored post-test finished in the
  period minus the first scored pre-test (whenever it was taken), in percentage points;
  only pairs that have both. The average is over those pairs. An abandoned attempt (closed
  without a score) never counts.
- **Feedback**: the average rating (1-5) given for sessions not cancelled that started in
  the period.

Breakdowns: by country x gender x age band, and by vulnerable group only for people who gave
the separate, explicit consent for it (``special_consent`` True); anyone else is left out of
that table, whatever the column holds. The country is the *session's* country for training
figures (people trained, attendances, feedback) and the *person's* country for learning
figures (completions, gain); a person trained in two countries is counted once in each
country, so country cells may add up to more than the total. Values that are not known
(erased people, profiles not given, no consent) are :data:`UNKNOWN`; "prefer not to say"
stays :data:`bot.services.learners.UNDISCLOSED`.

Scope and filters: a country limit applies to the session's country for training figures
and to the person's country for learning figures; an organisation limit to the person's
organisation. Erased people have neither, so they only count for coordinators without that
limit. A module filter picks the session's module for training figures and the module of
the quiz or progress for learning figures. Periods are half-open ``[start, end)`` in UTC;
``None`` is open on that side.

Cells below the threshold are shown as ``<5`` (:func:`suppress`) in shared tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Feedback,
    Learner,
    ModuleProgress,
    QuizAttempt,
    QuizKind,
    TrainingSession,
)
from bot.services.attendance import ATTENDED
from bot.services.roles import Scope

UNKNOWN = "unknown"
"""A breakdown value nobody knows: erased people, profiles not given, no consent."""


# -- periods -----------------------------------------------------------------------------------


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


class PeriodName(StrEnum):
    THIS_MONTH = "this-month"
    LAST_MONTH = "last-month"
    THIS_QUARTER = "this-quarter"
    LAST_QUARTER = "last-quarter"
    THIS_YEAR = "this-year"
    LAST_YEAR = "last-year"
    ALL_TIME = "all-time"


PERIOD_NAMES: tuple[str, ...] = tuple(name.value for name in PeriodName)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone``, in UTC (midnight exists in every zone used here)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _month_start(year: int, month: int) -> date:
    while month < 1:
        month += 12
        year -= 1
    while month > 12:
        month -= 12
        year += 1
    return date(year, month, 1)


def period_named(name: str, now: datetime, zone: ZoneInfo | str) -> Period:
    """``this-month``, ``last-month``, ``this-quarter``, ``last-quarter``, ``this-year``,
    ``last-year`` or ``all-time``, as seen on the local calendar of ``zone`` at ``now``.

    "This month/quarter/year" runs to the end of that calendar unit (sessions later in the
    month count once held). Raises ValueError for an unknown name.
    """
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    kind = PeriodName(name)
    if kind is PeriodName.ALL_TIME:
        return ALL_TIME
    today = now.astimezone(tz).date()
    if kind in (PeriodName.THIS_MONTH, PeriodName.LAST_MONTH):
        shift = 0 if kind is PeriodName.THIS_MONTH else -1
        first = _month_start(today.year, today.month + shift)
        after = _month_start(first.year, first.month + 1)
    elif kind in (PeriodName.THIS_QUARTER, PeriodName.LAST_QUARTER):
        shift = 0 if kind is PeriodName.THIS_QUARTER else -3
        quarter_month = 3 * ((today.month - 1) // 3) + 1
        first = _month_start(today.year, quarter_month + shift)
        after = _month_start(first.year, first.month + 3)
    else:
        year = today.year if kind is PeriodName.THIS_YEAR else today.year - 1
        first, after = date(year, 1, 1), date(year + 1, 1, 1)
    return Period(_local_midnight(first, tz), _local_midnight(after, tz))


def period_between(start_date: date | None, end_date: date | None, zone: ZoneInfo | str) -> Period:
    """From the start of ``start_date`` to the end of ``end_date`` (both included), local
    days in ``zone``; ``None`` leaves that side open. Raises ValueError when the end comes
    before the start."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    if start_date is not None and end_date is not None and end_date < start_date:
        raise ValueError("the end date is before the start date")
    return Period(
        _local_midnight(start_date, tz) if start_date is not None else None,
        _local_midnight(end_date + timedelta(days=1), tz) if end_date is not None else None,
    )


# -- filters and results -----------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Narrower than the scope, chosen for one report; ``None`` means any."""

    country: str | None = None
    organisation: str | None = None
    module: str | None = None


NO_FILTERS = Filters()


class Dimension(StrEnum):
    COUNTRY_GENDER_AGE = "country-gender-age"
    """values: (country, gender, age band)"""
    VULNERABLE_GROUP = "vulnerable-group"
    """values: (vulnerable group,); only people with special consent"""


@dataclass
class Measures:
    """The indicators of one cell (or of the whole, for the headline)."""

    people_trained: int = 0
    attendances: int = 0
    people_completed: int = 0
    gain_pairs: int = 0
    """Person-and-module pairs with both a pre-test and a post-test."""
    average_gain: float | None = None
    """Percentage points; None without pairs."""
    feedback_count: int = 0
    average_feedback: float | None = None
    """1-5; None without ratings."""


@dataclass(frozen=True)
class BreakdownRow:
    dimension: Dimension
    values: tuple[str, ...]
    measures: Measures


@dataclass(frozen=True)
class Indicators:
    period: Period
    scope: Scope
    filters: Filters
    people_trained: int
    attendances: int
    sessions_held: int
    people_completed: int
    gain_pairs: int
    average_gain: float | None
    feedback_count: int
    average_feedback: float | None
    breakdown: list[BreakdownRow] = field(default_factory=list)
    sessions_by_country: dict[str, int] = field(default_factory=dict)

    def rows(self, dimension: Dimension) -> list[BreakdownRow]:
        return [row for row in self.breakdown if row.dimension is dimension]

    def cell(self, dimension: Dimension, *values: str) -> Measures:
        """The cell for ``values`` (all zero when nobody is in it)."""
        for row in self.breakdown:
            if row.dimension is dimension and row.values == values:
                return row.measures
        return Measures()


def suppress(value: int, threshold: int) -> str:
    """What a shared table shows: ``"<5"`` for 1 to threshold-1 (threshold 5), the number
    otherwise. Zero is shown as ``"0"``: nobody can be singled out from nobody."""
    if 0 < value < threshold:
        return f"<{threshold}"
    return str(value)


def is_suppressed(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def shown_average(average: float | None, count: int, threshold: int) -> float | None:
    """An average over fewer than ``threshold`` people is not shown (None)."""
    return None if count < threshold else average


# -- queries -----------------------------------------------------------------------------------


def _select(*columns: Any) -> Any:
    """``select`` of more columns than sqlmodel's type hints spell out (four)."""
    return select(*columns)


def _known(value: str | None) -> str:
    return value if value else UNKNOWN


def _vulnerable(special_consent: bool | None, group: str | None) -> str | None:
    """The person's group for the vulnerable-group table, or None to leave them out."""
    if special_consent is not True:
        return None
    return _known(group)


def _in_period(column: Any, period: Period) -> list[Any]:
    conditions: list[Any] = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column < period.end)
    return conditions


def _person_limits(scope: Scope, filters: Filters, *, learning: bool) -> list[Any]:
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
    return conditions


def _session_limits(scope: Scope, filters: Filters, period: Period) -> list[Any]:
    conditions: list[Any] = [col(TrainingSession.cancelled_at).is_(None)]
    conditions += _in_period(col(TrainingSession.starts_at), period)
    if scope.countries is not None:
        conditions.append(col(TrainingSession.country).in_(sorted(scope.countries)))
    if filters.country is not None:
        conditions.append(col(TrainingSession.country) == filters.country)
    if filters.module is not None:
        conditions.append(col(TrainingSession.module_id) == filters.module)
    return conditions


_PERSON_COLUMNS = (
    col(Learner.gender),
    col(Learner.age_band),
    col(Learner.special_consent),
    col(Learner.vulnerable_group),
)


@dataclass(frozen=True)
class _Attended:
    learner_id: int
    session_id: int
    starts_at: datetime
    country: str
    gender: str
    age_band: str
    vulnerable: str | None


async def _attended(
    db: AsyncSession, scope: Scope, period: Period, filters: Filters
) -> list[_Attended]:
    query = (
        _select(
            col(Attendance.learner_id),
            col(TrainingSession.id),
            col(TrainingSession.starts_at),
            col(TrainingSession.country),
            *_PERSON_COLUMNS,
        )
        .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
        .join(Learner, col(Learner.id) == col(Attendance.learner_id))
        .where(
            col(Attendance.status).in_(ATTENDED),
            *_session_limits(scope, filters, period),
            *_person_limits(scope, filters, learning=False),
        )
    )
    rows = (await db.exec(query)).all()
    return [
        _Attended(
            learner_id=learner_id,
            session_id=session_id,
            starts_at=starts_at,
            country=_known(country),
            gender=_known(gender),
            age_band=_known(age_band),
            vulnerable=_vulnerable(special, group),
        )
        for learner_id, session_id, starts_at, country, gender, age_band, special, group in rows
    ]


@dataclass(frozen=True)
class _Person:
    country: str
    gender: str
    age_band: str
    vulnerable: str | None


async def _people(db: AsyncSession, ids: Iterable[int]) -> dict[int, _Person]:
    wanted = sorted(set(ids))
    found: dict[int, _Person] = {}
    for offset in range(0, len(wanted), 500):
        chunk = wanted[offset : offset + 500]
        rows = (
            await db.exec(
                _select(col(Learner.id), col(Learner.country), *_PERSON_COLUMNS).where(
                    col(Learner.id).in_(chunk)
                )
            )
        ).all()
        for learner_id, country, gender, age_band, special, group in rows:
            found[learner_id] = _Person(
                _known(country), _known(gender), _known(age_band), _vulnerable(special, group)
            )
    return found


async def _completed(db: AsyncSession, scope: Scope, period: Period, filters: Filters) -> set[int]:
    limits = _person_limits(scope, filters, learning=True)
    by_progress = (
        select(col(ModuleProgress.learner_id))
        .join(Learner, col(Learner.id) == col(ModuleProgress.learner_id))
        .where(
            col(ModuleProgress.passed_at).is_not(None),
            *_in_period(col(ModuleProgress.passed_at), period),
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
            *_in_period(col(QuizAttempt.finished_at), period),
            *limits,
        )
    )
    if filters.module is not None:
        by_progress = by_progress.where(col(ModuleProgress.module_id) == filters.module)
        by_attempt = by_attempt.where(col(QuizAttempt.module_id) == filters.module)
    ids = {row for row in (await db.exec(by_progress)).all()}
    ids |= {row for row in (await db.exec(by_attempt)).all()}
    return ids


async def _gains(
    db: AsyncSession, scope: Scope, period: Period, filters: Filters
) -> dict[tuple[int, str], int]:
    """Percentage points gained, per (person, module) pair that has both tests."""
    limits = _person_limits(scope, filters, learning=True)
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
            _select(*columns)
            .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
            .where(
                col(QuizAttempt.kind) == QuizKind.POST.value,
                *scored,
                *_in_period(col(QuizAttempt.finished_at), period),
            )
        )
    ).all()
    best: dict[tuple[int, str], int] = {}
    for learner_id, module_id, correct, total, _started, _id in posts:
        key = (learner_id, module_id)
        best[key] = max(best.get(key, 0), _percent(correct, total))
    if not best:
        return {}
    pres = (
        await db.exec(
            _select(*columns)
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
            first[key] = (started, attempt_id, _percent(correct, total))
    return {key: best[key] - first[key][2] for key in best if key in first}


def _percent(correct: int, total: int) -> int:
    return round(100 * correct / total) if total else 0


@dataclass(frozen=True)
class _Rating:
    learner_id: int
    rating: int
    country: str
    gender: str
    age_band: str
    vulnerable: str | None


async def _ratings(
    db: AsyncSession, scope: Scope, period: Period, filters: Filters
) -> list[_Rating]:
    query = (
        _select(
            col(Feedback.learner_id),
            col(Feedback.rating),
            col(TrainingSession.country),
            *_PERSON_COLUMNS,
        )
        .join(TrainingSession, col(TrainingSession.id) == col(Feedback.session_id))
        .join(Learner, col(Learner.id) == col(Feedback.learner_id))
        .where(
            *_session_limits(scope, filters, period),
            *_person_limits(scope, filters, learning=False),
        )
    )
    return [
        _Rating(learner_id, rating, _known(country), _known(gender), _known(age), _vulnerable(s, g))
        for learner_id, rating, country, gender, age, s, g in (await db.exec(query)).all()
    ]


# -- the indicators ----------------------------------------------------------------------------


class _Cell:
    """Accumulates one cell."""

    def __init__(self) -> None:
        self.trained: set[int] = set()
        self.attendances = 0
        self.completed: set[int] = set()
        self.gains: list[int] = []
        self.ratings: list[int] = []

    def measures(self) -> Measures:
        return Measures(
            people_trained=len(self.trained),
            attendances=self.attendances,
            people_completed=len(self.completed),
            gain_pairs=len(self.gains),
            average_gain=_average(self.gains),
            feedback_count=len(self.ratings),
            average_feedback=_average(self.ratings),
        )


def _average(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _sort_key(row: BreakdownRow) -> tuple[tuple[bool, str], ...]:
    # Known values first, alphabetically; "unknown" last.
    return tuple((value == UNKNOWN, value) for value in row.values)


async def compute(
    db: AsyncSession,
    *,
    scope: Scope,
    period: Period,
    filters: Filters = NO_FILTERS,
    now: datetime,
) -> Indicators:
    """Every indicator for ``scope`` in ``period`` (see the module's docstring)."""
    attended = [row for row in await _attended(db, scope, period, filters) if row.starts_at <= now]
    completed = await _completed(db, scope, period, filters)
    gains = await _gains(db, scope, period, filters)
    ratings = await _ratings(db, scope, period, filters)
    people = await _people(db, completed | {learner_id for learner_id, _ in gains})

    total = _Cell()
    cells: dict[tuple[Dimension, tuple[str, ...]], _Cell] = defaultdict(_Cell)

    def cells_for(country: str, gender: str, age_band: str, vulnerable: str | None) -> list[_Cell]:
        found = [cells[(Dimension.COUNTRY_GENDER_AGE, (country, gender, age_band))]]
        if vulnerable is not None:
            found.append(cells[(Dimension.VULNERABLE_GROUP, (vulnerable,))])
        return [total, *found]

    sessions: dict[int, str] = {}
    for row in attended:
        sessions[row.session_id] = row.country
        for cell in cells_for(row.country, row.gender, row.age_band, row.vulnerable):
            cell.trained.add(row.learner_id)
            cell.attendances += 1
    for learner_id in completed:
        person = people[learner_id]
        for cell in cells_for(person.country, person.gender, person.age_band, person.vulnerable):
            cell.completed.add(learner_id)
    for (learner_id, _module), gain in sorted(gains.items()):
        person = people[learner_id]
        for cell in cells_for(person.country, person.gender, person.age_band, person.vulnerable):
            cell.gains.append(gain)
    for rating in ratings:
        for cell in cells_for(rating.country, rating.gender, rating.age_band, rating.vulnerable):
            cell.ratings.append(rating.rating)

    by_country: dict[str, int] = defaultdict(int)
    for country in sessions.values():
        by_country[country] += 1
    headline = total.measures()
    breakdown = sorted(
        (
            BreakdownRow(dimension, values, cell.measures())
            for (dimension, values), cell in cells.items()
        ),
        key=lambda row: (list(Dimension).index(row.dimension), _sort_key(row)),
    )
    return Indicators(
        period=period,
        scope=scope,
        filters=filters,
        people_trained=headline.people_trained,
        attendances=headline.attendances,
        sessions_held=len(sessions),
        people_completed=headline.people_completed,
        gain_pairs=headline.gain_pairs,
        average_gain=headline.average_gain,
        feedback_count=headline.feedback_count,
        average_feedback=headline.average_feedback,
        breakdown=breakdown,
        sessions_by_country=dict(sorted(by_country.items())),
    )


# -- people trained per month (the /stats chart) -----------------------------------------------


@dataclass(frozen=True)
class Monthly:
    """Unique people trained in each local calendar month, split two ways."""

    months: list[date]
    """The first day of each month, in order, with no gaps between the first and the last."""
    by_country: dict[str, list[int]]
    by_gender: dict[str, list[int]]
    hidden: bool = False
    """Some cells were left out (see :meth:`suppressed`)."""

    @property
    def empty(self) -> bool:
        return not any(
            any(values) for values in (*self.by_country.values(), *self.by_gender.values())
        )

    def suppressed(self, threshold: int) -> Monthly:
        """The same with every cell of 1 to threshold-1 people shown as 0 (``hidden`` says
        whether any was): a chart shows no group small enough to single someone out."""
        hidden = self.hidden

        def cut(series: dict[str, list[int]]) -> dict[str, list[int]]:
            nonlocal hidden
            kept: dict[str, list[int]] = {}
            for key, values in series.items():
                shown = [0 if is_suppressed(value, threshold) else value for value in values]
                hidden = hidden or shown != values
                if any(shown):
                    kept[key] = shown
            return kept

        by_country, by_gender = cut(self.by_country), cut(self.by_gender)
        return Monthly(self.months, by_country, by_gender, hidden)


async def monthly(
    db: AsyncSession,
    *,
    scope: Scope,
    period: Period,
    filters: Filters = NO_FILTERS,
    now: datetime,
    zone: ZoneInfo | str,
) -> Monthly:
    """People trained per month (months on the calendar of ``zone``): a person at sessions
    in two months counts in both; by the session's country and by the person's gender."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    attended = [row for row in await _attended(db, scope, period, filters) if row.starts_at <= now]
    if not attended:
        return Monthly([], {}, {})
    countries: dict[tuple[date, str], set[int]] = defaultdict(set)
    genders: dict[tuple[date, str], set[int]] = defaultdict(set)
    for row in attended:
        local = row.starts_at.astimezone(tz)
        month = date(local.year, local.month, 1)
        countries[(month, row.country)].add(row.learner_id)
        genders[(month, row.gender)].add(row.learner_id)
    first = min(month for month, _ in countries)
    last = max(month for month, _ in countries)
    months = [first]
    while months[-1] < last:
        months.append(_month_start(months[-1].year, months[-1].month + 1))

    def series(cells: dict[tuple[date, str], set[int]]) -> dict[str, list[int]]:
        keys = sorted({key for _, key in cells}, key=lambda value: (value == UNKNOWN, value))
        return {key: [len(cells.get((month, key), ())) for month in months] for key in keys}

    return Monthly(months, series(countries), series(genders))
