"""Roles reach only as far as the scope someone holds NOW: an old invite link hands on nothing
its maker could not give today, and ``/roles`` shows and revokes only what lies in scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.handlers.roles import AskRevoke, ConfirmRevoke
from bot.models import Role, RoleGrant
from bot.services import roles
from tests.factories import grant, make_learner, make_trainer, make_training
from tests.support.harness import Harness
from tests.support.roles import grant_by_invite, invite

ADMIN = 950
NOT_ALLOWED = "Sorry, you are not allowed to do that."
EXPIRED = "This invitation has expired. Please ask for a new link."


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


async def active_roles(bot: Harness, telegram_id: int) -> dict[str, roles.Scope]:
    """The roles the person holds now, with their scopes."""
    async with bot.deps.database.session() as db:
        learner = await bot.learner_of(telegram_id)
        return {
            grant.role: roles.grant_scope(grant) for grant in await roles.active_grants(db, learner)
        }


async def test_a_link_made_before_its_maker_was_narrowed_gives_nothing(bot: Harness):
    admin = bot.user(ADMIN)
    coordinator = await bot.onboarded(951, organisation="Forum", country="Kosovo")
    await coordinator.send(f"/start {await invite(admin, 'coordinator XK RS')}")
    wide = await invite(coordinator, "coordinator")
    trainer_link = await invite(coordinator, "trainer")

    # The admin narrows the coordinator to Kosovo (a new link replaces the scope).
    bot.clock.advance(timedelta(minutes=1))
    [narrowed] = await coordinator.send(f"/start {await invite(admin, 'coordinator XK')}")
    assert "(Kosovo · all organisations)" in (narrowed.text or "")

    newcomer = await bot.onboarded(952, organisation="Forum", country="Serbia")
    [reply] = await newcomer.send(f"/start {wide}")
    assert reply.text == EXPIRED
    [reply] = await newcomer.send(f"/start {trainer_link}")
    assert reply.text == EXPIRED
    assert await active_roles(bot, 952) == {}

    # Revoked and given a role again: the links made before are void as well.
    fresh = await invite(coordinator, "coordinator")
    bot.clock.advance(timedelta(minutes=1))
    async with bot.deps.database.session() as db:
        own = await roles.active_grants(db, await bot.learner_of(951))
        own[0].revoked_at = bot.clock.now()
        db.add(own[0])
    await coordinator.send(f"/start {await invite(admin, 'coordinator XK')}")
    [reply] = await newcomer.send(f"/start {fresh}")
    assert reply.text == EXPIRED
    assert await active_roles(bot, 952) == {}

    # A link made now works, within the scope held now.
    [reply] = await newcomer.send(f"/start {await invite(coordinator, 'coordinator')}")
    assert (reply.text or "").startswith(
        "✅ You are now a coordinator (Kosovo · all organisations)."
    )


async def test_a_link_made_as_an_admin_is_void_once_only_a_narrower_role_is_left(
    bot: Harness,
):
    admin = bot.user(ADMIN)
    deputy = await bot.onboarded(961, organisation="Forum", country="Kosovo")
    await deputy.send(f"/start {await invite(admin, 'coordinator XK')}")
    await deputy.send(f"/start {await invite(admin, 'admin')}")
    everywhere = await invite(deputy, "coordinator")
    as_admin = await invite(deputy, "admin")

    # The admin role is taken away; the coordinator's role for Kosovo (older) stays.
    deputy_id = (await bot.learner_of(961)).id
    await admin.send("/roles")
    await admin.tap(f"Revoke: #{deputy_id}, admin")
    await admin.tap("Yes, revoke")
    assert set(await active_roles(bot, 961)) == {Role.COORDINATOR}

    newcomer = await bot.onboarded(962, organisation="Forum", country="Serbia")
    for link in (everywhere, as_admin):
        [reply] = await newcomer.send(f"/start {link}")
        assert reply.text == EXPIRED
    assert await active_roles(bot, 962) == {}


async def test_nobody_takes_their_own_link(bot: Harness):
    admin = bot.user(ADMIN)
    coordinator = await bot.onboarded(971, organisation="Forum", country="Kosovo")
    await coordinator.send(f"/start {await invite(admin, 'coordinator XK RS')}")
    bot.clock.advance(timedelta(minutes=1))
    link = await invite(coordinator, "coordinator XK")

    # Opening one's own narrower link would change one's own scope: refused, left unused.
    [reply] = await coordinator.send(f"/start {link}")
    assert reply.text == "This is your own invitation. Send the link to the person it is for."
    scope = (await active_roles(bot, 971))[Role.COORDINATOR]
    assert scope.countries == frozenset({"XK", "RS"})
    newcomer = await bot.onboarded(972, organisation="Forum", country="Kosovo")
    [reply] = await newcomer.send(f"/start {link}")
    assert (reply.text or "").startswith(
        "✅ You are now a coordinator (Kosovo · all organisations)."
    )


async def test_a_country_coordinator_sees_and_revokes_only_what_lies_in_their_countries(
    bot: Harness,
):
    kosovo = await bot.person(981, role=Role.COORDINATOR, countries=("XK",))
    now = bot.clock.now()
    async with bot.deps.database.session() as db:
        me = await bot.learner_of(981)
        runs_here, runs_there = await make_trainer(db), await make_trainer(db)
        await make_training(db, runs_here, now + timedelta(days=2), country="XK")
        await make_training(db, runs_there, now + timedelta(days=2), country="RS")
        invited = await make_learner(db)
        await grant_by_invite(db, invited, Role.TRAINER, me, now=now, admin_ids=(ADMIN,))
        deputy, serbia = await make_learner(db), await make_learner(db)
        everywhere, other_admin = await make_learner(db), await make_learner(db)
        await grant(db, deputy, Role.COORDINATOR, countries=["XK"])
        await grant(db, serbia, Role.COORDINATOR, countries=["RS"])
        await grant(db, everywhere, Role.COORDINATOR)
        await grant(db, other_admin, Role.ADMIN)
        grants = {
            learner_id: grant_id
            for grant_id, learner_id in (
                await db.exec(select(RoleGrant.id, RoleGrant.learner_id))
            ).all()
        }
    ids = {
        name: learner.id
        for name, learner in {
            "me": me,
            "runs here": runs_here,
            "runs there": runs_there,
            "invited": invited,
            "deputy": deputy,
            "serbia": serbia,
            "everywhere": everywhere,
            "other admin": other_admin,
        }.items()
    }

    [listing] = await kosovo.send("/roles")
    shown = {name for name, learner_id in ids.items() if f"#{learner_id}:" in (listing.text or "")}
    assert shown == {"me", "runs here", "invited", "deputy"}
    assert "(from the settings)" not in (listing.text or "")
    assert sorted(kosovo.buttons()) == sorted(
        [[f"Revoke: #{ids['runs here']}, trainer"], [f"Revoke: #{ids['invited']}, trainer"]]
    )

    # Forged buttons for what lies outside: refused, nothing revoked.
    for name in ("runs there", "serbia", "everywhere", "other admin"):
        target = grants[ids[name]]
        for data in (AskRevoke(target), ConfirmRevoke(target, True)):
            await kosovo.tap_data(data.encode(), listing.message_id)
            answer = kosovo.last_callback_answer()
            assert answer is not None and answer.text == NOT_ALLOWED, (name, data)
    async with bot.deps.database.session() as db:
        active = (await db.exec(select(RoleGrant.revoked_at))).all()
    assert active == [None] * len(grants)

    # An admin sees everyone.
    admin = bot.user(ADMIN)
    [everything] = await admin.send("/roles")
    assert all(f"#{learner_id}:" in (everything.text or "") for learner_id in ids.values())
