"""Logs: JSON lines that parse, the update's id and type on every line, no token anywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from bot.runtime.logs import (
    REDACTED,
    UpdateRef,
    configure_logging,
    current_update,
    make_handler,
    redact,
    secret_forms,
)

TOKEN = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
SECRET = "hook-secret_123"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, list[logging.Handler]]]:
    stream = io.StringIO()
    logger = logging.getLogger("tests.logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handlers: list[logging.Handler] = []
    yield logger, stream, handlers
    for handler in handlers:
        logger.removeHandler(handler)
    logger.propagate = True


def attach(captured, log_format: str, secrets=()):
    logger, stream, handlers = captured
    handler = make_handler(log_format, secrets, stream=stream)
    logger.addHandler(handler)
    handlers.append(handler)
    return logger, stream


def test_anything_that_looks_like_a_token_is_redacted():
    assert redact(f"GET https://api.telegram.org/bot{TOKEN}/getMe") == (
        f"GET https://api.telegram.org/bot{REDACTED}/getMe"
    )
    assert redact("chat 123456789 at 12:30") == "chat 123456789 at 12:30"
    assert redact(f"secret {SECRET}!", [SECRET]) == f"secret {REDACTED}!"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_logged_token_is_redacted_in_message_arguments_and_traceback(captured, log_format):
    logger, stream = attach(captured, log_format, secrets=[SECRET])
    logger.info("calling https://api.telegram.org/bot%s/sendMessage", TOKEN)
    logger.warning(f"webhook secret is {SECRET}")
    failure = f"request to /bot{TOKEN}/getUpdates failed"
    try:
        raise RuntimeError(failure)
    except RuntimeError:
        logger.exception("polling failed")
    output = stream.getvalue()
    assert TOKEN not in output and TOKEN.split(":")[1] not in output and SECRET not in output
    assert output.count(REDACTED) == 2
    # The traceback keeps the exception's type, not its message (it can quote people).
    assert "polling failed" in output and "RuntimeError" in output
    assert "getUpdates failed" not in output


def test_json_lines_parse_and_carry_the_update(captured):
    logger, stream = attach(captured, "json")
    logger.info("before any update")
    token = current_update.set(UpdateRef(4711, "callback_query"))
    try:
        logger.warning("while handling: %d %s", 3, "things")
    finally:
        current_update.reset(token)
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("failed")
    lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 3
    first, second, third = records
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["logger"] == "tests.logs" and first["level"] == "INFO"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "while handling: 3 things"
    assert (second["update_id"], second["update_type"]) == (4711, "callback_query")
    assert third["level"] == "ERROR" and "ZeroDivisionError" in third["exception"]


def test_text_lines_name_the_update(captured):
    logger, stream = attach(captured, "text")
    token = current_update.set(UpdateRef(12, "message"))
    try:
        logger.info("hello")
    finally:
        current_update.reset(token)
    assert stream.getvalue().rstrip().endswith("tests.logs: hello [update 12 message]")


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    """The root logger, as it was again after the test (which configures it)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("bot").level)
    yield root
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.getLogger("bot").setLevel(saved[2])


def test_configure_logging_keeps_httpx_quiet(root_logging: logging.Logger):
    configure_logging(log_format="json", secrets=[TOKEN])
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    assert len(root_logging.handlers) == 1 and root_logging.level == logging.INFO


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_every_form_of_the_token_is_redacted(captured, log_format):
    logger, stream = attach(captured, log_format, secrets=secret_forms(TOKEN, SECRET))
    half = TOKEN.split(":")[1]
    logger.info("GET /bot%s/getMe", quote(TOKEN, safe=""))
    logger.info("GET /bot%s/getMe", quote(TOKEN, safe="").replace("%3A", "%3a"))
    logger.info("the secret half alone: %s", half)
    logger.info("in a query: token=%s", quote(TOKEN))
    output = stream.getvalue()
    assert half not in output and "%3A" + half not in output
    assert output.count(REDACTED) == 4
    # Without being told the token, its URL-encoded shape is still recognised.
    assert redact(f"/bot{quote(TOKEN, safe='')}/getMe") == f"/bot{REDACTED}/getMe"


def test_records_of_python_telegram_bot_that_carry_updates_lose_them(captured):
    logger, stream = attach(captured, "json")
    ptb = logging.getLogger("telegram.ext.ExtBot")
    handler = logger.handlers[-1]
    ptb.addHandler(handler)
    try:
        ptb.critical(
            "Error while parsing updates! Received data was %r",
            [{"update_id": 1, "message": {"text": "my address is Rruga 12"}}],
        )
    finally:
        ptb.removeHandler(handler)
    record = json.loads(stream.getvalue())
    assert "Rruga" not in record["message"]
    assert record["message"].startswith("Error while parsing updates! Received data was")


def test_a_traceback_keeps_no_exception_message_but_telegrams(captured):
    from telegram.error import BadRequest

    logger, stream = attach(captured, "json")
    typed = "the organisation typed was Shelter for women, Tirana"
    try:
        try:
            raise ValueError(typed)
        except ValueError as error:
            raise BadRequest("Message is not modified") from error
    except BadRequest:
        logger.exception("failed")
    exception = json.loads(stream.getvalue())["exception"]
    assert "Shelter" not in exception
    assert "builtins.ValueError" in exception
    assert "telegram.error.BadRequest: Message is not modified" in exception


def test_verbose_logging_is_the_bots_own_debug_records_only(root_logging: logging.Logger):
    configure_logging(verbose=True)
    assert logging.getLogger("bot.runtime.intake").isEnabledFor(logging.DEBUG)
    # Python-telegram-bot's debug records hold every update and every message sent.
    assert not logging.getLogger("telegram.ext.Application").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("telegram.Bot").isEnabledFor(logging.DEBUG)
