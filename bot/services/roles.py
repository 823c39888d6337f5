"""Roles beyond learner: trainer, coordinator, admin; and a coordinator's scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, Role, RoleGrant


@dataclass(frozen=True)
class Scope:
    """What a coordinator may see: ``None`` means no limit on that dimension."""

    countries: frozenset[str] | None = None
    organisations: frozenset[str] | None = None

    @property
    def is_full(self) -> bool:
        return self.countries is None and self.organisations is None


FULL_SCOPE = Scope()


def split_countries(value: str | None) -> frozenset[str] | None:
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    return frozenset(parts) or None


def split_organisations(value: str | None) -> frozenset[str] | None:
    parts = [part.strip() for part in (value or "").split("\n") if part.strip()]
    return frozenset(parts) or None


def is_settings_admin(learner: Learner, admin_ids: Iterable[int]) -> bool:
    return learner.telegram_id is not None and learner.telegram_id in set(admin_ids)


async def active_grants(session: AsyncSession, learner: Learner) -> list[RoleGrant]:
    if learner.id is None or learner.erased_at is not None:
        return []
    result = await session.exec(
        select(RoleGrant).where(
            RoleGrant.learner_id == learner.id,
            RoleGrant.revoked_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return list(result.all())


async def roles_of(session: AsyncSession, learner: Learner, admin_ids: Iterable[int]) -> set[Role]:
    """Every role the learner holds now (admins from the settings included)."""
    held = {Role(grant.role) for grant in await active_grants(session, learner)}
    if is_settings_admin(learner, admin_ids):
        held.add(Role.ADMIN)
    return held


async def scope_of(session: AsyncSession, learner: Learner, admin_ids: Iterable[int]) -> Scope:
    """A coordinator's scope; admins (and coordinators without limits) see everything."""
    if is_settings_admin(learner, admin_ids):
        return FULL_SCOPE
    grants = {Role(grant.role): grant for grant in await active_grants(session, learner)}
    if Role.ADMIN in grants:
        return FULL_SCOPE
    grant = grants.get(Role.COORDINATOR)
    if grant is None:
        return Scope(countries=frozenset(), organisations=frozenset())
    return Scope(split_countries(grant.countries), split_organisations(grant.organisations))
