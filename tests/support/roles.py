"""Roles for tests: a grant written straight into the database, or one taken through an
invite as a person would."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, Role, RoleGrant
from bot.services import roles


async def grant(
    db: AsyncSession,
    learner: Learner,
    role: Role | str,
    *,
    countries: Iterable[str] = (),
    organisations: Iterable[str] = (),
    granted_at: datetime | None = None,
) -> RoleGrant:
    """Gives ``learner`` the role (a coordinator limited to ``countries`` and
    ``organisations``; none means all), stored as the invites store it."""
    assert learner.id is not None
    row = RoleGrant(
        learner_id=learner.id,
        role=Role(role),
        countries=",".join(sorted(countries)) or None,
        organisations="\n".join(sorted(organisations)) or None,
    )
    if granted_at is not None:
        row.granted_at = granted_at
    db.add(row)
    await db.flush()
    return row


async def grant_by_invite(
    db: AsyncSession,
    learner: Learner,
    role: Role,
    inviter: Learner,
    *,
    now: datetime,
    admin_ids: tuple[int, ...],
    countries: Iterable[str] = (),
    organisations: Iterable[str] = (),
) -> RoleGrant:
    """Gives ``learner`` the role through an invite made by ``inviter``, as /invite and the
    link would."""
    invite = await roles.create_invite(
        db, inviter, role, countries, organisations, now=now, admin_ids=admin_ids
    )
    result = await roles.redeem_invite(db, learner, invite.code, now, admin_ids)
    assert result.outcome == roles.Redeemed.GRANTED and result.grant is not None
    return result.grant
