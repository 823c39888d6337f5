"""Roles taken as a person takes them: through an invite, made in the services or typed in
Telegram. (A grant written straight into the database is :func:`tests.factories.grant`.)"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, Role, RoleGrant
from bot.services import roles
from tests.support.driver import TelegramUser

LINK = re.compile(r"https://t\.me/kapacitet_bot\?start=(r_[A-Za-z0-9_-]+)")
"""An invite link as ``/invite`` answers it."""


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


async def invite(maker: TelegramUser, arguments: str) -> str:
    """``/invite <arguments>`` typed by ``maker``; the ``r_<code>`` payload of the link."""
    [reply] = await maker.send(f"/invite {arguments}")
    found = LINK.search(reply.text or "")
    assert found, reply.text
    return found.group(1)
