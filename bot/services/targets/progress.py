"""How far a programme is towards its targets: achieved, target, percent and pace.

Achieved is the indicator as :func:`bot.services.indicators.compute` counts it (the same
definition as everywhere else), for the programme (and the target's country) from the
target's start (``from``, else the programme's start) to now or the due date, whichever
comes first.

**Pace.** The straight line from the start (0) to the due date (the target) says how much
should be achieved by today. A target is *behind* when achieved is below that line by more
than the tolerance, 5 % of the target (:data:`TOLERANCE`): 1620 people due in 18 months
with 9 months gone expects 810, and 729 (810 − 81) is still on pace, 728 is behind. A
target reached is *met*; one not reached when due is *missed*; before its start it has
*not started*.

Who sees what: targets are set for whole programmes and countries, so they are shown to
readers whose figures cover them: a full scope or one limited to programmes sees every
target of its programmes; a scope limited to countries sees the targets of its countries;
a scope limited to organisations sees none (its figures could never be compared with a
target). A limited scope sees the achieved figures through the same
:class:`~bot.services.indicators.Disclosure` as every other figure (rounded), and percent
and pace are worked out from what it sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Programme, Target
from bot.services import indicators
from bot.services.indicators import Disclosure, Indicators, period_between
from bot.services.roles import Scope
from bot.services.scope import Filters
from bot.services.targets.load import Indicator

TOLERANCE = 0.05
"""How far below the straight line (a share of the target) still counts as on pace."""


class Pace(StrEnum):
    NOT_STARTED = "not-started"
    ON_PACE = "on-pace"
    BEHIND = "behind"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class TargetProgress:
    programme_id: int
    programme: str
    indicator: Indicator
    country: str
    """A country code, or ``""`` for the whole programme."""
    starts_on: date
    due_on: date
    target: int
    achieved: int
    """As the reader may see it (rounded for a limited scope)."""
    expected: int
    """Where the straight line is today."""
    pace: Pace

    @property
    def percent(self) -> int:
        """Achieved as a share of the target, in whole percent (rounded down)."""
        return 100 * self.achieved // self.target


def _achieved(figures: Indicators, indicator: Indicator) -> int:
    """The figure of ``indicator`` among the indicators (their one definition)."""
    if indicator is Indicator.PEOPLE_TRAINED:
        return figures.people_trained
    if indicator is Indicator.ATTENDANCES:
        return figures.attendances
    if indicator is Indicator.SESSIONS_HELD:
        return figures.sessions_held
    return figures.people_completed


def expected_by(target: int, starts_on: date, due_on: date, today: date) -> int:
    """The straight line from 0 on ``starts_on`` to ``target`` on ``due_on``, at ``today``."""
    if today <= starts_on:
        return 0
    if today >= due_on:
        return target
    return round(target * (today - starts_on).days / (due_on - starts_on).days)


def pace_of(
    achieved: int, target: int, starts_on: date, due_on: date, today: date
) -> tuple[int, Pace]:
    """The straight line's value today and the pace (see the module's docstring)."""
    expected = expected_by(target, starts_on, due_on, today)
    if achieved >= target:
        return expected, Pace.MET
    if today > due_on:
        return expected, Pace.MISSED
    if today <= starts_on:
        return expected, Pace.NOT_STARTED
    if achieved < expected - TOLERANCE * target:
        return expected, Pace.BEHIND
    return expected, Pace.ON_PACE


def shows_targets(scope: Scope) -> bool:
    """Whether a reader with ``scope`` sees targets at all (not limited to organisations)."""
    return scope.organisations is None


async def progress(
    db: AsyncSession,
    *,
    scope: Scope,
    filters: Filters,
    now: datetime,
    zone: ZoneInfo,
    threshold: int,
) -> list[TargetProgress]:
    """The progress of every target the reader sees (see the module's docstring), within
    ``filters`` (a programme, a country; an organisation filter shows none), by programme,
    indicator, due date and country (the whole programme first)."""
    if not shows_targets(scope) or filters.organisation is not None:
        return []
    query = select(Target, Programme).join(Programme, col(Programme.id) == col(Target.programme_id))
    if scope.programmes is not None:
        query = query.where(col(Target.programme_id).in_(sorted(scope.programmes)))
    if filters.programme is not None:
        query = query.where(col(Target.programme_id) == filters.programme)
    if scope.countries is not None:
        query = query.where(col(Target.country).in_(sorted(scope.countries)))
    if filters.country is not None:
        query = query.where(col(Target.country) == filters.country)
    found = list((await db.exec(query)).all())
    order = [item.value for item in Indicator]
    found.sort(
        key=lambda pair: (
            pair[1].name.casefold(),
            order.index(pair[0].indicator) if pair[0].indicator in order else len(order),
            pair[0].due_on,
            pair[0].country,
        )
    )
    disclosure = Disclosure.for_scope(scope, threshold)
    today = now.astimezone(zone).date()
    computed: dict[tuple[int, str, date, date], Indicators] = {}
    result: list[TargetProgress] = []
    for target, programme in found:
        try:
            indicator = Indicator(target.indicator)
        except ValueError:
            continue
        assert programme.id is not None
        starts_on = target.counts_from or programme.starts_on
        key = (programme.id, target.country, starts_on, target.due_on)
        if key not in computed:
            period = period_between(starts_on, target.due_on, zone)
            computed[key] = await indicators.compute(
                db,
                scope=scope,
                period=period,
                filters=Filters(country=target.country or None, programme=programme.id),
                now=now,
            )
        achieved = disclosure.figure(_achieved(computed[key], indicator))
        expected, pace = pace_of(achieved, target.value, starts_on, target.due_on, today)
        result.append(
            TargetProgress(
                programme_id=programme.id,
                programme=programme.name,
                indicator=indicator,
                country=target.country,
                starts_on=starts_on,
                due_on=target.due_on,
                target=target.value,
                achieved=achieved,
                expected=expected,
                pace=pace,
            )
        )
    return result
