"""Who may see and who may manage a training session: the one rule of every trainer's and
coordinator's screen (the list, the view, the roster, edits, cancelling, the attendance
panel, marks, walk-ins and the check-in code).

- An **admin** manages every session.
- The **trainer who runs it** manages it, while they hold the trainer's (or a coordinator's)
  role.
- A **coordinator** manages the sessions in their scope: the session's country is one of
  their countries (when they are limited to countries), its programme one of their
  programmes (when they are limited to programmes) and, when they are limited to
  organisations, the trainer who runs it belongs to one of their organisations (the
  trainer's own ``organisation``, which is kept only with their consent).
- A coordinator limited to organisations also **sees** the sessions in their countries that
  a person of one of their organisations registered for (or apologised for, or was marked
  at): the session, and on its roster only those people. Nothing else: no edits, no
  attendance, no invitation code.
- Nobody else sees a session (other trainers included).

The rule is written once, as SQL conditions (:func:`reach`): the list filters by them and
the check of one session (:func:`access`) asks the database the same conditions for that
row, so that a session can never be on someone's list and refused when opened, or the other
way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Attendance, Learner, Registration, Role, TrainingSession
from bot.services import roles
from bot.services.learners import UNDISCLOSED
from bot.services.roles import Scope
from bot.services.sessions.errors import Reason, SessionError

NOTHING: Any = sa.false()
EVERYTHING: Any = sa.true()


class Access(IntEnum):
    """How far someone reaches into one session; a higher level includes the lower."""

    NONE = 0
    PEOPLE = 1
    """The session and the people of the viewer's organisations on its roster, read only."""
    MANAGE = 2
    """Everything: the whole roster, edits, cancelling, attendance, walk-ins, check-in."""


@dataclass(frozen=True)
class Reach:
    """An actor's sessions as conditions on ``TrainingSession`` (SQL expressions)."""

    manage: Any
    see: Any
    """Sessions seen at :attr:`Access.PEOPLE` (besides those managed)."""
    people: frozenset[str] | None
    """On the roster of a session seen, only the people of these organisations."""


@dataclass(frozen=True)
class SessionAccess:
    """One session and how far the actor reaches into it."""

    training: TrainingSession
    level: Access
    people: frozenset[str] | None = None
    """At :attr:`Access.PEOPLE`: the organisations whose people the roster shows; ``None``
    (managed) shows everyone."""

    @property
    def manages(self) -> bool:
        return self.level >= Access.MANAGE

    def shows(self, person: Learner) -> bool:
        """Whether ``person`` appears on the roster this access shows."""
        if self.manages:
            return True
        if self.level < Access.PEOPLE or self.people is None:
            return False
        return person.erased_at is None and person.organisation in self.people


def _organisations(scope: Scope) -> frozenset[str] | None:
    """The organisations a scope matches: "prefer not to say" is nobody's organisation."""
    if scope.organisations is None:
        return None
    return scope.organisations - {UNDISCLOSED}


def _people_of(organisations: frozenset[str]) -> Any:
    """Learners (ids) of these organisations, erased ones left out."""
    return select(col(Learner.id)).where(
        col(Learner.organisation).in_(sorted(organisations)), col(Learner.erased_at).is_(None)
    )


def covered(scope: Scope) -> Any:
    """The sessions a coordinator's ``scope`` covers (they manage them): in its countries,
    and run by a trainer of its organisations."""
    conditions: list[Any] = []
    if scope.countries is not None:
        conditions.append(col(TrainingSession.country).in_(sorted(scope.countries)))
    if scope.programmes is not None:
        conditions.append(col(TrainingSession.programme_id).in_(sorted(scope.programmes)))
    organisations = _organisations(scope)
    if organisations is not None:
        conditions.append(col(TrainingSession.trainer_id).in_(_people_of(organisations)))
    return sa.and_(*conditions) if conditions else EVERYTHING


def _with_their_people(scope: Scope, organisations: frozenset[str]) -> Any:
    """Sessions in the scope's countries with a person of ``organisations`` on the roster."""
    people = _people_of(organisations)
    registered = (
        select(col(Registration.id))
        .where(
            col(Registration.session_id) == col(TrainingSession.id),
            col(Registration.learner_id).in_(people),
        )
        .exists()
    )
    marked = (
        select(col(Attendance.id))
        .where(
            col(Attendance.session_id) == col(TrainingSession.id),
            col(Attendance.learner_id).in_(people),
        )
        .exists()
    )
    conditions: list[Any] = [sa.or_(registered, marked)]
    if scope.countries is not None:
        conditions.append(col(TrainingSession.country).in_(sorted(scope.countries)))
    if scope.programmes is not None:
        conditions.append(col(TrainingSession.programme_id).in_(sorted(scope.programmes)))
    return sa.and_(*conditions)


async def reach(db: AsyncSession, actor: Learner, admin_ids: Iterable[int]) -> Reach:
    """The sessions ``actor`` manages and sees, by the rule of this module."""
    if actor.id is None or actor.erased_at is not None:
        return Reach(NOTHING, NOTHING, None)
    admin_ids = tuple(admin_ids)
    held = await roles.roles_of(db, actor, admin_ids)
    if Role.ADMIN in held:
        return Reach(EVERYTHING, NOTHING, None)
    own = (
        col(TrainingSession.trainer_id) == actor.id
        if held & {Role.TRAINER, Role.COORDINATOR}
        else NOTHING
    )
    if Role.COORDINATOR not in held:
        return Reach(own, NOTHING, None)
    scope = await roles.scope_of(db, actor, admin_ids)
    manage = sa.or_(own, covered(scope))
    organisations = _organisations(scope)
    if organisations is None:
        return Reach(manage, NOTHING, None)
    return Reach(manage, _with_their_people(scope, organisations), organisations)


async def access(
    db: AsyncSession, actor: Learner, training: TrainingSession, admin_ids: Iterable[int]
) -> SessionAccess:
    """How far ``actor`` reaches into ``training``: the conditions of :func:`reach`, asked
    of this one row."""
    found = await reach(db, actor, admin_ids)
    level = sa.case((found.manage, int(Access.MANAGE)), (found.see, int(Access.PEOPLE)), else_=0)
    result = await db.exec(select(level).where(col(TrainingSession.id) == training.id))
    value = result.first()
    granted = Access(int(value)) if value is not None else Access.NONE
    people = found.people if granted == Access.PEOPLE else None
    return SessionAccess(training, granted, people)


async def seen(
    db: AsyncSession, actor: Learner, session_id: int, *, admin_ids: Iterable[int] = ()
) -> SessionAccess:
    """The session and how far ``actor`` reaches into it, if they see it at all; else
    ``not-found`` (no such session) or ``not-allowed``."""
    training = await db.get(TrainingSession, session_id)
    if training is None:
        raise SessionError(Reason.NOT_FOUND)
    found = await access(db, actor, training, admin_ids)
    if found.level == Access.NONE:
        raise SessionError(Reason.NOT_ALLOWED)
    return found


async def managed(
    db: AsyncSession, actor: Learner, session_id: int, *, admin_ids: Iterable[int] = ()
) -> TrainingSession:
    """The session, if ``actor`` manages it; else ``not-found`` or ``not-allowed``."""
    found = await seen(db, actor, session_id, admin_ids=admin_ids)
    if not found.manages:
        raise SessionError(Reason.NOT_ALLOWED)
    return found.training


async def may_manage(
    db: AsyncSession, actor: Learner, admin_ids: Iterable[int], training: TrainingSession
) -> bool:
    return (await access(db, actor, training, admin_ids)).manages
