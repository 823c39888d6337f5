"""A generated programme for the export's column tests (codes, ids, flags): a few hundred
attendance rows over every country, both modules and a session without one, with profiles of
every kind (given, "prefer not to say", no consent, erased, walk-ins), people named and not
(some kept a certificate name but asked not to be shown), trainers named and not, ratings
and learning. Deterministic: the same seed gives the same world.

Times in UTC, all in 2026 (the period under test is 2026 on the Europe/Belgrade calendar)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from bot.db import Database
from bot.models import Consent, Learner, ModuleProgress
from bot.services.learners import AGE_BANDS, COUNTRIES, GENDERS, UNDISCLOSED, VULNERABLE_GROUPS
from tests.factories import (
    make_attempt,
    make_feedback,
    make_learner,
    make_trainer,
    make_training,
    record_attendance,
    register,
)
from tests.support.reporting import EU, PW, utc

STATUSES = ("present", "present", "present", "late", "excused", "absent", None)
"""None: registered, not marked."""
LANGUAGES = ("sq", "mk", "sr-Latn", "bs", "en")


@dataclass
class PivotWorld:
    sessions: int = 0
    people: int = 0
    hidden_names: set[str] = field(default_factory=set)
    """Names stored (for certificates) of people who asked not to be shown."""
    shown_names: set[str] = field(default_factory=set)
    trainer_names: dict[str, str | None] = field(default_factory=dict)
    """By the trainer's person id: the name shown, or None (not named)."""


def _profile(rng: random.Random) -> dict[str, object]:
    def pick(values: tuple[str, ...]) -> str:
        return rng.choice((*values, UNDISCLOSED))

    return {
        "organisation": rng.choice(("Civic Lab", "Forum", "Qendra", UNDISCLOSED)),
        "country": rng.choice((*COUNTRIES, "other", UNDISCLOSED)),
        "gender": pick(GENDERS),
        "age_band": pick(AGE_BANDS),
        "language": rng.choice(LANGUAGES),
    }


async def build_pivot_world(database: Database, seed: int = 15, people: int = 60) -> PivotWorld:
    rng = random.Random(seed)
    world = PivotWorld()
    async with database.session() as db:
        trainers = [
            await make_trainer(
                db, telegram_id=None, display_name="Teodora Trajanova", name_consent=True
            ),
            await make_trainer(db, telegram_id=None, display_name="Hidden Trainer"),
            await make_trainer(
                db, telegram_id=None, display_name="Refusing Trainer", name_consent=False
            ),
        ]
        world.trainer_names = {
            trainers[0].pseudonym or "": "Teodora Trajanova",
            trainers[1].pseudonym or "": None,
            trainers[2].pseudonym or "": None,
        }
        everyone: list[Learner] = []
        for number in range(people):
            kind = number % 10
            fields: dict[str, object] = {"telegram_id": None, **_profile(rng)}
            name = f"Person {number} {rng.choice(('Hoxha', 'Петровић', 'Kovač', 'Ђурић'))}"
            if kind in (0, 1, 2, 3):
                fields.update(display_name=name, name_consent=True)
                world.shown_names.add(name)
            elif kind == 4:
                fields.update(display_name=name, name_consent=False)  # a certificate's name
                world.hidden_names.add(name)
            elif kind == 5:
                fields.update(display_name=name, source="walk_in")
                world.shown_names.add(name)
            elif kind == 6:
                fields.update(special_consent=True, vulnerable_group=rng.choice(VULNERABLE_GROUPS))
            if kind == 7:
                learner = await make_learner(db, consent=Consent.DECLINED, telegram_id=None)
            elif kind == 8 and number % 20 == 8:
                learner = await make_learner(
                    db, consent=Consent.DECLINED, telegram_id=None, erased_at=utc(2026, 9, 1)
                )
            else:
                learner = await make_learner(db, **fields)
            everyone.append(learner)
        world.people = len(everyone)

        modules = (PW, EU, None)
        for number in range(14):
            trainer = trainers[number % 3]
            starts = utc(2026, 1 + number % 11, 3 + number, 8 + number % 5)
            training = await make_training(
                db,
                trainer,
                starts,
                title=f"Session {number}: {('Siguria', 'Безбедност', 'Sigurnost')[number % 3]}",
                country=COUNTRIES[number % len(COUNTRIES)],
                module_id=modules[number % 3],
                language=LANGUAGES[number % len(LANGUAGES)],
                cancelled_at=starts - timedelta(days=2) if number == 13 else None,
            )
            for person in rng.sample(everyone, rng.randint(6, 18)):
                status = rng.choice(STATUSES)
                await register(
                    db,
                    training,
                    person,
                    "apologised" if status is None and rng.random() < 0.3 else "registered",
                    registered_at=starts - timedelta(days=5),
                )
                if status is not None:
                    await record_attendance(db, training, person, status, marked_at=starts)
                    if status in ("present", "late") and rng.random() < 0.6:
                        await make_feedback(db, training, person, rng.randint(1, 5))
            world.sessions += 1

        for person in rng.sample(everyone, 20):
            module = rng.choice((PW, EU))
            started = utc(2026, rng.randint(1, 11), rng.randint(1, 27))
            pre = rng.randint(0, 5)
            await make_attempt(db, person, module, "pre", pre, started_at=started, questions=5)
            post = rng.randint(pre, 5)
            later = started + timedelta(days=1)
            await make_attempt(db, person, module, "post", post, started_at=later, questions=5)
            db.add(
                ModuleProgress(
                    learner_id=person.id or 0,
                    module_id=module,
                    current_card=3,
                    cards_total=4,
                    started_at=started,
                    passed_at=later if post >= 4 else None,
                )
            )
        await db.flush()
    return world
