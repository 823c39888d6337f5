"""The bot's rate limiter (``bot.runtime.ratelimit``) against the fake Bot API enforcing
Telegram's limits, edits counted: it spends itself only on what Telegram limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram.ext import ExtBot

from bot.runtime.ratelimit import LIMITED, TelegramRateLimiter
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.waiting import eventually

TOKEN = "123456:RATE-LIMITER-TEST"
LEARNER, OTHER = 7001, 7002


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    server.set_rate_limits(30, 1, edits=True)
    await server.start()
    for user in (LEARNER, OTHER):
        server.add_user(user)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    limited: ExtBot[None] = ExtBot(
        TOKEN, base_url=api.base_url, rate_limiter=TelegramRateLimiter(max_retries=3)
    )
    async with limited:
        yield limited


async def test_two_messages_to_one_person_are_paced_not_refused(
    api: FakeBotApi, bot: ExtBot[None]
) -> None:
    # A card edited and a new message right after it: Telegram allows one a second per chat.
    first = await bot.send_message(LEARNER, "card")
    await asyncio.gather(
        bot.edit_message_text("card, read", chat_id=LEARNER, message_id=first.message_id),
        bot.send_message(LEARNER, "the quiz"),
        bot.send_message(OTHER, "someone else is not held up"),
    )
    assert api.rate_limited == 0
    assert [m.text for m in api.messages(LEARNER) if m.from_bot] == ["card, read", "the quiz"]
    assert [m.text for m in api.messages(OTHER) if m.from_bot] == ["someone else is not held up"]


async def test_a_callback_answer_is_not_held_while_a_429_is_waited_out(
    api: FakeBotApi, bot: ExtBot[None]
) -> None:
    message = await bot.send_message(LEARNER, "card")
    _update, query_id = api.push_callback(LEARNER, message.message_id, "next")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    sending = asyncio.create_task(bot.send_message(LEARNER, "next card"))
    await eventually(lambda: len(api.calls_of("sendMessage")) == 2)  # the try refused
    # PTB's AIORateLimiter would hold this answer until the 429's wait is over.
    assert await bot.answer_callback_query(query_id, "Right!")
    assert not sending.done()
    assert api.callback_answers[query_id].text == "Right!"
    await sending
    assert [m.text for m in api.messages(LEARNER) if m.from_bot] == ["card", "next card"]


def test_what_counts_is_what_sends_or_edits_a_message() -> None:
    assert {"sendMessage", "editMessageText", "sendDocument", "copyMessage"} <= LIMITED
    assert not {"answerCallbackQuery", "sendChatAction", "getMe", "getUpdates"} & LIMITED


async def test_a_burst_to_many_people_is_paced_within_the_overall_limit(
    api: FakeBotApi, bot: ExtBot[None]
) -> None:
    # PTB's default bucket lets 30 go at once and 30 more within the same second: 429s.
    people = range(7100, 7160)
    for person in people:
        api.add_user(person)
    await asyncio.gather(*(bot.send_message(person, "the next card") for person in people))
    assert api.rate_limited == 0
    assert all([m.text for m in api.messages(p) if m.from_bot] == ["the next card"] for p in people)
