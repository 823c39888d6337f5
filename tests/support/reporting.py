"""Builders shared by the reporting tests (indicators, ``/stats``, exports): sessions at
given times, and the people who ask for reports (a coordinator with full scope, a
coordinator limited to Kosovo, and a trainer and a learner who must be refused); and the
audit entries the exports leave."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import AuditEntry, Learner, Role, RoleGrant, TrainingSession
from bot.services import audit
from tests.factories import make_learner

PW = "passwords-2fa"
EU = "eu-accession"
_codes = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def make_session(
    db: AsyncSession,
    trainer: Learner,
    *,
    country: str,
    starts_at: datetime,
    module_id: str | None = None,
    title: str = "Training",
    cancelled_at: datetime | None = None,
) -> TrainingSession:
    """A session of 90 minutes for 30 people, in English."""
    assert trainer.id is not None
    training = TrainingSession(
        code=f"REP{next(_codes)}",
        trainer_id=trainer.id,
        title=title,
        module_id=module_id,
        starts_at=starts_at,
        duration_minutes=90,
        venue="Hall",
        country=country,
        language="en",
        capacity=30,
        checkin_secret=f"secret-{next(_codes)}",
        cancelled_at=cancelled_at,
    )
    db.add(training)
    await db.flush()
    return training


@dataclass(frozen=True)
class Askers:
    """Their Telegram ids."""

    coordinator: int
    kosovo_coordinator: int
    trainer: int
    learner: int


async def add_askers(database: Database, askers: Askers, *, kosovo_language: str = "en") -> Learner:
    """Adds the four people with their roles; returns the trainer."""
    async with database.session() as db:
        coordinator = await make_learner(db, telegram_id=askers.coordinator)
        db.add(RoleGrant(learner_id=coordinator.id or 0, role=Role.COORDINATOR))
        kosovo = await make_learner(
            db, telegram_id=askers.kosovo_coordinator, language=kosovo_language
        )
        db.add(RoleGrant(learner_id=kosovo.id or 0, role=Role.COORDINATOR, countries="XK"))
        trainer = await make_learner(db, telegram_id=askers.trainer)
        db.add(RoleGrant(learner_id=trainer.id or 0, role=Role.TRAINER))
        await make_learner(db, telegram_id=askers.learner)
    return trainer


async def export_entries(database: Database) -> list[AuditEntry]:
    """The audit log's entries of exports made."""
    async with database.session() as db:
        return [e for e in await audit.entries(db, "export") if e.action == "export.create"]
