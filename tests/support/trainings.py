"""Training days for tests: a session with people registered or marked, a session in Tirana
with two learners of different languages (the reminder, feedback and metrics tests), and
the check-in day of the attendance tests."""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from tests.factories import (
    make_learner,
    make_trainer,
    make_training,
    record_attendance,
    register,
)


async def registered_session(database: Database, starts_at: datetime) -> tuple[int, list[int]]:
    """A two-hour session with one new learner registered; its id and theirs."""
    async with database.session() as db:
        trainer = await make_learner(db)
        training = await make_training(db, trainer, starts_at)
        person = await make_learner(db)
        await register(db, training, person)
        assert training.id is not None and person.id is not None
        return training.id, [person.id]


async def attended_session(
    database: Database, starts_at: datetime, *statuses: str
) -> tuple[int, list[int]]:
    """A two-hour session with one new learner per attendance status (``present``,
    ``late``, ...); its id and theirs."""
    async with database.session() as db:
        trainer = await make_learner(db)
        training = await make_training(db, trainer, starts_at, duration_minutes=120)
        ids = []
        for status in statuses:
            person = await make_learner(db)
            assert person.id is not None
            await record_attendance(db, training, person, status)
            ids.append(person.id)
        assert training.id is not None
        return training.id, ids


SQ, MK = 601, 602
"""Telegram ids of the two learners of :func:`tirana_session`: Albanian and Macedonian."""


async def tirana_session(
    database: Database, starts_at: datetime, duration_minutes: int = 120
) -> tuple[int, datetime]:
    """A session in Tirana with the Albanian (:data:`SQ`) and the Macedonian (:data:`MK`)
    learner registered; its id and start."""
    async with database.session() as db:
        trainer = await make_learner(db, telegram_id=600)
        training = await make_training(
            db, trainer, starts_at, title="EU funds & CSOs", duration_minutes=duration_minutes
        )
        for telegram_id, language, country in ((SQ, "sq", "AL"), (MK, "mk", "MK")):
            person = await make_learner(
                db, telegram_id=telegram_id, language=language, country=country
            )
            await register(db, training, person)
        assert training.id is not None
        return training.id, training.starts_at


CHECKIN_TRAINER, ANA, BORIS, VESNA, MALLORY = 700, 701, 702, 703, 704
"""Telegram ids of :func:`checkin_day`: the trainer, three registered learners, and one who
is not registered."""
CHECKIN_TITLE = "Digital security basics"


async def checkin_day(database: Database, starts_at: datetime) -> int:
    """A one-hour session in Belgrade, in English, of a trainer (:data:`CHECKIN_TRAINER`) with
    three learners of CRTA registered (:data:`ANA`, :data:`BORIS`, :data:`VESNA`) and one who
    is not (:data:`MALLORY`); its id."""
    async with database.session() as db:
        trainer = await make_trainer(db, telegram_id=CHECKIN_TRAINER)
        training = await make_training(
            db,
            trainer,
            starts_at,
            code="ATT1",
            title=CHECKIN_TITLE,
            duration_minutes=60,
            venue="Belgrade, Civic Hall",
            country="RS",
            language="en",
        )
        for telegram_id in (ANA, BORIS, VESNA):
            learner = await make_learner(db, telegram_id=telegram_id, organisation="CRTA")
            await register(db, training, learner)
        await make_learner(db, telegram_id=MALLORY)
        assert training.id is not None
        return training.id
