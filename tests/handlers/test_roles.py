"""Roles through Telegram: invite links, taking a role, listing and revoking, and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.content.catalogue import plain_text
from bot.handlers.onboarding import consent_text
from bot.handlers.roles import AskRevoke, ConfirmRevoke, usage_text
from bot.models import AuditEntry, Learner, Role, RoleGrant, RoleInvite
from tests.support.harness import Harness
from tests.support.roles import LINK, invite

ADMIN = 900
NOT_ALLOWED = "Sorry, you are not allowed to do that."


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


async def grants(harness: Harness) -> list[tuple[int, str, bool]]:
    """(telegram id, role, active) of every grant row."""
    async with harness.deps.database.session() as db:
        rows = await db.exec(
            select(RoleGrant, Learner)
            .join(Learner, Learner.id == RoleGrant.learner_id)  # type: ignore[arg-type]
            .order_by(RoleGrant.id)  # type: ignore[arg-type]
        )
        return [
            (learner.telegram_id or 0, grant.role, grant.revoked_at is None)
            for grant, learner in rows.all()
        ]


async def audit_actions(harness: Harness) -> list[str]:
    async with harness.deps.database.session() as db:
        entries = await db.exec(select(AuditEntry).order_by(AuditEntry.id))  # type: ignore[arg-type]
        return [entry.action for entry in entries.all()]


async def test_an_admin_invites_a_trainer_who_takes_the_role_once(bot: Harness):
    tr = bot.tr("en")
    admin = bot.user(ADMIN)

    [reply] = await admin.send("/invite trainer")
    text = reply.text or ""
    assert "Invitation: trainer" in text
    expires = bot.clock.now() + timedelta(days=7)
    assert tr.date_time(expires) in text or tr.date_time(expires - timedelta(minutes=1)) in text
    payload = LINK.search(text)
    assert payload is not None

    # A newcomer opens the link: told at once which role it gives, onboarding, then the role.
    newcomer = bot.user(901)
    first, _ = await newcomer.send(f"/start {payload.group(1)}")
    assert (first.text or "").startswith(
        tr._("🔑 You were invited to be a {role}.", role="trainer")
    )
    assert newcomer.buttons()[0][0] == "English"
    await newcomer.tap("English")
    assert newcomer.last_message().text == plain_text(consent_text(tr, bot.deps.settings))
    await newcomer.tap(tr._("I agree"))
    await newcomer.tap(tr._("✅ Use this name"))
    await newcomer.send("Civic Lab")
    await newcomer.tap(tr._("Kosovo"))
    await newcomer.tap(tr._("Woman"))
    await newcomer.tap("25–34")
    await newcomer.tap(tr._("Skip this question"))
    messages = newcomer.bot_messages()
    assert messages[-2].text == tr._("Thank you, that's all. You can start learning now.")
    assert newcomer.last_message().text == tr._(
        "✅ You are now a trainer. Schedule a training session with /newsession "
        "and find your sessions in /sessions."
    )
    assert await grants(bot) == [(901, "trainer", True)]

    # Opening it again changes nothing.
    [again] = await newcomer.send(f"/start {payload.group(1)}")
    assert again.text == tr._("You already hold this role: {role}.", role="trainer")

    # Someone else with the same link (new too) is told at once that it was used; onboarding
    # goes on without it.
    other = bot.user(902)
    used, _ = await other.send(f"/start {payload.group(1)}")
    assert used.text == tr._("This invitation has already been used. Please ask for a new link.")
    await other.tap("English")
    await other.tap(tr._("No, thanks"))
    assert (await bot.learner_of(902)).pending_start is None
    assert await grants(bot) == [(901, "trainer", True)]

    # A link opened after eight days has expired.
    late = await invite(admin, "trainer")
    bot.clock.advance(timedelta(days=8))
    [expired] = await other.send(f"/start {late}")
    assert expired.text == tr._("This invitation has expired. Please ask for a new link.")
    [unknown] = await other.send("/start r_NoSuchCode")
    assert unknown.text == tr._(
        "This invitation link is not valid. Please check that you copied it whole."
    )
    assert await grants(bot) == [(901, "trainer", True)]
    async with bot.deps.database.session() as db:
        used = [(i.used_by is not None) for i in (await db.exec(select(RoleInvite))).all()]
    assert sorted(used) == [False, True]
    assert await audit_actions(bot) == [
        "role.invite",
        "role.invite_used",
        "role.grant",
        "role.invite",
    ]


async def test_roles_lists_holders_and_revoking_needs_a_confirmation(bot: Harness):
    tr = bot.tr("en")
    admin = bot.user(ADMIN)
    trainer = await bot.onboarded(911, "en", "English", "Civic <Lab>", "Serbia")
    await trainer.send(f"/start {await invite(admin, 'trainer')}")
    trainer_id = (await bot.learner_of(911)).id

    [listing] = await admin.send("/roles")
    text = listing.text or ""
    admin_id = (await bot.learner_of(ADMIN)).id
    assert f"#{admin_id}: admin (from the settings)" in text
    # Named as they agreed in onboarding (Telegram's first name, "Ana").
    since = tr.date(bot.clock.now())
    assert f"Ana (#{trainer_id}) · Civic <Lab>: trainer, since {since}" in text
    assert admin.buttons() == [[f"Revoke: #{trainer_id}, trainer"]]

    await admin.tap(f"Revoke: #{trainer_id}, trainer")
    assert (
        admin.last_message().text
        == f"Revoke the role trainer from Ana (#{trainer_id}) · Civic <Lab>?"
    )
    await admin.tap(tr._("Cancel"))
    assert admin.buttons() == [[f"Revoke: #{trainer_id}, trainer"]]
    assert await grants(bot) == [(911, "trainer", True)]

    await admin.tap(f"Revoke: #{trainer_id}, trainer")
    confirmation = admin.last_message()
    await admin.tap(tr._("Yes, revoke"))
    text = admin.last_message().text or ""
    assert text.startswith(
        f"✅ Ana (#{trainer_id}) · Civic <Lab> no longer holds the role trainer."
    )
    assert "Nobody else holds a role yet." in text
    assert await grants(bot) == [(911, "trainer", False)]

    # The confirmation tapped a second time: already done, nothing changes.
    await admin.tap(tr._("Yes, revoke"), confirmation)
    answer = admin.last_callback_answer()
    assert answer is not None and answer.text == tr._("This role was already revoked.")
    assert (await audit_actions(bot)).count("role.revoke") == 1

    # The role can be given again with a new link.
    [granted] = await trainer.send(f"/start {await invite(admin, 'trainer')}")
    assert (granted.text or "").startswith("✅ You are now a trainer.")
    assert await grants(bot) == [(911, "trainer", True)]


async def test_learners_and_trainers_are_refused_and_nothing_changes(bot: Harness):
    tr = bot.tr("en")
    admin = bot.user(ADMIN)
    trainer = await bot.onboarded(921, "en", "English", "Forum", "Albania")
    learner = await bot.onboarded(922, "en", "English", "Forum", "Albania")
    await trainer.send(f"/start {await invite(admin, 'trainer')}")
    async with bot.deps.database.session() as db:
        grant = (await db.exec(select(RoleGrant))).one()
    assert grant.id is not None
    before = (await grants(bot), await audit_actions(bot))

    for person in (learner, trainer):
        for command in ("/invite trainer", "/invite coordinator", "/roles", "/invite"):
            [reply] = await person.send(command)
            assert reply.text == tr._(NOT_ALLOWED), (person.user_id, command)
        message_id = person.last_message().message_id
        for data in (AskRevoke(grant.id).encode(), ConfirmRevoke(grant.id, True).encode()):
            await person.tap_data(data, message_id)
            answer = person.last_callback_answer()
            assert answer is not None and answer.text == tr._(NOT_ALLOWED) and answer.show_alert
        await person.tap_data("rvc:abc:1", message_id)
        answer = person.last_callback_answer()
        assert answer is not None and answer.text == tr._("This button is no longer valid.")

    assert (await grants(bot), await audit_actions(bot)) == before
    async with bot.deps.database.session() as db:
        assert len((await db.exec(select(RoleInvite))).all()) == 1


async def test_a_scoped_coordinator_invites_within_the_scope_and_revokes_only_trainers(
    bot: Harness,
):
    tr = bot.tr("en")
    admin = bot.user(ADMIN)
    coordinator = await bot.onboarded(931, "en", "English", "Forum", "Kosovo")

    [reply] = await admin.send("/invite coordinator xk RS org:“Civic Lab”")
    text = reply.text or ""
    assert "Invitation: coordinator" in text
    assert "Scope: Kosovo, Serbia · Civic Lab" in text
    [granted] = await coordinator.send(f"/start {LINK.search(text).group(1)}")  # type: ignore[union-attr]
    assert granted.text == (
        "✅ You are now a coordinator (Kosovo, Serbia · Civic Lab). Invite trainers with "
        "/invite and see who holds which role with /roles."
    )

    [refused] = await coordinator.send("/invite admin")
    assert refused.text == tr._(NOT_ALLOWED)
    [too_wide] = await coordinator.send("/invite coordinator AL")
    assert (too_wide.text or "").startswith(
        "You can only invite within your own scope; “AL” is outside it."
    )
    [narrower] = await coordinator.send("/invite coordinator XK")
    assert "Scope: Kosovo · Civic Lab" in (narrower.text or "")

    trainer = await bot.onboarded(932, "en", "English", "Civic Lab", "Kosovo")
    await trainer.send(f"/start {await invite(coordinator, 'trainer')}")
    trainer_id = (await bot.learner_of(932)).id
    coordinator_id = (await bot.learner_of(931)).id

    await coordinator.send("/roles")
    text = coordinator.last_message().text or ""
    coordinator_line = f"(#{coordinator_id}) · Forum: coordinator (Kosovo, Serbia · Civic Lab)"
    assert coordinator_line in text
    assert coordinator.buttons() == [[f"Revoke: #{trainer_id}, trainer"]]
    await admin.send("/roles")
    assert admin.buttons() == [
        [f"Revoke: #{coordinator_id}, coordinator"],
        [f"Revoke: #{trainer_id}, trainer"],
    ]

    # The coordinator's revoke button for a coordinator (forged): refused.
    async with bot.deps.database.session() as db:
        own = (await db.exec(select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR))).one()
    assert own.id is not None
    await coordinator.tap_data(AskRevoke(own.id).encode(), coordinator.last_message().message_id)
    answer = coordinator.last_callback_answer()
    assert answer is not None and answer.text == tr._(NOT_ALLOWED)

    await coordinator.tap(f"Revoke: #{trainer_id}, trainer")
    await coordinator.tap(tr._("Yes, revoke"))
    assert await grants(bot) == [(931, "coordinator", True), (932, "trainer", False)]


async def test_bad_invite_arguments_get_the_usage(bot: Harness):
    tr = bot.tr("en")
    admin = bot.user(ADMIN)
    usage = plain_text(usage_text(tr))
    [bare] = await admin.send("/invite")
    assert bare.text == usage
    [wizard] = await admin.send("/invite wizard")
    assert wizard.text == f"There is no role “wizard”.\n\n{usage}"
    [country] = await admin.send("/invite coordinator <b>FR</b>")
    assert country.text == f"“<b>FR</b>” is not one of the country codes.\n\n{usage}"
    [quotes] = await admin.send('/invite coordinator org:"Civic Lab')
    assert quotes.text == f"A quotation mark is not closed.\n\n{usage}"
    [trainer_scope] = await admin.send("/invite trainer XK")
    assert trainer_scope.text == (
        f"Only a coordinator can be limited to countries or organisations.\n\n{usage}"
    )
    async with bot.deps.database.session() as db:
        assert (await db.exec(select(RoleInvite))).all() == []
