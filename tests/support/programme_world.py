"""A generated programme for the indicator tables (tests/services/test_indicator_tables.py):
a year of sessions in the six countries, a few hundred people with every kind of profile,
built from a seed through the models the bot uses.

What it has that a hand-made fixture would miss: people at sessions in other countries
than their own (and in several countries), walk-ins, people without consent (no profile),
organisations large and tiny, the special consent given or not, several modules learned,
ratings, absences and excuses, a cancelled session. Everything happens in 2026 (UTC).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from bot.db import Database
from bot.models import Consent, Learner, QuizKind
from tests.factories import (
    make_attempt,
    make_feedback,
    make_learner,
    make_training,
    make_walk_in,
    record_attendance,
)
from tests.support.indicator_world import passed
from tests.support.reporting import EU, PW, utc

COUNTRIES = ("AL", "BA", "XK", "ME", "MK", "RS")
GENDERS = ("female", "male", "other", "undisclosed")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-plus", "undisclosed")
ORGANISATIONS = ("Civic Lab", "Forum", "Mreža", "Tiny Org", "undisclosed")
GROUPS = ("disability", "roma-egyptian-ashkali", "other-minority", "none", "undisclosed")


@dataclass
class Programme:
    people: list[Learner] = field(default_factory=list)
    sessions: int = 0


async def build_programme(database: Database, seed: int = 15, people: int = 160) -> Programme:
    draw = random.Random(seed)
    world = Programme()
    async with database.session() as db:
        trainer = await make_learner(db)
        trainings = []
        for number in range(18):
            starts = utc(2026, 1 + number * 11 // 18, 3 + number % 20, 9)
            trainings.append(
                await make_training(
                    db,
                    trainer,
                    starts,
                    country=COUNTRIES[number % len(COUNTRIES)],
                    module_id=(EU, PW, None)[number % 3],
                    cancelled_at=starts - timedelta(days=1) if number == 7 else None,
                )
            )
        world.sessions = len(trainings)
        for number in range(people):
            profile = {
                "country": draw.choice(COUNTRIES),
                "gender": draw.choice(GENDERS),
                "age_band": draw.choice(AGE_BANDS),
                "organisation": draw.choices(ORGANISATIONS, weights=(8, 6, 4, 1, 1))[0],
            }
            if number % 9 == 0:
                person = await make_walk_in(db, f"Walk-in {number}", **profile)
            elif number % 13 == 0:
                person = await make_learner(db, consent=Consent.DECLINED)  # no profile
            else:
                consented = draw.random() < 0.4
                person = await make_learner(
                    db,
                    **profile,
                    special_consent=consented,
                    vulnerable_group=draw.choice(GROUPS) if consented else None,
                )
            world.people.append(person)
            # Sessions: mostly in their own country, some elsewhere, a few in two.
            home = [t for t in trainings if t.country == profile["country"]]
            chosen = draw.sample(home, k=min(len(home), draw.choice((0, 1, 1, 2))))
            if draw.random() < 0.25:
                chosen.append(draw.choice(trainings))
            for training in {t.id: t for t in chosen}.values():
                status = draw.choices(("present", "late", "excused", "absent"), (8, 2, 1, 1))[0]
                await record_attendance(db, training, person, status)
                if status in ("present", "late") and draw.random() < 0.6:
                    await make_feedback(db, training, person, draw.randint(1, 5))
            # Learning: a pre-test, a post-test, sometimes a pass.
            if number % 13 and draw.random() < 0.45:
                module = draw.choice((EU, PW))
                start = utc(2026, draw.randint(1, 11), draw.randint(1, 28), 10)
                await make_attempt(
                    db, person, module, QuizKind.PRE, draw.randint(0, 4), started_at=start
                )
                later = start + timedelta(days=draw.randint(1, 20))
                post = draw.randint(1, 4)
                await make_attempt(db, person, module, QuizKind.POST, post, started_at=later)
                if post >= 3:
                    await passed(db, person, module, later)
    return world
