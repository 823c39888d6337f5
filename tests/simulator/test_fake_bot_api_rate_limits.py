"""The fake Bot API's optional flood limits: overall and per chat, answered with 429."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.runtime import outbox
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.driver import bot_texts

TOKEN = "123456:RATE-LIMIT-TEST"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN, rate_limit_per_second=2, chat_rate_limit_per_second=1)
    await server.start()
    for user in (1, 2, 3):
        server.add_user(user)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as telegram_bot:
        yield telegram_bot


async def test_one_message_a_second_per_chat(api: FakeBotApi, bot: Bot):
    await bot.send_message(1, "first")
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(1, "too soon")
    assert outbox.retry_seconds(error.value) == 1
    assert bot_texts(api, 1) == ["first"]
    assert api.rate_limited == 1
    assert len(api.sent_times) == 1


async def test_at_most_the_overall_limit_in_any_second(api: FakeBotApi, bot: Bot):
    await bot.send_message(1, "one")
    await bot.send_message(2, "two")
    with pytest.raises(RetryAfter):
        await bot.send_message(3, "three")
    assert bot_texts(api, 3) == []
    # Methods that send nothing are not counted.
    assert (await bot.get_me()).username == "kapacitet_bot"
    assert [method for method, _at in api.sent_times] == ["sendMessage", "sendMessage"]


async def test_no_limits_unless_asked(api: FakeBotApi, bot: Bot):
    api.set_rate_limits(None, None)
    for n in range(5):
        await bot.send_message(1, f"message {n}")
    assert len(bot_texts(api, 1)) == 5
    assert api.rate_limited == 0
    with pytest.raises(ValueError):
        api.set_rate_limits(0)


async def test_edits_count_only_when_asked(api: FakeBotApi, bot: Bot):
    api.set_rate_limits(2, 1)
    sent = await bot.send_message(1, "card 1")
    await bot.edit_message_text("card 2", chat_id=1, message_id=sent.message_id)
    api.set_rate_limits(2, 1, edits=True)
    await bot.edit_message_text("card 3", chat_id=1, message_id=sent.message_id)
    with pytest.raises(RetryAfter) as error:
        await bot.edit_message_text("card 4", chat_id=1, message_id=sent.message_id)
    assert outbox.retry_seconds(error.value) == 1
    assert api.message(1, sent.message_id).text == "card 3"
    # Overall: an edit and a message to two other chats fill the window of two a second.
    other = await bot.send_message(2, "hello")
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("hi", chat_id=2, message_id=other.message_id)
    # "card 2" went before edits counted.
    assert [method for method, _at in api.sent_times] == [
        "sendMessage",
        "editMessageText",
        "sendMessage",
    ]
    assert api.rate_limited == 2
