"""Roles: who may invite whom, single-use expiring links, scopes, revoking, the audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import AuditEntry, Learner, Role, RoleGrant, RoleInvite
from bot.services import audit, role_holders, roles
from bot.services.roles import Redeemed, RoleError, Scope
from tests.factories import grant as grant_directly
from tests.factories import make_learner, make_training
from tests.support.roles import grant_by_invite

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN_TELEGRAM_ID = 7_000_001
ADMINS = (ADMIN_TELEGRAM_ID,)


async def admin(db: AsyncSession) -> Learner:
    return await make_learner(db, telegram_id=ADMIN_TELEGRAM_ID)


grant = partial(grant_by_invite, now=NOW, admin_ids=ADMINS)
"""Gives a role through an invite: ``grant(db, learner, role, inviter, countries=[...])``."""


# -- audit -----------------------------------------------------------------------------------


async def test_audit_record_keeps_json_details_unescaped(database: Database):
    async with database.session() as db:
        actor = await make_learner(db)
        entry = await audit.record(
            db,
            actor_id=actor.id,
            action="attendance.mark",
            subject_type="attendance",
            subject_id=5,
            details={"old": None, "new": "present", "note": "Škola – Šćepan"},
            now=NOW,
        )
        await audit.record(
            db,
            actor_id=None,
            action="role.invite",
            subject_type="role_invite",
            subject_id=1,
            details={},
            now=NOW + timedelta(seconds=1),
        )
    assert entry.id is not None
    assert "Škola – Šćepan" in entry.details
    async with database.session() as db:
        everything = await audit.entries(db)
        mine = await audit.entries(db, "attendance", 5)
        none = await audit.entries(db, "attendance", 6)
    assert [e.action for e in everything] == ["attendance.mark", "role.invite"]
    assert [e.id for e in mine] == [entry.id] and none == []
    assert json.loads(mine[0].details) == {"old": None, "new": "present", "note": "Škola – Šćepan"}
    assert audit.details_of(mine[0])["new"] == "present"
    assert mine[0].at == NOW


# -- argument parsing ----------------------------------------------------------------------


def test_invite_arguments_are_parsed():
    assert roles.parse_invite_arguments("trainer") == roles.InviteRequest(Role.TRAINER)
    parsed = roles.parse_invite_arguments(
        'Coordinator xk RS org:"Civic  Lab" org:Forum org: “Žene u akciji”'
    )
    assert parsed == roles.InviteRequest(
        Role.COORDINATOR,
        frozenset({"XK", "RS"}),
        frozenset({"Civic Lab", "Forum", "Žene u akciji"}),
    )


@pytest.mark.parametrize(
    ("text", "reason", "value"),
    [
        ("", "unknown-role", None),
        ("learner", "unknown-role", "learner"),
        ("coordinator FR", "unknown-country", "FR"),
        ('coordinator org:"Civic Lab', "bad-quotes", None),
        ("coordinator org:", "empty-organisation", None),
        # What "prefer not to say" is stored as: a scope of it would reach those people.
        ("coordinator org:Undisclosed", "reserved-organisation", "Undisclosed"),
        ("coordinator org:" + "x" * 121, "organisation-too-long", "x" * 40),
    ],
)
def test_bad_invite_arguments_are_refused(text: str, reason: str, value: str | None):
    with pytest.raises(RoleError) as raised:
        roles.parse_invite_arguments(text)
    assert (raised.value.reason, raised.value.value) == (reason, value)


# -- who may invite ----------------------------------------------------------------------------


async def test_admins_invite_to_any_role_for_seven_days(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        for role in Role:
            invite = await roles.create_invite(db, boss, role, now=NOW, admin_ids=ADMINS)
            assert invite.role == role and invite.created_by == boss.id
            assert invite.expires_at == NOW + timedelta(days=7)
            assert 16 <= len(invite.code) <= 24
        scoped = await roles.create_invite(
            db, boss, Role.COORDINATOR, ["xk", "RS"], ["Civic Lab"], now=NOW, admin_ids=ADMINS
        )
        assert (scoped.countries, scoped.organisations) == ("RS,XK", "Civic Lab")
    async with database.session() as db:
        codes = (await db.exec(select(RoleInvite.code))).all()
        assert len(set(codes)) == len(Role) + 1
        entries = await audit.entries(db, "role_invite", scoped.id)
    assert [e.action for e in entries] == ["role.invite"]
    assert entries[0].actor_id == boss.id
    assert audit.details_of(entries[0]) == {
        "role": "coordinator",
        "countries": ["RS", "XK"],
        "organisations": ["Civic Lab"],
        "expires_at": (NOW + timedelta(days=7)).isoformat(),
    }


async def test_a_granted_admin_invites_like_a_settings_admin(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        deputy = await make_learner(db)
        await grant(db, deputy, Role.ADMIN, boss)
        invite = await roles.create_invite(db, deputy, Role.ADMIN, now=NOW, admin_ids=ADMINS)
        assert invite.role == Role.ADMIN


async def test_learners_and_trainers_may_not_invite(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        learner = await make_learner(db)
        trainer = await make_learner(db)
        await grant(db, trainer, Role.TRAINER, boss)
        for who in (learner, trainer):
            for role in Role:
                with pytest.raises(RoleError) as raised:
                    await roles.create_invite(db, who, role, now=NOW, admin_ids=ADMINS)
                assert raised.value.reason == "not-allowed"
    async with database.session() as db:
        assert len((await db.exec(select(RoleInvite))).all()) == 1


async def test_coordinators_invite_trainers_and_coordinators_within_their_scope(
    database: Database,
):
    async with database.session() as db:
        boss = await admin(db)
        coordinator = await make_learner(db)
        await grant(
            db,
            coordinator,
            Role.COORDINATOR,
            boss,
            countries=["XK", "RS"],
        )
        trainer_invite = await roles.create_invite(
            db, coordinator, Role.TRAINER, now=NOW, admin_ids=ADMINS
        )
        assert (trainer_invite.countries, trainer_invite.organisations) == (None, None)
        # Nothing asked: the coordinator's own limits.
        same = await roles.create_invite(
            db, coordinator, Role.COORDINATOR, now=NOW, admin_ids=ADMINS
        )
        assert (same.countries, same.organisations) == ("RS,XK", None)
        narrower = await roles.create_invite(
            db, coordinator, Role.COORDINATOR, ["XK"], ["Forum"], now=NOW, admin_ids=ADMINS
        )
        assert (narrower.countries, narrower.organisations) == ("XK", "Forum")
        with pytest.raises(RoleError) as raised:
            await roles.create_invite(
                db, coordinator, Role.COORDINATOR, ["XK", "AL"], now=NOW, admin_ids=ADMINS
            )
        assert (raised.value.reason, raised.value.value) == ("scope-too-wide", "AL")
        with pytest.raises(RoleError) as raised:
            await roles.create_invite(db, coordinator, Role.ADMIN, now=NOW, admin_ids=ADMINS)
        assert raised.value.reason == "not-allowed"


async def test_an_organisation_scoped_coordinator_cannot_widen_it(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        coordinator = await make_learner(db)
        await grant(db, coordinator, Role.COORDINATOR, boss, organisations=["Forum"])
        inherited = await roles.create_invite(
            db, coordinator, Role.COORDINATOR, ["ME"], now=NOW, admin_ids=ADMINS
        )
        assert (inherited.countries, inherited.organisations) == ("ME", "Forum")
        with pytest.raises(RoleError) as raised:
            await roles.create_invite(
                db, coordinator, Role.COORDINATOR, (), ["Civic Lab"], now=NOW, admin_ids=ADMINS
            )
        assert (raised.value.reason, raised.value.value) == ("scope-too-wide", "Civic Lab")


async def test_scope_is_only_for_coordinators_and_countries_are_checked(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        with pytest.raises(RoleError) as raised:
            await roles.create_invite(db, boss, Role.TRAINER, ["XK"], now=NOW, admin_ids=ADMINS)
        assert raised.value.reason == "scope-not-for-role"
        with pytest.raises(RoleError) as raised:
            await roles.create_invite(db, boss, Role.COORDINATOR, ["FR"], now=NOW, admin_ids=ADMINS)
        assert (raised.value.reason, raised.value.value) == ("unknown-country", "FR")
        with pytest.raises(RoleError) as raised:
            await roles.create_invite(
                db,
                boss,
                Role.COORDINATOR,
                (),
                [f"Organisation number {n:03}" for n in range(30)],
                now=NOW,
                admin_ids=ADMINS,
            )
        assert raised.value.reason == "too-many-organisations"


# -- redeeming -------------------------------------------------------------------------------


async def test_an_invite_grants_its_role_once_and_is_audited(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        learner = await make_learner(db)
        other = await make_learner(db)
        invite = await roles.create_invite(
            db, boss, Role.COORDINATOR, ["AL"], now=NOW, admin_ids=ADMINS
        )
        later = NOW + timedelta(days=6, hours=23)
        result = await roles.redeem_invite(db, learner, invite.code, later, ADMINS)
        assert result.outcome == Redeemed.GRANTED and result.role == Role.COORDINATOR
        assert result.scope == Scope(frozenset({"AL"}), None)
        again = await roles.redeem_invite(db, learner, invite.code, later, ADMINS)
        assert again.outcome == Redeemed.ALREADY_HELD
        stolen = await roles.redeem_invite(db, other, invite.code, later, ADMINS)
        assert stolen.outcome == Redeemed.USED
        assert await roles.roles_of(db, learner, ADMINS) == {Role.COORDINATOR}
        assert await roles.roles_of(db, other, ADMINS) == set()
        assert await roles.scope_of(db, learner, ADMINS) == Scope(frozenset({"AL"}), None)
    async with database.session() as db:
        stored = await db.get(RoleInvite, invite.id)
        assert stored is not None and stored.used_by == learner.id and stored.used_at == later
        grants = (await db.exec(select(RoleGrant))).all()
        assert [(g.learner_id, g.role, g.granted_by, g.granted_at) for g in grants] == [
            (learner.id, "coordinator", boss.id, later)
        ]
        entries = (await db.exec(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.action, e.actor_id, e.subject_type) for e in entries] == [
        ("role.invite", boss.id, "role_invite"),
        ("role.invite_used", learner.id, "role_invite"),
        ("role.grant", boss.id, "role_grant"),
    ]
    details = audit.details_of(entries[2])
    assert details["learner_id"] == learner.id and details["countries"] == ["AL"]
    assert details["previous"] is None


async def test_expired_and_unknown_invites_grant_nothing(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        learner = await make_learner(db)
        invite = await roles.create_invite(db, boss, Role.TRAINER, now=NOW, admin_ids=ADMINS)
        expired = await roles.redeem_invite(
            db, learner, invite.code, NOW + timedelta(days=7), ADMINS
        )
        assert expired.outcome == Redeemed.EXPIRED
        for code in ("nope", invite.code.upper() + "x", "x" * 80):
            unknown = await roles.redeem_invite(db, learner, code, NOW, ADMINS)
            assert unknown.outcome == Redeemed.UNKNOWN
        assert await roles.roles_of(db, learner, ADMINS) == set()
    async with database.session() as db:
        stored = await db.get(RoleInvite, invite.id)
        assert stored is not None and stored.used_at is None
        assert (await db.exec(select(RoleGrant))).all() == []
        actions = [e.action for e in await audit.entries(db)]
    assert actions == ["role.invite"]


async def test_an_invite_is_void_once_its_maker_may_no_longer_invite(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        coordinator = await make_learner(db)
        coordinator_grant = await grant(db, coordinator, Role.COORDINATOR, boss)
        invite = await roles.create_invite(db, coordinator, Role.TRAINER, now=NOW, admin_ids=ADMINS)
        assert coordinator_grant.id is not None
        await role_holders.revoke(db, boss, coordinator_grant.id, NOW, ADMINS)
        trainer = await make_learner(db)
        result = await roles.redeem_invite(db, trainer, invite.code, NOW, ADMINS)
        assert result.outcome == Redeemed.EXPIRED
        assert await roles.roles_of(db, trainer, ADMINS) == set()
        await db.refresh(invite)
        assert invite.used_at is None


async def test_holding_the_role_already_leaves_the_invite_for_someone_else(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        trainer = await make_learner(db)
        newcomer = await make_learner(db)
        await grant(db, trainer, Role.TRAINER, boss)
        invite = await roles.create_invite(db, boss, Role.TRAINER, now=NOW, admin_ids=ADMINS)
        held = await roles.redeem_invite(db, trainer, invite.code, NOW, ADMINS)
        assert held.outcome == Redeemed.ALREADY_HELD
        admin_invite = await roles.create_invite(db, boss, Role.ADMIN, now=NOW, admin_ids=ADMINS)
        deputy = await make_learner(db)
        await grant(db, deputy, Role.ADMIN, boss)
        held_already = await roles.redeem_invite(db, deputy, admin_invite.code, NOW, ADMINS)
        assert held_already.outcome == Redeemed.ALREADY_HELD
        assert (await roles.redeem_invite(db, newcomer, invite.code, NOW, ADMINS)).outcome == (
            Redeemed.GRANTED
        )


async def test_a_revoked_role_is_granted_again_with_the_new_scope(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        learner = await make_learner(db)
        first = await grant(db, learner, Role.COORDINATOR, boss, countries=["XK"])
        await role_holders.revoke(db, boss, first.id, NOW, ADMINS)
        assert await roles.roles_of(db, learner, ADMINS) == set()
        second = await grant(db, learner, Role.COORDINATOR, boss, countries=["RS"])
        assert second.id == first.id
        assert second.revoked_at is None and second.revoked_by is None
        assert await roles.scope_of(db, learner, ADMINS) == Scope(frozenset({"RS"}), None)
        # A different scope for a role held now: the scope changes.
        third = await grant(db, learner, Role.COORDINATOR, boss, organisations=["Forum"])
        assert third.id == first.id
        assert await roles.scope_of(db, learner, ADMINS) == Scope(None, frozenset({"Forum"}))
    async with database.session() as db:
        assert len((await db.exec(select(RoleGrant))).all()) == 1
        grants = [e for e in await audit.entries(db) if e.action == "role.grant"]
    assert audit.details_of(grants[1])["previous"] == {
        "revoked_at": NOW.isoformat(),
        "countries": ["XK"],
        "organisations": [],
    }


async def test_erased_learners_hold_no_roles(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        learner = await make_learner(db)
        await grant(db, learner, Role.TRAINER, boss)
        learner.erased_at = NOW
        learner.telegram_id = None
        db.add(learner)
        assert await roles.roles_of(db, learner, ADMINS) == set()
        assert [h.learner for h in await role_holders.list_holders(db, boss, ADMINS)] == [boss]
        invite = await roles.create_invite(db, boss, Role.TRAINER, now=NOW, admin_ids=ADMINS)
        with pytest.raises(RoleError) as raised:
            await roles.redeem_invite(db, learner, invite.code, NOW, ADMINS)
        assert raised.value.reason == "erased"


# -- holders and revoking ------------------------------------------------------------------


async def test_holders_list_settings_admins_then_active_grants(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        trainer = await make_learner(db)
        coordinator = await make_learner(db)
        gone = await make_learner(db)
        await grant(db, trainer, Role.TRAINER, boss)
        await grant(db, coordinator, Role.COORDINATOR, boss, countries=["MK"])
        revoked = await grant(db, gone, Role.TRAINER, boss)
        await role_holders.revoke(db, boss, revoked.id, NOW, ADMINS)
        holders = await role_holders.list_holders(db, boss, (*ADMINS, 99))
    assert [(h.role, h.learner, h.from_settings) for h in holders] == [
        (Role.ADMIN, boss, True),
        (Role.ADMIN, None, True),
        (Role.COORDINATOR, coordinator, False),
        (Role.TRAINER, trainer, False),
    ]
    assert holders[2].scope == Scope(frozenset({"MK"}), None)


async def test_admins_revoke_anything_coordinators_only_trainers(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        coordinator = await make_learner(db)
        other_coordinator = await make_learner(db)
        trainer = await make_learner(db)
        deputy = await make_learner(db)
        learner = await make_learner(db)
        coordinator_grant = await grant(db, coordinator, Role.COORDINATOR, boss)
        other_grant = await grant(db, other_coordinator, Role.COORDINATOR, boss)
        trainer_grant = await grant(db, trainer, Role.TRAINER, coordinator)
        deputy_grant = await grant(db, deputy, Role.ADMIN, boss)

        for actor, target in [
            (learner, trainer_grant),
            (trainer, trainer_grant),
            (coordinator, other_grant),
            (coordinator, deputy_grant),
        ]:
            with pytest.raises(RoleError) as raised:
                await role_holders.revoke(db, actor, target.id, NOW, ADMINS)
            assert raised.value.reason == "not-allowed"

        done = await role_holders.revoke(db, coordinator, trainer_grant.id, NOW, ADMINS)
        assert done.revoked_at == NOW and done.revoked_by == coordinator.id
        with pytest.raises(RoleError) as raised:
            await role_holders.revoke(db, coordinator, trainer_grant.id, NOW, ADMINS)
        assert raised.value.reason == "already-revoked"
        with pytest.raises(RoleError) as raised:
            await role_holders.revoke(db, boss, 999_999, NOW, ADMINS)
        assert raised.value.reason == "unknown-grant"

        await role_holders.revoke(db, deputy, coordinator_grant.id, NOW, ADMINS)
        await role_holders.revoke(db, boss, deputy_grant.id, NOW, ADMINS)
        with pytest.raises(RoleError):
            await role_holders.revoke(db, deputy, other_grant.id, NOW, ADMINS)
        assert await roles.roles_of(db, trainer, ADMINS) == set()
        assert await roles.roles_of(db, coordinator, ADMINS) == set()
        assert await roles.roles_of(db, other_coordinator, ADMINS) == {Role.COORDINATOR}
    async with database.session() as db:
        revocations = [e for e in await audit.entries(db) if e.action == "role.revoke"]
    assert [(e.actor_id, e.subject_id) for e in revocations] == [
        (coordinator.id, trainer_grant.id),
        (deputy.id, coordinator_grant.id),
        (boss.id, deputy_grant.id),
    ]
    assert audit.details_of(revocations[0]) == {"role": "trainer", "learner_id": trainer.id}


async def test_nobody_revokes_a_settings_admin(database: Database):
    async with database.session() as db:
        boss = await admin(db)
        deputy = await make_learner(db)
        await grant(db, deputy, Role.ADMIN, boss)
        # The boss also holds a granted admin role (given before being in the settings).
        assert boss.id is not None
        old = await grant_directly(db, boss, Role.ADMIN, granted_at=NOW)
        assert old.id is not None
        with pytest.raises(RoleError) as raised:
            await role_holders.revoke(db, deputy, old.id, NOW, ADMINS)
        assert raised.value.reason == "settings-admin"
        assert Role.ADMIN in await roles.roles_of(db, boss, ADMINS)
        listed = await role_holders.list_holders(db, deputy, ADMINS)
        assert [(h.grant, h.revocable) for h in listed if h.grant is old] == [(old, False)]


async def test_an_organisation_coordinator_sees_and_revokes_only_their_organisations_trainers(
    database: Database,
):
    async with database.session() as db:
        boss = await admin(db)
        civic = await make_learner(db)
        await grant(db, civic, Role.COORDINATOR, boss, organisations=["Civic Lab"])
        ours = await make_learner(db, organisation="Civic Lab")
        theirs = await make_learner(db, organisation="Forum")
        idle = await make_learner(db, organisation="Civic Lab")
        grants = {}
        for person in (ours, theirs, idle):
            grants[person.id] = await grant(db, person, Role.TRAINER, boss)
        for trainer in (ours, theirs):
            await make_training(db, trainer, NOW + timedelta(days=1), country="RS")
        holders = await role_holders.list_holders(db, civic, ADMINS)
        assert [(h.learner, h.revocable) for h in holders] == [(civic, False), (ours, True)]
        for person in (theirs, idle):
            with pytest.raises(RoleError) as raised:
                await role_holders.revoke(db, civic, grants[person.id].id, NOW, ADMINS)
            assert raised.value.reason == "not-allowed"
        await role_holders.revoke(db, civic, grants[ours.id].id, NOW, ADMINS)
        with pytest.raises(RoleError) as raised:
            await role_holders.list_holders(db, ours, ADMINS)
        assert raised.value.reason == "not-allowed"


async def test_an_editor_is_invited_for_some_languages_by_an_admin_only(database: Database):
    assert roles.parse_invite_arguments("editor SQ mk sr-latn").languages == frozenset(
        {"sq", "mk", "sr-Latn"}
    )
    with pytest.raises(RoleError) as caught:
        roles.parse_invite_arguments("editor sq xx")
    assert (caught.value.reason, caught.value.value) == (roles.Reason.UNKNOWN_LANGUAGE, "xx")
    async with database.session() as db:
        boss = await admin(db)
        coordinator = await make_learner(db)
        await grant_directly(db, coordinator, Role.COORDINATOR)
        with pytest.raises(RoleError) as caught:
            await roles.create_invite(db, coordinator, Role.EDITOR, now=NOW, admin_ids=ADMINS)
        assert caught.value.reason == roles.Reason.NOT_ALLOWED
        with pytest.raises(RoleError) as caught:
            await roles.create_invite(
                db, boss, Role.TRAINER, now=NOW, admin_ids=ADMINS, languages=["sq"]
            )
        assert caught.value.reason == roles.Reason.SCOPE_NOT_FOR_ROLE
        invite = await roles.create_invite(
            db, boss, Role.EDITOR, now=NOW, admin_ids=ADMINS, languages=["sq", "mk"]
        )
        translator = await make_learner(db)
        result = await roles.redeem_invite(db, translator, invite.code, NOW, ADMINS)
        assert result.outcome == Redeemed.GRANTED and result.grant is not None
        assert (result.grant.role, result.grant.languages) == (Role.EDITOR, "mk,sq")
