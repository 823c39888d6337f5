"""How ``python -m bot run`` receives updates: polling, or a webhook when WEBHOOK_URL is set.

In webhook mode our own server (aiohttp, ``bot.runtime.webhook``, started by
``DurableUpdater.start_webhook`` in place of python-telegram-bot's tornado one) listens on
``WEBHOOK_LISTEN:WEBHOOK_PORT`` at ``WEBHOOK_PATH`` (by default the path of
WEBHOOK_URL), registers WEBHOOK_URL with Telegram together with WEBHOOK_SECRET,
and refuses with 403 every request whose ``X-Telegram-Bot-Api-Secret-Token`` header
is missing or wrong. TLS is left to a reverse proxy in front (Telegram only posts to
https:// on ports 443, 80, 88 or 8443).
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from bot.config import Settings
from bot.runtime.context import BotApplication
from bot.runtime.instance import InstanceLock, InstanceLocked
from bot.runtime.intake import DurableUpdater

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
LOCK_CHECK_SECONDS = 30


def run(application: BotApplication, settings: Settings, lock: InstanceLock | None = None) -> None:
    """Runs until SIGINT or SIGTERM (what ``docker stop`` sends), then shuts down cleanly.
    The event loop is left open for the caller, which still holds ``lock`` in it; the lock
    is checked every half minute (and taken again after a lost connection)."""
    if lock is not None:
        _watch(application, lock)
        if isinstance(application.updater, DurableUpdater):
            # Alone on the database: what an earlier run claimed and left is ours now.
            application.updater.exclusive = True
    if settings.webhook_url is None:
        log.info("Polling Telegram for updates")
        application.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
        return
    assert settings.webhook_secret is not None  # the settings require it with WEBHOOK_URL
    log.info(
        "Webhook: listening on %s:%d%s",
        settings.webhook_listen,
        settings.webhook_port,
        settings.webhook_url_path,
    )
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.webhook_url_path,
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
        close_loop=False,
    )


def _watch(application: BotApplication, lock: InstanceLock) -> None:
    async def check(context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await lock.check()
        except InstanceLocked:
            log.critical(
                "another bot process took this database while the connection was lost; stopping"
            )
            context.application.stop_running()
        except Exception as error:  # the database is away: checked again next time
            log.warning("single-instance lock not checked (%s)", type(error).__name__)

    if application.job_queue is not None:
        application.job_queue.run_repeating(
            check, interval=LOCK_CHECK_SECONDS, first=LOCK_CHECK_SECONDS, name="instance-lock"
        )
