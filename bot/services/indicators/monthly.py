"""People trained per month (the ``/stats`` chart), by the session's country and by gender."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.indicators import queries
from bot.services.indicators.disclosure import Disclosure
from bot.services.indicators.periods import month_start
from bot.services.indicators.queries import UNKNOWN
from bot.services.roles import Scope
from bot.services.scope import NO_FILTERS, Filters, Period


@dataclass(frozen=True)
class Monthly:
    """Unique people trained in each local calendar month, split two ways."""

    months: list[date]
    """The first day of each month, in order, with no gaps between the first and the last."""
    by_country: dict[str, list[int]]
    by_gender: dict[str, list[int]]
    rounded: bool = False
    """The figures were rounded (see :meth:`shown`)."""

    @property
    def empty(self) -> bool:
        return not any(
            any(values) for values in (*self.by_country.values(), *self.by_gender.values())
        )

    def shown(self, disclosure: Disclosure) -> Monthly:
        """The chart as ``disclosure`` lets it be seen: for a limited scope, each month's
        bar of each panel is a table rounded to add up to the month's rounded total; a
        series left with nothing but zeros is left out, and so are months at either end
        left empty (the first month shown must not say that somebody came then)."""
        if disclosure.exact:
            return self

        def rounded(series: dict[str, list[int]]) -> dict[str, list[int]]:
            keys = list(series)
            columns = [
                disclosure.table([series[key][month] for key in keys])
                for month in range(len(self.months))
            ]
            kept = {key: [column[index] for column in columns] for index, key in enumerate(keys)}
            return {key: values for key, values in kept.items() if any(values)}

        by_country, by_gender = rounded(self.by_country), rounded(self.by_gender)
        used = [
            index
            for index in range(len(self.months))
            if any(values[index] for values in (*by_country.values(), *by_gender.values()))
        ]
        if not used:
            return Monthly([], {}, {}, True)
        first, last = used[0], used[-1] + 1

        def trimmed(series: dict[str, list[int]]) -> dict[str, list[int]]:
            return {key: values[first:last] for key, values in series.items()}

        return Monthly(self.months[first:last], trimmed(by_country), trimmed(by_gender), True)


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
