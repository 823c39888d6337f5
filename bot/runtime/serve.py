"""How ``python -m bot run`` receives updates: polling, or a webhook when WEBHOOK_URL is set.

In webhook mode python-telegram-bot's own server (tornado) listens on
``WEBHOOK_LISTEN:WEBHOOK_PORT`` at ``WEBHOOK_PATH`` (by default the path of
WEBHOOK_URL), registers WEBHOOK_URL with Telegram together with WEBHOOK_SECRET,
and refuses with 403 every request whose ``X-Telegram-Bot-Api-Secret-Token`` header
is missing or wrong. TLS is left to a reverse proxy in front (Telegram only posts to
https:// on ports 443, 80, 88 or 8443).
"""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.runtime.context import BotApplication

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def run(application: BotApplication, settings: Settings) -> None:
    """Runs until SIGINT or SIGTERM (what ``docker stop`` sends), then shuts down cleanly."""
    if settings.webhook_url is None:
        log.info("Polling Telegram for updates")
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
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
    )
