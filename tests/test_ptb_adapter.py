"""What bot.runtime.ptb takes from python-telegram-bot's private parts is still there.

When an upgrade of PTB moves or renames any of it, this test names what moved, before the
durable intake or the test driver break in less obvious ways.
"""

from __future__ import annotations

import inspect

from telegram.ext import ApplicationBuilder, Updater

from bot.runtime import ptb


def test_the_retry_loop_takes_what_the_intake_passes():
    parameters = inspect.signature(ptb.network_retry_loop).parameters
    for name in (
        "is_running",
        "action_cb",
        "on_err_cb",
        "description",
        "interval",
        "stop_event",
        "max_retries",
        "repeat_on_success",
    ):
        assert name in parameters, f"network_retry_loop lost its {name!r} parameter"


def test_the_updater_still_has_the_private_state_the_intake_sets():
    application = ApplicationBuilder().token("123:abc").build()
    updater = application.updater
    assert isinstance(updater, Updater)
    assert ptb.is_initialized(updater) is False
    ptb.set_running(updater, True)
    assert updater.running is True
    ptb.set_running(updater, False)
    assert updater.running is False
    parameters = inspect.signature(updater._bootstrap).parameters
    for name in ("drop_pending_updates", "webhook_url", "allowed_updates"):
        assert name in parameters, f"Updater._bootstrap lost its {name!r} parameter"


def test_the_application_keeps_its_tasks_where_the_test_driver_looks():
    application = ApplicationBuilder().token("123:abc").build()
    assert ptb.pending_tasks(application) == set()
    assert isinstance(application._Application__create_task_tasks, set)  # type: ignore[attr-defined]


def test_the_bot_still_posts_what_the_intake_asks_for_raw():
    """``ptb.raw_updates`` asks ``getUpdates`` through ``Bot._post`` with the read timeout
    of the request object that ``get_updates`` uses (``Bot._request[0]``)."""
    bot = ApplicationBuilder().token("123:abc").build().bot
    parameters = inspect.signature(bot._post).parameters
    for name in ("endpoint", "data", "read_timeout"):
        assert name in parameters, f"Bot._post lost its {name!r} parameter"
    assert isinstance(bot._request[0].read_timeout, float | int | None)
    assert ptb.DefaultValue.get_value(ptb.DefaultValue(80)) == 80
