"""The simulator's tests: a :class:`Simulator` on a free port of 127.0.0.1 with its own SQLite
file and people file, without background ticks unless asked (:func:`make_simulator`); its
preset people; and its web API as the page uses it (:func:`send`, :func:`tap`, :func:`chat`,
the event stream)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.simulator.simulator import Simulator

ANA, MARKO, VESNA = 1001, 1002, 1003
"""The simulator's preset people: a learner, a trainer and a coordinator."""


def make_simulator(tmp_path: Path, catalogue: Catalogue, **kwargs: Any) -> Simulator:
    """A simulator (not started) under ``tmp_path``; ``kwargs`` override its options."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'sim.sqlite3'}",
        flood_max_updates=10_000,  # the browser is faster than a person
    )
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "clock": MovableClock(),
        "background_jobs": False,
        "people_file": tmp_path / "people.json",
    }
    return Simulator(settings, catalogue, **{**options, **kwargs})


# -- the web API, as the page uses it ----------------------------------------------------------


async def post(http: aiohttp.ClientSession, path: str, body: Any) -> tuple[int, Any]:
    async with http.post(path, json=body) as response:
        return response.status, await response.json()


async def get(http: aiohttp.ClientSession, path: str) -> Any:
    async with http.get(path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def chat(http: aiohttp.ClientSession, person: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = (await get(http, f"/api/people/{person}/chat"))["messages"]
    return messages


def last_bot_message(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return [m for m in messages if m["from_bot"]][-1]


def button_at(message: dict[str, Any], label: str) -> tuple[int, int]:
    for row, buttons in enumerate(message["keyboard"]):
        for column, button in enumerate(buttons):
            if button["text"] == label:
                return row, column
    raise AssertionError(f"no button {label!r}: {message['keyboard']}")


async def tap(http: aiohttp.ClientSession, person: int, label: str) -> dict[str, Any]:
    messages = await chat(http, person)
    target = next(m for m in reversed(messages) if m["from_bot"] and m["keyboard"])
    row, column = button_at(target, label)
    status, body = await post(
        http,
        f"/api/people/{person}/taps",
        {"message_id": target["id"], "row": row, "column": column},
    )
    assert status == 200, body
    result: dict[str, Any] = body
    return result


async def send(http: aiohttp.ClientSession, person: int, text: str) -> None:
    status, body = await post(http, f"/api/people/{person}/messages", {"text": text})
    assert status == 200, body


class EventStream:
    """The page's view of /api/events."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(
        self, kind: str, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any]:
        async with asyncio.timeout(10):
            event_type = None
            while True:
                line = (await self.response.content.readline()).decode().rstrip("\n")
                if line.startswith("event: "):
                    event_type = line.removeprefix("event: ")
                elif line.startswith("data: ") and event_type == kind:
                    data: dict[str, Any] = json.loads(line.removeprefix("data: "))
                    if where(data):
                        return data


async def onboard_without_consent(http: aiohttp.ClientSession, person: int) -> None:
    await send(http, person, "/start")
    await tap(http, person, "English")
    await tap(http, person, "No, thanks")
