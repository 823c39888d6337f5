"""The simulator's web app over real HTTP: the chat API, the event stream, files, the clock,
people and roles, the preview, the guards against bad input; and ``python -m bot run``."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot import app
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.models import Learner, RoleGrant
from bot.runtime import jobs
from bot.simulator.people import people_file_for
from bot.simulator.run import Preview, open_preview
from bot.simulator.sanitize import sanitize_html
from bot.simulator.simulator import HISTORY, Simulator, simulator_database
from bot.simulator.web import STATIC_DIR, AddressInUse
from tests.support.images import png
from tests.support.simulator import make_simulator

ROOT = Path(__file__).resolve().parents[2]
ANA, MARKO, VESNA = 1001, 1002, 1003


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]


@pytest.fixture
async def sim(tmp_path: Path, catalogue: Catalogue) -> AsyncIterator[Simulator]:
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


@pytest.fixture
async def events(http: aiohttp.ClientSession) -> AsyncIterator[EventStream]:
    async with http.get("/api/events") as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        stream = EventStream(response)
        await stream.next("hello")
        yield stream


async def onboard_without_consent(http: aiohttp.ClientSession, person: int) -> None:
    await send(http, person, "/start")
    await tap(http, person, "English")
    await tap(http, person, "No, thanks")


# -- the page and the state ---------------------------------------------------------------------


async def test_page_and_static_files_are_served_with_a_strict_policy(
    sim: Simulator, http: aiohttp.ClientSession
):
    async with http.get("/") as response:
        assert response.status == 200
        page = await response.text()
        assert "/static/simulator.js" in page and "/static/simulator.css" in page
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("simulator.js", "simulator.css", "favicon.svg"):
        async with http.get(f"/static/{name}") as response:
            assert response.status == 200, name
    # Nothing is loaded from elsewhere: no CDN, no external fonts or scripts.
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "//cdn" not in text and "googleapis" not in text, path.name
        assert 'src="http' not in text and 'href="http' not in text, path.name
    async with http.get("/static/../web.py") as response:
        assert response.status in (403, 404)


async def test_state_lists_the_preset_people_and_the_clock(sim: Simulator, http):
    state = await get(http, "/api/state")
    assert [(p["id"], p["name"], p["role"]) for p in state["people"]] == [
        (ANA, "Ana", "learner"),
        (MARKO, "Marko", "trainer"),
        (VESNA, "Vesna", "coordinator"),
    ]
    assert state["bot"]["username"] == "kapacitet_bot"
    assert state["clock"]["timezone"] == "Europe/Belgrade" and state["clock"]["offset_ms"] == 0
    # The trainer and the coordinator hold their role in the database, and nothing else.
    async with sim.deps.database.session() as db:
        grants = (await db.exec(select(RoleGrant))).all()
        learners = {learner.id: learner for learner in (await db.exec(select(Learner))).all()}
    held = {(learners[g.learner_id].telegram_id, g.role) for g in grants}
    assert held == {(MARKO, "trainer"), (VESNA, "coordinator")}
    assert all(not learner.language_chosen for learner in learners.values())
    assert all(learner.organisation is None for learner in learners.values())


# -- chatting -----------------------------------------------------------------------------------


async def test_start_answers_on_the_event_stream_and_a_tap_edits_in_place(
    sim: Simulator, http, events: EventStream
):
    await send(http, ANA, "/start")
    mine = await events.next(
        "message", lambda e: e["person"] == ANA and not e["message"]["from_bot"]
    )
    assert mine["message"]["html"] == "/start"
    picker = await events.next("message", lambda e: e["person"] == ANA and e["message"]["from_bot"])
    labels = [b["text"] for row in picker["message"]["keyboard"] for b in row]
    assert labels[:2] == ["English", "Shqip"] and "Македонски" in labels
    assert all(b["kind"] == "callback" for row in picker["message"]["keyboard"] for b in row)
    assert picker["edited"] is False

    await tap(http, ANA, "English")
    consent = await events.next("message", lambda e: e["person"] == ANA)
    # The picker's message became the consent question: same id, edited, new buttons.
    assert consent["edited"] is True
    assert consent["message"]["id"] == picker["message"]["id"]
    assert consent["message"]["edited"] is True
    assert consent["message"]["html"].startswith("<b>Your privacy</b>")
    assert [b["text"] for row in consent["message"]["keyboard"] for b in row] == [
        "I agree",
        "No, thanks",
    ]
    assert consent["seq"] > picker["seq"]
    messages = await chat(http, ANA)
    assert [m["id"] for m in messages] == [mine["message"]["id"], picker["message"]["id"]]


async def test_a_tap_answers_with_the_bots_toast(sim: Simulator, http, catalogue: Catalogue):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    await onboard_without_consent(http, ANA)
    await send(http, ANA, "/lessons")
    await tap(http, ANA, module.text("en").title)
    await tap(http, ANA, "🎯 Take the quiz")
    right = module.question(0).correct.upper()
    result = await tap(http, ANA, right)
    assert result == {"ok": True, "answer": {"text": "✅ Right!", "show_alert": False}}


async def test_each_person_has_their_own_chat(sim: Simulator, http):
    await send(http, ANA, "/start")
    await send(http, MARKO, "/help")
    ana = await chat(http, ANA)
    marko = await chat(http, MARKO)
    assert [m["html"] for m in ana if not m["from_bot"]] == ["/start"]
    assert [m["html"] for m in marko if not m["from_bot"]] == ["/help"]
    assert all(m["chat_id"] == ANA for m in ana) and all(m["chat_id"] == MARKO for m in marko)
    assert await chat(http, VESNA) == []


async def test_what_people_type_comes_back_escaped(sim: Simulator, http):
    await onboard_without_consent(http, ANA)
    await send(http, ANA, '<script>alert("x")</script> & <b>bold?</b>')
    mine = [m for m in await chat(http, ANA) if not m["from_bot"]][-1]
    assert mine["html"] == '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;bold?&lt;/b&gt;'


async def test_the_command_menu_follows_the_persons_language(sim: Simulator, http):
    status, body = await post(
        http, "/api/people", {"name": "Dritë", "language_code": "sq", "role": "learner"}
    )
    assert status == 200
    drite = body["person"]["id"]
    english = (await get(http, f"/api/people/{ANA}/commands"))["commands"]
    albanian = (await get(http, f"/api/people/{drite}/commands"))["commands"]
    assert [c["command"] for c in english][:1] == ["lessons"]
    assert [c["command"] for c in albanian] == [c["command"] for c in english]
    assert english[0]["description"] == "Lessons and quizzes"
    assert albanian[0]["description"] != english[0]["description"]
    # Once Ana picks Serbian Cyrillic, her chat has its own menu.
    await send(http, ANA, "/start")
    await tap(http, ANA, "Српски (ћирилица)")
    cyrillic = (await get(http, f"/api/people/{ANA}/commands"))["commands"]
    assert cyrillic[0]["description"] not in (english[0]["description"],)
    assert any("\u0400" <= ch <= "\u04ff" for ch in cyrillic[0]["description"])


async def test_the_fake_telegram_keeps_only_the_last_messages_of_each_chat(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
):
    assert HISTORY == 1000  # what a simulator running for days keeps
    monkeypatch.setattr("bot.simulator.simulator.HISTORY", 4)
    sim = make_simulator(tmp_path, catalogue)
    await sim.start()
    try:
        for number in range(6):
            await sim.application.bot.send_message(ANA, f"Note {number}")
        async with aiohttp.ClientSession(base_url=sim.url) as http:
            messages = await chat(http, ANA)
        assert [m["html"] for m in messages] == [f"Note {n}" for n in (2, 3, 4, 5)]
        assert len(sim.api.calls) <= 4
    finally:
        await sim.stop()


# -- files --------------------------------------------------------------------------------------


async def test_documents_download_with_their_name_and_type(sim: Simulator, http):
    await onboard_without_consent(http, ANA)
    await send(http, ANA, "/mydata")
    message = last_bot_message(await chat(http, ANA))
    document = message["document"]
    assert document is not None and document["name"].endswith(".json")
    async with http.get(document["url"]) as response:
        assert response.status == 200
        body = await response.read()
        assert response.headers["Content-Type"].startswith("application/json")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and document["name"] in disposition
    stored = sim.api.file(document["url"].rsplit("/", 1)[-1])
    assert body == stored.content and len(body) == document["size"]
    assert json.loads(body)  # the learner's own data, as JSON
    async with http.get("/api/files/fake-document-999999") as response:
        assert response.status == 404
    async with http.get("/api/files/..%2Fweb.py") as response:
        assert response.status == 404


async def test_photos_are_shown_inline_and_other_files_never_are(sim: Simulator, http):
    bot = sim.application.bot
    await bot.send_photo(ANA, png(), caption="A <b>chart</b>")
    await bot.send_document(ANA, b"<script>alert(1)</script>", filename="page.html")
    messages = await chat(http, ANA)
    photo, page = messages[-2], messages[-1]
    assert photo["photo"]["width"] == 3 and photo["caption_html"] == "A <b>chart</b>"
    async with http.get(photo["photo"]["url"]) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert await response.read() == png()
    async with http.get(page["document"]["url"]) as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_reply_keyboards_and_url_buttons_reach_the_page(sim: Simulator, http):
    from telegram import (
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        ReplyKeyboardMarkup,
        ReplyKeyboardRemove,
    )

    bot = sim.application.bot
    await bot.send_message(
        ANA, "Pick one", reply_markup=ReplyKeyboardMarkup([["Yes", "No"], ["Maybe"]])
    )
    await bot.send_message(ANA, "Done", reply_markup=ReplyKeyboardRemove())
    await bot.send_message(
        ANA,
        "Links",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Site", url="https://example.org/a")],
                [InlineKeyboardButton("Join", url="https://t.me/kapacitet_bot?start=s_ABCDEFGH")],
            ]
        ),
    )
    pick, done, links = (await chat(http, ANA))[-3:]
    assert pick["reply_keyboard"] == [["Yes", "No"], ["Maybe"]]
    assert done["remove_keyboard"] is True and done["reply_keyboard"] is None
    assert links["keyboard"] == [
        [{"text": "Site", "kind": "url", "url": "https://example.org/a"}],
        [{"text": "Join", "kind": "url", "url": "https://t.me/kapacitet_bot?start=s_ABCDEFGH"}],
    ]
    status, body = await post(
        http, f"/api/people/{ANA}/taps", {"message_id": links["id"], "row": 0, "column": 0}
    )
    assert status == 400 and "not a callback button" in body["error"]


# -- the clock ----------------------------------------------------------------------------------


async def test_moving_the_clock_runs_the_background_work_at_once(
    sim: Simulator, http, events: EventStream, monkeypatch: pytest.MonkeyPatch
):
    seen: list[float] = []

    async def reminder(deps, bot) -> None:
        seen.append(deps.clock.now().timestamp())
        await bot.send_message(ANA, "⏰ <b>Reminder</b>: your session starts in one hour")

    assert sim.application is not None
    jobs.install(sim.application, (reminder,))
    before = sim.clock.now()
    status, body = await post(http, "/api/clock", {"minutes": 60})
    assert status == 200 and body["clock"]["offset_ms"] == 3_600_000
    clock_event = await events.next("clock")
    assert clock_event["clock"]["offset_ms"] == 3_600_000
    assert len(seen) == 1 and seen[0] - before.timestamp() >= 3600
    reminder_event = await events.next("message", lambda e: e["person"] == ANA)
    assert reminder_event["message"]["html"].startswith("⏰ <b>Reminder</b>")
    status, body = await post(http, "/api/clock", {"minutes": 1440})
    assert body["clock"]["offset_ms"] == 25 * 3_600_000 and len(seen) == 2
    assert sim.clock.offset == timedelta(hours=25)
    for bad in (0, -10, 10**9):
        status, body = await post(http, "/api/clock", {"minutes": bad})
        assert status == 400, bad
    status, body = await post(http, "/api/clock", {"minutes": "60"})
    assert status == 400


async def test_background_work_also_runs_on_its_own_like_the_job_queue(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
):
    ticks: list[float] = []
    three = asyncio.Event()

    async def task(deps, bot) -> None:
        ticks.append(deps.clock.now().timestamp())
        if len(ticks) >= 3:
            three.set()

    monkeypatch.setattr(app, "JOBS", (task,))
    monkeypatch.setattr(jobs, "TICK_SECONDS", 0.2)
    simulator = make_simulator(tmp_path, catalogue, background_jobs=True)
    await simulator.start()
    try:
        await asyncio.wait_for(three.wait(), 10)
    finally:
        await simulator.stop()
    count = len(ticks)
    await asyncio.sleep(0.5)
    assert len(ticks) == count  # stopped with the simulator


# -- people -------------------------------------------------------------------------------------


async def test_a_new_trainer_gets_the_role_and_survives_a_restart(
    tmp_path: Path, catalogue: Catalogue
):
    first = make_simulator(tmp_path, catalogue)
    await first.start()
    try:
        async with aiohttp.ClientSession(base_url=first.url) as http:
            status, body = await post(
                http,
                "/api/people",
                {"name": "  Teo   Trainer ", "language_code": "sr", "role": "trainer"},
            )
            assert status == 200
            teo = body["person"]
            assert teo == {
                "id": 1004,
                "name": "Teo Trainer",
                "language_code": "sr",
                "role": "trainer",
            }
            await send(http, teo["id"], "/start")
    finally:
        await first.stop()
    saved = json.loads((tmp_path / "people.json").read_text())["people"]
    assert [p["id"] for p in saved] == [ANA, MARKO, VESNA, 1004]

    second = make_simulator(tmp_path, catalogue)
    await second.start()
    try:
        assert list(second.people) == [ANA, MARKO, VESNA, 1004]
        async with second.deps.database.session() as db:
            learner = (await db.exec(select(Learner).where(Learner.telegram_id == 1004))).one()
            grant = (
                await db.exec(select(RoleGrant).where(RoleGrant.learner_id == learner.id))
            ).one()
        assert grant.role == "trainer"
        # A person added now is a stranger to the bot, never someone from before.
        (tmp_path / "people.json").unlink()
        person = await second.add_person("Mia", "en", "learner")
        assert person.id == 1005
    finally:
        await second.stop()


async def test_people_are_checked(sim: Simulator, http):
    bad_bodies = [
        {"name": "", "language_code": "en", "role": "learner"},
        {"name": "x" * 65, "language_code": "en", "role": "learner"},
        {"name": "Ana", "language_code": "english!", "role": "learner"},
        {"name": "Ana", "language_code": "en", "role": "king"},
        {"name": "Ana", "language_code": "en"},
        {"name": "Ana", "language_code": "en", "role": "learner", "admin": True},
        {"name": 5, "language_code": "en", "role": "learner"},
    ]
    for body in bad_bodies:
        status, answer = await post(http, "/api/people", body)
        assert status == 400, body
        assert answer["ok"] is False and answer["error"]
    status, body = await post(
        http,
        "/api/people",
        {"name": "<img src=x onerror=alert(1)>", "language_code": "", "role": "admin"},
    )
    assert status == 200 and body["person"]["name"] == "<img src=x onerror=alert(1)>"


# -- the guards ---------------------------------------------------------------------------------


async def test_the_api_accepts_only_json_of_the_expected_shape(sim: Simulator, http):
    path = f"/api/people/{ANA}/messages"
    async with http.post(path, data="text=/start") as response:
        assert response.status == 415
    async with http.post(path, data="{not json", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
    for body in (["/start"], {"text": 5}, {"text": "/start", "more": 1}, {}, {"text": None}):
        status, _ = await post(http, path, body)
        assert status == 400, body
    status, answer = await post(http, path, {"text": "x" * 4097})
    assert status == 400 and "4096" in answer["error"]
    status, _ = await post(http, path, {"text": " \n "})
    assert status == 400
    status, _ = await post(http, path, {"text": "é" * 4096})
    assert status == 200
    async with http.post(
        path, data=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"}
    ) as r:
        assert r.status == 413
    status, _ = await post(http, "/api/people/9999/messages", {"text": "hi"})
    assert status == 404
    status, _ = await post(http, "/api/people/abc/messages", {"text": "hi"})
    assert status == 404
    taps = f"/api/people/{ANA}/taps"
    for body in (
        {"message_id": 1, "row": 0},
        {"message_id": True, "row": 0, "column": 0},
        {"message_id": "1", "row": 0, "column": 0},
    ):
        status, _ = await post(http, taps, body)
        assert status == 400, body
    status, _ = await post(http, taps, {"message_id": 424242, "row": 0, "column": 0})
    assert status == 404
    await send(http, ANA, "/start")
    picker = last_bot_message(await chat(http, ANA))
    status, _ = await post(http, taps, {"message_id": picker["id"], "row": 99, "column": 0})
    assert status == 404
    # Ana's own message has no buttons and cannot be tapped; nor can Marko tap Ana's message.
    status, _ = await post(http, taps, {"message_id": picker["id"] - 1, "row": 0, "column": 0})
    assert status == 404
    status, _ = await post(
        http, f"/api/people/{MARKO}/taps", {"message_id": picker["id"], "row": 0, "column": 0}
    )
    assert status == 404


async def test_other_sites_and_other_host_names_are_refused(sim: Simulator, http):
    async with http.post(
        f"/api/people/{ANA}/messages",
        json={"text": "/start"},
        headers={"Origin": "https://evil.example"},
    ) as response:
        assert response.status == 403
    async with http.get("/api/state", headers={"Host": f"evil.example:{sim.port}"}) as response:
        assert response.status == 403
    async with http.get("/api/state", headers={"Host": f"localhost:{sim.port}"}) as response:
        assert response.status == 200
    async with http.post(
        f"/api/people/{ANA}/messages",
        json={"text": "/start"},
        headers={"Origin": sim.url},
    ) as response:
        assert response.status == 200
    async with http.put("/api/clock", json={"minutes": 1}) as response:
        assert response.status == 405
    assert sim.host == "127.0.0.1"


def test_bot_html_is_reduced_to_telegrams_tags():
    assert sanitize_html("<b>bold</b> <i>it</i> <code>x&lt;y</code>") == (
        "<b>bold</b> <i>it</i> <code>x&lt;y</code>"
    )
    assert sanitize_html('<a href="https://example.org/?a=1&amp;b=2">link</a>') == (
        '<a href="https://example.org/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">'
        "link</a>"
    )
    assert sanitize_html('<a href="javascript:alert(1)">x</a>') == "x"
    assert sanitize_html('<a href="tg://user?id=5">Ana</a>') == "Ana"
    assert sanitize_html("<script>alert(1)</script>") == "alert(1)"
    assert sanitize_html('<img src=x onerror="alert(1)">caption') == "caption"
    assert sanitize_html('<b onclick="x()">b</b>') == "<b>b</b>"
    assert sanitize_html("<tg-spoiler>secret</tg-spoiler>") == "secret"
    assert sanitize_html('<pre><code class="language-py">1 &lt; 2</code></pre>') == (
        "<pre><code>1 &lt; 2</code></pre>"
    )
    assert sanitize_html("<b>unclosed <i>tags") == "<b>unclosed <i>tags</i></b>"
    assert sanitize_html("</b>stray") == "stray"
    assert sanitize_html("<blockquote expandable>q</blockquote>") == "<blockquote>q</blockquote>"


# -- preview and the command line ---------------------------------------------------------------


async def test_preview_opens_the_modules_first_card_in_the_language(
    tmp_path: Path, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    simulator = make_simulator(tmp_path, catalogue, default_people=())
    await simulator.start()
    try:
        person = await open_preview(simulator, Preview("passwords-2fa", "sq"))
        assert list(simulator.people) == [person.id]
        card = [m for m in simulator.api.messages(person.id) if m.from_bot][-1]
        title = module.text("sq").title
        assert title in (card.text or "") and f"1/{module.card_count}" in (card.text or "")
        assert simulator.person_url(person.id).endswith(f"/?person={person.id}")
        async with simulator.deps.database.session() as db:
            learner = (await db.exec(select(Learner).where(Learner.telegram_id == person.id))).one()
        assert (learner.language, learner.consent) == ("sq", "declined")
    finally:
        await simulator.stop()


async def test_a_busy_port_gives_a_clear_message(tmp_path: Path, catalogue: Catalogue):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        simulator = make_simulator(tmp_path, catalogue, port=port)
        with pytest.raises(AddressInUse, match=f"127.0.0.1:{port}.*SIMULATOR_PORT"):
            await simulator.start()
    with pytest.raises(RuntimeError):
        simulator.api.port  # noqa: B018 - the fake Telegram was stopped as well


def test_the_simulator_keeps_its_own_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert simulator_database(Settings()) == f"sqlite:///{tmp_path}/data/simulator.sqlite3"
    explicit = Settings(database_url="postgresql://u@h/db")
    assert simulator_database(explicit) == "postgresql://u@h/db"
    assert people_file_for(f"sqlite:///{tmp_path}/data/simulator.sqlite3") == (
        tmp_path / "data" / "simulator.people.json"
    )
    assert Settings().simulator_host == "127.0.0.1" and Settings().simulator_port == 8080


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BOT_TOKEN", "DATABASE_URL", "SIMULATOR_HOST", "SIMULATOR_PORT")
    }
    env.update({"SIMULATOR_PORT": "0", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    return env


async def test_run_without_a_token_prints_the_address_and_stops_on_ctrl_c(tmp_path: Path):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    output: list[str] = []
    try:
        async with asyncio.timeout(60):
            while True:
                line = (await process.stdout.readline()).decode()
                assert line, "".join(output)
                output.append(line)
                if line.startswith("Kapacitet simulator: open "):
                    url = line.removeprefix("Kapacitet simulator: open ").strip()
                    break
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
        assert (tmp_path / "data" / "simulator.sqlite3").exists()
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest = (await process.stdout.read()).decode()
            code = await process.wait()
        assert code == 0, "".join(output) + rest
        assert "Traceback" not in rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_preview_of_an_unknown_module_names_the_known_ones(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "preview", "--module", "nope", "--no-browser"],
        cwd=tmp_path,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "nope" in result.stderr and "passwords-2fa" in result.stderr
