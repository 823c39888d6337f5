"""Named periods (this month, last quarter, ...) and periods between two typed days, on the
local calendar of a time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.services.scope import ALL_TIME, Period


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


def month_start(year: int, month: int) -> date:
    """The first day of ``month`` of ``year``; months past 12 or before 1 roll the year."""
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
        first = month_start(today.year, today.month + shift)
        after = month_start(first.year, first.month + 1)
    elif kind in (PeriodName.THIS_QUARTER, PeriodName.LAST_QUARTER):
        shift = 0 if kind is PeriodName.THIS_QUARTER else -3
        quarter_month = 3 * ((today.month - 1) // 3) + 1
        first = month_start(today.year, quarter_month + shift)
        after = month_start(first.year, first.month + 3)
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
