"""Fixtures of the simulator's tests: a running simulator, an HTTP client of its web app, and
its event stream."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.content.catalogue import Catalogue
from bot.simulator.simulator import Simulator
from tests.support.simulator import EventStream, make_simulator


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a test does, nothing may end as an error in the log."""
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]


@pytest.fixture
async def sim(tmp_path: Path, catalogue: Catalogue) -> AsyncIterator[Simulator]:
    """A started simulator with its preset people; stopped after the test."""
    simulator = make_simulator(tmp_path, catalogue)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sim.url) as session:
        yield session


@pytest.fixture
async def events(http: aiohttp.ClientSession) -> AsyncIterator[EventStream]:
    async with http.get("/api/events") as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        stream = EventStream(response)
        await stream.next("hello")
        yield stream
