"""The audit log: role grants, invites, revocations, attendance changes; who, when, what."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditEntry


async def record(
    db: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int,
    details: dict[str, object],
    now: datetime,
) -> AuditEntry:
    """Adds one entry (in the caller's transaction); ``details`` is stored as JSON.

    ``actor_id`` is the learner who did it, or None for the bot itself.
    """
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
    )
    db.add(entry)
    await db.flush()
    return entry


async def entries(
    db: AsyncSession, subject_type: str | None = None, subject_id: int | None = None
) -> list[AuditEntry]:
    """The entries, oldest first, optionally for one subject type (and id)."""
    query = select(AuditEntry)
    if subject_type is not None:
        query = query.where(AuditEntry.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEntry.subject_id == subject_id)
    result = await db.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id)))
    return list(result.all())


def details_of(entry: AuditEntry) -> dict[str, object]:
    """The entry's details, decoded."""
    value = json.loads(entry.details)
    return value if isinstance(value, dict) else {}
