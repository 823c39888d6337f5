"""The indicators' fixture, whose every number was computed by hand (below), and the small
world of the ``/stats`` tests; built through the models the bot uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import Learner, ModuleProgress, QuizKind, TrainingSession
from bot.services import privacy
from tests.factories import (
    make_attempt,
    make_feedback,
    make_learner,
    make_training,
    make_walk_in,
    record_attendance,
)
from tests.support.reporting import EU, PW, utc

CANCELLED_AT = utc(2026, 5, 1)

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


async def passed(db: AsyncSession, learner: Learner, module_id: str, at: datetime) -> None:
    """``learner`` read every card of ``module_id`` and passed its quiz at ``at``."""
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
        c = await make_walk_in(
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
        h = await make_walk_in(
            db,
            "Amra Hodžić",
            country="BA",
            gender="female",
            age_band="25-34",
            organisation="Civic Lab",
        )
        i = await make_learner(db, country="XK", gender="male", age_band="35-44")

        s1 = await make_training(db, trainer, utc(2026, 3, 10), country="RS", module_id=EU)
        s2 = await make_training(db, trainer, utc(2026, 5, 20), country="XK", module_id=PW)
        s3 = await make_training(db, trainer, utc(2026, 11, 30, 22, 30), country="BA")
        s4 = await make_training(
            db, trainer, utc(2026, 6, 1), country="RS", cancelled_at=CANCELLED_AT
        )
        s5 = await make_training(db, trainer, utc(2025, 12, 10), country="RS", module_id=EU)
        s6 = await make_training(db, trainer, utc(2026, 9, 15), country="XK")

        for learner in (a, b, d):
            await record_attendance(db, s1, learner)
        await record_attendance(db, s1, g, "absent")
        await record_attendance(db, s2, a, "late")
        await record_attendance(db, s2, c)
        await record_attendance(db, s2, f, "excused")
        await record_attendance(db, s3, e)
        await record_attendance(db, s3, h)
        await record_attendance(db, s4, e)
        await record_attendance(db, s5, g)
        await record_attendance(db, s6, f, "absent")

        await make_attempt(db, a, EU, QuizKind.PRE, 2, started_at=utc(2026, 2, 1))
        await make_attempt(db, a, EU, QuizKind.PRE, 3, started_at=utc(2026, 2, 5))
        await make_attempt(db, a, EU, QuizKind.POST, 3, started_at=utc(2026, 3, 11))
        await make_attempt(db, a, EU, QuizKind.POST, 4, started_at=utc(2026, 3, 12))
        await passed(db, a, EU, utc(2026, 3, 11))
        await make_attempt(db, b, EU, QuizKind.PRE, None, started_at=utc(2026, 2, 20))
        await make_attempt(db, b, EU, QuizKind.PRE, 1, started_at=utc(2026, 3, 1))
        await make_attempt(db, b, EU, QuizKind.POST, 2, started_at=utc(2026, 3, 15))
        await make_attempt(db, d, PW, QuizKind.PRE, 1, started_at=utc(2026, 5, 1))
        await make_attempt(db, d, PW, QuizKind.POST, 4, started_at=utc(2026, 5, 21))
        await passed(db, d, PW, utc(2026, 5, 21))
        await make_attempt(db, e, PW, QuizKind.POST, 3, started_at=utc(2026, 6, 1))
        await passed(db, e, PW, utc(2026, 6, 1))
        await make_attempt(db, g, EU, QuizKind.PRE, 2, started_at=utc(2025, 11, 20))
        await make_attempt(db, g, EU, QuizKind.POST, 3, started_at=utc(2025, 12, 20))
        await passed(db, g, EU, utc(2025, 12, 20))
        await make_attempt(db, i, PW, QuizKind.PRE, 3, started_at=utc(2026, 6, 30))
        await make_attempt(db, i, PW, QuizKind.POST, 4, started_at=utc(2026, 7, 1))

        for training, learner, rating in (
            (s1, a, 5),
            (s1, b, 4),
            (s1, d, 3),
            (s2, a, 4),
            (s3, e, 2),
            (s4, e, 1),
            (s5, g, 5),
        ):
            await make_feedback(db, training, learner, rating)

        # D asks to be forgotten after the fact: the rows stay, nothing identifies them.
        await privacy.erase(db, d)

    people = dict(zip("ABCDEFGHI", (a, b, c, d, e, f, g, h, i), strict=True))
    sessions = dict(
        zip(("S1", "S2", "S3", "S4", "S5", "S6"), (s1, s2, s3, s4, s5, s6), strict=True)
    )
    return World(people, sessions)


# -- the world of the /stats tests ---------------------------------------------------------

STATS_ZONE = ZoneInfo("Europe/Belgrade")


def month_start(now: datetime) -> datetime:
    """Midnight on the first of this month in Belgrade: always in this month, quarter and
    year, and never in the future."""
    local = now.astimezone(STATS_ZONE)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=STATS_ZONE)


async def _attendee(
    db: AsyncSession, training: TrainingSession, rating: int | None = None, **profile: str
) -> None:
    """A new person, present at ``training``, who gave ``rating`` (if any)."""
    person = await make_learner(db, **profile)
    await record_attendance(db, training, person)
    if rating is not None:
        await make_feedback(db, training, person, rating)


async def build_stats_world(database: Database, now: datetime, trainer: Learner) -> None:
    """This month: 6 women and 5 men in Serbia, 2 women in Kosovo (rated 4 and 5); one man in
    Serbia last year. Totals this year: 13 people, 13 attendances, 2 sessions."""
    async with database.session() as db:
        serbia = await make_training(db, trainer, month_start(now), country="RS")
        for gender, count in (("female", 6), ("male", 5)):
            for _ in range(count):
                await _attendee(db, serbia, country="RS", gender=gender, age_band="25-34")
        kosovo = await make_training(db, trainer, month_start(now), country="XK")
        await _attendee(db, kosovo, 4, country="XK", gender="female", age_band="18-24")
        await _attendee(db, kosovo, 5, country="XK", gender="female", age_band="35-44")
        last_year = month_start(now).replace(month=1) - timedelta(days=20)
        old = await make_training(db, trainer, last_year, country="RS")
        await _attendee(db, old, country="RS", gender="male", age_band="45-54")
