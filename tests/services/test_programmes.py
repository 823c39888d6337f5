"""Programmes in the shared scope filter (every report honours a programme limit or
filter), targets loaded from files (errors by line, idempotent) and the progress and pace
computed from the indicators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import AuditEntry, Target
from bot.services import indicators, programmes, subscriptions, targets
from bot.services.indicators import ALL_TIME, Filters
from bot.services.roles import FULL_SCOPE, Scope
from bot.services.subscriptions import Frequency
from bot.services.targets import Pace, TargetFileError
from tests.support.programmes_world import SMART, build_programme_world

ZONE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)


async def figures(database: Database, scope: Scope, filters: Filters) -> indicators.Indicators:
    async with database.session() as db:
        return await indicators.compute(db, scope=scope, period=ALL_TIME, filters=filters, now=NOW)


async def test_a_programme_limit_or_filter_counts_only_that_programme(database: Database):
    world = await build_programme_world(database)
    assert (await figures(database, FULL_SCOPE, Filters())).people_trained == 9
    smart = await figures(database, FULL_SCOPE, Filters(programme=world.smart))
    assert (smart.people_trained, smart.attendances, smart.sessions_held) == (6, 7, 3)
    # Learning figures: the people who take part in the programme (its module's learner).
    assert smart.people_completed == 1
    default = await figures(database, FULL_SCOPE, Filters(programme=world.default))
    assert (default.people_trained, default.people_completed) == (3, 0)
    # A coordinator limited to SMART: the same as the filter, and a filter outside their
    # programmes counts nothing.
    limited = Scope(programmes=frozenset({world.smart}))
    assert (await figures(database, limited, Filters())).people_trained == 6
    assert (await figures(database, limited, Filters(programme=world.default))).attendances == 0
    assert (await figures(database, limited, Filters(country="BA"))).people_trained == 2


async def test_targets_load_from_yaml_report_every_problem_by_line_and_change_nothing(
    database: Database, tmp_path: Path
):
    await build_programme_world(database)
    bad = tmp_path / "targets.yaml"
    bad.write_text(
        "targets:\n"
        f"  - {{programme: {SMART}, indicator: people-trained, due: 2027-06-30, value: 1620}}\n"
        "  - programme: Nowhere\n"
        "    indicator: people-trained\n"
        "    due: 2027-06-30\n"
        "    value: 10\n"
        f"  - {{programme: {SMART}, indicator: smiles, due: 2027-06-30, value: 5}}\n"
        f"  - {{programme: {SMART}, indicator: attendances, country: XK, due: 2027-06-30,"
        " value: 5}\n"
        f"  - {{programme: {SMART}, indicator: attendances, due: 2028-01-01, value: 5}}\n"
        f"  - {{programme: {SMART}, indicator: attendances, due: 2027-01-01, value: -3}}\n"
        f"  - {{programme: {SMART}, indicator: people-trained, due: 2027-06-30, value: 9}}\n",
        encoding="utf-8",
    )
    async with database.session() as db:
        with pytest.raises(TargetFileError) as raised:
            await targets.load(db, bad, now=NOW)
    problems = [str(problem) for problem in raised.value.problems]
    assert problems == [
        "line 3: no programme is called 'Nowhere' (python -m bot programmes list)",
        "line 7: unknown indicator 'smiles' (one of: people-trained, attendances, "
        "sessions-held, people-completed)",
        "line 8: XK is not a country of 'SMART Balkans' (AL, BA, RS)",
        "line 9: `due` (2028-01-01) is after the programme ends (2027-06-30)",
        "line 10: `value` must be a whole number from 1 up, not -3",
        "line 11: the same target as on line 2",
    ]
    async with database.session() as db:
        assert (await db.exec(select(Target))).all() == []


async def test_targets_load_from_csv_is_idempotent_and_replaces_the_programmes_targets(
    database: Database, tmp_path: Path
):
    world = await build_programme_world(database)
    good = tmp_path / "targets.csv"
    good.write_text(
        "programme,indicator,country,from,due,value\n"
        f"{SMART},people-trained,,,2027-06-30,1620\n"
        f"{SMART},people-trained,AL,,2027-06-30,270\n"
        f"{SMART},people-trained,BA,,2027-06-30,270\n"
        f"{SMART},sessions-held,,2026-04-01,2026-12-31,6\n",
        encoding="utf-8",
    )
    async with database.session() as db:
        first = await targets.load(db, good, now=NOW)
    async with database.session() as db:
        again = await targets.load(db, good, now=NOW)
    assert first.counts == {SMART: (0, 4)} and first.changed == [SMART]
    assert again.counts == {SMART: (4, 4)} and again.changed == []
    async with database.session() as db:
        stored = (await db.exec(select(Target).where(Target.programme_id == world.smart))).all()
        loads = (await db.exec(select(AuditEntry).where(AuditEntry.action == "targets.load"))).all()
    assert sorted((t.indicator, t.country, t.value) for t in stored) == [
        ("people-trained", "", 1620),
        ("people-trained", "AL", 270),
        ("people-trained", "BA", 270),
        ("sessions-held", "", 6),
    ]
    assert len(loads) == 1  # the second load changed nothing
    # A smaller file replaces them all.
    good.write_text(
        f"programme,indicator,due,value\n{SMART},people-trained,2027-06-30,1000\n",
        encoding="utf-8",
    )
    async with database.session() as db:
        third = await targets.load(db, good, now=NOW)
    assert third.counts == {SMART: (4, 1)}


def test_pace_is_the_straight_line_with_a_tolerance_of_five_percent():
    start, due = date(2026, 1, 1), date(2026, 12, 31)
    middle = date(2026, 7, 2)  # 182 of 364 days: half way
    assert targets.expected_by(1000, start, due, middle) == 500
    assert targets.pace_of(450, 1000, start, due, middle) == (500, Pace.ON_PACE)  # 500 - 50
    assert targets.pace_of(449, 1000, start, due, middle) == (500, Pace.BEHIND)
    assert targets.pace_of(1000, 1000, start, due, middle)[1] is Pace.MET
    assert targets.pace_of(999, 1000, start, due, date(2027, 1, 1))[1] is Pace.MISSED
    assert targets.pace_of(0, 1000, start, due, start)[1] is Pace.NOT_STARTED


async def test_progress_uses_the_indicators_and_rounds_for_a_limited_scope(
    database: Database, tmp_path: Path
):
    world = await build_programme_world(database)
    path = tmp_path / "t.yaml"
    path.write_text(
        "- {programme: SMART Balkans, indicator: people-trained, due: 2027-06-30, value: 20}\n"
        "- {programme: SMART Balkans, indicator: people-trained, country: AL, due: 2027-06-30,"
        " value: 4}\n"
        "- {programme: SMART Balkans, indicator: people-trained, country: BA, due: 2027-06-30,"
        " value: 10}\n",
        encoding="utf-8",
    )
    async with database.session() as db:
        await targets.load(db, path, now=NOW)
    async with database.session() as db:
        full = await targets.progress(
            db, scope=FULL_SCOPE, filters=Filters(), now=NOW, zone=ZONE, threshold=5
        )
        bosnia_only = await targets.progress(
            db,
            scope=Scope(countries=frozenset({"BA"})),
            filters=Filters(),
            now=NOW,
            zone=ZONE,
            threshold=5,
        )
        of_organisations = await targets.progress(
            db,
            scope=Scope(organisations=frozenset({"Forum"})),
            filters=Filters(),
            now=NOW,
            zone=ZONE,
            threshold=5,
        )
        limited = await targets.progress(
            db,
            scope=Scope(programmes=frozenset({world.smart})),
            filters=Filters(),
            now=NOW,
            zone=ZONE,
            threshold=5,
        )
    # 2026-10-01 is 273 of 545 days from the start: the straight line is at half the target.
    assert [(i.country, i.achieved, i.target, i.percent, i.expected, i.pace) for i in full] == [
        ("", 6, 20, 30, 10, Pace.BEHIND),
        ("AL", 4, 4, 100, 2, Pace.MET),
        ("BA", 2, 10, 20, 5, Pace.BEHIND),
    ]
    # A Bosnia coordinator sees Bosnia's target only, their figure rounded (2 -> 0).
    assert [(i.country, i.achieved, i.pace) for i in bosnia_only] == [("BA", 0, Pace.BEHIND)]
    assert of_organisations == []
    # Limited to the programme: every figure a multiple of 5 (6 -> 5, 4 -> 5, 2 -> 0).
    assert [i.achieved for i in limited] == [5, 5, 0]


async def test_a_delivery_is_claimed_once_per_subscription_and_period(database: Database):
    from tests.factories import grant, make_learner

    async with database.session() as db:
        person = await make_learner(db)
        await grant(db, person, "coordinator")
        subscription = await subscriptions.subscribe(
            db, person, Frequency.MONTHLY, None, admin_ids=(), now=NOW
        )
    later = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # Monday 2 November, 08:00 local
    async with database.session() as db:
        [due] = await subscriptions.due(db, later, ZONE)
        assert due.subscription_id == subscription.id and due.period_start == date(2026, 11, 1)
        assert await subscriptions.claim(db, due, later) is not None
    async with database.session() as db:
        assert await subscriptions.claim(db, due, later) is None  # a second bot: refused
        assert await subscriptions.due(db, later, ZONE) == []


def test_the_first_working_day_and_the_period_covered():
    assert subscriptions.first_working_day(date(2026, 11, 1)) == date(2026, 11, 2)  # Sunday
    assert subscriptions.first_working_day(date(2027, 5, 1)) == date(2027, 5, 3)  # Saturday
    assert subscriptions.covered_days(Frequency.MONTHLY, date(2027, 1, 1)) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert subscriptions.period_start(Frequency.WEEKLY, date(2026, 12, 10)) == date(2026, 12, 7)
    assert subscriptions.covered_days(Frequency.WEEKLY, date(2026, 12, 7)) == (
        date(2026, 11, 30),
        date(2026, 12, 6),
    )


async def test_programmes_are_validated_and_names_are_unique(database: Database):
    values = programmes.ProgrammeValues(
        name="  SOE-3  ", starts_on=date(2019, 1, 1), ends_on=date(2020, 12, 31), countries=("rs",)
    )
    async with database.session() as db:
        made = await programmes.create(db, values, known_modules=(), now=NOW)
        assert (made.name, made.countries) == ("SOE-3", "RS")
        with pytest.raises(programmes.ProgrammeError) as taken:
            await programmes.create(db, values, known_modules=(), now=NOW)
        assert taken.value.reason is programmes.Reason.NAME_TAKEN
        backwards = programmes.ProgrammeValues(
            name="X", starts_on=date(2020, 1, 1), ends_on=date(2019, 1, 1)
        )
        with pytest.raises(programmes.ProgrammeError) as wrong:
            await programmes.create(db, backwards, known_modules=(), now=NOW)
        assert wrong.value.reason is programmes.Reason.END_BEFORE_START
