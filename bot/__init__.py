"""Kapacitet: a Telegram bot for capacity building of civil-society organisations."""

import os

# python-telegram-bot 22 gives time periods (RetryAfter.retry_after, among others) as whole
# seconds and warns on each use, its own included, until a program opts in to timedelta,
# which a future major version makes the only kind. Ours reads them either way
# (bot.runtime.outbox.retry_seconds); an operator can still set the variable to false.
os.environ.setdefault("PTB_TIMEDELTA", "true")
