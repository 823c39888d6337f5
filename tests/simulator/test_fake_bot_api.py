"""The fake Bot API: error answers, long polling, files, commands, the history bound, and an
end-to-end run of a real PTB Application driven by two TelegramUsers at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    MenuButtonCommands,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.simulator.fake_bot_api import NOT_MODIFIED, QUERY_TOO_OLD, FakeBotApi
from tests.support.clocks import FakeClock
from tests.support.driver import TelegramUser, running_application
from tests.support.echo_bot import echo_application
from tests.support.images import png

ALICE = 1001
BOB = 1002


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(clock=clock)
    await server.start()
    server.add_user(ALICE, first_name="Alice", language_code="sr", username="alice")
    server.add_user(BOB, first_name="Bob", language_code="en")
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


async def call(
    http: aiohttp.ClientSession, api: FakeBotApi, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST a JSON body to the fake API and return (HTTP status, decoded answer)."""
    async with http.post(f"{api.base_url}{api.token}/{method}", json=params) as response:
        return response.status, await response.json()


def error(code: int, description: str) -> tuple[int, dict[str, Any]]:
    return code, {"ok": False, "error_code": code, "description": description}


# -- sending and error answers -------------------------------------------------------------------


async def test_send_message_with_html_over_form_encoding(api: FakeBotApi, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Да ✅", callback_data="yes")]])
    sent = await bot.send_message(
        ALICE, "  <b>Zdravo</b>, Алиса 👋\n", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert sent.text == "Zdravo, Алиса 👋"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 6)]
    assert sent.chat.id == ALICE and sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_markup == keyboard

    (stored,) = api.messages(ALICE)
    assert stored.from_bot and stored.text == "Zdravo, Алиса 👋"
    assert stored.html == "<b>Zdravo</b>, Алиса 👋"
    assert stored.reply_markup == {"inline_keyboard": [[{"text": "Да ✅", "callback_data": "yes"}]]}
    method, params = api.calls[-1]
    assert method == "sendMessage"
    assert params["chat_id"] == ALICE and params["parse_mode"] == "HTML"
    assert params["reply_markup"] == stored.reply_markup  # JSON string decoded


async def test_error_answers(
    api: FakeBotApi, http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    async def send(**params: Any) -> tuple[int, dict[str, Any]]:
        return await call(http, api, "sendMessage", **params)

    assert await send(chat_id=555, text="x") == error(400, "Bad Request: chat not found")
    assert await send(chat_id=ALICE, text=" \n ") == error(
        400, "Bad Request: message text is empty"
    )
    assert await send(chat_id=ALICE) == error(400, "Bad Request: message text is empty")
    status, body = await send(chat_id=ALICE, text="<b>" + "ж" * 4096 + "</b>", parse_mode="HTML")
    assert status == 200 and len(body["result"]["text"]) == 4096
    assert await send(chat_id=ALICE, text="ж" * 4097) == error(
        400, "Bad Request: message is too long"
    )
    assert await send(chat_id=ALICE, text="<b>x", parse_mode="HTML") == error(
        400,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    )
    too_long = {"inline_keyboard": [[{"text": "x", "callback_data": "ш" * 33}]]}  # 66 bytes
    assert await send(chat_id=ALICE, text="x", reply_markup=too_long) == error(
        400, "Bad Request: BUTTON_DATA_INVALID"
    )
    longest = {"inline_keyboard": [[{"text": "x", "callback_data": "ш" * 32}]]}  # 64 bytes
    status, body = await send(chat_id=ALICE, text="x", reply_markup=longest)
    assert status == 200
    message_id = body["result"]["message_id"]

    edit = {"chat_id": ALICE, "message_id": message_id, "text": "x", "reply_markup": longest}
    assert await call(http, api, "editMessageText", **edit) == error(400, NOT_MODIFIED)
    assert await call(
        http,
        api,
        "editMessageReplyMarkup",
        chat_id=ALICE,
        message_id=message_id,
        reply_markup=longest,
    ) == error(400, NOT_MODIFIED)
    assert await call(http, api, "editMessageText", **{**edit, "message_id": 999}) == error(
        400, "Bad Request: message to edit not found"
    )
    status, body = await call(http, api, "editMessageText", **{**edit, "text": "y"})
    assert status == 200 and body["result"]["edit_date"] == int(clock.now)

    assert await call(http, api, "answerCallbackQuery", callback_query_id="nope") == error(
        400, QUERY_TOO_OLD
    )
    _, query_id = api.push_callback(ALICE, message_id, "x")
    status, _ = await call(http, api, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 200
    assert await call(http, api, "answerCallbackQuery", callback_query_id=query_id) == error(
        400, QUERY_TOO_OLD
    )
    _, late_id = api.push_callback(ALICE, message_id, "x")
    clock.now += 60
    assert await call(http, api, "answerCallbackQuery", callback_query_id=late_id) == error(
        400, QUERY_TOO_OLD
    )

    api.block(BOB)
    assert await send(chat_id=BOB, text="hi") == error(
        403, "Forbidden: bot was blocked by the user"
    )
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    assert await send(chat_id=ALICE, text="hi") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    async with http.post(f"{api.base_url}654321:WRONG/getMe") as response:
        assert (response.status, await response.json()) == error(401, "Unauthorized")
    assert await call(http, api, "sendSticker", chat_id=ALICE) == error(404, "Not Found")


async def test_ptb_maps_the_errors_to_its_exceptions(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "x")
    api.block(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "x")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(BOB, "x")
    # bot opts in to PTB_TIMEDELTA: the wait comes as a timedelta, without a warning.
    assert caught.value.retry_after == timedelta(seconds=3)
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("999:NOPE", base_url=api.base_url):
            pass
    api.delay_next("getMe", 0.3)
    started = time.monotonic()
    assert (await bot.get_me()).username == "kapacitet_bot"
    assert time.monotonic() - started >= 0.3


async def test_delete_message_and_change_events(api: FakeBotApi, bot: Bot) -> None:
    events: list[dict[str, Any]] = []
    unsubscribe = api.on_change(events.append)
    api.push_message(ALICE, "hello")
    first = await bot.send_message(ALICE, "one")
    await bot.send_message(ALICE, "two")
    await first.edit_text("one!")
    assert await bot.delete_message(ALICE, first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ALICE, first.message_id)
    assert [(m.message_id, m.from_bot, m.text) for m in api.messages(ALICE)] == [
        (1, False, "hello"),
        (3, True, "two"),
    ]
    assert [(e["type"], e["message_id"]) for e in events] == [
        ("message_sent", 1),
        ("message_sent", 2),
        ("message_sent", 3),
        ("message_edited", 2),
        ("message_deleted", 2),
    ]
    unsubscribe()
    await bot.send_message(ALICE, "three")
    assert len(events) == 5


# -- long polling ----------------------------------------------------------------------------


async def test_long_poll_wakes_on_push_and_offset_confirms(
    api: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(call(http, api, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    update_id = api.push_message(ALICE, "/start ref_42")
    _, body = await poll
    assert time.monotonic() - started < 1
    (update,) = body["result"]
    message = update["message"]
    assert update["update_id"] == update_id
    assert message["text"] == "/start ref_42"
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert message["from"] == {
        "id": ALICE,
        "is_bot": False,
        "first_name": "Alice",
        "username": "alice",
        "language_code": "sr",
    }
    assert message["chat"] == {
        "id": ALICE,
        "first_name": "Alice",
        "username": "alice",
        "type": "private",
    }

    # Not confirmed yet: the same update comes again, and wait_fetched is still waiting.
    waiter = asyncio.create_task(api.wait_fetched(update_id, timeout=5))
    _, body = await call(http, api, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [update_id]
    await asyncio.sleep(0.05)
    assert not waiter.done()
    second = api.push_message(BOB, "two")
    third = api.push_message(BOB, "three")
    _, body = await call(http, api, "getUpdates", offset=update_id + 1, limit=1)
    assert [u["update_id"] for u in body["result"]] == [second]
    await asyncio.wait_for(waiter, 1)
    _, body = await call(http, api, "getUpdates", offset=-1)
    assert [u["update_id"] for u in body["result"]] == [third]
    started = time.monotonic()
    _, body = await call(http, api, "getUpdates", offset=third + 1, timeout=0.3)
    assert body["result"] == [] and time.monotonic() - started >= 0.3


async def test_allowed_updates_and_conflicting_polls(
    api: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    sent = await call(http, api, "sendMessage", chat_id=ALICE, text="menu")
    api.push_message(ALICE, "text")
    tap_id, _ = api.push_callback(ALICE, sent[1]["result"]["message_id"], "go")
    _, body = await call(http, api, "getUpdates", allowed_updates=["callback_query"])
    assert [u["update_id"] for u in body["result"]] == [tap_id]
    assert body["result"][0]["callback_query"]["message"]["text"] == "menu"

    first = asyncio.create_task(call(http, api, "getUpdates", offset=tap_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(call(http, api, "getUpdates", timeout=0))
    assert await first == error(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
    )
    assert (await second)[0] == 200

    await call(http, api, "setWebhook", url="https://example.com/hook")
    status, body = await call(http, api, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    await call(http, api, "deleteWebhook", drop_pending_updates=True)
    assert await call(http, api, "getUpdates") == (200, {"ok": True, "result": []})


# -- files, commands, menu -----------------------------------------------------------------------


async def test_document_and_photo_round_trip(api: FakeBotApi, bot: Bot) -> None:
    content = "naziv;iznos\nУдружење;1200\n".encode()
    message = await bot.send_document(
        ALICE,
        InputFile(content, filename="izvestaj.csv"),
        caption="<b>Izveštaj</b> za mart",
        parse_mode=ParseMode.HTML,
    )
    assert message.document is not None
    assert message.document.file_name == "izvestaj.csv"
    assert message.document.mime_type == "text/csv"
    assert message.caption == "Izveštaj za mart"
    file = await bot.get_file(message.document.file_id)
    assert file.file_path is not None and file.file_path.startswith(api.base_file_url)
    assert bytes(await file.download_as_bytearray()) == content

    (stored,) = api.messages(ALICE)
    assert stored.document is not None and stored.document.content == content
    assert stored.caption_html == "<b>Izveštaj</b> za mart"

    again = await bot.send_document(BOB, message.document.file_id)
    assert again.document is not None and again.document.file_id == message.document.file_id

    image = png(3, 2)
    photo = await bot.send_photo(BOB, image)
    assert [(p.width, p.height) for p in photo.photo] == [(3, 2)]
    photo_file = await photo.photo[-1].get_file()
    assert bytes(await photo_file.download_as_bytearray()) == image
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(BOB, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(BOB, b"x", filename="x.txt", caption="c" * 1025)


async def test_locations_and_venues_both_ways(
    api: FakeBotApi, bot: Bot, http: aiohttp.ClientSession
) -> None:
    pin = await bot.send_location(ALICE, 42.44, 19.26)
    assert (pin.location.latitude, pin.location.longitude) == (42.44, 19.26)
    place = await bot.send_venue(ALICE, 41.99, 21.43, title="Civic Hall", address="Skopje")
    assert place.venue is not None and place.venue.title == "Civic Hall"
    assert place.venue.address == "Skopje" and place.location.latitude == 41.99
    [_, stored] = api.messages(ALICE)
    assert stored.venue == {
        "location": {"latitude": 41.99, "longitude": 21.43},
        "title": "Civic Hall",
        "address": "Skopje",
    }
    with pytest.raises(BadRequest, match=r"(?i)wrong latitude or longitude"):
        await bot.send_location(ALICE, 91, 19.26)
    refused = await call(
        http, api, "sendVenue", chat_id=ALICE, latitude=1, longitude=2, title="Hall", address=""
    )
    assert refused == error(400, "Bad Request: venue title and address must be non-empty")

    # A person's location message, as an update carries it.
    api.push_location(BOB, 42.0, 21.4)
    _, body = await call(http, api, "getUpdates")
    (update,) = body["result"]
    assert update["message"]["location"] == {"latitude": 42.0, "longitude": 21.4}
    assert "text" not in update["message"]


async def test_edit_message_media_replaces_a_photo_and_its_caption(
    api: FakeBotApi, bot: Bot
) -> None:
    first, second = png(3, 2), png(4, 4)
    photo = await bot.send_photo(BOB, first, caption="code 1")
    edited = await bot.edit_message_media(
        InputMediaPhoto(second, caption="<b>code 2</b>", parse_mode=ParseMode.HTML),
        chat_id=BOB,
        message_id=photo.message_id,
    )
    assert isinstance(edited, Message) and edited.caption == "code 2"
    (stored,) = api.messages(BOB)
    assert stored.photo is not None and stored.photo.content == second
    assert stored.caption_html == "<b>code 2</b>" and stored.edited == 1
    text = await bot.send_message(BOB, "plain")
    with pytest.raises(BadRequest, match=r"(?i)no media"):
        await bot.edit_message_media(
            InputMediaPhoto(first), chat_id=BOB, message_id=text.message_id
        )


async def test_commands_per_scope_and_language(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "Почетак")], language_code="sr")
    await bot.set_my_commands(
        [BotCommand("menu", "Meni")], scope=BotCommandScopeAllPrivateChats(), language_code="sr"
    )
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(ALICE))

    assert api.commands() == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert api.commands(language_code="sr") == [{"command": "start", "description": "Почетак"}]
    assert api.commands("all_private_chats", "sr") == [{"command": "menu", "description": "Meni"}]
    assert api.commands("all_private_chats") == []
    assert api.commands("chat", chat_id=ALICE) == [{"command": "admin", "description": "Admin"}]
    fetched = await bot.get_my_commands(language_code="sr")
    assert [(c.command, c.description) for c in fetched] == [("start", "Почетак")]

    await bot.delete_my_commands(language_code="sr")
    assert api.commands(language_code="sr") == []
    assert await bot.get_my_commands(language_code="sr") == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])

    assert await bot.set_chat_menu_button(ALICE, MenuButtonCommands())
    assert api.menu_buttons[ALICE] == {"type": "commands"}
    chat = await bot.get_chat(ALICE)
    assert (chat.id, chat.first_name, chat.username, chat.type) == (
        ALICE,
        "Alice",
        "alice",
        "private",
    )
    assert await bot.send_chat_action(ALICE, "typing")


# -- the history bound --------------------------------------------------------------------------


async def test_a_history_bound_keeps_the_last_calls_messages_and_files() -> None:
    async with FakeBotApi(history=3) as api:
        api.add_user(ALICE, first_name="Alice")
        api.add_user(BOB, first_name="Bob")
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
            first = await bot.send_document(ALICE, InputFile(b"one", filename="one.txt"))
            shared = await bot.send_document(ALICE, InputFile(b"two", filename="two.txt"))
            assert first.document is not None and shared.document is not None
            await bot.send_document(BOB, shared.document.file_id)
            for number in range(3, 6):
                await bot.send_message(ALICE, f"message {number}")
            assert [m.text for m in api.messages(ALICE)] == [f"message {n}" for n in (3, 4, 5)]
            assert [name for name, _params in api.calls] == ["sendMessage"] * 3

            # The first document's message is gone, and its file with it; the second file is
            # still shown in Bob's chat.
            with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
                await bot.edit_message_caption(ALICE, first.message_id, caption="x")
            with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
                await bot.get_file(first.document.file_id)
            kept = await bot.get_file(shared.document.file_id)
            assert bytes(await kept.download_as_bytearray()) == b"two"
            assert api.file(shared.document.file_id).content == b"two"


async def test_a_history_bound_keeps_the_last_callback_queries_and_answers() -> None:
    async with FakeBotApi(history=3) as api:
        api.add_user(ALICE, first_name="Alice")
        async with Bot(api.token, base_url=api.base_url) as bot:
            menu = await bot.send_message(ALICE, "menu")
            taps = [api.push_callback(ALICE, menu.message_id, "x")[1] for _ in range(5)]
            for query_id in taps[:2]:
                with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                    await bot.answer_callback_query(query_id)
            for query_id in taps[2:]:
                assert await bot.answer_callback_query(query_id, text=query_id)
            assert list(api.callback_answers) == taps[2:]
            await bot.send_message(ALICE, "more")
            assert [m.text for m in api.messages(ALICE)] == ["menu", "more"]


# -- end to end with a PTB Application ----------------------------------------------------------


async def test_end_to_end_two_users(api: FakeBotApi) -> None:
    errors: list[BaseException] = []
    application = echo_application(api, errors)
    async with running_application(application, api):
        alice = TelegramUser(api, application, 2001, "Alisa", "sr")
        bob = TelegramUser(api, application, 2002, "Bob", "en")

        replies = await asyncio.gather(alice.send("/start"), bob.send("/start"))
        assert [[m.text for m in r] for r in replies] == [["Zdravo, Alisa!"], ["Hello, Bob!"]]
        assert alice.buttons() == [["Da"], ["Ne", "Sajt"]]
        assert bob.last_message().reply_markup is not None
        with pytest.raises(AssertionError, match=r"no button 'Možda'.*\['Da', 'Ne', 'Sajt'\]"):
            await bob.tap("Možda")
        with pytest.raises(AssertionError, match="not a callback button"):
            await alice.tap("Sajt")

        await asyncio.gather(alice.send("prvo"), bob.send("first"), alice.send("drugo"))
        assert [m.html for m in alice.bot_messages()[1:]] == [
            "<b>Echo:</b> prvo",
            "<b>Echo:</b> drugo",
        ]
        assert [m.text for m in bob.bot_messages()] == ["Hello, Bob!", "Echo: first"]

        menu = alice.bot_messages()[0]
        await asyncio.gather(alice.tap("Ne", menu), bob.tap("Da"))
        edited = api.message(alice.chat_id, menu.message_id)
        assert edited is not None and edited.edited == 1
        assert edited.html == "Izabrano: <i>answer:no</i>" and edited.reply_markup is None
        assert bob.last_message().text == "Echo: first"  # the tap edited, it did not send
        assert bob.bot_messages()[0].text == "Izabrano: answer:yes"
        answer = alice.last_callback_answer()
        assert answer is not None and answer.text == "OK answer:no" and not answer.show_alert

        with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
            await bob.tap("Da")  # the edit removed the keyboard
        # Given by id, the current keyboard counts; a snapshot keeps the keyboard it showed.
        with pytest.raises(AssertionError, match=r"no button 'Da'.*available buttons: \[\]"):
            await alice.tap("Da", menu.message_id)
        await alice.tap("Da", menu)  # a stale keyboard, e.g. a double tap
        edited = api.message(alice.chat_id, menu.message_id)
        assert edited is not None and edited.text == "Izabrano: answer:yes" and edited.edited == 2
        assert errors == []

        # A forged tap on a message that is gone: the bot's edit fails inside PTB.
        assert await api_delete(api, alice.chat_id, menu.message_id)
        await alice.tap_data("answer:forged", menu.message_id)
        assert len(errors) == 1 and isinstance(errors[0], BadRequest)
        assert "message to edit not found" in str(errors[0]).lower()

        # block=False handlers finish after task_done(); the driver waits for them too.
        slow_replies = await bob.send("/slow")
        assert [m.text for m in slow_replies] == ["slow done"]

    assert application.running is False
    assert api.calls[-1][0] == "getUpdates"


async def api_delete(api: FakeBotApi, chat_id: int, message_id: int) -> bool:
    async with Bot(api.token, base_url=api.base_url) as client:
        return await client.delete_message(chat_id, message_id)
