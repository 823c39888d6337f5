"""The simulator's guards against bad input: the API takes only JSON of the expected shape,
from its own page, and the bot's HTML reaches the page reduced to Telegram's tags."""

from __future__ import annotations

from bot.simulator.sanitize import sanitize_html
from bot.simulator.simulator import Simulator
from tests.support.simulator import ANA, MARKO, chat, last_bot_message, post, send


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


async def test_a_file_is_sent_as_a_document_and_a_bad_one_is_refused(sim: Simulator, http):
    path = f"/api/people/{ANA}/documents"
    for query, body in (("?name=", b"x"), ("?name=notes.txt", b""), ("", b"x")):
        async with http.post(path + query, data=body) as response:
            assert response.status == 400, query
    async with http.post(f"{path}?name=a.xlsx", data=b"x" * (6 * 1024 * 1024)) as response:
        assert response.status == 413
    assert not [m for m in sim.api.messages(ANA) if m.document is not None]
    async with http.post(f"{path}?name=..%2Fnotes.xlsx", data=b"PK not a workbook") as response:
        assert response.status == 200
    [sent] = [m for m in sim.api.messages(ANA) if m.document is not None]
    assert sent.document is not None and sent.document.filename == ".._notes.xlsx"
    # A learner's workbook is not taken: the bot says so in the chat.
    assert sim.api.messages(ANA)[-1].text == "Sorry, you are not allowed to do that."
