"""Announcements: who is in the audience (scopes, filters, consent), confirming once, and the
outbox worker against the fake Bot API (each row once, 429, 403, 400, network errors, a
crash)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.app import build_application, build_deps
from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.models import Announcement, AuditEntry, Learner, OutboxMessage
from bot.runtime import outbox
from bot.runtime.context import Deps
from bot.runtime.outbox.worker import WORKER_KEY
from bot.services import announcements
from bot.services.announcements import AnnouncementError, Audience, Reason
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.announcements import (
    ADMIN_TELEGRAM_ID,
    ADMINS,
    MODULES,
    NOW,
    announce,
    build_world,
)
from tests.support.harness import CONTROLLER
from tests.support.rows import count

TOKEN = "123456:TEST-TOKEN-FOR-KAPACITET"


# -- the text -------------------------------------------------------------------------------


def test_the_text_is_escaped_so_that_it_shows_exactly_as_typed():
    assert announcements.prepare_text("  Training <b>tomorrow</b> & more \n\n") == (
        "  Training &lt;b&gt;tomorrow&lt;/b&gt; &amp; more"
    )
    assert announcements.prepare_text("Line one\r\nLine two\x07") == "Line one\nLine two"
    assert announcements.prepare_text("e\u0308") == "ë"  # NFC


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("", Reason.EMPTY), (" \n\t ", Reason.EMPTY), ("x" * 3501, Reason.TOO_LONG)],
)
def test_empty_or_too_long_text_is_refused(typed: str, reason: Reason):
    with pytest.raises(AnnouncementError) as error:
        announcements.prepare_text(typed)
    assert error.value.reason == reason


def test_the_audience_survives_json_and_bad_json_is_refused():
    audience = Audience(language="sr-Latn", session_id=7)
    assert Audience.from_json(audience.to_json()) == audience
    assert Audience.from_json("{}").is_everyone
    with pytest.raises(AnnouncementError):
        Audience.from_json("[1, 2]")


# -- audiences ------------------------------------------------------------------------------


async def audience_of(db: AsyncSession, actor: Learner, audience: Audience) -> set[int]:
    found = await announcements.recipient_ids(
        db, actor, audience, admin_ids=ADMINS, known_modules=MODULES
    )
    count = await announcements.count_audience(
        db, actor, audience, admin_ids=ADMINS, known_modules=MODULES
    )
    assert count == len(found)
    return set(found)


async def test_audiences_within_scopes_filters_and_consent(database: Database):
    async with database.session() as db:
        world = await build_world(db)
        staff = {world.serbia.id or 0, world.crta.id or 0, world.trainer.id or 0}
        reachable = world.ids("ana", "boris", "cvete", "ema", "apologised")
        no_consent = world.ids("nora", "pending", "withdrawn")

        # An admin's "everyone": whoever can be written to, consent or not (a service
        # message); not the blocked, the erased, the walk-ins, nor the admin themselves.
        assert await audience_of(db, world.admin, Audience()) == reachable | no_consent | staff
        # By language: chosen by data kept for everyone, so people without consent too.
        assert await audience_of(db, world.admin, Audience(language="sr-Latn")) == world.ids(
            "ana", "nora"
        )
        # By country, module or session: only with consent.
        assert await audience_of(db, world.admin, Audience(country="RS")) == world.ids(
            "ana", "ema"
        ) | {world.serbia.id or 0}
        assert await audience_of(db, world.admin, Audience(module="passwords-2fa")) == (
            world.ids("cvete")
        )
        assert await audience_of(db, world.admin, Audience(module="eu-accession")) == (
            world.ids("ema")
        )
        assert await audience_of(
            db, world.admin, Audience(session_id=world.rs_session)
        ) == world.ids("boris")

        # Serbia's coordinator: people from Serbia and people registered for a session
        # there (Boris); never anyone without consent, whatever the filter.
        assert await audience_of(db, world.serbia, Audience()) == world.ids("ana", "ema", "boris")
        assert await audience_of(db, world.serbia, Audience(language="sr-Latn")) == world.ids("ana")
        assert await audience_of(
            db, world.serbia, Audience(session_id=world.rs_session)
        ) == world.ids("boris")
        for outside in (Audience(country="XK"), Audience(session_id=world.xk_session)):
            with pytest.raises(AnnouncementError) as error:
                await audience_of(db, world.serbia, outside)
            assert error.value.reason == Reason.OUT_OF_SCOPE
        assert await announcements.allowed_countries(db, world.serbia, ADMINS) == ("RS",)

        # An organisation's coordinator: only that organisation's people.
        assert await audience_of(db, world.crta, Audience()) == world.ids("ana")

        # Unknown choices are refused, not silently empty.
        for bad in (Audience(language="xx"), Audience(country="FR"), Audience(module="nope")):
            with pytest.raises(AnnouncementError) as error:
                await audience_of(db, world.admin, bad)
            assert error.value.reason == Reason.UNKNOWN_CHOICE

        # A trainer (or a learner) may not announce at all.
        for actor in (world.trainer, world.people["ana"]):
            with pytest.raises(AnnouncementError) as error:
                await audience_of(db, actor, Audience())
            assert error.value.reason == Reason.NOT_ALLOWED


async def test_confirm_writes_one_pending_row_per_recipient_once(database: Database):
    async with database.session() as db:
        world = await build_world(db)
        draft = await announcements.create_draft(
            db, world.serbia, "Hello <all>", report_chat_id=1, now=NOW, admin_ids=ADMINS
        )
        assert draft.id is not None and draft.text == "Hello &lt;all&gt;"
        announcement_id = draft.id
        # Someone else's draft is not found; nor is it sent by them.
        with pytest.raises(AnnouncementError) as error:
            await announcements.confirm(
                db, world.admin, announcement_id, now=NOW, admin_ids=ADMINS, known_modules=MODULES
            )
        assert error.value.reason == Reason.NOT_FOUND

    # Two taps on Send at the same moment, in two transactions: one batch of rows.
    async def tap() -> announcements.Confirmation:
        async with database.session() as db:
            actor = await db.get(Learner, world.serbia.id)
            assert actor is not None
            return await announcements.confirm(
                db, actor, announcement_id, now=NOW, admin_ids=ADMINS, known_modules=MODULES
            )

    first, second = await asyncio.gather(tap(), tap())
    assert sorted([first.created, second.created]) == [False, True]
    assert first.recipients == second.recipients == 3
    third = await tap()
    assert not third.created and third.recipients == 3
    async with database.session() as db:
        rows = (await db.exec(select(OutboxMessage))).all()
        assert sorted(row.learner_id for row in rows) == sorted(world.ids("ana", "ema", "boris"))
        assert {row.status for row in rows} == {"pending"}
        announcement = await db.get(Announcement, announcement_id)
        assert announcement is not None and announcement.status == "sending"
        assert announcement.confirmed_at == NOW
        audits = (
            await db.exec(select(AuditEntry).where(AuditEntry.action == "announcement.send"))
        ).all()
        assert len(audits) == 1
        # A sent announcement can no longer be changed or cancelled.
        with pytest.raises(AnnouncementError) as error:
            await announcements.set_audience(
                db,
                world.serbia,
                announcement_id,
                Audience(language="en"),
                admin_ids=ADMINS,
                known_modules=MODULES,
            )
        assert error.value.reason == Reason.NOT_A_DRAFT
        assert not await announcements.cancel(
            db, world.serbia, announcement_id, now=NOW, admin_ids=ADMINS
        )


async def test_an_audience_of_nobody_cannot_be_sent_and_a_new_draft_replaces_the_old(
    database: Database,
):
    async with database.session() as db:
        world = await build_world(db)
        old = await announcements.create_draft(
            db, world.admin, "First", report_chat_id=1, now=NOW, admin_ids=ADMINS
        )
        new = await announcements.create_draft(
            db, world.admin, "Second", report_chat_id=1, now=NOW, admin_ids=ADMINS
        )
        await db.refresh(old)
        assert old.status == "cancelled" and new.status == "draft"
        assert new.id is not None
        await announcements.set_audience(
            db,
            world.admin,
            new.id,
            Audience(language="hr"),
            admin_ids=ADMINS,
            known_modules=MODULES,
        )
        with pytest.raises(AnnouncementError) as error:
            await announcements.confirm(
                db, world.admin, new.id, now=NOW, admin_ids=ADMINS, known_modules=MODULES
            )
        assert error.value.reason == Reason.NOBODY
        assert await count(db, OutboxMessage) == 0
        await db.refresh(new)
        assert new.status == "draft"


# -- the outbox worker ----------------------------------------------------------------------


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def telegram_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        yield bot


@pytest.fixture
async def deps(database: Database, catalogue: Catalogue) -> AsyncIterator[Deps]:
    settings = Settings(
        bot_token=TOKEN, database_url=database.url, admin_telegram_ids=ADMINS, **CONTROLLER
    )
    made = build_deps(settings, catalogue, MovableClock())
    try:
        yield made
    finally:
        await made.database.dispose()


def received(api: FakeBotApi, chat_id: int) -> list[str]:
    return [m.text or "" for m in api.messages(chat_id) if m.from_bot]


async def statuses(deps: Deps, announcement_id: int) -> dict[str, int]:
    async with deps.database.session() as db:
        rows = await db.exec(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.announcement_id == announcement_id)
            .group_by(col(OutboxMessage.status))
        )
        return dict(rows.all())


async def test_each_row_is_sent_once_and_the_author_gets_one_summary(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    announcement_id, chats, author = await announce(deps, api, ["en", "sq", "mk", "hr", "en"])
    report = await outbox.drain(deps, telegram_bot)
    assert report.sent == 5 and report.finished == [announcement_id]
    for chat in chats:
        assert received(api, chat) == ["Hello & welcome"]
    assert await statuses(deps, announcement_id) == {"sent": 5}
    [summary] = received(api, author)
    assert summary.splitlines()[:2] == [
        "📣 Your announcement has been sent.",
        "“Hello & welcome”",
    ]
    assert "✅ Delivered: 5" in summary and "Not confirmed" not in summary
    async with deps.database.session() as db:
        announcement = await db.get(Announcement, announcement_id)
        assert announcement is not None and announcement.status == "done"
    # Nothing left: a second drain sends nothing.
    again = await outbox.drain(deps, telegram_bot)
    assert again == outbox.DrainReport()
    assert all(len(received(api, chat)) == 1 for chat in chats)
    assert len(received(api, author)) == 1


async def test_blocked_refused_and_rate_limited_messages(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    announcement_id, chats, author = await announce(deps, api, ["en"] * 4)
    blocked = chats[0]
    api.block(blocked)
    # Telegram asks to wait a second, once: the outbox pauses, then sends the row again.
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    report = await outbox.drain(deps, telegram_bot)
    assert report.rate_limited == 1
    assert report.unreachable == 1 and report.sent == 3
    assert received(api, blocked) == []
    assert all(received(api, chat) == ["Hello & welcome"] for chat in chats[1:])
    async with deps.database.session() as db:
        person = (await db.exec(select(Learner).where(Learner.telegram_id == blocked))).one()
        assert person.reachable is False
        rows = (await db.exec(select(OutboxMessage))).all()
        # The 429 was no attempt: every row was handed to Telegram once.
        assert {row.attempts for row in rows} == {1}
    assert await statuses(deps, announcement_id) == {"sent": 3, "unreachable": 1}
    [summary] = received(api, author)
    assert "✅ Delivered: 3" in summary
    assert "🚫 Not reachable (blocked the bot or left): 1" in summary


async def test_bad_requests_fail_and_network_errors_are_retried(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    announcement_id, chats, author = await announce(deps, api, ["en"] * 2)
    api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    api.fail_next("sendMessage", 502, "Bad Gateway")
    report = await outbox.drain(deps, telegram_bot)
    assert (report.failed, report.retried, report.sent) == (1, 1, 1)
    assert sorted(len(received(api, chat)) for chat in chats) == [0, 1]
    assert await statuses(deps, announcement_id) == {"sent": 1, "failed": 1}
    async with deps.database.session() as db:
        retried = (await db.exec(select(OutboxMessage).where(OutboxMessage.status == "sent"))).one()
        assert retried.attempts == 2 and retried.not_before is not None
    assert "⚠️ Failed: 1" in received(api, author)[0]


async def test_network_errors_give_up_after_five_attempts(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    announcement_id, chats, _author = await announce(deps, api, ["en"])
    api.fail_next("sendMessage", 502, "Bad Gateway", count=5)
    # The retries wait 1, 2, 4, 8 seconds: move the clock instead of waiting.
    clock = deps.clock
    assert isinstance(clock, MovableClock)

    async def hurry() -> None:
        while True:
            await asyncio.sleep(0.05)
            clock.advance(timedelta(seconds=4))

    hurrying = asyncio.create_task(hurry())
    try:
        report = await outbox.drain(deps, telegram_bot)
    finally:
        hurrying.cancel()
    assert (report.retried, report.failed, report.sent) == (4, 1, 0)
    assert await statuses(deps, announcement_id) == {"failed": 1}
    assert received(api, chats[0]) == []


async def test_after_a_crash_a_message_on_its_way_is_not_sent_again(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    announcement_id, chats, author = await announce(deps, api, ["en"] * 3)
    # A previous run claimed the first row and died before it heard back.
    async with deps.database.session() as db:
        first = (await db.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).first()
        assert first is not None
        first.status = "sending"
        first.attempts = 1
        db.add(first)
    report = await outbox.drain(deps, telegram_bot)
    assert (report.unknown, report.sent) == (1, 2)
    assert [len(received(api, chat)) for chat in chats] == [0, 1, 1]
    assert await statuses(deps, announcement_id) == {"sent": 2, "unknown": 1}
    [summary] = received(api, author)
    assert "❔ Not confirmed (the bot restarted while sending; not sent again): 1" in summary


async def test_a_cancelled_worker_leaves_the_rest_for_the_next_drain(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    announcement_id, chats, author = await announce(deps, api, ["en"] * 6)
    two_arrived = asyncio.Event()

    def on_change(event: dict[str, object]) -> None:
        if sum(len(received(api, chat)) for chat in chats) >= 2:
            two_arrived.set()

    api.on_change(on_change)
    running = asyncio.create_task(outbox.drain(deps, telegram_bot))
    await asyncio.wait_for(two_arrived.wait(), 10)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await outbox.drain(deps, telegram_bot)
    counts = [len(received(api, chat)) for chat in chats]
    assert max(counts) == 1  # never twice
    found = await statuses(deps, announcement_id)
    # A message cut off on its way is counted, not repeated; everything else was sent.
    assert found.get("sent", 0) + found.get("unknown", 0) == 6
    assert sum(counts) >= found["sent"]
    assert len(received(api, author)) == 1


async def test_the_outbox_keeps_to_one_message_a_second_per_chat(
    deps: Deps, api: FakeBotApi, telegram_bot: Bot
):
    """Two announcements to the same people, against a server enforcing the limits: no 429."""
    api.set_rate_limits(30, 1)
    first, chats, _author = await announce(deps, api, ["en"] * 3, text="First")
    async with deps.database.session() as db:
        admin = (
            await db.exec(select(Learner).where(Learner.telegram_id == ADMIN_TELEGRAM_ID))
        ).one()
        draft = await announcements.create_draft(
            db, admin, "Second", report_chat_id=ADMIN_TELEGRAM_ID, now=NOW, admin_ids=ADMINS
        )
        assert draft.id is not None
        await announcements.confirm(
            db, admin, draft.id, now=NOW, admin_ids=ADMINS, known_modules=MODULES
        )
    report = await outbox.drain(deps, telegram_bot)
    assert api.rate_limited == 0 and report.rate_limited == 0
    for chat in chats:
        assert received(api, chat) == ["First", "Second"]
    assert len(received(api, ADMIN_TELEGRAM_ID)) == 2
    assert await statuses(deps, first) == {"sent": 3}


async def test_the_worker_is_woken_once_the_confirmation_is_committed(
    deps: Deps, telegram_bot: Bot
):
    """Send wakes the worker when its unit of work commits: woken earlier, the worker would not
    see the rows yet; a unit of work that fails wakes nobody."""
    application = build_application(deps, rate_limit=False, background_jobs=False)
    worker = outbox.Worker(deps, telegram_bot)
    application.bot_data[WORKER_KEY] = worker
    with pytest.raises(RuntimeError):
        async with deps.database.session() as db:
            outbox.wake_on_commit(application, db)
            raise RuntimeError("the update failed")
    assert not worker.woken.is_set()
    async with deps.database.session() as db:
        outbox.wake_on_commit(application, db)
        await db.flush()
        assert not worker.woken.is_set()
    assert worker.woken.is_set()


def test_which_network_errors_prove_that_nothing_was_sent():
    def caused(error: NetworkError, cause: Exception) -> NetworkError:
        try:
            raise error from cause
        except NetworkError as raised:
            return raised

    request = httpx.Request("POST", "https://api.telegram.org/")
    assert outbox.certainly_not_sent(NetworkError("Bad Gateway"))
    assert outbox.certainly_not_sent(
        caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("no", request=request))
    )
    assert outbox.certainly_not_sent(caused(TimedOut(), httpx.PoolTimeout("full", request=request)))
    assert not outbox.certainly_not_sent(
        caused(TimedOut(), httpx.ReadTimeout("slow", request=request))
    )
    assert not outbox.certainly_not_sent(
        caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone"))
    )
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [1, 2, 4, 8, 60]
