"""A small world of sessions, people and learning for the export tests (services, handlers,
the command line and the reporting views), built through the models the bot uses.

Times in UTC; the period under test is 2026 on the Europe/Belgrade calendar.

Sessions (trainer Marko, who gave no name: shown by his person id)
    xk      "Siguria digjitale"     XK  passwords-2fa  2026-03-10 09:00
    rs      "Дигитална безбедност"  RS  eu-accession   2026-05-05 08:00
    al      "Cancelled in Albania"  AL  (none)         2026-06-01 09:00, CANCELLED
    old     "Last year"             XK  passwords-2fa  2025-12-01 09:00
    future  "Next month"            RS  eu-accession   2026-12-10 09:00 (upcoming)

People                      org         country gender age    notes
    ana     "Ana Hoxhë"     Civic Lab   XK      female 25-34
    boris   "Boris Petrović" Forum      RS      male   35-44
    jelena  "Јелена Јовановић" Forum    RS      female 18-24  walk-in
    erased  (erased)        -           -       -      -      was Civic Lab
    vesna   "Vesna"         Civic Lab   XK      female 45-54  special consent: roma-...
    old     "Old Timer"     Civic Lab   XK      male   55-64  only 2025
    dora    "Dora"          Forum       AL      female 25-34  registered at the cancelled one
    nocon   (withdrew)      -           -       -      -      consent declined later

Roster and marks
    xk: ana present, boris apologised (registered), erased present, vesna present,
        nocon present (marked, never registered)
    rs: ana late, boris absent, jelena present (walk-in)
    al: dora registered                     (cancelled: not in Attendance)
    old: old present                        (2025)
    future: vesna registered                (upcoming)

Feedback: xk: ana 5, vesna 4, erased 3.

Learning
    ana    passwords-2fa: progress from 2026-02-01, passed 2026-02-03; pre 2/5 = 40,
           post 3/5 = 60 (Feb 2), post 5/5 = 100 (Feb 3)  -> gain 60
    boris  eu-accession: pre 1/5 = 20 (2026-04-01), no post, no progress
    old    passwords-2fa: progress 2025-11-01, passed 2025-11-02 (outside 2026)
    vesna  eu-accession: an abandoned pre-test only (no score): no learning
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import Consent, Learner, ModuleProgress, TrainingSession
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

CANCELLED_AT = utc(2026, 5, 20)


@dataclass
class World:
    people: dict[str, int]
    sessions: dict[str, int]
    trainer_id: int
    pseudonyms: dict[str, str] = field(default_factory=dict)
    """The person ids the exports show, by the names of ``people``."""
    trainer_pseudonym: str = ""


async def _register(
    db: AsyncSession, training: TrainingSession, learner: Learner, status: str = "registered"
) -> None:
    await register(db, training, learner, status, registered_at=utc(2025, 1, 1))


async def _mark(
    db: AsyncSession,
    training: TrainingSession,
    learner: Learner,
    status: str,
    method: str = "trainer",
) -> None:
    await record_attendance(
        db, training, learner, status, method=method, marked_at=training.starts_at
    )


async def _attempt(
    db: AsyncSession,
    learner: Learner,
    module_id: str,
    kind: str,
    correct: int | None,
    started: datetime,
) -> None:
    """Five questions, a pass mark of 80 %, half an hour."""
    await make_attempt(
        db,
        learner,
        module_id,
        kind,
        correct,
        started_at=started,
        finished_at=started + timedelta(minutes=30),
        questions=5,
        pass_mark=80,
    )


async def build_world(database: Database) -> World:
    async with database.session() as db:
        trainer = await make_trainer(db, telegram_id=None)
        xk = await make_training(
            db, trainer, utc(2026, 3, 10), title="Siguria digjitale", country="XK", module_id=PW
        )
        rs = await make_training(
            db,
            trainer,
            utc(2026, 5, 5, 8),
            title="Дигитална безбедност",
            country="RS",
            module_id=EU,
        )
        al = await make_training(
            db,
            trainer,
            utc(2026, 6, 1),
            title="Cancelled in Albania",
            country="AL",
            cancelled_at=CANCELLED_AT,
        )
        old = await make_training(
            db, trainer, utc(2025, 12, 1), title="Last year", country="XK", module_id=PW
        )
        future = await make_training(
            db, trainer, utc(2026, 12, 10), title="Next month", country="RS", module_id=EU
        )

        def person(**fields: Any) -> dict[str, Any]:
            """Everyone named here agreed to be named (the name step's "Use this name")."""
            return {"telegram_id": None, "name_consent": True, **fields}

        ana = await make_learner(
            db,
            **person(
                display_name="Ana Hoxhë",
                organisation="Civic Lab",
                country="XK",
                gender="female",
                age_band="25-34",
            ),
        )
        boris = await make_learner(
            db,
            **person(
                display_name="Boris Petrović",
                organisation="Forum",
                country="RS",
                gender="male",
                age_band="35-44",
            ),
        )
        jelena = await make_learner(
            db,
            **person(
                display_name="Јелена Јовановић",
                organisation="Forum",
                country="RS",
                gender="female",
                age_band="18-24",
                source="walk_in",
            ),
        )
        erased = await make_learner(
            db,
            consent=Consent.DECLINED,
            **person(erased_at=utc(2026, 8, 1)),
        )
        vesna = await make_learner(
            db,
            **person(
                display_name="Vesna",
                organisation="Civic Lab",
                country="XK",
                gender="female",
                age_band="45-54",
                special_consent=True,
                vulnerable_group="roma-egyptian-ashkali",
            ),
        )
        old_timer = await make_learner(
            db,
            **person(
                display_name="Old Timer",
                organisation="Civic Lab",
                country="XK",
                gender="male",
                age_band="55-64",
            ),
        )
        dora = await make_learner(
            db,
            **person(
                display_name="Dora",
                organisation="Forum",
                country="AL",
                gender="female",
                age_band="25-34",
            ),
        )
        nocon = await make_learner(
            db, consent=Consent.DECLINED, **person(display_name="Withdrawn Person")
        )

        await _register(db, xk, ana)
        await _mark(db, xk, ana, "present")
        await _register(db, xk, boris, "apologised")
        await _register(db, xk, erased)
        await _mark(db, xk, erased, "present")
        await _register(db, xk, vesna)
        await _mark(db, xk, vesna, "present")
        await _mark(db, xk, nocon, "present")
        await _register(db, rs, ana)
        await _mark(db, rs, ana, "late")
        await _register(db, rs, boris)
        await _mark(db, rs, boris, "absent")
        await _register(db, rs, jelena)
        await _mark(db, rs, jelena, "present", "walk_in")
        await _register(db, al, dora)
        await _register(db, old, old_timer)
        await _mark(db, old, old_timer, "present")
        await _register(db, future, vesna)
        for learner, rating in ((ana, 5), (vesna, 4), (erased, 3)):
            await make_feedback(db, xk, learner, rating)
        db.add(
            ModuleProgress(
                learner_id=ana.id or 0,
                module_id=PW,
                current_card=3,
                cards_total=4,
                started_at=utc(2026, 2, 1, 10),
                lessons_done_at=utc(2026, 2, 2),
                passed_at=utc(2026, 2, 3),
            )
        )
        await _attempt(db, ana, PW, "pre", 2, utc(2026, 2, 1, 8))
        await _attempt(db, ana, PW, "post", 3, utc(2026, 2, 2))
        await _attempt(db, ana, PW, "post", 5, utc(2026, 2, 3))
        await _attempt(db, boris, EU, "pre", 1, utc(2026, 4, 1))
        db.add(
            ModuleProgress(
                learner_id=old_timer.id or 0,
                module_id=PW,
                current_card=3,
                cards_total=4,
                started_at=utc(2025, 11, 1),
                passed_at=utc(2025, 11, 2),
            )
        )
        await _attempt(db, vesna, EU, "pre", None, utc(2026, 4, 2))
        await db.flush()
        people = {
            "ana": ana,
            "boris": boris,
            "jelena": jelena,
            "erased": erased,
            "vesna": vesna,
            "old": old_timer,
            "dora": dora,
            "nocon": nocon,
        }
        sessions = {"xk": xk, "rs": rs, "al": al, "old": old, "future": future}
        return World(
            people={name: learner.id or 0 for name, learner in people.items()},
            sessions={name: training.id or 0 for name, training in sessions.items()},
            trainer_id=trainer.id or 0,
            pseudonyms={name: learner.pseudonym or "" for name, learner in people.items()},
            trainer_pseudonym=trainer.pseudonym or "",
        )
