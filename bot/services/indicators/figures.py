"""The donor indicators of a report: the headline figures and their breakdowns, one per
dimension of the registry (country, gender, age band, organisation, vulnerable group,
country x gender), every figure about people by the person's own country, so that every
breakdown adds up to its headline; and sessions held by the session's country."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.indicators import queries
from bot.services.indicators.disclosure import Disclosure
from bot.services.indicators.queries import UNKNOWN, Person
from bot.services.indicators.registry import DIMENSION_PARTS, Dimension
from bot.services.roles import Scope
from bot.services.scope import NO_FILTERS, Filters, Period


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

    @property
    def counts_people_in_sessions(self) -> bool:
        """Do the sessions held depend on whose people came (an organisation limit)?"""
        return self.scope.organisations is not None or self.filters.organisation is not None

    def shown(self, disclosure: Disclosure) -> Indicators:
        """The figures as ``disclosure`` lets them be seen: for a limited scope every number
        of people rounded (the headline on its own, each breakdown's column as a table
        adding up to its rounded total), averages only over enough values, and the rows
        that show nothing left out (a row of zeros still says that somebody is in it)."""
        if disclosure.exact:
            return self
        breakdown: list[BreakdownRow] = []
        for dimension in Dimension:
            breakdown += _shown_rows(self, self.rows(dimension), disclosure)
        # Sessions held is a number of sessions, shown exactly, unless it depends on whose
        # people came: with an organisation limit it counts the sessions *their* people
        # attended, and exact it would bound their attendances from below.
        sessions = disclosure if self.counts_people_in_sessions else Disclosure(1, exact=True)
        countries = list(self.sessions_by_country)
        by_country = sessions.table([self.sessions_by_country[key] for key in countries])
        figure = disclosure.figure
        return replace(
            self,
            people_trained=figure(self.people_trained),
            attendances=figure(self.attendances),
            sessions_held=sessions.figure(self.sessions_held),
            people_completed=figure(self.people_completed),
            gain_pairs=figure(self.gain_pairs),
            average_gain=self.average_gain if disclosure.average(self.gain_pairs) else None,
            feedback_count=figure(self.feedback_count),
            average_feedback=(
                self.average_feedback if disclosure.average(self.feedback_count) else None
            ),
            breakdown=breakdown,
            sessions_by_country={
                key: count for key, count in zip(countries, by_country, strict=True) if count
            },
        )


def _shown_rows(
    whole: Indicators, rows: list[BreakdownRow], disclosure: Disclosure
) -> list[BreakdownRow]:
    """One breakdown as ``disclosure`` shows it: each count column a table; averages
    checked against the headline's values (the rest includes whoever the breakdown leaves
    out)."""
    measures = [row.measures for row in rows]
    trained = disclosure.table([m.people_trained for m in measures])
    attendances = disclosure.table([m.attendances for m in measures])
    completed = disclosure.table([m.people_completed for m in measures])
    pairs = disclosure.table([m.gain_pairs for m in measures])
    ratings = disclosure.table([m.feedback_count for m in measures])
    gains = disclosure.averages([m.gain_pairs for m in measures], whole.gain_pairs)
    feedback = disclosure.averages([m.feedback_count for m in measures], whole.feedback_count)
    shown: list[BreakdownRow] = []
    for index, row in enumerate(rows):
        cell = Measures(
            people_trained=trained[index],
            attendances=attendances[index],
            people_completed=completed[index],
            gain_pairs=pairs[index],
            average_gain=row.measures.average_gain if gains[index] else None,
            feedback_count=ratings[index],
            average_feedback=row.measures.average_feedback if feedback[index] else None,
        )
        counts = (
            cell.people_trained,
            cell.attendances,
            cell.people_completed,
            cell.gain_pairs,
            cell.feedback_count,
        )
        # A row rounded to nothing but zeros is left out; any figure keeps it, so that
        # every column still adds up to its total.
        if any(counts) or cell.average_gain is not None or cell.average_feedback is not None:
            shown.append(BreakdownRow(row.dimension, row.values, cell))
    return shown


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


def _known_first(value: str) -> tuple[bool, str]:
    # Known values first, alphabetically; "not asked", "unknown" last.
    return (value in (UNKNOWN, queries.NOT_ASKED), value)


def _sort_key(row: BreakdownRow) -> tuple[tuple[bool, str], ...]:
    return tuple(_known_first(value) for value in row.values)


def _values(person: Person, dimension: Dimension) -> tuple[str, ...]:
    parts = {
        "country": person.country,
        "gender": person.gender,
        "age-band": person.age_band,
        "organisation": person.organisation,
        "vulnerable-group": person.vulnerable,
    }
    return tuple(parts[name] for name in DIMENSION_PARTS[dimension])


async def compute(
    db: AsyncSession,
    *,
    scope: Scope,
    period: Period,
    filters: Filters = NO_FILTERS,
    now: datetime,
) -> Indicators:
    """Every indicator for ``scope`` in ``period``; sessions count once started by ``now``."""
    attended = [
        row for row in await queries.attended(db, scope, period, filters) if row.starts_at <= now
    ]
    completed = await queries.completed(db, scope, period, filters)
    gains = await knowledge_gains(db, scope, period, filters)
    ratings = await queries.ratings(db, scope, period, filters)
    people = await queries.people(
        db,
        {row.learner_id for row in attended}
        | completed
        | {learner_id for learner_id, _ in gains}
        | {rating.learner_id for rating in ratings},
    )

    total = _Cell()
    cells: dict[tuple[Dimension, tuple[str, ...]], _Cell] = defaultdict(_Cell)
    missing = Person(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, queries.NOT_ASKED)

    def cells_for(learner_id: int) -> list[_Cell]:
        person = people.get(learner_id, missing)
        return [total, *(cells[(dimension, _values(person, dimension))] for dimension in Dimension)]

    sessions: dict[int, str] = {}
    for row in attended:
        sessions[row.session_id] = row.session_country
        for cell in cells_for(row.learner_id):
            cell.trained.add(row.learner_id)
            cell.attendances += 1
    for learner_id in completed:
        for cell in cells_for(learner_id):
            cell.completed.add(learner_id)
    for (learner_id, _module), gain in sorted(gains.items()):
        for cell in cells_for(learner_id):
            cell.gains.append(gain)
    for rating in ratings:
        for cell in cells_for(rating.learner_id):
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
        sessions_by_country=dict(
            sorted(by_country.items(), key=lambda item: _known_first(item[0]))
        ),
    )


async def knowledge_gains(
    db: AsyncSession, scope: Scope, period: Period, filters: Filters
) -> dict[tuple[int, str], int]:
    """The one seam to how knowledge gain is measured (``queries.gains``): percentage points
    per (person, module) pair; the indicators only average them and count the pairs."""
    return await queries.gains(db, scope, period, filters)
