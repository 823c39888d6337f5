"""``/reports`` end to end: a coordinator subscribes with buttons, the real bot delivers the
workbook on the first working day of the period once (across a restart, and with two ticks
at the same moment), the file is read back, and a revoked coordinator gets nothing."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
from sqlmodel import select

from bot.models import AuditEntry, ReportDelivery, ReportSubscription, Role, RoleGrant
from bot.simulator.fake_bot_api import SentMessage
from tests.factories import make_learner, make_trainer, make_training, record_attendance
from tests.support.harness import Harness
from tests.support.programmes_world import build_programme_world

COORDINATOR, KOSOVO = 9601, 9602
ZONE = ZoneInfo("Europe/Belgrade")


def documents(messages: list[SentMessage]) -> list[SentMessage]:
    return [message for message in messages if message.document is not None]


async def move_to(bot: Harness, local: datetime) -> None:
    """Moves the clock to ``local`` (in the bot's zone) and runs the background work."""
    bot.clock.advance(local.replace(tzinfo=ZONE) - bot.clock.now())
    await bot.tick()


async def test_a_monthly_report_arrives_once_on_the_first_working_day_across_a_restart(
    harness: Harness,
):
    now = harness.clock.now().astimezone(ZONE)
    # The next month's first day, and the one after (the test runs on any date).
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0)
    after = (next_month + timedelta(days=32)).replace(day=1)
    async with harness.running():
        bot = harness
        coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR)
        async with bot.deps.database.session() as db:
            trainer = await make_trainer(db)
            training = await make_training(
                db, trainer, bot.clock.now() - timedelta(hours=3), title="Digital security"
            )
            for _ in range(3):
                await record_attendance(db, training, await make_learner(db, country="AL"))
        [menu] = await coordinator.send("/reports")
        assert "You have no scheduled reports." in (menu.text or "")
        assert coordinator.buttons(menu) == [["➕ Weekly", "➕ Monthly"]]
        await coordinator.tap("➕ Monthly", menu)
        shown = bot.api.message(COORDINATOR, menu.message_id)
        assert shown is not None and "• Monthly: your whole scope" in (shown.text or "")
        assert coordinator.buttons(menu.message_id) == [
            ["✖️ Stop the monthly report"],
            ["➕ Weekly"],
        ]

        # Not in the month the subscription was made in (its first working day is past).
        await move_to(bot, next_month - timedelta(hours=2))
        assert documents(coordinator.bot_messages()) == []
        # The first working day of next month (a weekend's days are skipped).
        first = next_month
        while first.weekday() >= 5:
            first += timedelta(days=1)
        if first != next_month:
            await move_to(bot, next_month + timedelta(hours=8))
            assert documents(coordinator.bot_messages()) == []
        await move_to(bot, first + timedelta(hours=8))
        [report] = documents(coordinator.bot_messages())

    assert report.document is not None
    book = openpyxl.load_workbook(io.BytesIO(report.document.content))
    assert book.sheetnames == [
        "About",
        "Attendance",
        "Participants",
        "Sessions",
        "Learning",
        "Indicators",
        "Definitions",
        "Targets",
        "Items",
    ]
    sessions = list(book["Sessions"].iter_rows(values_only=True))
    title = list(sessions[0]).index("Session")
    assert [row[title] for row in sessions[1:]] == ["Digital security"]  # the month just ended
    assert "Your monthly report" in (report.caption or "")

    # A restart: the same period is not delivered again, however often the work runs.
    async with harness.running():
        await harness.tick()
        await move_to(harness, first + timedelta(days=2, hours=9))
        assert len(documents(harness.users[COORDINATOR].bot_messages())) == 1
        # The month after: the next report (of a month without sessions).
        await move_to(harness, after + timedelta(days=3, hours=9))
        assert len(documents(harness.users[COORDINATOR].bot_messages())) == 2
    async with harness.deps.database.session() as db:
        deliveries = (await db.exec(select(ReportDelivery))).all()
        exported = (
            await db.exec(select(AuditEntry).where(AuditEntry.action == "export.create"))
        ).all()
    assert sorted(d.status for d in deliveries) == ["sent", "sent"]
    assert len(exported) == 2  # audited like any export
    assert {entry.actor_id for entry in exported} == {(await harness.learner_of(COORDINATOR)).id}


async def test_two_ticks_at_once_send_one_report_and_one_tap_unsubscribes(bot: Harness):
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR)
    [menu] = await coordinator.send("/reports")
    await coordinator.tap("➕ Weekly", menu)
    now = bot.clock.now().astimezone(ZONE)
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0)
    bot.clock.advance(monday - bot.clock.now())
    await asyncio.gather(bot.tick(), bot.tick())
    assert len(documents(coordinator.bot_messages())) == 1

    [menu] = await coordinator.send("/reports")
    await coordinator.tap("✖️ Stop the weekly report", menu)
    assert coordinator.last_callback_answer().text == "Unsubscribed."
    await move_to(bot, (monday + timedelta(days=7)).replace(tzinfo=None))
    assert len(documents(coordinator.bot_messages())) == 1
    async with bot.deps.database.session() as db:
        [subscription] = (await db.exec(select(ReportSubscription))).all()
    assert subscription.cancelled_at is not None


async def test_a_revoked_coordinator_gets_nothing_and_the_subscription_ends(bot: Harness):
    coordinator = await bot.person(KOSOVO, role=Role.COORDINATOR, countries=("XK",))
    [menu] = await coordinator.send("/reports")
    await coordinator.tap("➕ Weekly", menu)
    async with bot.deps.database.session() as db:
        [grant] = (await db.exec(select(RoleGrant))).all()
        grant.revoked_at = bot.clock.now()
        db.add(grant)
    now = bot.clock.now().astimezone(ZONE)
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0)
    await move_to(bot, monday.replace(tzinfo=None))
    assert documents(coordinator.bot_messages()) == []
    async with bot.deps.database.session() as db:
        [delivery] = (await db.exec(select(ReportDelivery))).all()
        [subscription] = (await db.exec(select(ReportSubscription))).all()
    assert delivery.status == "skipped"
    assert subscription.cancelled_at is not None
    # And the command is refused now.
    [reply] = await coordinator.send("/reports")
    assert reply.text == "Sorry, you are not allowed to do that."


async def test_a_narrowed_coordinator_gets_only_their_new_scope(bot: Harness):
    world = await build_programme_world(bot.deps.database)
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR)
    [menu] = await coordinator.send("/reports")
    await coordinator.tap("➕ Weekly", menu)
    # Two programmes are seen: the report is for the whole scope.
    await coordinator.tap("Whole scope")
    async with bot.deps.database.session() as db:
        [grant] = (await db.exec(select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR))).all()
        grant.programmes = str(world.smart)  # narrowed to one programme since
        db.add(grant)
    now = bot.clock.now().astimezone(ZONE)
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0)
    await move_to(bot, monday.replace(tzinfo=None))
    [report] = documents(coordinator.bot_messages())
    assert report.document is not None
    book = openpyxl.load_workbook(io.BytesIO(report.document.content))
    # A limited scope now: no sheets of single people's rows.
    assert book.sheetnames == ["About", "Sessions", "Indicators", "Definitions", "Targets", "Items"]
    about = " ".join(
        str(cell) for row in book["About"].iter_rows(values_only=True) for cell in row if cell
    )
    assert "Programmes: SMART Balkans" in about
