"""Donor indicators against a fixture whose every number was computed by hand (see below)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import (
    Attendance,
    Feedback,
    Learner,
    ModuleProgress,
    QuizAttempt,
    QuizKind,
    TrainingSession,
)
from bot.services import indicators, privacy
from bot.services.indicators import (
    UNKNOWN,
    Dimension,
    Filters,
    Indicators,
    Period,
    period_between,
    period_named,
    suppress,
)
from bot.services.roles import FULL_SCOPE, Scope
from tests.factories import make_learner

ZONE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
YEAR_2026 = period_named("this-year", NOW, ZONE)
EU = "eu-accession"
PW = "passwords-2fa"
CGA = Dimension.COUNTRY_GENDER_AGE
VG = Dimension.VULNERABLE_GROUP
_codes = itertools.count(1)

# The fixture (times in UTC; Belgrade is UTC+1 in winter, UTC+2 in summer).
#
# Sessions
#   S1  RS  eu-accession   2026-03-10 09:00
#   S2  XK  passwords-2fa  2026-05-20 09:00
#   S3  BA  (no module)    2026-11-30 22:30  = 23:30 local on the last day of November
#   S4  RS  CANCELLED      2026-06-01 09:00  (E present: must not count)
#   S5  RS  eu-accession   2025-12-10 09:00  (last year)
#   S6  XK  (no module)    2026-09-15 09:00  (only excused/absent: not held)
#
# People                                            org          special  vulnerable
#   A  telegram  RS female    25-34                 Civic Lab    True     roma-egyptian-ashkali
#   B  telegram  RS male      18-24                 Forum        False    "disability" (wrongly set)
#   C  walk-in   XK female    35-44                 Forum        False
#   D  telegram  RS male 55-64, ERASED afterwards -> nothing known
#   E  telegram  BA undisclosed 45-54               Civic Lab    True     disability
#   F  telegram  XK male      25-34                 -
#   G  telegram  RS female    18-24                 -
#   H  walk-in   BA female    25-34                 Civic Lab    False
#   I  telegram  XK male      35-44                 -
#
# Attendance
#   S1: A present, B present, D present, G absent
#   S2: A late, C present (walk-in), F excused
#   S3: E present, H present (walk-in)
#   S4: E present                        (cancelled session)
#   S5: G present                        (2025)
#   S6: F absent
#
# Quizzes (4 questions, pass mark 75) and progress
#   A  EU pre 2/4=50 (Feb 1), pre 3/4=75 (Feb 5, not the first), post 3/4=75 passed (Mar 11),
#         post 4/4=100 passed (Mar 12); progress passed_at Mar 11       -> gain 100-50 = 50
#   B  EU abandoned pre (Feb 20, no score), pre 1/4=25 (Mar 1), post 2/4=50 failed (Mar 15)
#                                                                        -> gain 50-25 = 25
#   D  PW pre 1/4=25 (May 1), post 4/4=100 passed (May 21); passed_at May 21  -> gain 75
#   E  PW post 3/4=75 passed (Jun 1), no pre; passed_at Jun 1          -> completed, no pair
#   G  EU pre 2/4=50 (2025-11-20), post 3/4=75 passed (2025-12-20); passed_at 2025-12-20
#   I  PW pre 3/4=75 (Jun 30), post 4/4=100 passed (Jul 1), NO progress row -> gain 25
#
# Feedback
#   S1: A 5, B 4, D 3    S2: A 4    S3: E 2    S4 (cancelled): E 1    S5 (2025): G 5
#
# 2026, full scope
#   people trained   {A, B, D} + {A, C} + {E, H} = {A, B, C, D, E, H}              = 6
#   attendances      3 + 2 + 2                                                     = 7
#   sessions held    S1, S2, S3                                                    = 3
#   completed        A (Mar), D (May), E (Jun), I (Jul)                            = 4
#   gain pairs       A 50, B 25, D 75, I 25 -> 175 / 4                             = 43.75
#   feedback         5 + 4 + 3 + 4 + 2 = 18 / 5                                    = 3.6
# All time: + G at S5 -> people 7, attendances 8, sessions 4; completed 5;
#   gain pairs 5 (+ G 25) -> 200 / 5 = 40; feedback + 5 -> 23 / 6.


@dataclass
class World:
    people: dict[str, Learner]
    sessions: dict[str, TrainingSession]


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def make_session(
    db: AsyncSession,
    trainer: Learner,
    *,
    country: str,
    starts_at: datetime,
    module_id: str | None = None,
    cancelled: bool = False,
) -> TrainingSession:
    assert trainer.id is not None
    training = TrainingSession(
        code=f"IND{next(_codes)}",
        trainer_id=trainer.id,
        title="Training",
        module_id=module_id,
        starts_at=starts_at,
        duration_minutes=90,
        venue="Hall",
        country=country,
        language="en",
        capacity=30,
        checkin_secret=f"secret-{next(_codes)}",
        cancelled_at=utc(2026, 5, 1) if cancelled else None,
    )
    db.add(training)
    await db.flush()
    return training


async def attend(
    db: AsyncSession, training: TrainingSession, learner: Learner, status: str = "present"
) -> None:
    assert training.id is not None and learner.id is not None
    method = "walk_in" if learner.source == "walk_in" else "trainer"
    db.add(Attendance(session_id=training.id, learner_id=learner.id, status=status, method=method))
    await db.flush()


async def attempt(
    db: AsyncSession,
    learner: Learner,
    module_id: str,
    kind: QuizKind,
    correct: int,
    finished: datetime,
    *,
    abandoned: bool = False,
) -> None:
    assert learner.id is not None
    db.add(
        QuizAttempt(
            learner_id=learner.id,
            module_id=module_id,
            kind=kind,
            current_index=4,
            correct_count=correct,
            question_count=4,
            pass_mark=75,
            passed=None if abandoned else 100 * correct / 4 >= 75,
            started_at=finished,
            finished_at=finished,
        )
    )
    await db.flush()


async def passed(db: AsyncSession, learner: Learner, module_id: str, at: datetime) -> None:
    assert learner.id is not None
    db.add(
        ModuleProgress(
            learner_id=learner.id,
            module_id=module_id,
            current_card=5,
            cards_total=6,
            started_at=at,
            updated_at=at,
            lessons_done_at=at,
            passed_at=at,
        )
    )
    await db.flush()


async def rate(db: AsyncSession, training: TrainingSession, learner: Learner, rating: int) -> None:
    assert training.id is not None and learner.id is not None
    db.add(Feedback(session_id=training.id, learner_id=learner.id, rating=rating))
    await db.flush()


async def walk_in(db: AsyncSession, name: str, **profile: str) -> Learner:
    person = Learner(
        telegram_id=None,
        language="en",
        consent="given",
        display_name=name,
        source="walk_in",
        special_consent=False,
        **profile,
    )
    db.add(person)
    await db.flush()
    return person


async def build_world(database: Database) -> World:
    async with database.session() as db:
        trainer = await make_learner(db)
        a = await make_learner(
            db,
            country="RS",
            gender="female",
            age_band="25-34",
            organisation="Civic Lab",
            special_consent=True,
            vulnerable_group="roma-egyptian-ashkali",
        )
        b = await make_learner(
            db,
            country="RS",
            gender="male",
            age_band="18-24",
            organisation="Forum",
            special_consent=False,
            vulnerable_group="disability",
        )
        c = await walk_in(
            db,
            "Arta Krasniqi",
            country="XK",
            gender="female",
            age_band="35-44",
            organisation="Forum",
        )
        d = await make_learner(
            db, country="RS", gender="male", age_band="55-64", organisation="Forum"
        )
        e = await make_learner(
            db,
            country="BA",
            gender="undisclosed",
            age_band="45-54",
            organisation="Civic Lab",
            special_consent=True,
            vulnerable_group="disability",
        )
        f = await make_learner(db, country="XK", gender="male", age_band="25-34")
        g = await make_learner(db, country="RS", gender="female", age_band="18-24")
        h = await walk_in(
            db,
            "Amra Hodžić",
            country="BA",
            gender="female",
            age_band="25-34",
            organisation="Civic Lab",
        )
        i = await make_learner(db, country="XK", gender="male", age_band="35-44")

        s1 = await make_session(db, trainer, country="RS", starts_at=utc(2026, 3, 10), module_id=EU)
        s2 = await make_session(db, trainer, country="XK", starts_at=utc(2026, 5, 20), module_id=PW)
        s3 = await make_session(db, trainer, country="BA", starts_at=utc(2026, 11, 30, 22, 30))
        s4 = await make_session(
            db, trainer, country="RS", starts_at=utc(2026, 6, 1), cancelled=True
        )
        s5 = await make_session(
            db, trainer, country="RS", starts_at=utc(2025, 12, 10), module_id=EU
        )
        s6 = await make_session(db, trainer, country="XK", starts_at=utc(2026, 9, 15))

        for learner in (a, b, d):
            await attend(db, s1, learner)
        await attend(db, s1, g, "absent")
        await attend(db, s2, a, "late")
        await attend(db, s2, c)
        await attend(db, s2, f, "excused")
        await attend(db, s3, e)
        await attend(db, s3, h)
        await attend(db, s4, e)
        await attend(db, s5, g)
        await attend(db, s6, f, "absent")

        await attempt(db, a, EU, QuizKind.PRE, 2, utc(2026, 2, 1))
        await attempt(db, a, EU, QuizKind.PRE, 3, utc(2026, 2, 5))
        await attempt(db, a, EU, QuizKind.POST, 3, utc(2026, 3, 11))
        await attempt(db, a, EU, QuizKind.POST, 4, utc(2026, 3, 12))
        await passed(db, a, EU, utc(2026, 3, 11))
        await attempt(db, b, EU, QuizKind.PRE, 0, utc(2026, 2, 20), abandoned=True)
        await attempt(db, b, EU, QuizKind.PRE, 1, utc(2026, 3, 1))
        await attempt(db, b, EU, QuizKind.POST, 2, utc(2026, 3, 15))
        await attempt(db, d, PW, QuizKind.PRE, 1, utc(2026, 5, 1))
        await attempt(db, d, PW, QuizKind.POST, 4, utc(2026, 5, 21))
        await passed(db, d, PW, utc(2026, 5, 21))
        await attempt(db, e, PW, QuizKind.POST, 3, utc(2026, 6, 1))
        await passed(db, e, PW, utc(2026, 6, 1))
        await attempt(db, g, EU, QuizKind.PRE, 2, utc(2025, 11, 20))
        await attempt(db, g, EU, QuizKind.POST, 3, utc(2025, 12, 20))
        await passed(db, g, EU, utc(2025, 12, 20))
        await attempt(db, i, PW, QuizKind.PRE, 3, utc(2026, 6, 30))
        await attempt(db, i, PW, QuizKind.POST, 4, utc(2026, 7, 1))

        for training, learner, rating in (
            (s1, a, 5),
            (s1, b, 4),
            (s1, d, 3),
            (s2, a, 4),
            (s3, e, 2),
            (s4, e, 1),
            (s5, g, 5),
        ):
            await rate(db, training, learner, rating)

        # D asks to be forgotten after the fact: the rows stay, nothing identifies them.
        await privacy.erase(db, d)

    people = dict(zip("ABCDEFGHI", (a, b, c, d, e, f, g, h, i), strict=True))
    sessions = dict(
        zip(("S1", "S2", "S3", "S4", "S5", "S6"), (s1, s2, s3, s4, s5, s6), strict=True)
    )
    return World(people, sessions)


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


async def test_country_gender_age_cells_use_the_sessions_country_for_training(
    database: Database,
):
    await build_world(database)
    result = await compute(database)

    a_in_serbia = result.cell(CGA, "RS", "female", "25-34")
    assert (a_in_serbia.people_trained, a_in_serbia.attendances) == (1, 1)  # A at S1
    assert a_in_serbia.average_feedback == pytest.approx(5.0)  # A's 5 for S1
    # A (a Serbian) was also trained in Kosovo (S2, late): counted there too.
    a_in_kosovo = result.cell(CGA, "XK", "female", "25-34")
    assert (a_in_kosovo.people_trained, a_in_kosovo.attendances) == (1, 1)
    assert a_in_kosovo.average_feedback == pytest.approx(4.0)
    walk_in_c = result.cell(CGA, "XK", "female", "35-44")
    assert walk_in_c.people_trained == 1
    # The erased D counts, as nobody in particular.
    erased = result.cell(CGA, "RS", UNKNOWN, UNKNOWN)
    assert (erased.people_trained, erased.attendances) == (1, 1)
    assert erased.average_feedback == pytest.approx(3.0)
    assert result.cell(CGA, "BA", "undisclosed", "45-54").people_trained == 1  # E at S3
    assert result.cell(CGA, "BA", "female", "25-34").people_trained == 1  # H (walk-in)
    # Nobody else; cells add up to 7 (A twice) while the unique total is 6.
    trained_cells = [row for row in result.rows(CGA) if row.measures.people_trained]
    assert len(trained_cells) == 7
    assert sum(row.measures.people_trained for row in trained_cells) == 7
    assert sum(row.measures.attendances for row in result.rows(CGA)) == 7


async def test_learning_cells_use_the_persons_country(database: Database):
    await build_world(database)
    result = await compute(database)
    a = result.cell(CGA, "RS", "female", "25-34")
    assert (a.people_completed, a.gain_pairs, a.average_gain) == (1, 1, 50)
    b = result.cell(CGA, "RS", "male", "18-24")
    assert (b.people_completed, b.gain_pairs, b.average_gain) == (0, 1, 25)
    erased = result.cell(CGA, UNKNOWN, UNKNOWN, UNKNOWN)  # D: nothing known any more
    assert (erased.people_completed, erased.average_gain) == (1, 75)
    e = result.cell(CGA, "BA", "undisclosed", "45-54")
    assert (e.people_completed, e.gain_pairs, e.average_gain) == (1, 0, None)
    i = result.cell(CGA, "XK", "male", "35-44")  # passed by the quiz alone, no progress row
    assert (i.people_completed, i.gain_pairs, i.average_gain) == (1, 1, 25)
    assert i.people_trained == 0


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
    assert {row.values for row in result.rows(VG)} == {("roma-egyptian-ashkali",), ("disability",)}


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
    assert {row.values[0] for row in result.rows(CGA)} == {"RS"}


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


# -- suppression -------------------------------------------------------------------------------


def test_suppress_hides_small_cells_but_not_zero():
    assert suppress(0, 5) == "0"
    assert suppress(1, 5) == "<5"
    assert suppress(4, 5) == "<5"
    assert suppress(5, 5) == "5"
    assert suppress(1234, 5) == "1234"
    assert suppress(2, 3) == "<3"
    assert suppress(3, 3) == "3"
    assert indicators.shown_average(4.5, 4, 5) is None
    assert indicators.shown_average(4.5, 5, 5) == 4.5


async def test_every_breakdown_cell_of_the_fixture_is_suppressed_at_five(database: Database):
    await build_world(database)
    result = await compute(database)
    shown = {suppress(row.measures.people_trained, 5) for row in result.rows(CGA)}
    assert shown <= {"0", "<5"}
    assert suppress(result.people_trained, 5) == "6"


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
        december = await make_session(
            db, trainer, country="BA", starts_at=utc(2026, 11, 30, 23, 30)
        )
        await attend(db, december, late)
    november = await compute(database, period=period_named("last-month", NOW, ZONE))
    assert november.people_trained == 2  # E and H at S3
    assert november.cell(CGA, "BA", "male", "18-24").people_trained == 0
    this_month = await compute(database, period=period_named("this-month", NOW, ZONE))
    assert this_month.people_trained == 1
    assert this_month.cell(CGA, "BA", "male", "18-24").people_trained == 1
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


# -- people trained per month (the chart) ------------------------------------------------------


async def test_people_trained_per_month_by_country_and_gender(database: Database):
    await build_world(database)
    async with database.session() as db:
        months = await indicators.monthly(
            db, scope=FULL_SCOPE, period=YEAR_2026, filters=Filters(), now=NOW, zone=ZONE
        )
    assert months.months[0] == date(2026, 3, 1) and months.months[-1] == date(2026, 11, 1)
    assert len(months.months) == 9  # March to November, empty months included
    march, may, november = 0, 2, 8
    assert months.by_country["RS"][march] == 3  # A, B, D
    assert months.by_country["XK"][may] == 2  # A, C
    assert months.by_country["BA"][november] == 2  # E, H: 23:30 local on 30 November
    assert sum(months.by_country["RS"]) == 3
    assert months.by_gender["female"] == [1, 0, 2, 0, 0, 0, 0, 0, 1]
    assert months.by_gender["male"][march] == 1
    assert months.by_gender[UNKNOWN][march] == 1  # D, erased
    assert months.by_gender["undisclosed"][november] == 1
    assert list(months.by_gender)[-1] == UNKNOWN


def test_small_cells_are_left_out_of_the_chart():
    months = indicators.Monthly(
        months=[date(2026, 3, 1), date(2026, 4, 1)],
        by_country={"RS": [7, 4], "XK": [2, 0]},
        by_gender={"female": [5, 0], "male": [4, 4]},
    )
    shown = months.suppressed(5)
    assert shown.hidden
    assert shown.by_country == {"RS": [7, 0]}  # XK had only 2: gone altogether
    assert shown.by_gender == {"female": [5, 0]}
    assert not shown.empty
    nothing = indicators.Monthly([date(2026, 3, 1)], {"RS": [3]}, {"male": [3]}).suppressed(5)
    assert nothing.empty and nothing.hidden
    plenty = indicators.Monthly([date(2026, 3, 1)], {"RS": [0]}, {"male": [9]}).suppressed(5)
    assert not plenty.hidden
