"""Roles beyond learner: trainer, coordinator, admin; a coordinator's scope; invites and
grants. (Who sees and revokes which grant is :mod:`bot.services.role_holders`.)"""

from __future__ import annotations

import secrets
import shlex
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.languages import LANGUAGE_CODES
from bot.models import Learner, Programme, Role, RoleGrant, RoleInvite
from bot.services import audit, learners
from bot.services.errors import ServiceError


@dataclass(frozen=True)
class Scope:
    """What a coordinator may see: ``None`` means no limit on that dimension."""

    countries: frozenset[str] | None = None
    organisations: frozenset[str] | None = None
    programmes: frozenset[int] | None = None
    """Programme ids (:class:`bot.models.Programme`)."""
    programme_names: tuple[str, ...] = field(default=(), compare=False)
    """The names of :attr:`programmes`, for texts (filled by :func:`scope_of`)."""

    @property
    def is_full(self) -> bool:
        return self.countries is None and self.organisations is None and self.programmes is None

    def within(self, outer: Scope) -> bool:
        """Whether this scope lies inside ``outer``: no wider on any dimension."""

        def inside(mine: frozenset[Any] | None, theirs: frozenset[Any] | None) -> bool:
            return theirs is None or (mine is not None and mine <= theirs)

        return (
            inside(self.countries, outer.countries)
            and inside(self.organisations, outer.organisations)
            and inside(self.programmes, outer.programmes)
        )


FULL_SCOPE = Scope()


def split_countries(value: str | None) -> frozenset[str] | None:
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    return frozenset(parts) or None


def split_organisations(value: str | None) -> frozenset[str] | None:
    parts = [part.strip() for part in (value or "").split("\n") if part.strip()]
    return frozenset(parts) or None


def split_programmes(value: str | None) -> frozenset[int] | None:
    parts = [part.strip() for part in (value or "").split(",") if part.strip().isdigit()]
    return frozenset(int(part) for part in parts) or None


def _join_programmes(programmes: frozenset[int] | None) -> str | None:
    return ",".join(str(number) for number in sorted(programmes)) if programmes else None


def _scope_details(scope: Scope) -> dict[str, list[Any]]:
    """A scope as the audit log records it."""
    details: dict[str, list[Any]] = {
        "countries": sorted(scope.countries or ()),
        "organisations": sorted(scope.organisations or ()),
    }
    if scope.programmes is not None:
        details["programmes"] = sorted(scope.programmes)
    return details


async def named_scope(db: AsyncSession, scope: Scope) -> Scope:
    """``scope`` with the names of its programmes."""
    if not scope.programmes:
        return scope
    found = await db.exec(
        select(Programme.name).where(col(Programme.id).in_(sorted(scope.programmes)))
    )
    return replace(scope, programme_names=tuple(sorted(found.all())))


def is_settings_admin(learner: Learner, admin_ids: Iterable[int]) -> bool:
    return learner.telegram_id is not None and learner.telegram_id in set(admin_ids)


async def active_grants(db: AsyncSession, learner: Learner) -> list[RoleGrant]:
    if learner.id is None or learner.erased_at is not None:
        return []
    result = await db.exec(
        select(RoleGrant).where(
            RoleGrant.learner_id == learner.id,
            RoleGrant.revoked_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return list(result.all())


async def roles_of(db: AsyncSession, learner: Learner, admin_ids: Iterable[int]) -> set[Role]:
    """Every role the learner holds now (admins from the settings included)."""
    held = {Role(grant.role) for grant in await active_grants(db, learner)}
    if is_settings_admin(learner, admin_ids):
        held.add(Role.ADMIN)
    return held


async def scope_of(db: AsyncSession, learner: Learner, admin_ids: Iterable[int]) -> Scope:
    """A coordinator's scope; admins (and coordinators without limits) see everything."""
    if is_settings_admin(learner, admin_ids):
        return FULL_SCOPE
    grants = {Role(grant.role): grant for grant in await active_grants(db, learner)}
    if Role.ADMIN in grants:
        return FULL_SCOPE
    grant = grants.get(Role.COORDINATOR)
    if grant is None:
        return Scope(countries=frozenset(), organisations=frozenset(), programmes=frozenset())
    return await named_scope(db, grant_scope(grant))


# -- invites and grants ----------------------------------------------------------------------

INVITE_VALIDITY = timedelta(days=7)
MAX_ORGANISATION = learners.MAX_ORGANISATION
MAX_ORGANISATIONS_STORED = 500
"""RoleGrant.organisations and RoleInvite.organisations hold this many characters."""


class Reason(StrEnum):
    """Why a role request was refused; ``RoleError.value`` holds the offending input."""

    NOT_ALLOWED = "not-allowed"
    """The actor may not do this."""
    SCOPE_TOO_WIDE = "scope-too-wide"
    """A coordinator asked for more than their own scope."""
    SCOPE_NOT_FOR_ROLE = "scope-not-for-role"
    """A scope for a role other than coordinator."""
    UNKNOWN_ROLE = "unknown-role"
    UNKNOWN_COUNTRY = "unknown-country"
    UNKNOWN_LANGUAGE = "unknown-language"
    """An editor's language that the bot does not have (value: the word)."""
    UNKNOWN_PROGRAMME = "unknown-programme"
    """No programme of that name (value: the name)."""
    ORGANISATION_TOO_LONG = "organisation-too-long"
    TOO_MANY_ORGANISATIONS = "too-many-organisations"
    EMPTY_ORGANISATION = "empty-organisation"
    RESERVED_ORGANISATION = "reserved-organisation"
    """The word stored for "prefer not to say": a scope of it would reach those people."""
    BAD_QUOTES = "bad-quotes"
    UNKNOWN_GRANT = "unknown-grant"
    """No such grant: answered like an already revoked one."""
    ALREADY_REVOKED = "already-revoked"
    SETTINGS_ADMIN = "settings-admin"
    """An admin from the settings, whose role no button takes away."""
    ERASED = "erased"


class RoleError(ServiceError):
    """What cannot be done with roles (``reason``), and the offending input (``value``)."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


class Redeemed(StrEnum):
    GRANTED = "granted"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"
    ALREADY_HELD = "already-held"
    OWN = "own"
    """The maker opened their own link: it stays for the person it is for."""


@dataclass(frozen=True)
class Redemption:
    outcome: Redeemed
    role: Role | None = None
    scope: Scope = FULL_SCOPE
    grant: RoleGrant | None = None


@dataclass(frozen=True)
class InviteRequest:
    """``/invite <role> [XK RS ...] [org:"Name" ...]``, parsed."""

    role: Role
    countries: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    programmes: frozenset[str] = frozenset()
    """Programme names, as typed (``programme:"SMART Balkans"``)."""
    languages: frozenset[str] = frozenset()
    """An editor's languages (``/invite editor sq mk``); none: all."""


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‟": '"'})
ORG_PREFIX = "org:"
PROGRAMME_PREFIX = "programme:"


def _clean_organisation(name: str) -> str:
    # As a learner's organisation is stored (no control characters: PostgreSQL refuses NUL).
    text = learners.clean_text(name)
    if not text:
        raise RoleError(Reason.EMPTY_ORGANISATION)
    if text.casefold() == learners.UNDISCLOSED:
        raise RoleError(Reason.RESERVED_ORGANISATION, text)
    if len(text) > MAX_ORGANISATION or "\n" in text:
        raise RoleError(Reason.ORGANISATION_TOO_LONG, text[:40])
    return text


def parse_invite_arguments(text: str) -> InviteRequest:
    """The words after ``/invite``: a role, then for a coordinator optional country codes
    (``XK RS``) and organisations (``org:Forum``, ``org:"Civic Lab"``); raises RoleError."""
    try:
        words = shlex.split(unicodedata.normalize("NFC", text).translate(_QUOTES))
    except ValueError as error:
        raise RoleError(Reason.BAD_QUOTES) from error
    if not words:
        raise RoleError(Reason.UNKNOWN_ROLE)
    try:
        role = Role(words[0].lower())
    except ValueError:
        raise RoleError(Reason.UNKNOWN_ROLE, words[0][:40]) from None
    if role == Role.EDITOR:
        codes = {code.lower(): code for code in LANGUAGE_CODES}
        unknown = [word for word in words[1:] if word.lower() not in codes]
        if unknown:
            raise RoleError(Reason.UNKNOWN_LANGUAGE, unknown[0][:40])
        return InviteRequest(role, languages=frozenset(codes[w.lower()] for w in words[1:]))
    countries: set[str] = set()
    organisations: set[str] = set()
    programmes: set[str] = set()
    rest = iter(words[1:])
    for word in rest:
        if word.lower().startswith(ORG_PREFIX):
            name = word[len(ORG_PREFIX) :] or next(rest, "")
            organisations.add(_clean_organisation(name))
        elif word.lower().startswith(PROGRAMME_PREFIX):
            name = learners.clean_text(word[len(PROGRAMME_PREFIX) :] or next(rest, ""))
            if not name:
                raise RoleError(Reason.UNKNOWN_PROGRAMME, "")
            programmes.add(name)
        elif word.upper() in learners.COUNTRIES:
            countries.add(word.upper())
        else:
            raise RoleError(Reason.UNKNOWN_COUNTRY, word[:40])
    return InviteRequest(
        role, frozenset(countries), frozenset(organisations), frozenset(programmes)
    )


def _join_countries(countries: frozenset[str] | None) -> str | None:
    return ",".join(sorted(countries)) if countries else None


def _join_organisations(organisations: frozenset[str] | None) -> str | None:
    if not organisations:
        return None
    text = "\n".join(sorted(organisations))
    if len(text) > MAX_ORGANISATIONS_STORED:
        raise RoleError(Reason.TOO_MANY_ORGANISATIONS)
    return text


def _narrowed(mine: frozenset[Any] | None, asked: frozenset[Any]) -> frozenset[Any] | None:
    """The asked limit within ``mine`` (None = no limit); nothing asked keeps ``mine``."""
    if not asked:
        return mine
    if mine is not None and not asked <= mine:
        raise RoleError(
            Reason.SCOPE_TOO_WIDE, ", ".join(sorted(str(item) for item in asked - mine))
        )
    return asked


def invite_scope(invite: RoleInvite) -> Scope:
    return Scope(
        split_countries(invite.countries),
        split_organisations(invite.organisations),
        split_programmes(invite.programmes),
    )


def grant_scope(grant: RoleGrant) -> Scope:
    return Scope(
        split_countries(grant.countries),
        split_organisations(grant.organisations),
        split_programmes(grant.programmes),
    )


async def named_invite_scope(db: AsyncSession, invite: RoleInvite) -> Scope:
    """:func:`invite_scope` with the programmes' names (for texts)."""
    return await named_scope(db, invite_scope(invite))


async def _programme_ids(db: AsyncSession, names: Iterable[str]) -> frozenset[int]:
    """The ids of the programmes called ``names`` (case-insensitive); raises RoleError
    ``unknown-programme`` for a name no programme has."""
    ids: set[int] = set()
    for name in names:
        found = await db.exec(
            select(Programme.id).where(sa.func.lower(Programme.name) == name.casefold())
        )
        number = found.first()
        if number is None:
            raise RoleError(Reason.UNKNOWN_PROGRAMME, name[:40])
        ids.add(number)
    return frozenset(ids)


def may_invite(held: set[Role], role: Role) -> bool:
    if Role.ADMIN in held:
        return True
    return Role.COORDINATOR in held and role in (Role.TRAINER, Role.COORDINATOR)


async def create_invite(
    db: AsyncSession,
    creator: Learner,
    role: Role,
    countries: Iterable[str] = (),
    organisations: Iterable[str] = (),
    programmes: Iterable[str] = (),
    *,
    now: datetime,
    admin_ids: Iterable[int],
    languages: Iterable[str] = (),
) -> RoleInvite:
    """A one-time link for ``role``, valid for 7 days.

    Admins may invite to any role, with any scope. Coordinators may invite trainers, and
    coordinators within their own scope: a limit they have is inherited when none is asked,
    and a narrower one may be asked. Only coordinators have a scope.
    """
    admin_ids = tuple(admin_ids)
    held = await roles_of(db, creator, admin_ids)
    if creator.id is None or not may_invite(held, role):
        raise RoleError(Reason.NOT_ALLOWED, role)
    asked_countries = frozenset(country.upper() for country in countries)
    unknown = sorted(asked_countries - set(learners.COUNTRIES))
    if unknown:
        raise RoleError(Reason.UNKNOWN_COUNTRY, unknown[0])
    asked_organisations = frozenset(_clean_organisation(name) for name in organisations)
    asked_programmes = await _programme_ids(db, programmes)
    asked_languages = frozenset(languages)
    if asked_languages - set(LANGUAGE_CODES):
        raise RoleError(Reason.UNKNOWN_LANGUAGE, sorted(asked_languages - set(LANGUAGE_CODES))[0])
    if asked_languages and role != Role.EDITOR:
        raise RoleError(Reason.SCOPE_NOT_FOR_ROLE, role)
    scope = FULL_SCOPE
    if role != Role.COORDINATOR:
        if asked_countries or asked_organisations or asked_programmes:
            raise RoleError(Reason.SCOPE_NOT_FOR_ROLE, role)
    else:
        mine = await scope_of(db, creator, admin_ids)
        scope = Scope(
            _narrowed(mine.countries, asked_countries),
            _narrowed(mine.organisations, asked_organisations),
            _narrowed(mine.programmes, asked_programmes),
        )
    invite = RoleInvite(
        code=secrets.token_urlsafe(12),
        role=role,
        countries=_join_countries(scope.countries),
        organisations=_join_organisations(scope.organisations),
        programmes=_join_programmes(scope.programmes),
        languages=",".join(sorted(asked_languages)) or None,
        created_by=creator.id,
        created_at=now,
        expires_at=now + INVITE_VALIDITY,
    )
    db.add(invite)
    await db.flush()
    assert invite.id is not None
    await audit.record(
        db,
        actor_id=creator.id,
        action="role.invite",
        subject_type="role_invite",
        subject_id=invite.id,
        details={
            "role": role.value,
            **_scope_details(scope),
            **({"languages": sorted(asked_languages)} if role == Role.EDITOR else {}),
            "expires_at": invite.expires_at.isoformat(),
        },
        now=now,
    )
    return invite


async def find_invite(db: AsyncSession, code: str) -> RoleInvite | None:
    result = await db.exec(select(RoleInvite).where(RoleInvite.code == code))
    return result.first()


async def _grant_of(db: AsyncSession, learner_id: int, role: Role) -> RoleGrant | None:
    result = await db.exec(
        select(RoleGrant).where(RoleGrant.learner_id == learner_id, RoleGrant.role == role)
    )
    return result.first()


async def _maker_may_still_invite(
    db: AsyncSession, invite: RoleInvite, role: Role, admin_ids: Iterable[int]
) -> bool:
    """An invite speaks for its maker as they are NOW. It is void, like an expired one,
    unless the maker still holds a grant that allows it: one that

    - allows inviting to its role (the maker was not revoked, nor erased);
    - is older than the invite: a grant given, changed (a new scope) or given again after a
      revocation since the invite was made voids the maker's earlier links, so that a
      narrowed coordinator's old link cannot hand on the scope they had;
    - for a coordinator's invite, has a scope that covers the invite's.

    The admins from the settings always may (the settings decide their role).
    """
    maker = await db.get(Learner, invite.created_by)
    if maker is None or maker.erased_at is not None:
        return False
    if is_settings_admin(maker, admin_ids):
        return True
    asked = invite_scope(invite)
    for grant in await active_grants(db, maker):
        try:
            held = Role(grant.role)
        except ValueError:
            continue
        if not may_invite({held}, role) or grant.granted_at > invite.created_at:
            continue
        if role != Role.COORDINATOR or held == Role.ADMIN or asked.within(grant_scope(grant)):
            return True
    return False


async def _examine(
    db: AsyncSession, learner: Learner, code: str, now: datetime, admin_ids: Iterable[int]
) -> Redemption | tuple[RoleInvite, Role, Scope, RoleGrant | None]:
    """What stops the invite ``code`` from being redeemed by ``learner`` (a
    :class:`Redemption`), or the invite, its role and scope and the learner's grant of it."""
    if learner.id is None or learner.erased_at is not None:
        raise RoleError(Reason.ERASED)
    invite = await find_invite(db, code) if len(code) <= 24 else None
    if invite is None:
        return Redemption(Redeemed.UNKNOWN)
    try:
        role = Role(invite.role)
    except ValueError:
        return Redemption(Redeemed.UNKNOWN)
    scope = await named_scope(db, invite_scope(invite))
    if invite.created_by == learner.id:
        return Redemption(Redeemed.OWN, role, scope)
    existing = await _grant_of(db, learner.id, role)
    holds_it = (
        existing is not None
        and existing.revoked_at is None
        and grant_scope(existing) == scope
        and existing.languages == invite.languages
    ) or (role == Role.ADMIN and is_settings_admin(learner, admin_ids))
    if invite.used_at is not None:
        if invite.used_by == learner.id and holds_it:
            return Redemption(Redeemed.ALREADY_HELD, role, scope, existing)
        return Redemption(Redeemed.USED, role, scope)
    if now >= invite.expires_at or not await _maker_may_still_invite(db, invite, role, admin_ids):
        return Redemption(Redeemed.EXPIRED, role, scope)
    if holds_it:
        return Redemption(Redeemed.ALREADY_HELD, role, scope, existing)
    return invite, role, scope, existing


@dataclass(frozen=True)
class InvitePreview:
    """What an invite link offers, looked at without using it (the first reply to someone
    new): ``outcome`` GRANTED means it would give ``role``; ``maker`` is who made it."""

    outcome: Redeemed
    role: Role | None = None
    scope: Scope = FULL_SCOPE
    maker: Learner | None = None


async def preview_invite(
    db: AsyncSession, learner: Learner, code: str, now: datetime, admin_ids: Iterable[int] = ()
) -> InvitePreview:
    """The invite ``code`` as :func:`redeem_invite` would find it, changing nothing."""
    try:
        examined = await _examine(db, learner, code, now, admin_ids)
    except RoleError:
        return InvitePreview(Redeemed.UNKNOWN)
    if isinstance(examined, Redemption):
        return InvitePreview(examined.outcome, examined.role, examined.scope)
    invite, role, scope, _ = examined
    return InvitePreview(Redeemed.GRANTED, role, scope, await db.get(Learner, invite.created_by))


async def redeem_invite(
    db: AsyncSession,
    learner: Learner,
    code: str,
    now: datetime,
    admin_ids: Iterable[int] = (),
) -> Redemption:
    """Opens the invite link ``code``: grants its role (or renews a revoked grant, or
    changes a coordinator's scope) once; the invite is then used up.

    An invite for a role the learner already holds with the same scope stays unused, and so
    does one opened by its own maker. An invite its maker could not make now (see
    :func:`_maker_may_still_invite`) counts as expired.
    """
    examined = await _examine(db, learner, code, now, admin_ids)
    if isinstance(examined, Redemption):
        return examined
    invite, role, scope, existing = examined
    assert learner.id is not None  # checked by _examine
    # Single use, also when two people open the link at the same moment.
    claimed = await db.exec(
        sa.update(RoleInvite)
        .where(col(RoleInvite.id) == invite.id, col(RoleInvite.used_at).is_(None))
        .values(used_by=learner.id, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return Redemption(Redeemed.USED, role, scope)
    await db.refresh(invite)
    assert invite.id is not None
    await audit.record(
        db,
        actor_id=learner.id,
        action="role.invite_used",
        subject_type="role_invite",
        subject_id=invite.id,
        details={"role": role.value, "learner_id": learner.id},
        now=now,
    )
    previous: dict[str, object] | None = None
    if existing is None:
        existing = RoleGrant(learner_id=learner.id, role=role)
    else:
        previous = {
            "revoked_at": existing.revoked_at.isoformat() if existing.revoked_at else None,
            **_scope_details(grant_scope(existing)),
        }
    existing.countries = invite.countries
    existing.organisations = invite.organisations
    existing.programmes = invite.programmes
    existing.languages = invite.languages
    existing.granted_by = invite.created_by
    existing.granted_at = now
    existing.revoked_by = None
    existing.revoked_at = None
    db.add(existing)
    await db.flush()
    assert existing.id is not None
    await audit.record(
        db,
        actor_id=invite.created_by,
        action="role.grant",
        subject_type="role_grant",
        subject_id=existing.id,
        details={
            "role": role.value,
            "learner_id": learner.id,
            "invite_id": invite.id,
            **_scope_details(scope),
            **({"languages": invite.languages} if role == Role.EDITOR else {}),
            "previous": previous,
        },
        now=now,
    )
    return Redemption(Redeemed.GRANTED, role, scope, existing)


async def grant_preset(db: AsyncSession, learner: Learner, role: Role, now: datetime) -> RoleGrant:
    """A role given by the operator's own setup, without an invite (the simulator's preset
    people): granted, or renewed if revoked, for every country and organisation, and
    audited with the bot itself as the actor."""
    if learner.id is None or learner.erased_at is not None:
        raise RoleError(Reason.ERASED)
    grant = await _grant_of(db, learner.id, role)
    if grant is not None and grant.revoked_at is None:
        return grant
    if grant is None:
        grant = RoleGrant(learner_id=learner.id, role=role)
    grant.countries = grant.organisations = grant.programmes = grant.languages = None
    grant.granted_by = None
    grant.granted_at = now
    grant.revoked_by = grant.revoked_at = None
    db.add(grant)
    await db.flush()
    assert grant.id is not None
    await audit.record(
        db,
        actor_id=None,
        action="role.grant",
        subject_type="role_grant",
        subject_id=grant.id,
        details={"role": role.value, "learner_id": learner.id, "preset": True},
        now=now,
    )
    return grant
