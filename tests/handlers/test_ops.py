"""The ops server next to the real bot: /health, and /metrics that move with the bot's work."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.db import Database
from bot.models import Announcement, OutboxMessage
from bot.runtime.context import Deps
from bot.runtime.ops import OpsServer
from tests.factories import make_learner
from tests.support.databases import read_only
from tests.support.harness import Harness
from tests.support.trainings import MK, SQ, tirana_session


@asynccontextmanager
async def ops_server(deps: Deps) -> AsyncIterator[OpsServer]:
    server = OpsServer(deps, "127.0.0.1", 0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def get(server: OpsServer, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(server.url + path) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(scrape: str, name: str, **labels: str) -> float:
    return samples(scrape).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_updates_and_messages_of_a_conversation(bot: Harness):
    async with ops_server(bot.deps) as server:
        status, before = await get(server, "/metrics")
        assert status == 200
        assert value(before, "kapacitet_updates_total", type="message") == 0
        user = bot.user(701, "en")
        await user.send("/start")
        await user.tap("English")
        await user.tap("No, thanks")
        await user.send("hello")
        status, scrape = await get(server, "/metrics")
    assert status == 200
    assert value(scrape, "kapacitet_updates_total", type="message") == 2
    assert value(scrape, "kapacitet_updates_total", type="callback_query") == 2
    for method in ("sendMessage", "editMessageText"):
        made = len(bot.api.calls_of(method))
        assert made > 0
        assert value(scrape, "kapacitet_messages_sent_total", method=method) == made
    assert value(scrape, "kapacitet_handler_errors_total", error="ValueError") == 0
    assert value(scrape, "kapacitet_database_up") == 1
    assert value(scrape, "process_resident_memory_bytes") > 0
    assert "python_info" in scrape


async def test_health_answers_when_the_database_does(harness: Harness):
    async with ops_server(harness.deps) as server:
        status, body = await get(server, "/health")
    assert status == 200
    assert body == '{"status": "ok", "database": "ok"}'


async def test_health_is_503_when_the_database_does_not_answer(harness: Harness):
    broken = Database("postgresql://nobody@127.0.0.1:1/nothing")
    deps = dataclasses.replace(harness.deps, database=broken)
    try:
        async with ops_server(deps) as server:
            status, body = await get(server, "/health")
            assert status == 503
            assert '"database": "error"' in body and "nobody" not in body
            status, scrape = await get(server, "/metrics")
    finally:
        await broken.dispose()
    assert status == 200
    assert value(scrape, "kapacitet_database_up") == 0


async def test_the_outbox_length_is_read_at_each_scrape(harness: Harness):
    async with ops_server(harness.deps) as server:
        _, empty = await get(server, "/metrics")
        async with harness.deps.database.session() as db:
            author = await make_learner(db)
            assert author.id is not None
            announcement = Announcement(created_by=author.id, text="Hello", status="sending")
            db.add(announcement)
            await db.flush()
            assert announcement.id is not None
            for status in ("pending", "pending", "sent"):
                person = await make_learner(db)
                assert person.id is not None
                db.add(
                    OutboxMessage(
                        announcement_id=announcement.id, learner_id=person.id, status=status
                    )
                )
        _, scrape = await get(server, "/metrics")
    assert value(empty, "kapacitet_outbox_pending") == 0
    assert value(scrape, "kapacitet_outbox_pending") == 2


async def test_reminder_lag_is_the_time_from_due_to_sent(harness: Harness):
    _, start = await tirana_session(harness.deps.database, harness.clock.now() + timedelta(days=2))
    # The bot was down until 40 minutes before the start: the 1-hour reminders are 20 min late.
    harness.clock.advance(start - harness.clock.now() - timedelta(minutes=40))
    async with harness.running(), ops_server(harness.deps) as server:
        harness.user(SQ, "sq"), harness.user(MK, "mk")
        await harness.tick()
        _, scrape = await get(server, "/metrics")
    assert value(scrape, "kapacitet_reminder_lag_seconds_count") == 2
    # The movable clock runs on with real time, so a little more than 20 minutes each.
    assert 2 * 20 * 60 <= value(scrape, "kapacitet_reminder_lag_seconds_sum") < 2 * 21 * 60
    assert value(scrape, "kapacitet_reminder_lag_seconds_bucket", le="900.0") == 0
    assert value(scrape, "kapacitet_reminder_lag_seconds_bucket", le="1800.0") == 2


async def test_a_taken_port_is_a_clear_error(harness: Harness):
    async with ops_server(harness.deps) as first:
        second = OpsServer(harness.deps, "127.0.0.1", first.port)
        with pytest.raises(OSError, match=rf"cannot listen on 127.0.0.1:{first.port} .*OPS_PORT"):
            await second.start()


async def test_health_is_an_error_while_the_database_refuses_writes(
    harness: Harness, database_url: str
):
    """Before, /health asked only ``SELECT 1``: a database that answers reads but takes no
    write (a replica after a failover, a read-only file) was reported healthy while every
    update failed."""
    await harness.deps.database.dispose()
    async with read_only(database_url) as url:
        database = Database(url)
        try:
            deps = dataclasses.replace(harness.deps, database=database)
            async with ops_server(deps) as server:
                status, body = await get(server, "/health")
        finally:
            await database.dispose()
    assert status == 503
    assert body == '{"status": "error", "database": "read-only"}'
    async with ops_server(harness.deps) as server:
        assert await get(server, "/health") == (200, '{"status": "ok", "database": "ok"}')
