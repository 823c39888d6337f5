"""Picking a date and a time, for ``/newsession`` and for a reschedule alike: the quick-pick
buttons (the next seven days, common times), the short answers to a date that cannot be
taken, the date read back in words, and taking the keyboard off a question that was
answered (so that no old Back or Cancel stays on screen)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date, format_skeleton
from telegram import InlineKeyboardButton
from telegram.error import TelegramError

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.keyboards import button, rows
from bot.handlers.sessions.texts import error_text
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import sessions
from bot.services.sessions import Reason, SessionError

log = logging.getLogger(__name__)

WEEK = 7
"""Quick-pick days: today and the six days after it."""
COMMON_TIMES = (time(9), time(10), time(11), time(14), time(16), time(18))
CHOSEN = "✅ "
"""Marks the answer given before on a button."""


def day_value(day: date) -> str:
    return f"{day:%Y%m%d}"


def read_day_value(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date() if len(value) == 8 else None
    except ValueError:
        return None


def time_value(at: time) -> str:
    return f"{at:%H%M}"


def read_time_value(value: str) -> time | None:
    try:
        return datetime.strptime(value, "%H%M").time() if len(value) == 4 else None
    except ValueError:
        return None


def today_of(tr: Translator, now: datetime) -> date:
    return now.astimezone(tr.zone).date()


def day_label(tr: Translator, day: date) -> str:
    """ "Tue, 8 Dec" as the language writes it."""
    return format_skeleton("MMMEd", day, locale=tr.locale)


def time_label(at: time) -> str:
    return f"{at:%H:%M}"


def day_buttons(
    tr: Translator,
    now: datetime,
    data: Callable[[str], CallbackData],
    chosen: date | None = None,
) -> list[list[InlineKeyboardButton]]:
    today = today_of(tr, now)
    days = [today + timedelta(days=ahead) for ahead in range(WEEK)]
    return rows(
        [
            button((CHOSEN if day == chosen else "") + day_label(tr, day), data(day_value(day)))
            for day in days
        ],
        3,
    )


def time_buttons(
    data: Callable[[str], CallbackData], chosen: time | None = None
) -> list[list[InlineKeyboardButton]]:
    return rows(
        [
            button((CHOSEN if at == chosen else "") + time_label(at), data(time_value(at)))
            for at in COMMON_TIMES
        ],
        3,
    )


def long_date(tr: Translator, day: date) -> str:
    """ "Tuesday, 8 December 2026" as the language writes it."""
    return format_date(day, format="full", locale=tr.locale)


def when_words(tr: Translator, moment: datetime) -> str:
    """ "Tuesday, 8 December 2026, 10:00 (Europe/Belgrade)": what the trainer confirms."""
    local = moment.astimezone(tr.zone)
    return tr._(
        # TRANSLATORS: a session's start read back: "Tuesday, 8 December 2026, 10:00
        # (Europe/Belgrade)"; {zone} is the time zone's name.
        "{date}, {time} ({zone})",
        date=long_date(tr, local.date()),
        time=format_skeleton("Hm", local, locale=tr.locale),
        zone=tr.zone.key,
    )


def moment_of(tr: Translator, day: date, at: time) -> datetime:
    """The UTC moment of a local day and time, unchecked (for showing a draft)."""
    return datetime.combine(day, at, tzinfo=tr.zone).astimezone(UTC)


def date_example(tr: Translator, now: datetime) -> str:
    """A date a week from now as people write it without the year: "14.12. 10:00"."""
    day = today_of(tr, now) + timedelta(days=WEEK)
    return f"{day.day}.{day.month}. 10:00"


def date_problem(tr: Translator, error: SessionError, now: datetime) -> str:
    """The short answer to a typed date that cannot be taken (the question stays above)."""
    example = date_example(tr, now)
    if error.reason == Reason.MALFORMED:
        return tr._(
            "I could not read that date. Please type it like this: <code>{example}</code>",
            example=example,
        )
    return error_text(tr, error, example=example)


def time_problem(tr: Translator, error: SessionError, now: datetime) -> str:
    if error.reason == Reason.MALFORMED:
        return tr._(
            "I could not read that time. Please type it like this: <code>10:00</code> "
            "or <code>14h30</code>"
        )
    return error_text(tr, error, example=date_example(tr, now))


def date_first(tr: Translator, now: datetime) -> str:
    return tr._(
        "Please type the date first, for example <code>{example}</code>",
        example=date_example(tr, now),
    )


def check_day(tr: Translator, day: date, now: datetime) -> date:
    return sessions.check_day(day, tr.zone, now)


async def take_keyboard_off(context: BotContext, chat_id: int, message_id: object) -> None:
    """Removes the buttons of an answered question; harmless when that fails (the message
    was deleted, or has no buttons any more): its buttons are refused as stale anyway."""
    if not isinstance(message_id, int):
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as error:
        log.info("old question's buttons not removed: %s", type(error).__name__)
