"""Small numbers, played as an attack: a coordinator with a limited scope reads every figure
the bot gives them (``/stats`` and its chart, the Indicators and Sessions sheets of their
workbook) and adds and subtracts them (tests/support/disclosure_attack.py). Nothing they
could not know from a figure itself may come out exact, and no average may stand on fewer
than 5 answers, alone or as the rest of a table. The world is tests/support/small_world.py.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from bot.handlers.stats import StatsPeriodName, chart_png
from bot.models import Role
from bot.services import exports, indicators
from bot.services.exports import ExportRequest
from bot.services.indicators import Dimension, Disclosure, Indicators, Monthly
from bot.services.roles import Scope
from tests.factories import make_trainer
from tests.support.disclosure_attack import (
    Attack,
    IndicatorSheet,
    SessionLine,
    StatsFigures,
    is_rounded,
    read_indicators,
    read_sessions,
    read_stats,
)
from tests.support.harness import Harness
from tests.support.small_world import SMALL_ORG, build_small_world

THRESHOLD = 5
COUNTED = ("Held", "Not held")
"""The Sessions sheet's states of the sessions the indicators count."""
SCOPES = {
    "organisation": (970, Scope(organisations=frozenset({SMALL_ORG}))),
    "kosovo": (971, Scope(countries=frozenset({"XK"}))),
    "serbia-and-kosovo": (972, Scope(countries=frozenset({"RS", "XK"}))),
}


async def the_world(bot: Harness) -> None:
    async with bot.deps.database.session() as db:
        trainer = await make_trainer(db)
    await build_small_world(bot.deps.database, bot.clock.now(), trainer)


async def exact_figures(bot: Harness, scope: Scope) -> tuple[Indicators, Monthly, list[Any]]:
    """What the database holds for ``scope`` this year: the indicators, people per month,
    and the Sessions sheet's rows, all exact."""
    now = bot.clock.now()
    tr = bot.tr("en")
    period = indicators.period_named(StatsPeriodName.THIS_YEAR, now, tr.zone)
    async with bot.deps.database.session() as db:
        figures = await indicators.compute(db, scope=scope, period=period, now=now)
        months = await indicators.monthly(db, scope=scope, period=period, now=now, zone=tr.zone)
        sessions = [
            row
            async for chunk in exports.session_rows(db, ExportRequest(scope, period), now=now)
            for row in chunk
        ]
    return figures, months, sessions


async def workbook_of(coordinator: Any) -> openpyxl.Workbook:
    """This year's workbook, asked for as a coordinator would."""
    await coordinator.send("/export")
    await coordinator.tap("This year")
    await coordinator.tap("Excel (XLSX)")
    await coordinator.tap("📥 Make the file")
    return openpyxl.load_workbook(io.BytesIO(coordinator.last_document().content))


def rows_of(book: openpyxl.Workbook, name: str) -> list[list[Any]]:
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def counts_shown(stats: StatsFigures, sheet: IndicatorSheet, sessions: list[SessionLine]) -> list:
    """Every number of people the coordinator was given (not sessions: see the rule)."""
    people = ("trained", "attendances", "completed", "pairs", "ratings")
    shown: list[Any] = [stats.counts[key] for key in people if key in stats.counts]
    shown += [sheet.headline[key] for key in people]
    for table in (sheet.breakdown, sheet.groups):
        for cells in table.values():
            shown += [cells[key] for key in ("trained", "attendances", "completed")]
    for line in sessions:
        shown += [line.registered, line.apologised, line.attended, line.ratings]
    return shown


def play(
    scope: Scope,
    stats: StatsFigures,
    chart: Monthly,
    sheet: IndicatorSheet,
    sessions: list[SessionLine],
) -> Attack:
    """Everything the coordinator was shown, as the attacker reads it."""
    rounded = is_rounded(counts_shown(stats, sheet, sessions), THRESHOLD)
    attack = Attack(THRESHOLD, rounded)
    rows_left_out = attack.unknown if rounded else attack.none_left_out
    for measure in ("trained", "attendances", "completed"):
        total = f"total.{measure}"
        attack.headline(total, sheet.headline[measure])
        attack.headline(total, stats.counts[measure])
        parts = []
        for labels, cells in sheet.breakdown.items():
            parts.append(f"cell.{labels}.{measure}")
            attack.cell(parts[-1], cells[measure])
        rows_left_out(f"cell.left-out.{measure}")
        attack.adds_up(total, [*parts, f"cell.left-out.{measure}"])
        groups = []
        for group, cells in sheet.groups.items():
            groups.append(f"group.{group}.{measure}")
            attack.cell(groups[-1], cells[measure])
        attack.unknown(f"group.not-asked.{measure}")  # people without the special consent
        attack.adds_up(total, [*groups, f"group.not-asked.{measure}"])
    for measure in ("pairs", "ratings"):
        attack.headline(f"total.{measure}", sheet.headline[measure])
        if measure in stats.counts:
            attack.headline(f"total.{measure}", stats.counts[measure])

    # Sessions: exact, unless they count an organisation's people.
    sessions_rounded = rounded and scope.organisations is not None
    attack.sessions("total.sessions", sheet.headline["sessions"], rounded=sessions_rounded)
    attack.sessions("total.sessions", stats.counts["sessions"], rounded=sessions_rounded)
    countries = []
    for country, count in sheet.sessions_by_country.items():
        countries.append(f"sessions.{country}")
        attack.sessions(countries[-1], count, rounded=sessions_rounded)
    (attack.unknown if sessions_rounded else attack.none_left_out)("sessions.left-out")
    attack.adds_up("total.sessions", [*countries, "sessions.left-out"])

    # The Sessions sheet's attended and ratings add up to the headline (no row left out).
    counted = [line for line in sessions if line.state in COUNTED]
    for measure, column in (("attendances", "attended"), ("ratings", "ratings")):
        parts = []
        for line in counted:
            parts.append(f"session.{line.title}.{column}")
            attack.cell(parts[-1], getattr(line, column))
        attack.adds_up(f"total.{measure}", parts)
    if scope.organisations is None:
        # Held means somebody came, and without an organisation limit everybody counts.
        for line in counted:
            if line.state == "Held":
                attack.at_least(f"session.{line.title}.attended", 1)

    # The chart: each month's bars add up to the month, the months to the people trained.
    months = []
    for index in range(len(chart.months)):
        month = f"month.{index}"
        months.append(month)
        attack.unknown(month)
        for panel, series in (("country", chart.by_country), ("gender", chart.by_gender)):
            bars = []
            for key, values in series.items():
                bars.append(f"bar.{index}.{panel}.{key}")
                attack.bar(bars[-1], values[index])
            attack.unknown(f"bar.{index}.{panel}.left-out")
            attack.adds_up(month, [*bars, f"bar.{index}.{panel}.left-out"])
    attack.unknown("month.left-out")
    attack.adds_up("total.trained", [*months, "month.left-out"])
    return attack


def check_averages(
    exact: Indicators,
    exact_sessions: list[Any],
    stats: StatsFigures,
    sheet: IndicatorSheet,
    sessions: list[SessionLine],
    labels: exports.Labels,
) -> None:
    """No average stands on fewer than 5 answers, alone or as the rest of its table."""
    totals = {"gain": exact.gain_pairs, "feedback": exact.feedback_count}
    for name, count in totals.items():
        if name in stats.averages or sheet.headline[name] is not None:
            assert count >= THRESHOLD, (name, count)
    for dimension, shown in (
        (Dimension.COUNTRY_GENDER_AGE, sheet.breakdown),
        (Dimension.VULNERABLE_GROUP, sheet.groups),
    ):
        behind = {"gain": 0, "feedback": 0}
        for row in exact.rows(dimension):
            names = [labels.breakdown_value(i, value) for i, value in enumerate(row.values)]
            key: Any = tuple(names) if dimension is Dimension.COUNTRY_GENDER_AGE else None
            if key is None:
                key = labels.vulnerable_group(row.values[0])
            cells = shown.get(key, {})
            for name, count in (
                ("gain", row.measures.gain_pairs),
                ("feedback", row.measures.feedback_count),
            ):
                if cells.get(name) is not None:
                    assert count >= THRESHOLD, (key, name, count)
                    behind[name] += count
        for name, count in behind.items():
            if sheet.headline[name] is not None:  # else there is no average to subtract from
                rest = totals[name] - count
                assert not 0 < rest < THRESHOLD, (dimension, name, rest)
    by_title = {row.training.title: row for row in exact_sessions}
    counted = [line for line in sessions if line.state in COUNTED]
    shown_ratings = [by_title[line.title].ratings for line in counted if line.average is not None]
    assert all(count >= THRESHOLD for count in shown_ratings)
    if sheet.headline["feedback"] is not None:
        rest = sum(by_title[line.title].ratings for line in counted) - sum(shown_ratings)
        assert not 0 < rest < THRESHOLD, rest


@pytest.mark.parametrize("who", list(SCOPES))
async def test_a_limited_scope_cannot_work_out_a_small_group(bot: Harness, who: str):
    await the_world(bot)
    user_id, scope = SCOPES[who]
    coordinator = await bot.person(
        user_id,
        role=Role.COORDINATOR,
        countries=scope.countries or (),
        organisations=scope.organisations or (),
    )
    disclosure = Disclosure.for_scope(scope, THRESHOLD)
    tr = bot.tr("en")
    exact, exact_months, exact_sessions = await exact_figures(bot, scope)

    replies = await coordinator.send("/stats")
    stats = read_stats(replies[0].text or "")
    # The chart is drawn from the months as the rule shows them, and from nothing else.
    chart = exact_months.shown(disclosure)
    photos = [message.photo for message in replies if message.photo is not None]
    if chart.empty:
        assert photos == []
    else:
        assert [photo.content for photo in photos] == [
            chart_png(tr, StatsPeriodName.THIS_YEAR, chart, disclosure)
        ]
    book = await workbook_of(coordinator)
    sheet = read_indicators(rows_of(book, "Indicators"))
    sessions = read_sessions(rows_of(book, "Sessions"))

    attack = play(scope, stats, chart, sheet, sessions)
    assert attack.recovered() == {}
    assert attack.rounded  # no number of people is shown exactly
    check_averages(exact, exact_sessions, stats, sheet, sessions, exports.Labels(tr))
    assert exact.people_trained != stats.counts["trained"]  # the world is small indeed


async def test_the_organisation_sees_rounded_figures_and_why(bot: Harness):
    await the_world(bot)
    user_id, scope = SCOPES["organisation"]
    coordinator = await bot.person(
        user_id, role=Role.COORDINATOR, organisations=scope.organisations or ()
    )
    [message, photo] = await coordinator.send("/stats")
    text = message.text or ""
    # 13 people, 13 attendances, 3 sessions, 6 completed; 6 pairs, 12 ratings.
    assert "👥 People trained: 15" in text
    assert "🧾 Attendances: 15" in text
    assert "🏫 Sessions held: 5" in text
    assert "🎓 People who completed a module: 5" in text
    assert "📈 Average knowledge gain: +54.2 percentage points (5 pre/post pairs, " in text
    assert "⭐ Average feedback: 4.2 of 5 (10 ratings)" in text
    assert "every figure is rounded to a multiple of 5" in text
    assert photo.photo is not None

    book = await workbook_of(coordinator)
    sheet = read_indicators(rows_of(book, "Indicators"))
    # The two people in Kosovo rounded to nothing: their rows are gone.
    assert sheet.breakdown == {
        ("Serbia", "Woman", "25–34"): {
            "trained": 10,
            "attendances": 10,
            "completed": 5,
            "gain": None,  # 5 pairs beside the headline's 6 would give away her 75
            "feedback": 4,
        },
        ("Serbia", "Man", "25–34"): {
            "trained": 5,
            "attendances": 5,
            "completed": 0,
            "gain": None,
            "feedback": None,  # beside the 6 ratings of 4, it would give away the 1
        },
    }
    assert sheet.groups == {}
    sessions = read_sessions(rows_of(book, "Sessions"))
    assert [
        (line.state, line.registered, line.attended, line.ratings, line.average)
        for line in sessions
    ] == [("Held", 5, 5, 5, 4), ("Held", 5, 5, 5, None), ("Held", 5, 5, 0, None)]
    about = {row[0]: row[1] for row in rows_of(book, "About") if row[0] and row[1]}
    assert about["Small numbers"].startswith("Your scope is limited, so every number of people")
