"""``/roles``: who holds which role, as far as the viewer's scope reaches, and revoking.

- An **admin**, or a coordinator without limits, sees every holder. Admins revoke any grant
  but the admin role of an admin from the settings (the settings decide it); coordinators
  revoke only trainers.
- A coordinator **limited** to countries or organisations sees their own grant, the
  coordinators whose scope lies inside theirs, and the trainers in their scope: those they
  invited, and those who run (or ran) a session they manage by their scope
  (:func:`bot.services.sessions.covered`). They revoke only those trainers; admins stay
  hidden from them.

:func:`revocable` and :func:`revoke` apply the same rule as the list, so a forged
``Revoke`` button for someone outside the viewer's scope is refused like a learner's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, Role, RoleGrant, TrainingSession
from bot.services import audit, sessions
from bot.services.roles import (
    FULL_SCOPE,
    Reason,
    RoleError,
    Scope,
    grant_scope,
    is_settings_admin,
    named_scope,
    roles_of,
    scope_of,
)


@dataclass(frozen=True)
class Holder:
    """One line of ``/roles``: a grant, or an admin from the settings (``grant`` None)."""

    role: Role
    learner: Learner | None
    grant: RoleGrant | None
    scope: Scope = FULL_SCOPE
    revocable: bool = False
    """Whether the viewer may revoke it."""

    @property
    def from_settings(self) -> bool:
        return self.grant is None


@dataclass(frozen=True)
class Viewer:
    """Who looks at the roles, and how far they reach."""

    learner: Learner
    held: frozenset[Role]
    scope: Scope
    trainers: frozenset[int]
    """Learner ids of the trainers in a limited coordinator's scope (empty otherwise)."""

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.held

    @property
    def sees_all(self) -> bool:
        return self.is_admin or self.scope.is_full


async def _viewer(db: AsyncSession, actor: Learner, admin_ids: tuple[int, ...]) -> Viewer:
    """The viewer, if they may see roles at all (admins, coordinators); else ``not-allowed``."""
    held = frozenset(await roles_of(db, actor, admin_ids))
    if actor.id is None or not held & {Role.ADMIN, Role.COORDINATOR}:
        raise RoleError(Reason.NOT_ALLOWED)
    scope = await scope_of(db, actor, admin_ids)
    trainers: frozenset[int] = frozenset()
    if Role.ADMIN not in held and not scope.is_full:
        runs_in_scope = select(col(TrainingSession.trainer_id)).where(sessions.covered(scope))
        found = await db.exec(
            select(col(RoleGrant.learner_id)).where(
                col(RoleGrant.role) == Role.TRAINER,
                sa.or_(
                    col(RoleGrant.granted_by) == actor.id,
                    col(RoleGrant.learner_id).in_(runs_in_scope),
                ),
            )
        )
        trainers = frozenset(found.all())
    return Viewer(actor, held, scope, trainers)


def _sees(viewer: Viewer, grant: RoleGrant) -> bool:
    if viewer.sees_all or grant.learner_id == viewer.learner.id:
        return True
    if grant.role == Role.TRAINER:
        return grant.learner_id in viewer.trainers
    if grant.role == Role.COORDINATOR:
        return grant_scope(grant).within(viewer.scope)
    return False


def _may_revoke(
    viewer: Viewer, grant: RoleGrant, holder: Learner, admin_ids: Iterable[int]
) -> bool:
    if grant.role == Role.ADMIN and is_settings_admin(holder, admin_ids):
        return False
    if viewer.is_admin:
        return True
    return grant.role == Role.TRAINER and _sees(viewer, grant)


async def list_holders(db: AsyncSession, actor: Learner, admin_ids: Iterable[int]) -> list[Holder]:
    """Everyone who holds a role now, as far as ``actor`` sees (module docstring): the admins
    from the settings first (with their learner when they have written to the bot), then the
    active grants of learners not erased. Raises ``not-allowed`` for anyone but admins and
    coordinators."""
    admin_ids = tuple(dict.fromkeys(admin_ids))
    viewer = await _viewer(db, actor, admin_ids)
    holders: list[Holder] = []
    if admin_ids and viewer.sees_all:
        found = await db.exec(select(Learner).where(col(Learner.telegram_id).in_(admin_ids)))
        by_telegram = {learner.telegram_id: learner for learner in found.all()}
        holders += [Holder(Role.ADMIN, by_telegram.get(tid), None) for tid in admin_ids]
    order = sa.case(
        {Role.ADMIN.value: 0, Role.COORDINATOR.value: 1, Role.TRAINER.value: 2},
        value=col(RoleGrant.role),
        else_=3,
    )
    rows = await db.exec(
        select(RoleGrant, Learner)
        .join(Learner, col(Learner.id) == col(RoleGrant.learner_id))
        .where(col(RoleGrant.revoked_at).is_(None), col(Learner.erased_at).is_(None))
        .order_by(order, col(RoleGrant.granted_at), col(RoleGrant.id))
    )
    for grant, learner in rows.all():
        try:
            role = Role(grant.role)
        except ValueError:
            continue
        if _sees(viewer, grant):
            revocable = _may_revoke(viewer, grant, learner, admin_ids)
            scope = await named_scope(db, grant_scope(grant))
            holders.append(Holder(role, learner, grant, scope, revocable))
    return holders


@dataclass(frozen=True)
class Revocable:
    grant: RoleGrant
    holder: Learner


async def revocable(
    db: AsyncSession, actor: Learner, grant_id: int, admin_ids: Iterable[int]
) -> Revocable:
    """The grant ``actor`` may revoke now, with its holder; raises RoleError otherwise
    (``not-allowed`` also for a grant outside the actor's scope, as for a forged button)."""
    admin_ids = tuple(admin_ids)
    viewer = await _viewer(db, actor, admin_ids)
    grant = await db.get(RoleGrant, grant_id)
    if grant is None:
        raise RoleError(Reason.UNKNOWN_GRANT)
    holder = await db.get(Learner, grant.learner_id)
    if holder is None or not (viewer.is_admin or _sees(viewer, grant)):
        raise RoleError(Reason.NOT_ALLOWED)
    if grant.revoked_at is not None or holder.erased_at is not None:
        raise RoleError(Reason.ALREADY_REVOKED)
    if grant.role == Role.ADMIN and is_settings_admin(holder, admin_ids):
        raise RoleError(Reason.SETTINGS_ADMIN)
    if not _may_revoke(viewer, grant, holder, admin_ids):
        raise RoleError(Reason.NOT_ALLOWED)
    return Revocable(grant, holder)


async def revoke(
    db: AsyncSession, actor: Learner, grant_id: int, now: datetime, admin_ids: Iterable[int]
) -> RoleGrant:
    """Ends a grant (the row stays, with ``revoked_at``); raises RoleError."""
    grant = (await revocable(db, actor, grant_id, admin_ids)).grant
    # Once, also when two people tap Revoke at the same moment.
    done = await db.exec(
        sa.update(RoleGrant)
        .where(col(RoleGrant.id) == grant.id, col(RoleGrant.revoked_at).is_(None))
        .values(revoked_at=now, revoked_by=actor.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise RoleError(Reason.ALREADY_REVOKED)
    await db.refresh(grant)
    assert grant.id is not None
    await audit.record(
        db,
        actor_id=actor.id,
        action="role.revoke",
        subject_type="role_grant",
        subject_id=grant.id,
        details={"role": grant.role, "learner_id": grant.learner_id},
        now=now,
    )
    return grant
