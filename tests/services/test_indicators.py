"""Donor indicators against a fixture whose every number was computed by hand
(tests/support/indicator_world.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.services import indicators
from bot.services.indicators import (
    NOT_ASKED,
    UNKNOWN,
    Dimension,
    Disclosure,
    Filters,
    Indicators,
    Period,
    period_between,
    period_named,
)
from bot.services.roles import FULL_SCOPE, Scope
from tests.factories import make_learner, make_training, record_attendance
from tests.support.indicator_world import build_world
from tests.support.reporting import EU, PW, utc

ZONE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
YEAR_2026 = period_named("this-year", NOW, ZONE)
COUNTRY = Dimension.COUNTRY
CG = Dimension.COUNTRY_GENDER
VG = Dimension.VULNERABLE_GROUP


async def compute(
    database: Database,
    *,
    scope: Scope = FULL_SCOPE,
    period: Period = YEAR_2026,
    filters: Filters | None = None,
) -> Indicators:
    async with database.session() as db:
        return await indicators.compute(
            db, scope=scope, period=period, filters=filters or Filters(), now=NOW
        )


# -- headline figures --------------------------------------------------------------------------


async def test_headline_figures_for_the_year(database: Database):
    await build_world(database)
    result = await compute(database)
    assert result.people_trained == 6  # A, B, C, D, E, H
    assert result.attendances == 7  # S1: 3, S2: 2, S3: 2
    assert result.sessions_held == 3  # S1, S2, S3 (S4 cancelled, S6 nobody came)
    assert result.people_completed == 4  # A, D, E, I
    assert result.gain_pairs == 4  # A 50, B 25, D 75, I 25
    assert result.average_gain == pytest.approx(43.75)  # 175 / 4
    assert result.feedback_count == 5
    assert result.average_feedback == pytest.approx(3.6)  # 18 / 5
    assert result.sessions_by_country == {"BA": 1, "RS": 1, "XK": 1}


async def test_headline_figures_for_all_time(database: Database):
    await build_world(database)
    result = await compute(database, period=period_named("all-time", NOW, ZONE))
    assert result.people_trained == 7  # + G at S5
    assert result.attendances == 8
    assert result.sessions_held == 4  # + S5
    assert result.people_completed == 5  # + G
    assert result.gain_pairs == 5
    assert result.average_gain == pytest.approx(40.0)  # 200 / 5
    assert result.feedback_count == 6
    assert result.average_feedback == pytest.approx(23 / 6)


async def test_an_empty_database_gives_zeros_and_no_averages(database: Database):
    result = await compute(database)
    assert (result.people_trained, result.attendances, result.sessions_held) == (0, 0, 0)
    assert result.people_completed == 0
    assert result.average_gain is None and result.average_feedback is None
    assert result.breakdown == []


# -- breakdowns --------------------------------------------------------------------------------


async def test_every_figure_about_people_counts_by_the_persons_own_country(
    database: Database,
):
    await build_world(database)
    result = await compute(database)

    serbia = result.cell(COUNTRY, "RS")  # A and B
    # A (a Serbian) was trained in Serbia (S1) and in Kosovo (S2): once, under Serbia.
    assert (serbia.people_trained, serbia.attendances) == (2, 3)
    assert (serbia.people_completed, serbia.gain_pairs, serbia.average_gain) == (1, 2, 37.5)
    assert (serbia.feedback_count, serbia.average_feedback) == (3, pytest.approx(13 / 3))
    kosovo = result.cell(COUNTRY, "XK")  # the walk-in C trained; I learned online
    assert (kosovo.people_trained, kosovo.attendances, kosovo.people_completed) == (1, 1, 1)
    assert (kosovo.gain_pairs, kosovo.average_gain, kosovo.feedback_count) == (1, 25, 0)
    bosnia = result.cell(COUNTRY, "BA")  # E and the walk-in H
    assert (bosnia.people_trained, bosnia.people_completed, bosnia.average_feedback) == (
        2,
        1,
        2.0,
    )
    erased = result.cell(COUNTRY, UNKNOWN)  # D: nothing known any more, still counted
    assert (erased.people_trained, erased.attendances, erased.people_completed) == (1, 1, 1)
    assert (erased.average_gain, erased.average_feedback) == (75, 3.0)
    assert result.cell(CG, "RS", "female").people_trained == 1  # A
    assert result.cell(CG, "BA", "undisclosed").people_trained == 1  # E
    assert result.cell(CG, UNKNOWN, UNKNOWN).people_trained == 1  # D
    assert result.cell(Dimension.ORGANISATION, "Civic Lab").people_trained == 3  # A, E, H
    assert result.cell(Dimension.AGE_BAND, "25-34").people_trained == 2  # A, H


async def test_every_breakdown_adds_up_to_its_headline(database: Database):
    await build_world(database)
    for period in (YEAR_2026, indicators.ALL_TIME):
        result = await compute(database, period=period)
        for dimension in Dimension:
            cells = [row.measures for row in result.rows(dimension)]
            assert sum(cell.people_trained for cell in cells) == result.people_trained
            assert sum(cell.attendances for cell in cells) == result.attendances
            assert sum(cell.people_completed for cell in cells) == result.people_completed
            assert sum(cell.gain_pairs for cell in cells) == result.gain_pairs
            assert sum(cell.feedback_count for cell in cells) == result.feedback_count
        assert sum(result.sessions_by_country.values()) == result.sessions_held


async def test_vulnerable_groups_only_from_people_with_special_consent(database: Database):
    await build_world(database)
    result = await compute(database)
    roma = result.cell(VG, "roma-egyptian-ashkali")  # A
    assert (roma.people_trained, roma.attendances, roma.people_completed) == (1, 2, 1)
    assert roma.average_feedback == pytest.approx(4.5)  # A's 5 and 4
    disability = result.cell(VG, "disability")  # E only: B's value is there without consent
    assert (disability.people_trained, disability.attendances) == (1, 1)
    assert disability.people_completed == 1
    assert disability.average_feedback == pytest.approx(2.0)
    not_asked = result.cell(VG, NOT_ASKED)  # B, C, D, H: the table still adds up
    assert (not_asked.people_trained, not_asked.attendances) == (4, 4)
    assert {row.values for row in result.rows(VG)} == {
        ("roma-egyptian-ashkali",),
        ("disability",),
        (NOT_ASKED,),
    }


async def test_walk_ins_count_like_everyone(database: Database):
    world = await build_world(database)
    assert world.people["C"].source == "walk_in" and world.people["H"].source == "walk_in"
    only_kosovo = await compute(database, filters=Filters(country="XK"))
    assert only_kosovo.people_trained == 2  # A (late) and the walk-in C at S2
    assert only_kosovo.attendances == 2


async def test_the_erased_learner_stays_in_the_totals_without_identity(database: Database):
    world = await build_world(database)
    erased = world.people["D"]
    assert erased.erased_at is not None and erased.country is None and erased.telegram_id is None
    result = await compute(database, filters=Filters(module=PW))
    # S2 is the passwords session: A and C. Learning: D (erased) and E, I passed PW.
    assert result.people_trained == 2
    assert result.people_completed == 3  # D, E, I
    assert result.average_gain == pytest.approx(50.0)  # D 75, I 25


# -- scopes ------------------------------------------------------------------------------------


async def test_a_coordinator_scoped_to_serbia_sees_only_serbia(database: Database):
    await build_world(database)
    result = await compute(database, scope=Scope(countries=frozenset({"RS"})))
    assert result.people_trained == 3  # S1: A, B, D
    assert result.attendances == 3
    assert result.sessions_held == 1
    assert result.sessions_by_country == {"RS": 1}
    # Learning by the person's country: A and B are Serbian (D is erased: no country).
    assert result.people_completed == 1  # A
    assert result.average_gain == pytest.approx(37.5)  # A 50, B 25
    assert result.average_feedback == pytest.approx(4.0)  # S1: 5, 4, 3
    # Each under their own country: A and B Serbian, D (erased) unknown.
    assert {row.values[0] for row in result.rows(COUNTRY)} == {"RS", UNKNOWN}


async def test_a_coordinator_scoped_to_an_organisation_sees_only_its_people(database: Database):
    await build_world(database)
    result = await compute(database, scope=Scope(organisations=frozenset({"Civic Lab"})))
    assert result.people_trained == 3  # A, E, H
    assert result.attendances == 4  # A at S1 and S2, E and H at S3
    assert result.sessions_held == 3  # each of S1, S2, S3 had someone from Civic Lab
    assert result.people_completed == 2  # A, E
    assert result.gain_pairs == 1 and result.average_gain == pytest.approx(50.0)
    assert result.average_feedback == pytest.approx(11 / 3)  # A 5, A 4, E 2


async def test_countries_and_organisations_together(database: Database):
    await build_world(database)
    scope = Scope(countries=frozenset({"XK"}), organisations=frozenset({"Forum"}))
    result = await compute(database, scope=scope)
    assert (result.people_trained, result.attendances, result.sessions_held) == (1, 1, 1)  # C
    assert result.people_completed == 0 and result.gain_pairs == 0
    assert result.feedback_count == 0


async def test_an_empty_scope_sees_nothing(database: Database):
    await build_world(database)
    result = await compute(database, scope=Scope(frozenset(), frozenset()))
    assert result.people_trained == 0 and result.people_completed == 0
    assert result.breakdown == []


async def test_filters_narrow_within_the_scope(database: Database):
    await build_world(database)
    result = await compute(
        database,
        scope=Scope(countries=frozenset({"RS", "XK"})),
        filters=Filters(module=EU),
    )
    assert result.people_trained == 3  # S1 only
    assert result.people_completed == 1  # A
    assert result.average_gain == pytest.approx(37.5)  # A 50, B 25
    forum = await compute(database, filters=Filters(organisation="Forum"))
    assert forum.people_trained == 2  # B at S1, C at S2 (D erased: no organisation)


# -- small numbers (the rule itself; tests/handlers/test_small_numbers.py plays the attack) -------

FIVE = Disclosure(5)
EXACT = Disclosure(5, exact=True)


def test_a_figure_on_its_own_is_rounded_to_the_nearest_multiple_of_five():
    values = (0, 1, 2, 3, 4, 5, 7, 8, 12, 13, 1618)
    assert [FIVE.figure(value) for value in values] == [0, 0, 0, 5, 5, 5, 5, 10, 10, 15, 1620]
    assert [EXACT.figure(value) for value in values] == list(values)
    assert FIVE.largest_error == 4 and EXACT.largest_error == 0
    assert Disclosure(1).figure(3) == 3  # a threshold of 1 rounds nothing


def test_a_table_adds_up_to_its_rounded_total():
    # 13 people as 6, 5, 1 and 1: to 15, the largest remainder (6's, the earliest) goes up.
    assert FIVE.table([6, 5, 1, 1]) == [10, 5, 0, 0]
    assert FIVE.table([4, 4]) == [5, 5]  # 8 -> 10: both go up
    assert FIVE.table([1, 1, 1]) == [5, 0, 0]  # 3 -> 5
    assert FIVE.table([]) == []
    assert EXACT.table([6, 5, 1, 1]) == [6, 5, 1, 1]
    draw = random.Random(14)
    for _ in range(2000):
        values = [
            draw.choice((0, 1, 2, 3, 4, draw.randint(0, 60))) for _ in range(draw.randint(1, 9))
        ]
        shown = FIVE.table(values)
        assert sum(shown) == FIVE.figure(sum(values)), values
        assert all(value % 5 == 0 for value in shown), values
        assert all(abs(value - exact) <= 4 for value, exact in zip(shown, values, strict=True))
        assert all(value == 0 for value, exact in zip(shown, values, strict=True) if exact == 0)


def test_averages_need_five_values_and_no_rest_of_one_to_four():
    assert FIVE.averages([6, 5]) == [True, True]
    # 6, 5 and 1 rating: beside the total's average the two shown would give away the one;
    # the 5 is hidden too, and the rest is 6 ratings.
    assert FIVE.averages([6, 5, 1]) == [True, False, False]
    assert FIVE.averages([6, 5], total=12) == [True, False]  # one rating outside the table
    assert FIVE.averages([5, 3]) == [False, False]
    assert FIVE.averages([4, 4]) == [False, False]
    assert FIVE.averages([9, 0, 0]) == [True, False, False]
    assert not FIVE.average(4) and FIVE.average(5)
    assert EXACT.averages([6, 5, 1, 0]) == [True, True, True, False]
    assert EXACT.average(1)


async def test_full_scope_sees_the_fixture_exactly(database: Database):
    await build_world(database)
    result = await compute(database)
    assert result.shown(Disclosure.for_scope(FULL_SCOPE, 5)) is result


async def test_a_limited_scope_sees_the_fixture_rounded(database: Database):
    await build_world(database)
    result = await compute(database)
    shown = result.shown(Disclosure.for_scope(Scope(countries=frozenset({"RS"})), 5))
    # 6 people, 7 attendances, 3 sessions, 4 completed, 4 pairs, 5 ratings averaging 3.6.
    assert (shown.people_trained, shown.attendances) == (5, 5)
    assert shown.sessions_held == 3  # sessions, not people: no organisation limit
    assert (shown.people_completed, shown.gain_pairs, shown.feedback_count) == (5, 5, 5)
    assert shown.average_gain is None  # 4 pairs
    assert shown.average_feedback == pytest.approx(3.6)  # 5 ratings
    cells = [row.measures for row in shown.rows(COUNTRY)]
    exact = [row.measures for row in result.rows(COUNTRY)]
    assert sum(cell.attendances for cell in cells) == 5  # adds up to the rounded total
    assert sum(cell.people_trained for cell in cells) == 5  # 2 + 1 + 2 + 1 -> 5
    for cell in cells:
        assert cell.people_trained % 5 == 0 and cell.attendances % 5 == 0
        assert cell.average_feedback is None and cell.average_gain is None
    assert len(cells) < len(exact)  # rows of zeros are left out
    assert shown.sessions_by_country == result.sessions_by_country
    # With an organisation limit it counts the sessions their people attended: rounded.
    forum = await compute(database, scope=Scope(organisations=frozenset({"Forum"})))
    assert forum.sessions_held == 2
    assert forum.shown(FIVE).sessions_held == 0
    assert forum.shown(FIVE).sessions_by_country == {}


# -- periods -----------------------------------------------------------------------------------


def test_named_periods_follow_the_local_calendar():
    assert period_named("this-month", NOW, ZONE) == Period(
        utc(2026, 11, 30, 23), utc(2026, 12, 31, 23)
    )
    assert period_named("last-month", NOW, ZONE) == Period(
        utc(2026, 10, 31, 23), utc(2026, 11, 30, 23)
    )
    # Q4 begins in summer time (UTC+2) and ends in winter time (UTC+1).
    assert period_named("this-quarter", NOW, ZONE) == Period(
        utc(2026, 9, 30, 22), utc(2026, 12, 31, 23)
    )
    assert period_named("last-quarter", NOW, ZONE) == Period(
        utc(2026, 6, 30, 22), utc(2026, 9, 30, 22)
    )
    assert period_named("this-year", NOW, ZONE) == Period(
        utc(2025, 12, 31, 23), utc(2026, 12, 31, 23)
    )
    assert period_named("all-time", NOW, ZONE) == Period(None, None)
    # Early in January, last month is December of the year before.
    january = datetime(2027, 1, 10, 8, tzinfo=UTC)
    assert period_named("last-month", january, ZONE) == Period(
        utc(2026, 11, 30, 23), utc(2026, 12, 31, 23)
    )
    assert period_named("last-quarter", january, ZONE) == period_named("this-quarter", NOW, ZONE)
    # 23:30 UTC on 30 November is already 1 December in Belgrade.
    assert period_named("this-month", utc(2026, 11, 30, 23, 30), "Europe/Belgrade").start == (
        utc(2026, 11, 30, 23)
    )
    with pytest.raises(ValueError):
        period_named("next-week", NOW, ZONE)


def test_periods_between_two_dates_include_both_days():
    # Summer time starts on 29 March 2026: the end is midnight CEST.
    assert period_between(date(2026, 3, 1), date(2026, 3, 31), ZONE) == Period(
        utc(2026, 2, 28, 23), utc(2026, 3, 31, 22)
    )
    assert period_between(date(2026, 5, 5), date(2026, 5, 5), ZONE) == Period(
        utc(2026, 5, 4, 22), utc(2026, 5, 5, 22)
    )
    assert period_between(None, date(2026, 1, 1), ZONE).start is None
    with pytest.raises(ValueError):
        period_between(date(2026, 5, 5), date(2026, 5, 4), ZONE)


async def test_a_session_late_on_the_last_day_of_a_month_belongs_to_that_month(
    database: Database,
):
    await build_world(database)  # S3 starts at 23:30 local on 30 November
    async with database.session() as db:
        trainer = await make_learner(db)
        late = await make_learner(db, country="BA", gender="male", age_band="18-24")
        # 00:30 local on 1 December, still 30 November in UTC.
        december = await make_training(db, trainer, utc(2026, 11, 30, 23, 30), country="BA")
        await record_attendance(db, december, late)
    november = await compute(database, period=period_named("last-month", NOW, ZONE))
    assert november.people_trained == 2  # E and H at S3
    assert november.cell(CG, "BA", "male").people_trained == 0
    this_month = await compute(database, period=period_named("this-month", NOW, ZONE))
    assert this_month.people_trained == 1
    assert this_month.cell(CG, "BA", "male").people_trained == 1
    quarter = await compute(database, period=period_named("this-quarter", NOW, ZONE))
    assert quarter.people_trained == 3 and quarter.sessions_held == 2
    march = await compute(
        database, period=period_between(date(2026, 3, 1), date(2026, 3, 31), ZONE)
    )
    assert march.people_trained == 3  # S1
    assert march.people_completed == 1  # A on 11 March
    assert march.average_gain == pytest.approx(37.5)  # A 50, B 25 (posts in March)


async def test_sessions_not_yet_started_are_not_counted(database: Database):
    await build_world(database)
    async with database.session() as db:
        result = await indicators.compute(
            db, scope=FULL_SCOPE, period=YEAR_2026, filters=Filters(), now=utc(2026, 4, 1)
        )
    assert result.people_trained == 3 and result.sessions_held == 1  # S1 only, by 1 April
