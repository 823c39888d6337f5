"""Training sessions, registrations and attendance for tests, built through the models."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import (
    Attendance,
    Learner,
    Registration,
    RegistrationStatus,
    Role,
    RoleGrant,
    TrainingSession,
)
from tests.factories import make_learner

_numbers = itertools.count(1)

SQ, MK = 601, 602
"""Telegram ids of the two learners of :func:`tirana_session`: Albanian and Macedonian."""


async def make_trainer(db: AsyncSession, **fields: Any) -> Learner:
    """A learner who holds the trainer's role."""
    trainer = await make_learner(db, **fields)
    assert trainer.id is not None
    db.add(RoleGrant(learner_id=trainer.id, role=Role.TRAINER))
    await db.flush()
    return trainer


async def make_training(
    db: AsyncSession, trainer: Learner, starts_at: datetime, **fields: Any
) -> TrainingSession:
    """A session of ``trainer`` (a two-hour one in Tirana unless ``fields`` say otherwise)."""
    assert trainer.id is not None
    number = next(_numbers)
    training = TrainingSession(
        code=fields.pop("code", f"T{number}"),
        trainer_id=trainer.id,
        title=fields.pop("title", "EU funds for CSOs"),
        starts_at=starts_at,
        duration_minutes=fields.pop("duration_minutes", 120),
        venue=fields.pop("venue", "Hotel Tirana, hall B"),
        country=fields.pop("country", "AL"),
        language=fields.pop("language", "sq"),
        capacity=fields.pop("capacity", 20),
        checkin_secret=fields.pop("checkin_secret", f"secret-{number}"),
        **fields,
    )
    db.add(training)
    await db.flush()
    return training


async def register(
    db: AsyncSession,
    training: TrainingSession,
    learner: Learner,
    status: str = RegistrationStatus.REGISTERED,
    **fields: Any,
) -> Registration:
    assert training.id is not None and learner.id is not None
    registration = Registration(
        session_id=training.id, learner_id=learner.id, status=status, **fields
    )
    db.add(registration)
    await db.flush()
    return registration


async def record_attendance(
    db: AsyncSession, training_id: int, learner_id: int, status: str, method: str = "trainer"
) -> Attendance:
    """An attendance row as check-in or the trainer leaves it (without its audit entry)."""
    row = Attendance(session_id=training_id, learner_id=learner_id, status=status, method=method)
    db.add(row)
    await db.flush()
    return row


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
