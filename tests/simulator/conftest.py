"""Fixtures of the simulator's tests: a running simulator, an HTTP client of its web app, and
its event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.content.catalogue import Catalogue
from bot.simulator.simulator import Simulator
from tests.support.logs import no_errors_logged  # noqa: F401  (autouse: applies to this folder)
from tests.support.simulator import EventStream, make_simulator


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
