"""Property-based fuzzing of the running bot (hypothesis).

Each example is a random sequence of actions (``tests/support/fuzz_actions.py``: commands
with and without arguments, texts of any kind and size, taps on buttons: the ones shown,
stale ones, someone else's, forged in the codec's format, mutated, oversized or plain
garbage; locations, edited messages and group chats; the clock moving on; people blocking
the bot) by people with and without roles, some wandering through the menus, against the
real application polling the fake Bot API server, on each database backend. Before the
actions the database is emptied and a small world is built through the bot itself
(``tests/support/fuzz_world.py``).

After every example: nothing was logged as an error (an unhandled exception reaches the
error handler, which logs it at error level), every stored update was handled, and the
database invariants hold (``tests/support/fuzz_invariants.py``).

A longer run: ``FUZZ_EXAMPLES=500 pytest tests/handlers/test_fuzz.py -k random
--hypothesis-show-statistics`` (the statistics tell how far the examples got); a failure
prints its shrunk example and the seed to replay it (``--hypothesis-seed=...``). Nothing is
written to hypothesis's example database.
"""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from telegram.ext import CommandHandler

from bot.handlers.common.callback_data import MenuTarget, OpenMenu
from bot.handlers.mysessions import Apology
from bot.models import AuditEntry, RoleGrant, RoleInvite
from bot.runtime import outbox
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
    CheckinCode,
    Command,
    Literal,
    TapForeign,
    TapForged,
    TapMutated,
    TapRaw,
    TapShown,
    Text,
    Tick,
    Wander,
    actions,
)
from tests.support.fuzz_invariants import broken_invariants, note_what_was_reached
from tests.support.fuzz_world import ADMIN_ID, build_world, perform
from tests.support.harness import Harness

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
"""Examples per backend; more for a longer local run (``FUZZ_EXAMPLES=500``)."""


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN_ID,)


def errors_since(caplog: pytest.LogCaptureFixture, start: int) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records[start:]
        if record.levelno >= logging.ERROR
    ]


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
