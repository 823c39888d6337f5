"""The one error handler, with the real bot and the fake Bot API server.

An unexpected exception is logged without the person's text or the token, the person
gets an apology in their language and the admins a notice in theirs, at most once a
minute for the same error. Telegram's own refusals are handled without alarm: 403 marks
the person unreachable, "not modified" and "query is too old" are harmless, and 429 is
waited out by the rate limiter.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import build_application
from bot.handlers import errors, fallback
from bot.runtime.context import BotContext
from bot.simulator.fake_bot_api import BOT_BLOCKED, NOT_MODIFIED, QUERY_TOO_OLD
from tests.factories import make_learner
from tests.support.driver import TelegramUser, running_application
from tests.support.harness import TOKEN, Harness

ADMIN = 900
PERSON = 901
OTHER = 902
PRIVATE_TEXT = "/neighbour Ana Petrović told me"
"""An unknown command (the fallback answers it) carrying personal data the log must not hold."""


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unexpected_error_is_logged_safely_apologised_for_and_reported_once_a_minute(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    async with bot.deps.database.session() as db:
        await make_learner(db, telegram_id=ADMIN, language="mk")
        await make_learner(db, telegram_id=PERSON, language="sq")
    admin = bot.user(ADMIN, "en")
    person = bot.user(PERSON, "en")

    async def exploding_show(update: Update, text: str, *args: object, **kwargs: object) -> None:
        message = update.effective_message
        raise ValueError(f"cannot show {text!r} after {message.text if message else ''!r}")

    monkeypatch.setattr(fallback, "show", exploding_show)
    caplog.set_level(logging.INFO)

    replies = await person.send(PRIVATE_TEXT)
    sorry = bot.tr("sq")._("Sorry, something went wrong on my side. Please try again.")
    assert [m.text for m in replies] == [sorry]

    [record] = error_records(caplog)
    logged = record.getMessage()
    assert record.name == "bot.errors"
    assert logged.startswith("unhandled ValueError in handlers/fallback.py:unknown_command on ")
    update_id = record.update_id  # type: ignore[attr-defined]
    assert record.update_type == "message"  # type: ignore[attr-defined]
    about = logged.split(" on ", 1)[1].split("\n", 1)[0]
    assert about.startswith(f"update {update_id} (message, message id ")
    assert about.endswith("chat type private")
    assert "fallback.py" in logged and "exploding_show" in logged  # the stack: code lines only
    # (httpx logs URLs with the token at INFO: the bot keeps it at WARNING, see test_logs.)
    ours = [r for r in caplog.records if r.name.startswith(("bot", "telegram"))]
    everything = "\n".join(r.getMessage() + (r.exc_text or "") for r in ours)
    assert "Petrović" not in everything and "neighbour" not in everything
    assert TOKEN not in everything

    # The admin's notice, in Macedonian: the type, the place, the update; nothing written.
    [notice] = admin.bot_messages()
    expected = errors.admin_notice(
        bot.tr("mk"), ValueError(), "handlers/fallback.py:unknown_command", about
    )
    assert notice.text == html.unescape(re.sub(r"<[^>]+>", "", expected))

    # The same error again within the minute: the person hears, the admins do not.
    await person.send(PRIVATE_TEXT)
    await bot.advance(seconds=30)
    await person.send(PRIVATE_TEXT)
    assert len(admin.bot_messages()) == 1
    assert [m.text for m in person.bot_messages()] == [sorry] * 3

    # A minute after the last notice: reported again.
    await bot.advance(seconds=31)
    await person.send(PRIVATE_TEXT)
    assert len(admin.bot_messages()) == 2

    assert bot.deps.metrics.handler_errors.labels("ValueError")._value.get() == 4
    caplog.clear()  # the errors above were the point of this test


async def test_the_admin_notice_is_in_the_admins_language(bot: Harness):
    async with bot.deps.database.session() as db:
        await make_learner(db, telegram_id=ADMIN, language="sq")
    tr = bot.tr("sq")
    text = errors.admin_notice(tr, KeyError("x"), "handlers/x.py:y", "update 5 (message)")
    assert "KeyError" in text and "handlers/x.py:y" in text and "update 5 (message)" in text
    assert text == tr._(
        "⚠️ <b>The bot hit an error</b>: {error} in {place}, while handling {update}.\n"
        "The details are in the bot's log. The same error is reported at most once a minute.",
        error="KeyError",
        place="handlers/x.py:y",
        update="update 5 (message)",
    )


async def test_a_403_marks_the_person_unreachable_until_they_write_again(
    bot: Harness, caplog: pytest.LogCaptureFixture
):
    person = bot.user(PERSON, "en")
    admin = bot.user(ADMIN, "en")
    await person.send("/start")
    bot.api.fail_next("sendMessage", 403, BOT_BLOCKED)
    await person.send("hello")
    assert (await bot.learner_of(PERSON)).reachable is False
    assert not error_records(caplog) and admin.bot_messages() == []

    await person.send("hello again")  # writing to the bot unblocks it
    assert (await bot.learner_of(PERSON)).reachable is True


async def test_a_403_from_another_chat_marks_that_person_not_the_sender(
    bot: Harness, caplog: pytest.LogCaptureFixture
):
    async with bot.deps.database.session() as db:
        await make_learner(db, telegram_id=OTHER)
    person = bot.user(PERSON, "en")
    bot.user(OTHER, "en")
    bot.api.block(OTHER)

    async def poke(update: Update, context: BotContext) -> None:
        await context.bot.send_message(OTHER, "A message for someone who blocked the bot")

    assert bot.application is not None
    bot.application.add_handler(CommandHandler("poke", poke), group=-1)
    await person.send("/poke")
    assert (await bot.learner_of(OTHER)).reachable is False
    assert (await bot.learner_of(PERSON)).reachable is True
    assert not error_records(caplog)
    assert bot.deps.metrics.handler_errors.labels("ChatForbidden")._value.get() == 1


@pytest.mark.parametrize(
    ("method", "description"),
    [("editMessageText", NOT_MODIFIED), ("answerCallbackQuery", QUERY_TOO_OLD)],
)
async def test_harmless_refusals_raise_no_alarm(
    bot: Harness, caplog: pytest.LogCaptureFixture, method: str, description: str
):
    person = bot.user(PERSON, "en")
    admin = bot.user(ADMIN, "en")
    await person.send("/start")
    picker = person.last_message()

    async def touch(update: Update, context: BotContext) -> None:
        if method == "editMessageText":
            await context.bot.edit_message_text(
                "same", chat_id=PERSON, message_id=picker.message_id
            )
        else:
            await context.bot.answer_callback_query("4000000000000000001")

    assert bot.application is not None
    bot.application.add_handler(CommandHandler("touch", touch), group=-1)
    bot.api.fail_next(method, 400, description)
    replies = await person.send("/touch")
    assert not error_records(caplog) and admin.bot_messages() == []
    sorry = bot.tr("en")._("Sorry, something went wrong on my side. Please try again.")
    assert sorry not in [m.text for m in replies]
    assert bot.deps.metrics.handler_errors.labels("BadRequest")._value.get() == 1


async def test_a_429_is_waited_out_by_the_rate_limiter(
    harness: Harness, caplog: pytest.LogCaptureFixture
):
    application = build_application(harness.deps, rate_limit=True, background_jobs=False)
    async with running_application(application, harness.api):
        person = TelegramUser(harness.api, application, PERSON, "Ana", "en")
        harness.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        replies = await person.send("/start")
        assert loop.time() - started >= 1.0
    assert len(replies) == 1 and "English" in str(replies[0].reply_markup)
    assert len(harness.api.calls_of("sendMessage")) == 2
    assert harness.deps.metrics.messages_sent.labels("sendMessage")._value.get() == 1
    assert harness.deps.metrics.handler_errors.labels("RetryAfter")._value.get() == 0
    assert not error_records(caplog)
