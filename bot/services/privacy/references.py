"""Where a person is referred to: the columns that point at their learner row, the audit
entries about them and the stored Telegram updates that hold their messages.

Shared by ``/mydata`` (what is shown) and erasure (what is moved, blanked or deleted), so
that both find the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditEntry, InboundUpdate, Learner
from bot.services import audit
from bot.services.learners import clean_text

LEARNER_SUBJECT = "learner"
"""``audit_log.subject_type`` of entries about a person as a whole (an admin showing or
erasing a walk-in's data)."""
PERSON_SUBJECTS = (LEARNER_SUBJECT, "export")
"""Subject types whose ``subject_id`` is a learner's id: a person, and an export (whose
entry names the person who made it as its subject)."""


def names_as_subject(entry: AuditEntry, learner_id: int) -> bool:
    return entry.subject_type in PERSON_SUBJECTS and entry.subject_id == learner_id


def learner_columns() -> list[sa.Column[Any]]:
    """Every column of every table that holds a learner's id (a foreign key to
    ``learner.id``), read from the models: a new table is found without being listed."""
    target = Learner.__table__.c.id  # type: ignore[attr-defined]
    return [
        foreign_key.parent
        for table in SQLModel.metadata.sorted_tables
        for foreign_key in table.foreign_keys
        if foreign_key.column is target
    ]


# -- the audit log ------------------------------------------------------------------------------


def _details_mention(learner_id: int) -> Any:
    """A first, cheap look at ``details`` (JSON written by :func:`audit.record` with sorted
    keys and the default separators); :func:`about` confirms each candidate."""
    return sa.or_(
        col(AuditEntry.details).contains(f'"learner_id": {learner_id},', autoescape=True),
        col(AuditEntry.details).contains(f'"learner_id": {learner_id}}}', autoescape=True),
    )


def about(entry: AuditEntry, learner_id: int) -> bool:
    """Whether the entry is about the person (not merely done by them)."""
    if names_as_subject(entry, learner_id):
        return True
    return audit.details_of(entry).get("learner_id") == learner_id


async def audit_entries(db: AsyncSession, learner_id: int) -> list[AuditEntry]:
    """The entries the person made, and those about them, oldest first."""
    candidates = await db.exec(
        select(AuditEntry)
        .where(
            sa.or_(
                col(AuditEntry.actor_id) == learner_id,
                sa.and_(
                    col(AuditEntry.subject_type).in_(PERSON_SUBJECTS),
                    col(AuditEntry.subject_id) == learner_id,
                ),
                _details_mention(learner_id),
            )
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return [
        entry
        for entry in candidates.all()
        if entry.actor_id == learner_id or about(entry, learner_id)
    ]


# -- stored Telegram updates --------------------------------------------------------------------

HANDLED_PAYLOAD = "{}"
"""What a handled update keeps of its payload (``bot.runtime.intake.mark_done_in``)."""


def _nodes(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nodes(item)


def payload_of(row: InboundUpdate) -> object:
    """The stored update, decoded (None if it is not JSON)."""
    try:
        return json.loads(row.payload)
    except ValueError:
        return None


def names_person(payload: object, telegram_id: int) -> bool:
    """Whether an update (``Update.to_dict()``) has the person as a user or a chat anywhere:
    the sender, the chat, a forwarded message's author, a reply's author."""
    return any(
        node.get("id") == telegram_id and ("is_bot" in node or "type" in node)
        for node in _nodes(payload)
    )


def typed_text(payload: object) -> str | None:
    """The text of a message a person typed (None for a tap or anything else)."""
    if not isinstance(payload, dict):
        return None
    for key in ("message", "edited_message"):
        message = payload.get(key)
        if isinstance(message, dict) and isinstance(message.get("text"), str):
            return str(message["text"])
    return None


def types_name(payload: object, name: str) -> bool:
    """Whether the update is a message whose whole text is ``name`` (as the walk-in
    conversation stores a typed name): a trainer typing a walk-in's name."""
    text = typed_text(payload)
    return text is not None and clean_text(text) == name


async def stored_updates(
    db: AsyncSession, *, telegram_id: int | None = None, name: str | None = None
) -> list[InboundUpdate]:
    """Stored updates that still hold a payload (pending, or failed and kept for a while; a
    handled one keeps none) from or about the person with ``telegram_id``, or that typed
    ``name`` (a walk-in's name, as a trainer typed it).

    The payload is the update as Telegram sent it (``Update.to_dict()``).
    """
    if telegram_id is not None:
        # The id stands in the JSON as its digits: the database narrows, the JSON decides.
        where = col(InboundUpdate.payload).contains(str(telegram_id), autoescape=True)
    elif name:
        # A typed name may differ in spaces or Unicode form from the stored one: every
        # update that still holds a payload is read (the failed ones of two weeks and the
        # few pending: a handled update keeps none).
        where = col(InboundUpdate.payload) != HANDLED_PAYLOAD
    else:
        return []
    candidates = await db.exec(
        select(InboundUpdate).where(where).order_by(col(InboundUpdate.update_id))
    )
    found = []
    for row in candidates.all():
        payload = payload_of(row)
        if (telegram_id is not None and names_person(payload, telegram_id)) or (
            name and types_name(payload, name)
        ):
            found.append(row)
    return found
