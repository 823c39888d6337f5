"""The fake Bot API: Telegram's HTML parsing, error answers, long polling, files, commands,
and an end-to-end run of a real PTB Application driven by two TelegramUsers at once."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
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
    MenuButtonCommands,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.simulator.fake_bot_api import (
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    EntityParseError,
    FakeBotApi,
    entities_to_html,
    parse_html,
    utf16_len,
)
from tests.support.driver import TelegramUser, running_application

ALICE = 1001
BOB = 1002


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


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


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# -- Telegram HTML -------------------------------------------------------------------------------


def test_html_basic_tags_become_entities() -> None:
    text, entities = parse_html("<b>Zdravo</b>, <i>svete</i> i <u>sve</u> <s>staro</s>!")
    assert text == "Zdravo, svete i sve staro!"
    assert entities == [
        {"offset": 0, "length": 6, "type": "bold"},
        {"offset": 8, "length": 5, "type": "italic"},
        {"offset": 16, "length": 3, "type": "underline"},
        {"offset": 20, "length": 5, "type": "strikethrough"},
    ]


def test_html_offsets_are_utf16_code_units_with_emoji_and_cyrillic() -> None:
    text, entities = parse_html("👋 <b>Привет</b> 🇷🇸 <i>ђак</i> <code>x</code>")
    assert text == "👋 Привет 🇷🇸 ђак x"
    # 👋 is a surrogate pair (2 units); the flag is two regional indicators (4 units).
    assert entities == [
        {"offset": 3, "length": 6, "type": "bold"},
        {"offset": 15, "length": 3, "type": "italic"},
        {"offset": 19, "length": 1, "type": "code"},
    ]
    assert utf16_len(text) == 20


def test_html_character_references() -> None:
    text, entities = parse_html("&lt;b&gt; &amp; &quot;q&quot; &amp &#128075; &#x41; &nbsp; &copy;")
    assert text == '<b> & "q" & 👋 A &nbsp; &copy;'
    assert entities == []
    text, entities = parse_html("&#128075;<b>x</b>")
    assert entities == [{"offset": 2, "length": 1, "type": "bold"}]


def test_html_nested_entities_are_sorted_like_telegram() -> None:
    text, entities = parse_html("<b>a <i>b</i></b><i><b>c</b></i>")
    assert text == "a bc"
    assert entities == [
        {"offset": 0, "length": 3, "type": "bold"},
        {"offset": 2, "length": 1, "type": "italic"},
        {"offset": 3, "length": 1, "type": "bold"},
        {"offset": 3, "length": 1, "type": "italic"},
    ]


def test_html_links_pre_spoilers_and_quotes() -> None:
    source = (
        '<a href="https://example.com">site</a> <a href="HTTPS://Example.COM/x?q=1">x</a> '
        "<a href='javascript:alert(1)'>no</a> <a href=\"tg://user?id=1001\">Alice</a> "
        '<pre><code class="language-python">print(1)</code></pre> <pre>raw</pre> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> '
        "<blockquote>q</blockquote> <blockquote expandable>e</blockquote> <strong>B</strong>"
    )
    users = {1001: {"id": 1001, "is_bot": False, "first_name": "Alice"}}
    text, entities = parse_html(source, users.get)
    assert text == "site x no Alice print(1) raw s t q e B"
    assert entities == [
        {"offset": 0, "length": 4, "type": "text_link", "url": "https://example.com/"},
        {"offset": 5, "length": 1, "type": "text_link", "url": "https://example.com/x?q=1"},
        {"offset": 10, "length": 5, "type": "text_mention", "user": users[1001]},
        {"offset": 16, "length": 8, "type": "pre", "language": "python"},
        {"offset": 25, "length": 3, "type": "pre"},
        {"offset": 29, "length": 1, "type": "spoiler"},
        {"offset": 31, "length": 1, "type": "spoiler"},
        {"offset": 33, "length": 1, "type": "blockquote"},
        {"offset": 35, "length": 1, "type": "expandable_blockquote"},
        {"offset": 37, "length": 1, "type": "bold"},
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("Ђ<p>", 'Unsupported start tag "p" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ],
)
def test_html_errors_use_telegram_wording(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == message


def test_entities_render_back_to_html() -> None:
    source = (
        '<b>Zdravo <i>👋 svete</i></b> &lt;3 <a href="https://example.com/">link</a> '
        '<pre><code class="language-py">x = 1</code></pre> <tg-spoiler>s</tg-spoiler>'
    )
    text, entities = parse_html(source)
    rendered = entities_to_html(text, entities)
    assert rendered == source
    assert parse_html(rendered) == (text, entities)


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


# -- end to end with a PTB Application ----------------------------------------------------------

GREETING = {"sr": "Zdravo, {name}!", "en": "Hello, {name}!"}


def build_application(api: FakeBotApi, errors: list[BaseException]) -> Any:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        language = update.effective_user.language_code or "en"
        await update.effective_message.reply_html(
            GREETING.get(language, GREETING["en"]).format(name=update.effective_user.first_name),
            reply_markup=InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton("Da", callback_data="answer:yes")],
                    [
                        InlineKeyboardButton("Ne", callback_data="answer:no"),
                        InlineKeyboardButton("Sajt", url="https://example.com"),
                    ],
                ]
            ),
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await asyncio.sleep(0.05)  # let the two users interleave
        await update.effective_message.reply_html(f"<b>Echo:</b> {update.effective_message.text}")

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await asyncio.sleep(0.2)
        await update.effective_message.reply_text("slow done")

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer(f"OK {query.data}")
        await query.edit_message_text(f"Izabrano: <i>{query.data}</i>", parse_mode="HTML")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("slow", slow, block=False))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(tapped))
    application.add_error_handler(on_error)
    return application


async def test_end_to_end_two_users(api: FakeBotApi) -> None:
    errors: list[BaseException] = []
    application = build_application(api, errors)
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
