"""The indicators as their reader may see them, laid out once for every output: the headline
figures, one table per dimension of the registry and sessions held by the session's
country. The Indicators sheet, the tidy CSV and ``/stats`` all print this, so they cannot
disagree.

Every table adds up to its headline: every figure about people counts a person by their
own values (one country, one gender, ...; people without the special consent form the
"not asked" row of the vulnerable groups), so the rows of a count column add up to the
headline exactly, and for a limited scope controlled rounding keeps them adding up to the
rounded headline. Averages don't add up; an average a limited scope may not see is empty
and flagged as suppressed, beside its (rounded) number of answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.indicators import registry
from bot.services.indicators.disclosure import Disclosure
from bot.services.indicators.figures import Indicators, Measures, compute
from bot.services.indicators.registry import DIMENSION_PARTS, SESSION_COUNTRY, Dimension
from bot.services.roles import Scope
from bot.services.scope import Filters, Period

TOTAL = "total"
"""The code of a table's total row."""

Number = int | float | None

_MEASURES: dict[str, Callable[[Measures], Number]] = {
    registry.PEOPLE_TRAINED: lambda m: m.people_trained,
    registry.ATTENDANCES: lambda m: m.attendances,
    registry.COMPLETIONS: lambda m: m.people_completed,
    registry.KNOWLEDGE_GAIN_PAIRS: lambda m: m.gain_pairs,
    registry.KNOWLEDGE_GAIN: lambda m: m.average_gain,
    registry.SATISFACTION_RATINGS: lambda m: m.feedback_count,
    registry.SATISFACTION: lambda m: m.average_feedback,
}


@dataclass(frozen=True)
class Value:
    value: Number
    """None: nothing to show (no answers) or suppressed."""
    suppressed: bool = False
    """An average the reader's scope may not see (said the same for none and for few)."""


@dataclass(frozen=True)
class Row:
    codes: tuple[str, ...]
    """The stored codes of the row's values (``AL``, ``female``; ``unknown``, ...)."""
    values: dict[str, Value]
    """Measure code -> value."""

    @property
    def suppressed(self) -> list[str]:
        return [code for code, value in self.values.items() if value.suppressed]


@dataclass(frozen=True)
class Table:
    dimension: str
    """A :class:`Dimension` value, or ``session-country``."""
    parts: tuple[str, ...]
    """What each code of a row is (``country``, ``gender``)."""
    measures: tuple[str, ...]
    rows: list[Row]
    total: Row

    def sums(self) -> dict[str, int]:
        """The rows added up, per count column (averages left out)."""
        return {
            code: sum(int(row.values[code].value or 0) for row in self.rows)
            for code in self.measures
            if registry.BY_CODE[code].kind is not registry.Kind.AVERAGE
        }


@dataclass(frozen=True)
class Report:
    period: Period
    rounded: bool
    """Every number of people is a multiple of ``base`` (a limited scope)."""
    base: int
    threshold: int
    headline: dict[str, Value]
    tables: list[Table] = field(default_factory=list)
    sessions_rounded: bool = False
    """Sessions held were rounded too (they count an organisation's people)."""

    def table(self, dimension: str) -> Table:
        return next(table for table in self.tables if table.dimension == dimension)


def _average(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _values(measures: Measures, rounded: bool) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for code in registry.TABLE_MEASURES:
        value = _MEASURES[code](measures)
        if registry.BY_CODE[code].kind is registry.Kind.AVERAGE:
            values[code] = Value(_average(value), suppressed=rounded and value is None)
        else:
            values[code] = Value(value)
    return values


def report(shown: Indicators, disclosure: Disclosure) -> Report:
    """The layout of ``shown`` (the indicators as :meth:`Indicators.shown` gives them to
    the reader whose rule is ``disclosure``)."""
    rounded = not disclosure.exact
    whole = Measures(
        people_trained=shown.people_trained,
        attendances=shown.attendances,
        people_completed=shown.people_completed,
        gain_pairs=shown.gain_pairs,
        average_gain=shown.average_gain,
        feedback_count=shown.feedback_count,
        average_feedback=shown.average_feedback,
    )
    totals = _values(whole, rounded)
    headline = {code: totals[code] for code in registry.HEADLINE if code in totals}
    headline[registry.SESSIONS_HELD] = Value(shown.sessions_held)
    headline = {code: headline[code] for code in registry.HEADLINE}
    tables = [
        Table(
            dimension.value,
            DIMENSION_PARTS[dimension],
            registry.TABLE_MEASURES,
            [Row(row.values, _values(row.measures, rounded)) for row in shown.rows(dimension)],
            Row((TOTAL,), totals),
        )
        for dimension in Dimension
    ]
    tables.append(
        Table(
            SESSION_COUNTRY,
            ("country",),
            (registry.SESSIONS_HELD,),
            [
                Row((country,), {registry.SESSIONS_HELD: Value(count)})
                for country, count in shown.sessions_by_country.items()
            ],
            Row((TOTAL,), {registry.SESSIONS_HELD: Value(shown.sessions_held)}),
        )
    )
    return Report(
        shown.period,
        rounded,
        disclosure.base,
        disclosure.threshold,
        headline,
        tables,
        sessions_rounded=rounded and shown.counts_people_in_sessions,
    )


def period_code(period: Period, zone: ZoneInfo) -> str:
    """The period as an ISO 8601 interval of local days, both included: ``2026-01-01/
    2026-12-31``; an open side is ``..``."""
    first = period.start.astimezone(zone).date().isoformat() if period.start else ".."
    last = (
        (period.end - timedelta(microseconds=1)).astimezone(zone).date().isoformat()
        if period.end
        else ".."
    )
    return f"{first}/{last}"


async def make_report(
    db: AsyncSession,
    *,
    scope: Scope,
    period: Period,
    filters: Filters,
    now: datetime,
    threshold: int,
) -> Report:
    """The indicators of ``scope``, ``period`` and ``filters`` as that scope may see them."""
    disclosure = Disclosure.for_scope(scope, threshold)
    exact = await compute(db, scope=scope, period=period, filters=filters, now=now)
    return report(exact.shown(disclosure), disclosure)
