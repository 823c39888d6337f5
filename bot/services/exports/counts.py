"""About how many rows each sheet of a request has, counted in the database (for a
progress bar) without reading the rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, ModuleProgress, QuizAttempt, TrainingSession
from bot.services.exports.conditions import (
    attempt_activity,
    person_conditions,
    progress_activity,
    session_conditions,
)
from bot.services.exports.people_sheets import participant_condition
from bot.services.exports.request import ExportRequest, Sheet
from bot.services.exports.session_sheets import roster_union
from bot.services.scope import select_columns


async def count_rows(db: AsyncSession, request: ExportRequest) -> dict[Sheet, int]:
    """About how many rows each sheet of ``request`` has (for a progress bar)."""
    sessions = (
        await db.exec(
            select_columns(sa.func.count())
            .select_from(TrainingSession)
            .where(*session_conditions(request, cancelled=True))
        )
    ).one()
    session_ids = (
        select_columns(col(TrainingSession.id))
        .where(*session_conditions(request, cancelled=False))
        .scalar_subquery()
    )
    roster = roster_union(session_ids)
    attendance = (
        await db.exec(
            select_columns(sa.func.count())
            .select_from(roster)
            .join(Learner, col(Learner.id) == roster.c.learner_id)
            .where(*person_conditions(request))
        )
    ).one()
    participants = (
        await db.exec(
            select_columns(sa.func.count())
            .select_from(Learner)
            .where(participant_condition(request))
        )
    ).one()
    people = person_conditions(request, learning=True)
    pairs = sa.union(
        select_columns(col(ModuleProgress.learner_id), col(ModuleProgress.module_id))
        .join(Learner, col(Learner.id) == col(ModuleProgress.learner_id))
        .where(*progress_activity(request), *people),
        select_columns(col(QuizAttempt.learner_id), col(QuizAttempt.module_id))
        .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
        .where(*attempt_activity(request), *people),
    ).subquery("pairs")
    learning = (await db.exec(select_columns(sa.func.count()).select_from(pairs))).one()
    return {
        Sheet.ATTENDANCE: attendance,
        Sheet.PARTICIPANTS: participants,
        Sheet.SESSIONS: sessions,
        Sheet.LEARNING: learning,
    }
