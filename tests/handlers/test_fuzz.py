"""Property-based fuzzing of the running bot (hypothesis).

Each example is a random sequence of actions (commands with and without arguments, texts of
any kind and size, taps on buttons: the ones shown, stale ones, someone else's, forged in
the codec's format, mutated, oversized or plain garbage; locations, edited messages and group
chats; the clock moving on; people blocking the bot) by people with and without roles, some
wandering through the menus, against the real application polling
the fake Bot API server, on each database backend. Before the actions the database is
emptied and a small world is built through the bot itself: an admin from the settings
invites a trainer and a coordinator with links, a learner is onboarded with consent,
another declines it, the trainer schedules a session with /newsession that starts soon,
the learner registers through its link and the trainer opens check-in.

After every example: nothing was logged as an error (an unhandled exception reaches the
error handler, which logs it at error level), every stored update was handled, and the
database invariants hold (see :func:`broken_invariants`).

A longer run: ``FUZZ_EXAMPLES=500 pytest tests/handlers/test_fuzz.py -k random
--hypothesis-show-statistics`` (the statistics tell how far the examples got); a failure
prints its shrunk example and the seed to replay it (``--hypothesis-seed=...``). Nothing is
written to hypothesis's example database.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel, select
from telegram.ext import CommandHandler

from bot.db import Database
from bot.handlers.common.callback_data import MenuTarget, OpenMenu
from bot.handlers.mysessions import Apology
from bot.models import AuditEntry, RoleGrant, RoleInvite
from bot.runtime import outbox
from tests.support.driver import TelegramUser
from tests.support.fuzz_actions import (
    ADMIN,
    COMMANDS,
    COORDINATOR,
    DECLINED,
    LEARNER,
    NEWCOMER,
    ROLE_LINK,
    TRAINER,
    Action,
    Block,
    CheckinCode,
    Command,
    Literal,
    Odd,
    TapForeign,
    TapForged,
    TapMutated,
    TapRaw,
    TapShown,
    Text,
    Tick,
    Wander,
    World,
    actions,
)
from tests.support.harness import Harness
from tests.support.learners import onboard

ADMIN_ID = 990_001
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
"""Examples per backend; more for a longer local run (``FUZZ_EXAMPLES=500``)."""
_people_ids = itertools.count(1_000_000, 10)


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN_ID,)


# -- the world -----------------------------------------------------------------------------------


async def empty_database(database: Database) -> None:
    """Every table emptied (ids starting again from 1), the migrations' bookkeeping kept."""
    async with database.engine.begin() as connection:
        present = set(await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
        tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name in present]
        if connection.dialect.name == "postgresql":
            await connection.execute(
                sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )
        else:
            for table in reversed(tables):
                await connection.execute(sa.text(f"DELETE FROM {table}"))


async def build_world(bot: Harness) -> World:
    """An empty database, then people and a session made through the bot, as people would."""
    assert bot.application is not None
    await outbox.drain(bot.deps, bot.application.bot)
    await empty_database(bot.deps.database)
    zone = bot.deps.settings.zone
    # Every example starts at 09:00 local time, so that the session below is today.
    local = bot.clock.now().astimezone(zone)
    nine = datetime.combine(local.date() + timedelta(days=1), time(9), tzinfo=zone)
    bot.clock.advance(nine - local)

    base = next(_people_ids)
    admin = bot.users.get(ADMIN_ID) or bot.user(ADMIN_ID)
    people = {
        ADMIN: admin,
        NEWCOMER: bot.user(base + 1),
        LEARNER: bot.user(base + 2),
        DECLINED: bot.user(base + 3),
        TRAINER: bot.user(base + 4),
        COORDINATOR: bot.user(base + 5),
    }
    world = World(people, zone_now=lambda: bot.clock.now().astimezone(zone))
    world.floor = {
        person.chat_id: max((m.message_id for m in person.messages()), default=0)
        for person in people.values()
    }
    tr = bot.tr("en")

    for role in (TRAINER, COORDINATOR):
        [invitation] = await admin.send(f"/invite {role}")
        link = ROLE_LINK.search(invitation.text or "")
        assert link is not None, invitation.text
        person = people[role]
        await person.send(f"/start {link.group(1)}")
        await person.tap("English")
        await person.tap(tr._("No, thanks"))
        assert (person.last_message().text or "").startswith(f"✅ You are now a {role}")

    await onboard(bot, people[LEARNER], "en", "English", "Civic Lab", "Kosovo")
    declined = people[DECLINED]
    await declined.send("/start")
    await declined.tap("English")
    await declined.tap(tr._("No, thanks"))

    trainer = people[TRAINER]
    await trainer.send("/newsession")
    await trainer.send("Fuzzing <b>day</b>")
    await trainer.tap(trainer.buttons()[0][0])  # the first module
    await trainer.send(f"{world.zone_now() + timedelta(minutes=20):%d.%m.%Y %H:%M}")
    await trainer.tap(trainer.buttons()[0][0])  # the shortest duration
    await trainer.send("Hotel Park, Skopje")
    await trainer.tap(trainer.buttons()[0][0])  # a country
    await trainer.tap(trainer.buttons()[0][0])  # a language
    await trainer.send("3")
    await trainer.tap(tr._("✅ Create"))
    world.observe()
    assert world.session_links, [m.text for m in trainer.bot_messages()[-3:]]

    await people[LEARNER].send(f"/start {world.session_links[0]}")
    await trainer.send("/attendance")
    await trainer.tap(trainer.buttons()[0][0])
    await trainer.tap("🔑 Open check-in")
    await perform(bot, world, Tick(0))
    assert world.checkin_code != "ABCDE", trainer.last_message().text
    return world


async def tap_shown(world: World, person: TelegramUser, pick: int) -> None:
    """Taps the ``pick``-th button (modulo their number) of the last keyboard shown."""
    message = world.last_keyboard(person)
    if message is None:
        return
    data = [
        button["callback_data"]
        for row in message.inline_keyboard
        for button in row
        if "callback_data" in button
    ]
    if data:
        await person.tap_data(data[pick % len(data)], message.message_id)


GROUP_CHAT = -100_500


async def odd_update(bot: Harness, person: TelegramUser, action: Odd) -> None:
    """Pushes an update the driver has no method for, and waits until it is handled."""
    assert bot.application is not None
    if action.kind == "group":
        bot.api.add_group(GROUP_CHAT, "CSO network")
        update_id = bot.api.push_message(person.user_id, action.text or "/start", GROUP_CHAT)
    else:
        chat = {"id": person.chat_id, "type": "private", "first_name": person.profile["first_name"]}
        message = {
            "message_id": max((m.message_id for m in person.messages()), default=1),
            "date": int(bot.clock.now().timestamp()),
            "chat": chat,
            "from": bot.api.user(person.user_id),
        }
        if action.kind == "location":
            message["location"] = {"latitude": 42.66, "longitude": 21.16}
            update_id = bot.api.push_update({"message": message})
        else:
            message["edit_date"] = message["date"]
            message["text"] = action.text
            update_id = bot.api.push_update({"edited_message": message})
    await bot.api.wait_fetched(update_id)
    await bot.application.update_queue.join()


async def perform(bot: Harness, world: World, action: Action) -> None:
    await act(bot, world, action)
    world.observe()
    async with bot.deps.database.engine.connect() as connection:
        found = await connection.execute(
            sa.text("SELECT id FROM learner WHERE telegram_id = :admin"), {"admin": ADMIN_ID}
        )
        world.admin_learners.update(found.scalars())


async def act(bot: Harness, world: World, action: Action) -> None:
    if isinstance(action, Tick):
        await bot.advance(minutes=action.minutes)
        return
    person = world.people[action.who]
    if isinstance(action, Block):
        bot.api.block(person.user_id)
    elif isinstance(action, Odd):
        await odd_update(bot, person, action)
    elif isinstance(action, Command):
        argument = "" if action.argument is None else f" {world.resolve(action.argument)}"
        await person.send(f"/{action.name}{argument}")
    elif isinstance(action, Text):
        await person.send(world.resolve(action.text))
    elif isinstance(action, Wander):
        if action.command is not None:
            await person.send(f"/{action.command}")
        for pick in action.picks:
            world.observe()
            await tap_shown(world, person, pick)
    elif isinstance(action, TapShown):
        if action.stale:
            mine = [shown for shown in world.shown if shown.chat_id == person.chat_id]
            if mine:
                shown = mine[action.pick % len(mine)]
                await person.tap_data(shown.data, shown.message_id)
        else:
            await tap_shown(world, person, action.pick)
    elif isinstance(action, TapForeign):
        others = [shown for shown in world.shown if shown.chat_id != person.chat_id]
        if others:
            shown = others[action.pick % len(others)]
            await person.tap_data(shown.data, world.last_message_id(person))
    elif isinstance(action, TapMutated):
        if world.shown:
            shown = world.shown[action.pick % len(world.shown)]
            parts = shown.data.split(":")
            if len(parts) > 1:
                parts[1 + action.position % (len(parts) - 1)] = action.replacement
            else:
                parts.append(action.replacement)
            message_id = (
                shown.message_id
                if shown.chat_id == person.chat_id
                else world.last_message_id(person)
            )
            await person.tap_data(":".join(parts), message_id)
    elif isinstance(action, TapForged):
        await person.tap_data(action.data, world.last_message_id(person))
    elif isinstance(action, TapRaw):
        message_id = action.message_id or world.last_message_id(person)
        await person.tap_data(action.data, message_id)


# -- what must hold ------------------------------------------------------------------------------

MANAGING_ROLES = "('trainer', 'coordinator', 'admin')"
INVITING_ROLES = "('coordinator', 'admin')"


def _holder(column: str, roles: str) -> str:
    """SQL: ``column`` (a learner id) is the admin from the settings (``:admins``, their
    learner ids), or was granted one of ``roles`` (maybe revoked since: the row stays)."""
    return (
        f"({column} IN :admins OR EXISTS (SELECT 1 FROM role_grant h"
        f" WHERE h.learner_id = {column} AND h.role IN {roles}))"
    )


INVARIANTS: dict[str, str] = {
    "attendance without a session": """
        SELECT a.id FROM attendance a
        LEFT JOIN training_session s ON s.id = a.session_id WHERE s.id IS NULL""",
    "attendance without a person": """
        SELECT a.id FROM attendance a
        LEFT JOIN learner l ON l.id = a.learner_id WHERE l.id IS NULL""",
    "registration without a session": """
        SELECT r.id FROM registration r
        LEFT JOIN training_session s ON s.id = r.session_id WHERE s.id IS NULL""",
    "more than one attendance per person and session": """
        SELECT session_id, learner_id FROM attendance
        GROUP BY session_id, learner_id HAVING COUNT(*) > 1""",
    "more than one progress row per person and module": """
        SELECT learner_id, module_id FROM module_progress
        GROUP BY learner_id, module_id HAVING COUNT(*) > 1""",
    "a progress row without a person": """
        SELECT p.id FROM module_progress p
        LEFT JOIN learner l ON l.id = p.learner_id WHERE l.id IS NULL""",
    # Roles live only in role_grant (and the settings): each grant comes from an invitation
    # that its holder used, made by the grant's granter, and is in the audit log.
    "a grant that no invitation used by its holder explains": """
        SELECT g.id FROM role_grant g WHERE NOT EXISTS (
            SELECT 1 FROM role_invite i WHERE i.used_by = g.learner_id AND i.role = g.role
            AND i.created_by = g.granted_by AND i.used_at IS NOT NULL)""",
    "a grant without its audit entry": """
        SELECT g.id FROM role_grant g WHERE NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'role.grant'
            AND e.subject_type = 'role_grant' AND e.subject_id = g.id)""",
    "a revocation without its audit entry": """
        SELECT g.id FROM role_grant g WHERE g.revoked_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'role.revoke'
            AND e.subject_type = 'role_grant' AND e.subject_id = g.id)""",
    "an invitation made by someone who may not invite": f"""
        SELECT i.id FROM role_invite i WHERE NOT {_holder("i.created_by", INVITING_ROLES)}
        OR (i.role = 'admin' AND NOT {_holder("i.created_by", "('admin')")})""",
    "an invitation without its audit entry": """
        SELECT i.id FROM role_invite i WHERE NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'role.invite'
            AND e.subject_type = 'role_invite' AND e.subject_id = i.id)""",
    # Nobody without a grant did what only trainers and coordinators may do.
    "a session scheduled by someone without a trainer's role": f"""
        SELECT s.id FROM training_session s WHERE NOT {_holder("s.trainer_id", MANAGING_ROLES)}""",
    "attendance marked by someone without a trainer's role": f"""
        SELECT a.id FROM attendance a WHERE CASE WHEN a.method = 'code'
            THEN a.marked_by IS NULL OR a.marked_by <> a.learner_id
            ELSE a.marked_by IS NULL OR NOT {_holder("a.marked_by", MANAGING_ROLES)} END""",
    "an attendance change without its audit entry": """
        SELECT a.id FROM attendance a WHERE NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'attendance.mark'
            AND e.subject_type = 'attendance' AND e.subject_id = a.id)""",
    "an announcement by someone who is not a coordinator": f"""
        SELECT n.id FROM announcement n WHERE NOT {_holder("n.created_by", INVITING_ROLES)}""",
    "an export by someone who is not a coordinator": f"""
        SELECT e.id FROM audit_log e WHERE e.action = 'export.create'
        AND (e.actor_id IS NULL OR NOT {_holder("e.actor_id", INVITING_ROLES)})""",
    "an update stored but not handled": """
        SELECT update_id FROM inbound_update WHERE status <> 'done'""",
}


MANAGERS = frozenset({"trainer", "coordinator", "admin"})
INVITERS = frozenset({"coordinator", "admin"})
NEEDED: dict[str, frozenset[str]] = {
    "session.create": MANAGERS,
    "session.reschedule": MANAGERS,
    "session.venue": MANAGERS,
    "session.cancel": MANAGERS,
    "attendance.mark": MANAGERS,
    "announcement.send": INVITERS,
    "export.create": INVITERS,
    "role.invite": INVITERS,
    "role.revoke": INVITERS,
}
"""The roles one of which the actor of an audited action must hold at that moment."""


def acts_without_the_role(
    entries: list[tuple[int, int | None, str, str]], admins: set[int]
) -> list[tuple[int, str]]:
    """Audited actions (id, action) whose actor did not hold the role at that moment.

    The roles over time are replayed from the audit log itself (grants and revocations, in
    order); the admin from the settings holds "admin" throughout. A learner checking in
    with the code marks only themselves; a person erasing their data ends their own role.
    """
    held: dict[int, set[str]] = {}
    wrong: list[tuple[int, str]] = []
    for entry_id, actor, action, text in entries:
        details = json.loads(text)
        roles = held.get(actor, set()) | ({"admin"} if actor in admins else set())
        needed = NEEDED.get(action)
        if action == "attendance.mark" and details.get("method") == "code":
            needed = None if actor == details.get("learner_id") else frozenset()
        elif action == "role.revoke":
            if actor == details.get("learner_id") and details.get("erased"):
                needed = None
            elif details.get("role") != "trainer":
                needed = frozenset({"admin"})
        elif action == "role.invite" and details.get("role") == "admin":
            needed = frozenset({"admin"})
        if needed is not None and not roles & needed:
            wrong.append((entry_id, action))
        if action == "role.grant":
            held.setdefault(details["learner_id"], set()).add(details["role"])
        elif action == "role.revoke":
            held.get(details["learner_id"], set()).discard(details["role"])
    return wrong


async def broken_invariants(bot: Harness, world: World) -> dict[str, list[tuple[object, ...]]]:
    """Each invariant's offending rows; empty when all hold."""
    broken: dict[str, list[tuple[object, ...]]] = {}
    admins = sorted(world.admin_learners) or [-1]
    async with bot.deps.database.engine.connect() as connection:
        for name, query in INVARIANTS.items():
            statement = sa.text(query)
            if ":admins" in query:
                statement = statement.bindparams(sa.bindparam("admins", expanding=True))
            rows = (await connection.execute(statement, {"admins": admins})).all()
            if rows:
                broken[name] = [tuple(row) for row in rows]
        entries = await connection.execute(
            sa.text("SELECT id, actor_id, action, details FROM audit_log ORDER BY id")
        )
        wrong = acts_without_the_role([tuple(row) for row in entries.all()], set(admins))
    if wrong:
        broken["an action by someone who did not hold the role then"] = list(wrong)
    return broken


def errors_since(caplog: pytest.LogCaptureFixture, start: int) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records[start:]
        if record.levelno >= logging.ERROR
    ]


async def note_what_was_reached(bot: Harness) -> None:
    """For ``--hypothesis-show-statistics``: how far the examples got."""
    async with bot.deps.database.engine.connect() as connection:
        for table in REACHED:
            found = (await connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}"))).scalar()
            event(f"{table}: {min(found or 0, 3)}")
        actions = await connection.execute(sa.text("SELECT DISTINCT action FROM audit_log"))
        for (action,) in actions.all():
            event(f"audit: {action}")


REACHED = (
    "training_session",
    "registration",
    "attendance",
    "announcement",
    "role_invite",
    "module_progress",
    "quiz_attempt",
    "certificate",
    "feedback",
    "draft",
)


# -- the test ------------------------------------------------------------------------------------


class UnderTest:
    """The running bot and the log, as one argument that hypothesis prints briefly."""

    def __init__(self, harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self.harness = harness
        self.caplog = caplog

    def __repr__(self) -> str:
        return "<the bot under test>"


@pytest.fixture
def under_test(bot: Harness, caplog: pytest.LogCaptureFixture) -> UnderTest:
    return UnderTest(bot, caplog)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(steps=st.lists(actions, min_size=10, max_size=40))
# What the fuzzer found (each was an unhandled error or a broken invariant before the fix):
# a tap on a message that is gone (deleted by the person): "Message to edit not found";
@example(steps=[TapRaw(LEARNER, "menu:lessons", message_id=999_999)])
# forged button data on a file the bot sent (no text to edit): "There is no text in the
# message to edit";
@example(steps=[Command(COORDINATOR, "mydata"), TapForged(COORDINATOR, "sx:1:1:roster")])
# forged button data with an id beyond PostgreSQL's integer: an OverflowError in the query;
@example(steps=[TapForged(COORDINATOR, "aa:2149388287"), TapForged(LEARNER, "sy:999999999999:ask")])
# a NUL character in an invitation's organisation: PostgreSQL refused to store it;
@example(steps=[Command(COORDINATOR, "invite", Literal('coordinator org:"Civic\x00Lab"'))])
# a trainer who erases their data lost the role without an entry in the audit log.
@example(steps=[Wander(TRAINER, "forget", (0,))])
# Deeper paths than random taps reach quickly, each followed by stale, foreign and forged taps:
# a learner through the pre-test and the lessons;
@example(
    steps=[
        Wander(LEARNER, "lessons", (0,) * 13 + (1,) * 12),
        TapShown(LEARNER, 3, stale=True),
        TapShown(LEARNER, 7, stale=True),
        TapMutated(LEARNER, 5, 3, "9"),
        TapForeign(DECLINED, 2),
        Command(LEARNER, "forget"),
        TapShown(LEARNER, 0),
        TapShown(LEARNER, 9, stale=True),
    ]
)
# check-in with the code, the trainer's roster and marks, replayed by others;
@example(
    steps=[
        Command(LEARNER, "checkin", CheckinCode()),
        Wander(TRAINER, "attendance", (0, 1, 0, 0, 2, 0, 1)),
        TapForeign(LEARNER, 3),
        TapForeign(NEWCOMER, 5),
        TapMutated(COORDINATOR, 4, 1, "1"),
        Tick(60 * 3),
        TapShown(TRAINER, 2, stale=True),
    ]
)
# an announcement sent to everyone, its buttons tapped again and by a learner;
@example(
    steps=[
        Command(COORDINATOR, "announce"),
        Text(COORDINATOR, Literal("Hello <b>all</b> & welcome")),
        Wander(COORDINATOR, None, (0, 0, 0, 0, 0)),
        TapShown(COORDINATOR, 1, stale=True),
        TapForeign(LEARNER, 1),
    ]
)
# the coordinator revokes the trainer, who goes on with old buttons and commands;
@example(
    steps=[
        Wander(COORDINATOR, "roles", (0, 0)),
        TapShown(TRAINER, 1, stale=True),
        TapShown(TRAINER, 4, stale=True),
        TapShown(TRAINER, 6, stale=True),
        Wander(TRAINER, "attendance", (0, 1, 0)),
        Command(TRAINER, "newsession"),
        Text(TRAINER, Literal("Still here")),
        Command(TRAINER, "checkin", CheckinCode()),
    ]
)
# the admin from the settings erases their data, then invites again as a new learner.
@example(
    steps=[
        Command(ADMIN, "invite", Literal("trainer")),
        Wander(ADMIN, "forget", (0,)),
        Command(ADMIN, "invite", Literal("coordinator")),
    ]
)
async def test_random_people_and_input_break_nothing(under_test: UnderTest, steps: list[Action]):
    bot, caplog = under_test.harness, under_test.caplog
    start = len(caplog.records)
    world = await build_world(bot)
    assert errors_since(caplog, start) == []
    assert await broken_invariants(bot, world) == {}

    for step in steps:
        await perform(bot, world, step)
    assert bot.application is not None
    await outbox.drain(bot.deps, bot.application.bot)

    assert errors_since(caplog, start) == []
    assert await broken_invariants(bot, world) == {}
    await note_what_was_reached(bot)


async def test_the_fuzzer_knows_every_command_of_the_bot(bot: Harness):
    assert bot.application is not None
    registered = {
        command
        for handlers in bot.application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    assert registered <= set(COMMANDS)


# -- what the fuzzer found, as people see it -----------------------------------------------------


async def test_a_tap_on_a_message_that_is_gone_or_a_file_is_answered_in_a_new_message(
    bot: Harness,
):
    user = bot.user(990_101)
    [lessons] = await user.send("/lessons")
    await user.tap_data(OpenMenu(MenuTarget.LESSONS).encode(), 999_999)  # no such message (deleted)
    [answer] = [m for m in user.bot_messages() if m.message_id > lessons.message_id]
    assert answer.text == lessons.text and answer.inline_keyboard == lessons.inline_keyboard

    [document] = await user.send("/mydata")
    assert document.document is not None
    await user.tap_data(OpenMenu(MenuTarget.LESSONS).encode(), document.message_id)  # forged
    [answer] = [m for m in user.bot_messages() if m.message_id > document.message_id]
    assert answer.text == lessons.text and answer.inline_keyboard == lessons.inline_keyboard
    assert bot.api.message(user.chat_id, document.message_id) == document


async def test_forged_ids_beyond_what_the_database_holds_are_refused(bot: Harness):
    tr = bot.tr("en")
    user = bot.user(990_102)
    [shown] = await user.send("/mysessions")
    for data in ("sy:2147483648:yes", "sy:999999999999:ask", "so:2147483648"):
        await user.tap_data(data, shown.message_id)
        answer = user.last_callback_answer()
        assert answer is not None and answer.text == tr._("This button is no longer valid."), data
    assert Apology.decode("sy:2147483647:ask") == Apology(2_147_483_647, "ask")


async def test_control_characters_are_left_out_of_an_invitations_organisation(bot: Harness):
    admin = bot.user(ADMIN_ID)
    [reply] = await admin.send('/invite coordinator org:"Civic\x00 \u200bLab\x07"')
    assert "Scope: all countries · Civic Lab" in (reply.text or "")
    async with bot.deps.database.session() as db:
        invite = (await db.exec(select(RoleInvite))).one()
    assert invite.organisations == "Civic Lab"


async def test_erasing_ones_data_ends_ones_role_in_the_audit_log(bot: Harness):
    tr = bot.tr("en")
    admin = bot.user(ADMIN_ID)
    trainer = bot.user(990_103)
    [invitation] = await admin.send("/invite trainer")
    link = ROLE_LINK.search(invitation.text or "")
    assert link is not None
    await trainer.send(f"/start {link.group(1)}")
    await trainer.tap("English")
    await trainer.tap(tr._("No, thanks"))
    await trainer.send("/forget")
    await trainer.tap(tr._("Yes, erase my data"))
    async with bot.deps.database.session() as db:
        grant = (await db.exec(select(RoleGrant))).one()
        entries = (
            await db.exec(select(AuditEntry).where(AuditEntry.action == "role.revoke"))
        ).all()
    assert grant.revoked_at is not None and grant.revoked_by == grant.learner_id
    assert [(e.actor_id, e.subject_id) for e in entries] == [(grant.learner_id, grant.id)]
