"""People who ask for reports (``/stats``, ``/export``): a coordinator with full scope, a
coordinator limited to Kosovo, and a trainer and a learner who must be refused; and the
audit entries the exports leave."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.models import AuditEntry, Learner, Role, RoleGrant
from bot.services import audit
from tests.factories import make_learner


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
