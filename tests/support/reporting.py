"""What the reporting tests (indicators, ``/stats``, exports) share: the two modules and the
times of their worlds, the people who ask for reports (a coordinator with full scope, a
coordinator limited to Kosovo, and a trainer and a learner who must be refused), the
audit entries the exports leave, and a workbook exported through Telegram."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import openpyxl
from openpyxl.workbook.workbook import Workbook

from bot.db import Database
from bot.models import AuditEntry, Learner, Role
from bot.services import audit
from tests.factories import grant, make_learner, make_trainer
from tests.support.driver import TelegramUser

PW = "passwords-2fa"
EU = "eu-accession"


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


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
        await grant(db, coordinator, Role.COORDINATOR)
        kosovo = await make_learner(
            db, telegram_id=askers.kosovo_coordinator, language=kosovo_language
        )
        await grant(db, kosovo, Role.COORDINATOR, countries=["XK"])
        trainer = await make_trainer(db, telegram_id=askers.trainer)
        await make_learner(db, telegram_id=askers.learner)
    return trainer


async def export_entries(database: Database) -> list[AuditEntry]:
    """The audit log's entries of exports made."""
    async with database.session() as db:
        return [e for e in await audit.entries(db, "export") if e.action == "export.create"]


async def export_workbook(coordinator: TelegramUser) -> Workbook:
    """``/export`` of all time as an Excel file, tapped through in English; the workbook
    that arrives, read back."""
    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("Excel (XLSX)")
    await coordinator.tap("📥 Make the file")
    return openpyxl.load_workbook(io.BytesIO(coordinator.last_document().content))
