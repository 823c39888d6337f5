"""The simulator's web app over real HTTP: the page and its state, chatting on the event
stream, and files."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.models import Learner, RoleGrant
from bot.simulator.simulator import HISTORY, Simulator
from bot.simulator.web import STATIC_DIR
from tests.support.images import png
from tests.support.learners import option_label, plain
from tests.support.simulator import (
    ANA,
    MARKO,
    VESNA,
    EventStream,
    chat,
    get,
    last_bot_message,
    make_simulator,
    onboard_without_consent,
    post,
    send,
    tap,
)

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
        "📄 The full notice",
    ]
    assert consent["seq"] > picker["seq"]
    messages = await chat(http, ANA)
    assert [m["id"] for m in messages] == [mine["message"]["id"], picker["message"]["id"]]


async def test_a_tap_answers_with_the_bots_toast(sim: Simulator, http, catalogue: Catalogue):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    await onboard_without_consent(http, ANA)
    await send(http, ANA, "/lessons")
    await tap(http, ANA, module.text("en").button_title)
    # Without consent nothing tells that the lessons were read: the quiz is at the last card.
    await tap(http, ANA, "▶️ Start the lessons")
    for _ in range(module.card_count - 1):
        await tap(http, ANA, "Next ▶️")
    await tap(http, ANA, "🎯 Take the quiz")
    question = [m for m in await chat(http, ANA) if m["from_bot"]][-1]
    right = option_label(module, "en", plain(question["html"]), right=True)
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


async def test_an_empty_chat_shows_the_description_the_bot_set_in_the_persons_language(
    sim: Simulator, http
):
    status, body = await post(
        http, "/api/people", {"name": "Dritë", "language_code": "sq", "role": "learner"}
    )
    assert status == 200
    drite = body["person"]["id"]
    status, body = await post(
        http, "/api/people", {"name": "Max", "language_code": "de", "role": "learner"}
    )
    max_ = body["person"]["id"]
    english = (await get(http, f"/api/people/{ANA}/chat"))["description"]
    assert english == sim.api.bot_text("description") and "/forget" in english
    albanian = (await get(http, f"/api/people/{drite}/chat"))["description"]
    assert albanian == sim.api.bot_text("description", "sq")
    # No text of its own for German: Telegram shows the default.
    assert (await get(http, f"/api/people/{max_}/chat"))["description"] == english
