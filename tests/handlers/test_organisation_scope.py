"""A coordinator limited to organisations reaches only their organisations' sessions and
people (``sessions.access``): in the list, the view, the roster, every edit and every
attendance button, and in the typed steps."""

from __future__ import annotations

from sqlmodel import select

from bot.handlers.attendance.data import (
    MarkPerson,
    OpenAttendance,
    OpenCheckin,
    PickPerson,
    ShowRoster,
    StartWalkIn,
)
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.sessions.data import OpenSession, SessionAction, ShowRosterPage, ViewAction
from bot.models import AttendanceStatus, Role, RoleGrant, TrainingSession
from tests.support.harness import Harness
from tests.support.scope_world import (
    CIVIC_PERSON,
    FORUM_PERSON,
    MIXED,
    ORG_COORDINATOR,
    OURS,
    THEIRS,
    organisation_world,
    snapshot,
)

NOT_ALLOWED = "Sorry, you are not allowed to do that."


async def test_an_organisation_coordinator_reaches_only_their_organisations_sessions_and_people(
    bot: Harness,
):
    world = await organisation_world(bot.deps.database, bot.clock.now())
    civic, forum = bot.user(CIVIC_PERSON), bot.user(FORUM_PERSON)
    coordinator = bot.user(ORG_COORDINATOR)

    # The list: their trainer's session, and the session one of their people registered for.
    [listing] = await coordinator.send("/sessions")
    assert OURS in (listing.text or "") and MIXED in (listing.text or "")
    assert THEIRS not in (listing.text or "")

    # Another organisation's session: its details and their own people, nothing else.
    await coordinator.tap(
        next(label for row in coordinator.buttons() for label in row if MIXED in label)
    )
    view = coordinator.last_message()
    assert "Invitation code" not in (view.text or "")
    assert coordinator.buttons(view) == [["👥 Roster"], ["« All sessions"]]
    await coordinator.tap("👥 Roster")
    roster = coordinator.last_message().text or ""
    assert f"#{world.civic_person}" in roster and f"#{world.forum_person}" not in roster

    # Forged buttons for what is not theirs: refused, nothing changes, nobody is told.
    async with bot.deps.database.session() as db:
        version = {
            training.id: training.version
            for training in (await db.exec(select(TrainingSession))).all()
        }
    forged: list[CallbackData] = [
        *(SessionAction(world.mixed, version[world.mixed], action) for action in ViewAction),
        OpenAttendance(world.mixed),
        OpenCheckin(world.mixed),
        ShowRoster(world.mixed, 0),
        PickPerson(world.mixed, world.forum_person),
        MarkPerson(world.mixed, world.civic_person, AttendanceStatus.ABSENT),
        StartWalkIn(world.mixed),
        OpenSession(world.theirs),
        ShowRosterPage(world.theirs, 0),
        SessionAction(world.theirs, version[world.theirs], ViewAction.CANCEL_YES),
    ]
    before = await snapshot(bot.deps.database)
    for data in forged:
        await coordinator.tap_data(data.encode(), view.message_id)
        answer = coordinator.last_callback_answer()
        assert answer is not None and answer.text == NOT_ALLOWED, data
    assert await snapshot(bot.deps.database) == before
    assert civic.bot_messages() == [] and forum.bot_messages() == []

    # Their own trainer's session: managed, with everyone on the roster.
    await coordinator.send("/sessions")
    await coordinator.tap(
        next(label for row in coordinator.buttons() for label in row if OURS in label)
    )
    assert "Invitation code" in (coordinator.last_message().text or "")
    await coordinator.tap("👥 Roster")
    roster = coordinator.last_message().text or ""
    assert f"#{world.civic_person}" in roster and f"#{world.forum_person}" in roster
    # Today's attendance: their trainer's session only.
    await coordinator.send("/attendance")
    assert coordinator.buttons() == [
        [next(label for [label] in coordinator.buttons() if OURS in label)]
    ]


async def test_a_coordinator_whose_scope_changed_cannot_finish_a_typed_edit_or_walk_in(
    bot: Harness,
):
    world = await organisation_world(bot.deps.database, bot.clock.now())
    bot.user(CIVIC_PERSON)
    bot.user(FORUM_PERSON)
    coordinator = bot.user(ORG_COORDINATOR)
    await coordinator.send("/sessions")
    await coordinator.tap(
        next(label for row in coordinator.buttons() for label in row if OURS in label)
    )
    view = coordinator.last_message()
    await coordinator.tap("📍 Change venue", view)
    assert "Type the new venue" in (coordinator.last_message().text or "")

    # Meanwhile their scope becomes another organisation.
    async with bot.deps.database.session() as db:
        scope = (await db.exec(select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR))).one()
        assert scope.organisations == "Civic Lab"
        scope.organisations = "Forum"
        db.add(scope)
    before = await snapshot(bot.deps.database, conversations=False)
    [reply] = await coordinator.send("Civic Hall, Prishtina")
    assert reply.text == NOT_ALLOWED
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, world.ours)
        assert training is not None and training.venue == "Hotel Tirana, hall B"

    # A walk-in begun before: the typed name is refused too, and the conversation ends.
    async with bot.deps.database.session() as db:
        scope = (await db.exec(select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR))).one()
        scope.organisations = "Civic Lab"
        db.add(scope)
    await coordinator.tap_data(OpenAttendance(world.ours).encode(), view.message_id)
    await coordinator.tap("➕ Add walk-in", view.message_id)
    async with bot.deps.database.session() as db:
        scope = (await db.exec(select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR))).one()
        scope.organisations = "Forum"
        db.add(scope)
    [reply] = await coordinator.send("Besa Krasniqi")
    assert reply.text == NOT_ALLOWED
    assert await snapshot(bot.deps.database, conversations=False) == before
    assert (await bot.learner_of(ORG_COORDINATOR)).awaiting is None


async def test_the_check_in_code_is_no_longer_shown_to_someone_who_lost_the_session(
    bot: Harness,
):
    await organisation_world(bot.deps.database, bot.clock.now())
    coordinator = bot.user(ORG_COORDINATOR)
    await coordinator.send("/attendance")
    await coordinator.tap(next(label for [label] in coordinator.buttons() if OURS in label))
    await coordinator.tap("🔑 Open check-in")
    code = next(
        m
        for m in coordinator.bot_messages()
        if m.photo is not None and "/checkin" in (m.caption or "")
    )

    async with bot.deps.database.session() as db:
        scope = (await db.exec(select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR))).one()
        scope.organisations = "Forum"
        db.add(scope)
    await bot.tick()
    # The QR code must not stay on screen: its message goes, and a new one says why.
    shown = bot.api.message(ORG_COORDINATOR, code.message_id)
    assert shown is None or shown.deleted
    last = coordinator.last_message()
    assert last.text == "You no longer manage this session; its check-in code is not shown."
    assert last.inline_keyboard == []
