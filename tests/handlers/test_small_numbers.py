"""Small numbers, played as an attack: a coordinator with a limited scope reads every figure
the bot gives them (``/stats`` and its charts, every table of the Indicators sheet, the tidy
CSV, the Sessions sheet) and adds and subtracts them (tests/support/disclosure_attack.py).
Nothing they could not know from a figure itself may come out exact, and no average may
stand on fewer than 5 answers, alone or as the rest of a table. The world is
tests/support/small_world.py.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from bot.handlers.stats import StatsPeriodName, chart_pngs
from bot.models import Role
from bot.services import exports, indicators
from bot.services.exports import ExportRequest
from bot.services.indicators import Dimension, Indicators
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
    read_tidy,
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


async def exact_figures(bot: Harness, scope: Scope) -> tuple[Indicators, list[Any]]:
    """What the database holds for ``scope`` this year: the indicators and the Sessions
    sheet's rows, all exact."""
    now = bot.clock.now()
    tr = bot.tr("en")
    period = indicators.period_named(StatsPeriodName.THIS_YEAR, now, tr.zone)
    async with bot.deps.database.session() as db:
        figures = await indicators.compute(db, scope=scope, period=period, now=now)
        sessions = [
            row
            async for chunk in exports.session_rows(db, ExportRequest(scope, period), now=now)
            for row in chunk
        ]
    return figures, sessions


async def files_of(coordinator: Any) -> tuple[openpyxl.Workbook, list[dict[str, str]]]:
    """This year's workbook and its tidy CSV, asked for as a coordinator would."""
    await coordinator.send("/export")
    await coordinator.tap("This year")
    await coordinator.tap("Excel (XLSX)")
    await coordinator.tap("📥 Make the file")
    documents = [m.document for m in coordinator.bot_messages() if m.document is not None]
    tidy, book = documents[-2:]
    assert tidy.file_name.endswith("-indicators.csv") and book.file_name.endswith(".xlsx")
    lines = list(csv.DictReader(io.StringIO(tidy.content.decode("utf-8-sig"))))
    return openpyxl.load_workbook(io.BytesIO(book.content)), lines


def rows_of(book: openpyxl.Workbook, name: str) -> list[list[Any]]:
    return [list(row) for row in book[name].iter_rows(values_only=True)]


PEOPLE = (
    "people-trained",
    "attendances",
    "completions",
    "knowledge-gain-pairs",
    "satisfaction-ratings",
)
"""The numbers of people (and of their answers) the tables show."""
IN_STATS = {
    "people-trained": "trained",
    "attendances": "attendances",
    "completions": "completed",
    "knowledge-gain-pairs": "pairs",
    "satisfaction-ratings": "ratings",
}
SESSIONS = "session-country"


def counts_shown(
    stats: StatsFigures, sheets: list[IndicatorSheet], sessions: list[SessionLine]
) -> list:
    """Every number of people the coordinator was given (not sessions: see the rule)."""
    shown: list[Any] = [stats.counts[key] for key in IN_STATS.values() if key in stats.counts]
    for groups in stats.breakdowns.values():
        shown += list(groups.values())
    for sheet in sheets:
        shown += [sheet.headline[key] for key in PEOPLE]
        for dimension, table in sheet.tables.items():
            if dimension != SESSIONS:
                shown += [cells[key] for cells in table.values() for key in PEOPLE]
    for line in sessions:
        shown += [line.registered, line.apologised, line.attended, line.ratings]
    return shown


def play(
    scope: Scope,
    stats: StatsFigures,
    sheets: list[IndicatorSheet],
    sessions: list[SessionLine],
) -> Attack:
    """Everything the coordinator was given (``/stats``, the Indicators sheet and the tidy
    CSV, the Sessions sheet), as the attacker reads it: every table adds up to its headline
    (a person is in one row), a cross adds up to its margins, and rows left out hold
    anything the rounding allows."""
    rounded = is_rounded(counts_shown(stats, sheets, sessions), THRESHOLD)
    attack = Attack(THRESHOLD, rounded)
    rows_left_out = attack.unknown if rounded else attack.none_left_out
    for measure in PEOPLE:
        total = f"total.{measure}"
        if IN_STATS[measure] in stats.counts:
            attack.headline(total, stats.counts[IN_STATS[measure]])
        for number, sheet in enumerate(sheets):
            attack.headline(total, sheet.headline[measure])
            for dimension, table in sheet.tables.items():
                if dimension == SESSIONS:
                    continue
                parts = []
                for codes, cells in table.items():
                    parts.append(f"{dimension}.{codes}.{measure}")
                    attack.cell(parts[-1], cells[measure])
                left = f"{dimension}.left-out.{number}.{measure}"
                rows_left_out(left)
                attack.adds_up(total, [*parts, left])
            # The cross adds up to its margins: a country is its genders, a gender its
            # countries.
            cross = sheet.tables.get("country-gender", {})
            for position, margin in ((0, "country"), (1, "gender")):
                for (value,) in sheet.tables.get(margin, {}):
                    parts = [
                        f"country-gender.{codes}.{measure}"
                        for codes in cross
                        if codes[position] == value
                    ]
                    left = f"country-gender.left-out.{number}.{margin}.{value}.{measure}"
                    rows_left_out(left)
                    attack.adds_up(f"{margin}.{(value,)}.{measure}", [*parts, left])

    # Sessions: exact, unless they count an organisation's people.
    sessions_rounded = rounded and scope.organisations is not None
    attack.sessions("total.sessions", stats.counts["sessions"], rounded=sessions_rounded)
    for number, sheet in enumerate(sheets):
        attack.sessions("total.sessions", sheet.headline["sessions-held"], rounded=sessions_rounded)
        countries = []
        for codes, cells in sheet.tables.get(SESSIONS, {}).items():
            countries.append(f"sessions.{codes}")
            attack.sessions(countries[-1], cells["sessions-held"], rounded=sessions_rounded)
        left = f"sessions.left-out.{number}"
        (attack.unknown if sessions_rounded else attack.none_left_out)(left)
        attack.adds_up("total.sessions", [*countries, left])

    # The Sessions sheet's attended and ratings add up to the headline (no row left out).
    counted = [line for line in sessions if line.state in COUNTED]
    for measure, column in (("attendances", "attended"), ("satisfaction-ratings", "ratings")):
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
    return attack


AVERAGE_COUNTS = {"knowledge-gain": "gain_pairs", "satisfaction": "feedback_count"}


def check_averages(
    exact: Indicators,
    exact_sessions: list[Any],
    stats: StatsFigures,
    sheets: list[IndicatorSheet],
    sessions: list[SessionLine],
) -> None:
    """No average stands on fewer than 5 answers, alone or as the rest of its table; an
    average not shown is an empty cell flagged as suppressed."""
    totals = {name: getattr(exact, count) for name, count in AVERAGE_COUNTS.items()}
    for name, count in zip(AVERAGE_COUNTS, ("gain", "feedback"), strict=True):
        if count in stats.averages:
            assert totals[name] >= THRESHOLD, (name, totals[name])
    for sheet in sheets:
        for name, count in totals.items():
            if sheet.headline[name] is not None:
                assert count >= THRESHOLD, (name, count)
            else:
                assert sheet.headline_suppressed[name] == 1, name
        for dimension in Dimension:
            shown = sheet.tables.get(dimension.value, {})
            behind = dict.fromkeys(AVERAGE_COUNTS, 0)
            for row in exact.rows(dimension):
                cells = shown.get(row.values, {})
                for name, count_name in AVERAGE_COUNTS.items():
                    if cells.get(name) is not None:
                        count = getattr(row.measures, count_name)
                        assert count >= THRESHOLD, (dimension, row.values, name, count)
                        behind[name] += count
                    elif cells:
                        assert name in sheet.suppressed[(dimension.value, row.values)]
            for name, count in behind.items():
                if sheet.headline[name] is not None:  # else no average to subtract from
                    rest = totals[name] - count
                    assert not 0 < rest < THRESHOLD, (dimension, name, rest)
    by_title = {row.training.title: row for row in exact_sessions}
    counted = [line for line in sessions if line.state in COUNTED]
    shown_ratings = [by_title[line.title].ratings for line in counted if line.average is not None]
    assert all(count >= THRESHOLD for count in shown_ratings)
    if sheets[0].headline["satisfaction"] is not None:
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
    tr = bot.tr("en")
    exact, exact_sessions = await exact_figures(bot, scope)

    replies = await coordinator.send("/stats")
    stats = read_stats(replies[0].text or "")
    # The charts are drawn from the figures as the rule shows them, and from nothing else.
    now = bot.clock.now()
    async with bot.deps.database.session() as db:
        report = await indicators.make_report(
            db,
            scope=scope,
            period=indicators.period_named(StatsPeriodName.THIS_YEAR, now, tr.zone),
            filters=indicators.NO_FILTERS,
            now=now,
            threshold=THRESHOLD,
        )
    photos = [message.photo.content for message in replies if message.photo is not None]
    assert photos == [picture for _, picture in chart_pngs(tr, StatsPeriodName.THIS_YEAR, report)]
    book, tidy = await files_of(coordinator)
    sheet = read_indicators(rows_of(book, "Indicators"))
    from_csv = read_tidy(tidy)
    assert from_csv.tables == sheet.tables and from_csv.headline == sheet.headline
    # /stats shows the sheet's figures.
    shown_countries = sorted(stats.breakdowns.get("country", {}).values())
    in_sheet = sorted(
        cells["people-trained"]
        for cells in sheet.tables.get("country", {}).values()
        if cells["people-trained"]
    )
    assert shown_countries == in_sheet
    sessions = read_sessions(rows_of(book, "Sessions"))

    attack = play(scope, stats, [sheet, from_csv], sessions)
    assert attack.recovered() == {}
    assert attack.rounded  # no number of people is shown exactly
    check_averages(exact, exact_sessions, stats, [sheet, from_csv], sessions)
    assert exact.people_trained != stats.counts["trained"]  # the world is small indeed


async def test_the_organisation_sees_rounded_figures_and_why(bot: Harness):
    await the_world(bot)
    user_id, scope = SCOPES["organisation"]
    coordinator = await bot.person(
        user_id, role=Role.COORDINATOR, organisations=scope.organisations or ()
    )
    [message, *photos] = await coordinator.send("/stats")
    text = message.text or ""
    # 13 people, 13 attendances, 3 sessions, 6 completed; 6 pairs, 12 ratings.
    assert "👥 People trained: 15" in text
    assert "🧾 Attendances: 15" in text
    assert "🏫 Sessions held: 5" in text
    assert "🎓 People who completed a module: 5" in text
    assert "📈 Average knowledge gain: +54.2 percentage points (5 pre/post pairs)" in text
    assert "⭐ Average feedback: 4.2 of 5 (10 ratings)" in text
    assert "every figure is rounded to a multiple of 5" in text
    # 11 in Serbia and 2 in Kosovo, rounded together to add up to 15.
    assert "By country: Serbia 10 · Kosovo 5" in text
    assert photos and all(photo.photo is not None for photo in photos)

    book, _tidy = await files_of(coordinator)
    sheet = read_indicators(rows_of(book, "Indicators"))
    assert sheet.tables["country"] == {
        ("RS",): {
            "people-trained": 10,
            "attendances": 10,
            "completions": 5,
            "knowledge-gain-pairs": 5,
            # 5 pairs beside the headline's 6 would give away her 75
            "knowledge-gain": None,
            "satisfaction-ratings": 10,
            # 11 ratings beside the headline's 12 would give away her 1
            "satisfaction": None,
        },
        ("XK",): {
            "people-trained": 5,
            "attendances": 5,
            "completions": 0,
            "knowledge-gain-pairs": 0,
            "knowledge-gain": None,
            "satisfaction-ratings": 0,
            "satisfaction": None,
        },
    }
    assert sheet.suppressed[("country", ("RS",))] == ["knowledge-gain", "satisfaction"]
    assert sheet.totals["country"]["people-trained"] == sheet.headline["people-trained"] == 15
    assert "rounded to multiples of 5" in sheet.notes["country"]
    sessions = read_sessions(rows_of(book, "Sessions"))
    assert [
        (line.state, line.registered, line.attended, line.ratings, line.average)
        for line in sessions
    ] == [("Held", 5, 5, 5, 4), ("Held", 5, 5, 5, None), ("Held", 5, 5, 0, None)]
    about = {row[0]: row[1] for row in rows_of(book, "About") if row[0] and row[1]}
    assert about["Small numbers"].startswith("Your scope is limited, so every number of people")
