"""People trained per month (the ``/stats`` chart), by the session's country and by gender."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.indicators import queries
from bot.services.indicators.periods import month_start
from bot.services.indicators.queries import UNKNOWN
from bot.services.indicators.suppression import is_suppressed
from bot.services.roles import Scope
from bot.services.scope import NO_FILTERS, Filters, Period


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
    attended = [
        row for row in await queries.attended(db, scope, period, filters) if row.starts_at <= now
    ]
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
        months.append(month_start(months[-1].year, months[-1].month + 1))

    def series(cells: dict[tuple[date, str], set[int]]) -> dict[str, list[int]]:
        keys = sorted({key for _, key in cells}, key=lambda value: (value == UNKNOWN, value))
        return {key: [len(cells.get((month, key), ())) for month in months] for key in keys}

    return Monthly(months, series(countries), series(genders))
