"""A walk-in's rights, exercised through an admin: walk-ins have no Telegram, so they ask
the programme (in person, by mail) and an admin finds them, sends them their data or
erases it. Only admins; every look at the data and every erasure is audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import ATTENDED, Attendance, Learner, Role
from bot.services import audit, roles
from bot.services.errors import NOT_ALLOWED, NOT_FOUND, ServiceError
from bot.services.learners import clean_text
from bot.services.privacy.access import personal_data
from bot.services.privacy.erasure import erase
from bot.services.privacy.references import LEARNER_SUBJECT

WALK_IN_SOURCE = "walk_in"
MAX_FOUND = 10
"""Walk-ins listed for one search; a longer list asks for more of the name."""
MIN_SEARCH = 2
ACCESS_ACTION = "person.access"


class Reason(StrEnum):
    NOT_FOUND = NOT_FOUND
    NOT_ALLOWED = NOT_ALLOWED
    SHORT_SEARCH = "short-search"
    """Fewer than MIN_SEARCH characters to look for."""


class PrivacyError(ServiceError):
    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


@dataclass(frozen=True)
class WalkIn:
    """A walk-in as the admin's list and screen show them."""

    id: int
    name: str
    organisation: str | None
    country: str | None
    added_at: datetime
    attended: int


@dataclass(frozen=True)
class Found:
    walk_ins: list[WalkIn]
    more: bool
    """More walk-ins matched than are listed."""


async def _check_admin(db: AsyncSession, actor: Learner, admin_ids: Iterable[int]) -> None:
    if Role.ADMIN not in await roles.roles_of(db, actor, admin_ids):
        raise PrivacyError(Reason.NOT_ALLOWED)


async def _attended(db: AsyncSession, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    result = await db.exec(
        select(col(Attendance.learner_id), func.count())
        .where(col(Attendance.learner_id).in_(ids), col(Attendance.status).in_(ATTENDED))
        .group_by(col(Attendance.learner_id))
    )
    return {learner_id: int(count) for learner_id, count in result.all()}


async def _summaries(db: AsyncSession, people: list[Learner]) -> list[WalkIn]:
    attended = await _attended(db, [person.id or 0 for person in people])
    return [
        WalkIn(
            id=person.id or 0,
            name=person.display_name or "",
            organisation=person.organisation,
            country=person.country,
            added_at=person.created_at,
            attended=attended.get(person.id or 0, 0),
        )
        for person in people
    ]


async def find_walk_ins(
    db: AsyncSession, actor: Learner, search: str, admin_ids: Iterable[int]
) -> Found:
    """Walk-ins whose name holds ``search`` (any case, any script), or whose person number
    (the exports' "Person" column) it is."""
    await _check_admin(db, actor, admin_ids)
    wanted = clean_text(search).casefold()
    if wanted.isdigit():
        person = await db.get(Learner, int(wanted))
        people = [person] if person is not None and _is_walk_in(person) else []
        return Found(await _summaries(db, people), more=False)
    if len(wanted) < MIN_SEARCH:
        raise PrivacyError(Reason.SHORT_SEARCH)
    # Compared here rather than in SQL: SQLite folds only ASCII letters, and names are
    # in Cyrillic too. Walk-ins are few (people added by hand on training days).
    candidates = await db.exec(
        select(Learner)
        .where(Learner.source == WALK_IN_SOURCE, col(Learner.erased_at).is_(None))
        .order_by(col(Learner.display_name), col(Learner.id))
    )
    matching = [
        person for person in candidates.all() if wanted in (person.display_name or "").casefold()
    ]
    return Found(await _summaries(db, matching[:MAX_FOUND]), more=len(matching) > MAX_FOUND)


def _is_walk_in(person: Learner) -> bool:
    return person.source == WALK_IN_SOURCE and person.erased_at is None


async def _walk_in(
    db: AsyncSession, actor: Learner, learner_id: int, admin_ids: Iterable[int]
) -> Learner:
    await _check_admin(db, actor, admin_ids)
    person = await db.get(Learner, learner_id)
    if person is None or not _is_walk_in(person):
        raise PrivacyError(Reason.NOT_FOUND)
    return person


async def walk_in(
    db: AsyncSession, actor: Learner, learner_id: int, admin_ids: Iterable[int]
) -> WalkIn:
    [summary] = await _summaries(db, [await _walk_in(db, actor, learner_id, admin_ids)])
    return summary


async def walk_in_data(
    db: AsyncSession, actor: Learner, learner_id: int, admin_ids: Iterable[int], now: datetime
) -> dict[str, Any]:
    """Everything stored about the walk-in, for the admin to hand over; audited."""
    person = await _walk_in(db, actor, learner_id, admin_ids)
    await audit.record(
        db,
        actor_id=actor.id,
        action=ACCESS_ACTION,
        subject_type=LEARNER_SUBJECT,
        subject_id=learner_id,
        details={"source": WALK_IN_SOURCE},
        now=now,
    )
    return await personal_data(db, person)


async def erase_walk_in(
    db: AsyncSession, actor: Learner, learner_id: int, admin_ids: Iterable[int], now: datetime
) -> Learner:
    """Erases the walk-in as ``/forget`` erases a person; audited with the admin as actor."""
    person = await _walk_in(db, actor, learner_id, admin_ids)
    return await erase(db, person, now, actor_id=actor.id)
