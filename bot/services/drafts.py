"""Conversations in progress (the Draft table): one per person, kept across restarts, used
by every step-by-step conversation (a new session, an edit, a walk-in, an export)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Draft, Learner


async def get_draft(db: AsyncSession, learner: Learner, kind: str) -> Draft | None:
    if learner.id is None:
        return None
    draft = await db.get(Draft, learner.id)
    return draft if draft is not None and draft.kind == kind else None


def draft_data(draft: Draft) -> dict[str, Any]:
    try:
        data = json.loads(draft.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def save_draft(
    db: AsyncSession,
    learner: Learner,
    kind: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> Draft:
    """Starts or continues the learner's one conversation in progress (replacing another)."""
    assert learner.id is not None
    draft = await db.get(Draft, learner.id)
    if draft is None:
        draft = Draft(learner_id=learner.id, kind=kind, step=step)
    draft.kind, draft.step = kind, step
    draft.data = json.dumps(data, ensure_ascii=False, sort_keys=True)
    draft.updated_at = now
    db.add(draft)
    await db.flush()
    return draft


async def drop_draft(db: AsyncSession, learner: Learner, kind: str) -> bool:
    """Drops the learner's conversation of this kind; True if there was one."""
    draft = await get_draft(db, learner, kind)
    if draft is None:
        return False
    await db.delete(draft)
    await db.flush()
    return True


async def end_conversation(db: AsyncSession, learner: Learner, kind: str) -> bool:
    """Drops the conversation of this kind and stops waiting for its typed answers (its text
    step has the kind's name); True if there was one."""
    found = await drop_draft(db, learner, kind)
    if learner.awaiting and learner.awaiting.split(":", 1)[0] == kind:
        learner.awaiting = None
        db.add(learner)
    await db.flush()
    return found
