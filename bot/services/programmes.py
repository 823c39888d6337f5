"""Programmes (projects): a name, a donor, a period and countries. Every session belongs to
one; modules may be linked to one. Coordinators can be limited to programmes
(``Scope.programmes``), and every report can be filtered by one (``Filters.programme``).

There is always a default programme (made by migration 0007 for the data that was there,
or here when it is missing): sessions go to it when nobody chose another.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, Programme, ProgrammeModule, Role
from bot.services import audit, learners, roles
from bot.services.errors import ServiceError
from bot.services.roles import Scope

DEFAULT_NAME = "Default programme"
"""The default programme's name (data, as migration 0007 stores it; admins may rename)."""
MAX_NAME = 120
MAX_DONOR = 200


class Reason(StrEnum):
    NOT_FOUND = "not-found"
    NOT_ALLOWED = "not-allowed"
    EMPTY_NAME = "empty-name"
    NAME_TOO_LONG = "name-too-long"
    NAME_TAKEN = "name-taken"
    DONOR_TOO_LONG = "donor-too-long"
    END_BEFORE_START = "end-before-start"
    UNKNOWN_COUNTRY = "unknown-country"
    UNKNOWN_MODULE = "unknown-module"


class ProgrammeError(ServiceError):
    """A programme that cannot be made or chosen (``reason``), the offending input
    (``value``)."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


@dataclass(frozen=True)
class ProgrammeValues:
    name: str
    starts_on: date
    ends_on: date
    donor: str | None = None
    countries: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()


def countries_of(programme: Programme) -> tuple[str, ...]:
    return tuple(sorted(roles.split_countries(programme.countries) or ()))


def check_values(values: ProgrammeValues, known_modules: Collection[str]) -> ProgrammeValues:
    """The values cleaned, or ProgrammeError for the first that is not acceptable."""
    name = learners.clean_text(values.name)
    if not name:
        raise ProgrammeError(Reason.EMPTY_NAME)
    if len(name) > MAX_NAME:
        raise ProgrammeError(Reason.NAME_TOO_LONG, name[:40])
    donor = learners.clean_text(values.donor or "") or None
    if donor is not None and len(donor) > MAX_DONOR:
        raise ProgrammeError(Reason.DONOR_TOO_LONG, donor[:40])
    if values.ends_on < values.starts_on:
        raise ProgrammeError(Reason.END_BEFORE_START)
    countries = tuple(sorted({code.strip().upper() for code in values.countries if code.strip()}))
    for code in countries:
        if code not in learners.COUNTRIES:
            raise ProgrammeError(Reason.UNKNOWN_COUNTRY, code[:12])
    modules = tuple(sorted(set(values.modules)))
    for module in modules:
        if module not in known_modules:
            raise ProgrammeError(Reason.UNKNOWN_MODULE, module[:24])
    return ProgrammeValues(name, values.starts_on, values.ends_on, donor, countries, modules)


async def create(
    db: AsyncSession,
    values: ProgrammeValues,
    *,
    known_modules: Collection[str],
    now: datetime,
    actor_id: int | None = None,
) -> Programme:
    """A new programme (admins: ``python -m bot programmes create``), audited."""
    values = check_values(values, known_modules)
    if await by_name(db, values.name) is not None:
        raise ProgrammeError(Reason.NAME_TAKEN, values.name[:40])
    programme = Programme(
        name=values.name,
        donor=values.donor,
        starts_on=values.starts_on,
        ends_on=values.ends_on,
        countries=",".join(values.countries) or None,
        created_at=now,
    )
    try:
        async with db.begin_nested():
            db.add(programme)
            await db.flush()
    except IntegrityError:
        raise ProgrammeError(Reason.NAME_TAKEN, values.name[:40]) from None
    assert programme.id is not None
    for module in values.modules:
        db.add(ProgrammeModule(programme_id=programme.id, module_id=module))
    await db.flush()
    await audit.record(
        db,
        actor_id=actor_id,
        action="programme.create",
        subject_type="programme",
        subject_id=programme.id,
        details={
            "name": programme.name,
            "donor": programme.donor,
            "period": [values.starts_on.isoformat(), values.ends_on.isoformat()],
            "countries": list(values.countries),
            "modules": list(values.modules),
        },
        now=now,
    )
    return programme


async def by_name(db: AsyncSession, name: str) -> Programme | None:
    """The programme called ``name`` (case-insensitive)."""
    wanted = learners.clean_text(name).casefold()
    for programme in await all_programmes(db):
        if programme.name.casefold() == wanted:
            return programme
    return None


async def all_programmes(db: AsyncSession) -> list[Programme]:
    """Every programme: the default first, then by name."""
    found = await db.exec(select(Programme))
    return sorted(found.all(), key=lambda p: (not p.is_default, p.name.casefold()))


async def modules_of(db: AsyncSession, programme_id: int) -> list[str]:
    found = await db.exec(
        select(ProgrammeModule.module_id).where(ProgrammeModule.programme_id == programme_id)
    )
    return sorted(found.all())


async def default_programme(db: AsyncSession, now: datetime) -> Programme:
    """The default programme; made (from today to the end of next year) when missing."""
    found = await db.exec(select(Programme).where(col(Programme.is_default).is_(True)))
    programme = found.first()
    if programme is not None:
        return programme
    today = now.date()
    programme = Programme(
        name=DEFAULT_NAME,
        starts_on=today,
        ends_on=date(today.year + 1, 12, 31),
        is_default=True,
        created_at=now,
    )
    db.add(programme)
    await db.flush()
    return programme


def visible(programmes: Iterable[Programme], scope: Scope) -> list[Programme]:
    """The programmes a reader with ``scope`` may choose."""
    return [p for p in programmes if scope.programmes is None or p.id in scope.programmes]


async def visible_to(db: AsyncSession, scope: Scope) -> list[Programme]:
    return visible(await all_programmes(db), scope)


async def choices_for(
    db: AsyncSession, actor: Learner, admin_ids: Iterable[int], now: datetime
) -> list[Programme]:
    """The programmes ``actor`` may schedule a session in: those not ended yet (and the
    default), within their programmes when they are a coordinator limited to some."""
    admin_ids = tuple(admin_ids)
    held = await roles.roles_of(db, actor, admin_ids)
    programmes = [p for p in await all_programmes(db) if p.is_default or p.ends_on >= now.date()]
    if Role.ADMIN not in held and Role.COORDINATOR in held:
        programmes = visible(programmes, await roles.scope_of(db, actor, admin_ids))
    return programmes


async def chosen(
    db: AsyncSession,
    actor: Learner,
    programme_id: int | None,
    *,
    admin_ids: Iterable[int],
    now: datetime,
) -> Programme:
    """The programme a new session goes to: ``programme_id`` if the actor may choose it
    (else ``not-allowed``), or the default when none was chosen."""
    if programme_id is None:
        return await default_programme(db, now)
    for programme in await choices_for(db, actor, admin_ids, now):
        if programme.id == programme_id:
            return programme
    raise ProgrammeError(Reason.NOT_ALLOWED)


async def check_filter(db: AsyncSession, scope: Scope, programme_id: int | None) -> int | None:
    """A programme chosen as a report's filter: one the reader sees, else ``not-allowed``."""
    if programme_id is None:
        return None
    programme = await db.get(Programme, programme_id)
    if programme is None:
        raise ProgrammeError(Reason.NOT_FOUND)
    if scope.programmes is not None and programme_id not in scope.programmes:
        raise ProgrammeError(Reason.NOT_ALLOWED)
    return programme_id
