"""``/announce`` end to end: write, choose the audience, preview, send; the outbox delivers each
message once, also across a crash; learners and trainers cannot announce."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.models import Announcement, AuditEntry, Learner, OutboxMessage
from bot.runtime import outbox
from tests.support.announcements import (
    COORDINATOR,
    LEARNER,
    TRAINER,
    add_people,
    add_staff,
    kill_outbox_worker,
)
from tests.support.driver import TelegramUser, bot_texts
from tests.support.harness import Harness
from tests.support.logs import forgive
from tests.support.rows import count
from tests.support.waiting import eventually

NOT_ALLOWED = "Sorry, you are not allowed to do that."
TYPED = "Training <b>tomorrow</b> & more: bring a laptop."
SUMMARY = "📣 Your announcement has been sent."
AUDIENCE_MENU = [
    ["👥 Everyone"],
    ["🌐 By language"],
    ["📍 By country"],
    ["📘 By module"],
    ["🗓 By session"],
    ["✖️ Cancel"],
]


async def write_and_choose_serbia(coordinator: TelegramUser) -> None:
    """/announce, the message, [By country], [Serbia]: up to the preview."""
    await coordinator.send("/announce")
    assert "Type the message (up to 3,500 characters)" in (coordinator.last_message().text or "")
    await coordinator.send(TYPED)
    assert coordinator.buttons() == AUDIENCE_MENU
    assert "Serbia · all organisations" in (coordinator.last_message().text or "")
    await coordinator.tap("📍 By country")
    # A coordinator for Serbia is offered Serbia only.
    assert coordinator.buttons() == [["Serbia"], ["« Back", "✖️ Cancel"]]
    await coordinator.tap("Serbia")


async def test_a_coordinator_announces_to_a_country(bot: Harness):
    await add_staff(bot.deps.database, bot.api)
    serbia = await add_people(bot.deps.database, bot.api, ["RS", "RS", "RS", "RS"], first_id=5000)
    kosovo = await add_people(bot.deps.database, bot.api, ["XK"], first_id=6000)
    blocked = serbia[-1]
    bot.api.block(blocked)
    coordinator = bot.user(COORDINATOR)

    await write_and_choose_serbia(coordinator)
    *_, audience, preview, question = coordinator.bot_messages()
    assert audience.text == (
        "Audience: people in Serbia, within your scope (Serbia · all organisations)"
    )
    # The preview is the message exactly as the learners will get it.
    assert preview.text == TYPED and not preview.inline_keyboard
    assert question.text == (
        "☝️ This is the announcement as people will see it.\n"
        "It goes to 6 people."  # four learners, the trainer and the learner from Serbia
    )
    assert coordinator.buttons(question) == [
        ["✅ Send"],
        ["« Change the audience"],
        ["✖️ Cancel"],
    ]

    await coordinator.tap("✅ Send", question)
    assert coordinator.last_message().text == (
        "📣 Sending to 6 people. You will get a summary here when it is done."
    )
    # A second tap on the same button (the keyboard as it was) sends nothing again.
    await coordinator.tap("✅ Send", question)
    answer = coordinator.last_callback_answer()
    assert answer is not None
    assert answer.text == "This announcement has already been sent or cancelled."

    assert bot.application is not None
    await outbox.drain(bot.deps, bot.application.bot)
    for chat in [*serbia[:-1], TRAINER, LEARNER]:
        assert bot_texts(bot.api, chat) == [TYPED]
    assert bot_texts(bot.api, blocked) == []
    assert bot_texts(bot.api, kosovo[0]) == []
    summaries = [t for t in bot_texts(bot.api, COORDINATOR) if t.startswith(SUMMARY)]
    assert summaries == [
        "\n".join(
            [
                SUMMARY,
                f"“{TYPED}”",
                "",
                "✅ Delivered: 5",
                "🚫 Not reachable (blocked the bot or left): 1",
                "⚠️ Failed: 0",
            ]
        )
    ]
    async with bot.deps.database.session() as db:
        person = (await db.exec(select(Learner).where(Learner.telegram_id == blocked))).one()
        assert person.reachable is False
        assert await count(db, OutboxMessage) == 6


async def test_a_crash_in_the_middle_sends_each_message_exactly_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
):
    await add_staff(harness.deps.database, harness.api)
    learners = await add_people(harness.deps.database, harness.api, ["RS"] * 12, first_id=7000)
    api = harness.api

    def delivered() -> int:
        return sum(len(bot_texts(api, chat)) for chat in learners)

    def calls_to_learners() -> int:
        return sum(1 for p in api.calls_of("sendMessage") if int(p["chat_id"]) in learners)

    # After the fourth message, Telegram holds the next request for a second.
    fourth = asyncio.Event()

    def on_change(event: dict[str, Any]) -> None:
        if event["type"] == "message_sent" and not fourth.is_set() and delivered() >= 4:
            fourth.set()
            api.delay_next("sendMessage", 1.0)

    unsubscribe = api.on_change(on_change)
    async with harness.running() as application:
        coordinator = harness.user(COORDINATOR)
        await write_and_choose_serbia(coordinator)
        await coordinator.tap("✅ Send")
        await asyncio.wait_for(fourth.wait(), 10)
        # The crash: the worker dies while a message is on its way, the bot stops.
        await eventually(lambda: calls_to_learners() > delivered())
        await kill_outbox_worker(application)
    unsubscribe()
    # Telegram delivers the held message although nobody hears back.
    await eventually(lambda: delivered() == calls_to_learners())
    before_restart = delivered()
    assert before_restart < len(learners)  # the rest was still pending at the crash

    async with harness.running() as application:
        await outbox.drain(harness.deps, application.bot)

    # Everyone (the twelve, the trainer and the learner) got it exactly once.
    for chat in [*learners, TRAINER, LEARNER]:
        assert bot_texts(api, chat) == [TYPED], chat
    async with harness.deps.database.session() as db:
        rows = await db.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        )
        found = dict(rows.all())
        announcement = (await db.exec(select(Announcement))).one()
    # The message on its way at the crash is counted as not confirmed, never resent.
    assert found.get("unknown", 0) >= 1 and found["sent"] + found["unknown"] == 14
    assert announcement.status == "done"
    summaries = [t for t in bot_texts(api, COORDINATOR) if t.startswith(SUMMARY)]
    assert len(summaries) == 1
    assert f"✅ Delivered: {found['sent']}" in summaries[0]
    assert (
        "❔ Not confirmed (the bot restarted while sending; not sent again): "
        f"{found['unknown']}" in summaries[0]
    )
    # The crash is the worker cancelled inside its unit of work: now and then the cancelled
    # rollback reaches SQLAlchemy's pool, which logs it at error level.
    forgive(caplog, "sqlalchemy.pool", "Exception during reset or similar")


async def test_a_normal_stop_finishes_the_messages_on_their_way_and_takes_no_more(
    harness: Harness,
):
    await add_staff(harness.deps.database, harness.api)
    learners = await add_people(harness.deps.database, harness.api, ["RS"] * 12, first_id=7100)
    api = harness.api

    def delivered() -> int:
        return sum(len(bot_texts(api, chat)) for chat in learners)

    # After the fourth message, Telegram holds the next request for a second.
    fourth = asyncio.Event()

    def on_change(event: dict[str, Any]) -> None:
        if event["type"] == "message_sent" and not fourth.is_set() and delivered() >= 4:
            fourth.set()
            api.delay_next("sendMessage", 1.0)

    unsubscribe = api.on_change(on_change)
    async with harness.running() as application:
        coordinator = harness.user(COORDINATOR)
        await write_and_choose_serbia(coordinator)
        await coordinator.tap("✅ Send")
        await asyncio.wait_for(fourth.wait(), 10)
        # The operator stops the bot while a message is held on its way.
        await outbox.stop_worker(application)
        everyone = [*learners, TRAINER, LEARNER]
        stopped_at = sum(len(bot_texts(api, chat)) for chat in everyone)
    unsubscribe()
    async with harness.deps.database.session() as db:
        rows = await db.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        )
        found = dict(rows.all())
    # Nothing is left half-sent: what went out was heard back, the rest waits its turn.
    assert "sending" not in found and "unknown" not in found, found
    assert found["sent"] == stopped_at and 4 < stopped_at < len(everyone), found
    assert found["pending"] == len(everyone) - stopped_at


async def snapshot(bot: Harness) -> tuple[object, ...]:
    async with bot.deps.database.session() as db:
        announcements = [
            (a.id, a.status, a.audience, a.text)
            for a in (await db.exec(select(Announcement).order_by(col(Announcement.id)))).all()
        ]
        rows = await count(db, OutboxMessage)
        audits = await count(db, AuditEntry)
        awaiting = [
            (p.telegram_id, p.awaiting)
            for p in (await db.exec(select(Learner).order_by(col(Learner.id)))).all()
        ]
    return announcements, rows, audits, awaiting


async def test_learners_and_trainers_cannot_announce(bot: Harness):
    await add_staff(bot.deps.database, bot.api)
    await add_people(bot.deps.database, bot.api, ["RS"], first_id=8000)
    coordinator = bot.user(COORDINATOR)
    # The coordinator opens every screen; their buttons are collected for replaying.
    collected: set[str] = set()

    def collect() -> None:
        collected.update(
            button["callback_data"]
            for message in bot.api.messages(COORDINATOR)
            for row in message.inline_keyboard
            for button in row
            if button.get("callback_data", "").split(":", 1)[0] in {"na", "np", "ns", "nc"}
        )

    await coordinator.send("/announce")
    collect()
    await coordinator.send(TYPED)
    for label in ("🌐 By language", "« Back", "📘 By module", "« Back", "🗓 By session"):
        collect()
        await coordinator.tap(label)
    collect()
    await coordinator.tap("« Back")
    await coordinator.tap("📍 By country")
    collect()
    await coordinator.tap("Serbia")
    collect()
    replayable = sorted(collected)
    assert {data.split(":", 1)[0] for data in replayable} == {"na", "np", "ns", "nc"}

    before = await snapshot(bot)
    for intruder_id in (LEARNER, TRAINER):
        intruder = bot.user(intruder_id)
        replies = await intruder.send("/announce")
        assert [reply.text for reply in replies] == [NOT_ALLOWED]
        await intruder.send("An announcement of my own")
        target = intruder.last_message().message_id
        for data in replayable:
            await intruder.tap_data(data, target)
            answer = intruder.last_callback_answer()
            assert answer is not None and answer.text == NOT_ALLOWED, data
    assert await snapshot(bot) == before
    # The coordinator's draft is untouched; they cancel it, and nothing is sent.
    await coordinator.tap("✖️ Cancel")
    assert coordinator.last_message().text == "Cancelled. Nothing was sent."
    assert bot.application is not None
    await outbox.drain(bot.deps, bot.application.bot)
    assert bot_texts(bot.api, 8000) == []
    async with bot.deps.database.session() as db:
        assert [a.status for a in (await db.exec(select(Announcement))).all()] == ["cancelled"]


async def test_a_forged_session_number_in_the_audience_is_refused_cleanly(bot: Harness):
    """``np:<draft>:session:<n>`` carries the session as text: a number over PostgreSQL's
    integer (or none at all) is refused like any forged button, not sent to the database."""
    await add_staff(bot.deps.database, bot.api)
    coordinator = bot.user(COORDINATOR)
    await coordinator.send("/announce")
    await coordinator.send(TYPED)
    menu = coordinator.last_message()
    draft = coordinator.button_data("👥 Everyone", menu).split(":")[1]
    before = await snapshot(bot)
    for value in ("99999999999", str(2**31), "0", "00", "-1", "1e3", "x"):
        await coordinator.tap_data(f"np:{draft}:session:{value}", menu.message_id)
        answer = coordinator.last_callback_answer()
        assert answer is not None and answer.text == "This button is no longer valid.", value
    assert await snapshot(bot) == before
    assert coordinator.last_message().message_id == menu.message_id
