"""A world of two programmes for the programme and target tests.

- the default programme (made by the migration): one session in Albania on 2026-03-10 with
  three people present (A1..A3);
- "SMART Balkans" (2026-01-01 .. 2027-06-30, AL BA RS): a session in Albania on 2026-04-14
  with four present (S1..S4), one in Bosnia on 2026-05-12 with two present (S5, S6) and one
  absent, and one in Serbia on 2026-06-16 with S1 present again (one person trained in two
  countries); S7 learns a module linked to the programme (``passwords-2fa``) and passed it.

People trained: default 3; SMART 6 (AL 4, BA 2, RS 1); all 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.db import Database
from bot.models import ModuleProgress, ProgrammeModule
from bot.services import programmes
from tests.factories import (
    make_learner,
    make_programme,
    make_trainer,
    make_training,
    record_attendance,
)

SMART = "SMART Balkans"
MODULE = "passwords-2fa"


@dataclass(frozen=True)
class ProgrammeWorld:
    default: int
    smart: int
    default_session: int
    smart_sessions: tuple[int, int, int]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


async def build_programme_world(database: Database) -> ProgrammeWorld:
    async with database.session() as db:
        default = await programmes.default_programme(db, at(date(2026, 1, 1)))
        smart = await make_programme(
            db,
            SMART,
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 6, 30),
            countries=("AL", "BA", "RS"),
        )
        assert default.id is not None and smart.id is not None
        db.add(ProgrammeModule(programme_id=smart.id, module_id=MODULE))
        trainer = await make_trainer(db)
        first = await make_training(
            db, trainer, at(date(2026, 3, 10)), country="AL", programme_id=default.id
        )
        for _ in range(3):
            await record_attendance(db, first, await make_learner(db, country="AL"))
        al = await make_training(
            db, trainer, at(date(2026, 4, 14)), country="AL", programme_id=smart.id
        )
        people = [await make_learner(db, country="AL") for _ in range(4)]
        for person in people:
            await record_attendance(db, al, person)
        ba = await make_training(
            db, trainer, at(date(2026, 5, 12)), country="BA", programme_id=smart.id
        )
        for _ in range(2):
            await record_attendance(db, ba, await make_learner(db, country="BA"))
        await record_attendance(db, ba, await make_learner(db, country="BA"), "absent")
        rs = await make_training(
            db, trainer, at(date(2026, 6, 16)), country="RS", programme_id=smart.id
        )
        await record_attendance(db, rs, people[0])
        learner = await make_learner(db, country="RS")
        assert learner.id is not None
        db.add(
            ModuleProgress(
                learner_id=learner.id,
                module_id=MODULE,
                current_card=5,
                cards_total=5,
                started_at=at(date(2026, 5, 1)),
                updated_at=at(date(2026, 5, 2)),
                passed_at=at(date(2026, 5, 2)),
            )
        )
        await db.flush()
        assert first.id and al.id and ba.id and rs.id
        return ProgrammeWorld(default.id, smart.id, first.id, (al.id, ba.id, rs.id))
