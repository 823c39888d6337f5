"""Logs: JSON lines that parse, the update's id and type on every line, no token anywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.runtime.logs import (
    REDACTED,
    UpdateRef,
    configure_logging,
    current_update,
    make_handler,
    redact,
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
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/getUpdates failed")
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


def test_configure_logging_keeps_httpx_quiet():
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging(log_format="json", secrets=[TOKEN])
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("httpcore").level == logging.WARNING
        assert len(root.handlers) == 1 and root.level == logging.INFO
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
