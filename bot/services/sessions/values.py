"""The values of a session as a trainer types or picks them, checked: dates in local time,
lengths, places, the country, language and module.

Times are stored in UTC; trainers type them in local time. Every check raises
:class:`SessionError` saying what is wrong with the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n.languages import LANGUAGE_CODES
from bot.services.learners import COUNTRIES, OTHER, clean_text
from bot.services.sessions.errors import Reason, SessionError
from bot.services.sessions.when import MAX_AHEAD

SESSION_COUNTRIES: tuple[str, ...] = (*COUNTRIES, OTHER)
MIN_DURATION = 15
MAX_DURATION = 720
MIN_CAPACITY = 1
MAX_CAPACITY = 1000
MAX_TITLE = 120
MAX_VENUE = 200
MAX_URL = 300


@dataclass(frozen=True)
class SessionValues:
    """Everything a trainer chooses for a new session (checked again by ``create_session``)."""

    title: str
    module_id: str | None
    starts_at: datetime
    duration_minutes: int
    venue: str | None
    online_url: str | None
    country: str
    language: str
    capacity: int


def example_datetime(zone: ZoneInfo, now: datetime) -> str:
    """A valid answer to show in a question: a week from now at 10:00, local time."""
    day = (now.astimezone(zone) + timedelta(days=7)).date()
    return f"{day:%d.%m.%Y} 10:00"


def _whole_number(text: str) -> int:
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    cleaned = re.sub(r"\s*(min|mins|minutes|minuta|minuti|minutash|мин|минути)\.?$", "", cleaned)
    if not re.fullmatch(r"\d{1,6}", cleaned):
        raise SessionError(Reason.MALFORMED)
    return int(cleaned)


def parse_duration(text: str) -> int:
    return check_duration(_whole_number(text))


def check_duration(minutes: int) -> int:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise SessionError(Reason.OUT_OF_RANGE)
    return minutes


def parse_capacity(text: str) -> int:
    return check_capacity(_whole_number(text))


def check_capacity(capacity: int) -> int:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise SessionError(Reason.OUT_OF_RANGE)
    return capacity


def check_title(text: str) -> str:
    title = clean_text(text)
    if not title:
        raise SessionError(Reason.EMPTY)
    if len(title) > MAX_TITLE:
        raise SessionError(Reason.TOO_LONG)
    return title


_URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d{1,5})?(?:[/?#]\S*)?$")


def parse_place(text: str) -> tuple[str | None, str | None]:
    """``(venue, None)`` for an address, ``(None, url)`` for an online meeting link."""
    place = clean_text(text)
    if not place:
        raise SessionError(Reason.EMPTY)
    lowered = place.lower()
    if lowered.startswith(("http://", "https://", "www.")):
        if not lowered.startswith("https://"):
            raise SessionError(Reason.NOT_HTTPS)
        if len(place) > MAX_URL:
            raise SessionError(Reason.TOO_LONG)
        if not _URL.match(place):
            raise SessionError(Reason.BAD_LINK)
        return None, place
    if len(place) > MAX_VENUE:
        raise SessionError(Reason.TOO_LONG)
    return place, None


def check_country(code: str) -> str:
    if code not in SESSION_COUNTRIES:
        raise SessionError(Reason.UNKNOWN_CHOICE)
    return code


def check_language(code: str) -> str:
    if code not in LANGUAGE_CODES:
        raise SessionError(Reason.UNKNOWN_CHOICE)
    return code


def check_module(module_id: str | None, known: Collection[str]) -> str | None:
    if module_id is not None and module_id not in known:
        raise SessionError(Reason.UNKNOWN_CHOICE)
    return module_id


def check_start(starts_at: datetime, now: datetime) -> datetime:
    if starts_at <= now:
        raise SessionError(Reason.PAST)
    if starts_at > now + MAX_AHEAD:
        raise SessionError(Reason.TOO_FAR)
    return starts_at


def check_values(
    values: SessionValues, now: datetime, known_modules: Collection[str] | None = None
) -> SessionValues:
    """The values cleaned, or ``SessionError`` for the first one that is not acceptable."""
    if (values.venue is None) == (values.online_url is None):
        raise SessionError(Reason.EMPTY)
    venue, url = parse_place(values.venue or values.online_url or "")
    return SessionValues(
        title=check_title(values.title),
        module_id=(
            check_module(values.module_id, known_modules)
            if known_modules is not None
            else values.module_id
        ),
        starts_at=check_start(values.starts_at, now),
        duration_minutes=check_duration(values.duration_minutes),
        venue=venue,
        online_url=url,
        country=check_country(values.country),
        language=check_language(values.language),
        capacity=check_capacity(values.capacity),
    )
