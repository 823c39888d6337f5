"""Dates and times as trainers type them: "8.12. 10:00", "sutra 10h", "утре во 14.30".

A small parser of our own. ``dateparser`` (1.5) was tried first: it reads most of these, but
it adds about 22 MiB to the bot's memory (the idle aim is 100 MiB), takes seconds for its
first answers, and silently gets some of them wrong ("8.12 10h" became 22:00 of the 7th,
"prekosutra 14h30" 02:00; "pasnesër" and "задутре" were not read at all). A wrong date
that looks right is worse than a refusal, so the few forms trainers use are parsed here,
each refused with a reason when it cannot be read.

Understood, with or without the other half (a date alone, a time alone):

- dates: ``8.12.``, ``8.12``, ``08.12.2026``, ``8.12.26``, ``8/12``, ``8/12/2026``,
  ``2026-12-08``; today, tomorrow and the day after tomorrow in the bot's languages; the
  names of the weekdays (the next such day, today included);
- times: ``10``, ``10h``, ``10 h``, ``10:00``, ``10.00``, ``9:30``, ``14h30``, ``10:00h``;
  little words between them ("u", "në", "во", "at") are skipped.

A date without a year is the next such date that is not in the past. The result is a
:class:`Typed` (the date, the time, or both); :func:`local_moment` makes the UTC moment of a
local date and time and refuses a moment in the past, too far ahead, or one the clocks skip
or repeat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.services.sessions.errors import Reason, SessionError

MAX_AHEAD = timedelta(days=731)
"""How far ahead a session may be scheduled: two years."""

RELATIVE_DAYS: dict[str, int] = {
    # English
    "today": 0,
    "tomorrow": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    # Albanian (also typed without the diacritics)
    "sot": 0,
    "nesër": 1,
    "neser": 1,
    "pasnesër": 2,
    "pasneser": 2,
    # Bosnian, Croatian, Montenegrin, Serbian (Latin); "sutra" is tomorrow in all of them
    "danas": 0,
    "sutra": 1,
    "sjutra": 1,
    "prekosutra": 2,
    "prekosjutra": 2,
    # Serbian (Cyrillic)
    "данас": 0,
    "сутра": 1,
    "сјутра": 1,
    "прекосутра": 2,
    # Macedonian
    "денес": 0,
    "утре": 1,
    "задутре": 2,
    # Macedonian written in Latin letters, as people do on phones
    "denes": 0,
    "utre": 1,
    "zadutre": 2,
}
"""Words for today, tomorrow and the day after tomorrow: how many days from today."""

WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("monday", "mon", "ponedjeljak", "ponedeljak", "pon"), 0),
    **dict.fromkeys(("tuesday", "tue", "utorak", "uto", "ut"), 1),
    **dict.fromkeys(("wednesday", "wed", "srijeda", "sreda", "sri", "sre"), 2),
    **dict.fromkeys(("thursday", "thu", "četvrtak", "cetvrtak", "čet", "cet"), 3),
    **dict.fromkeys(("friday", "fri", "petak", "pet"), 4),
    **dict.fromkeys(("saturday", "sat", "subota", "sub"), 5),
    **dict.fromkeys(("sunday", "sun", "nedjelja", "nedelja", "ned"), 6),
    # Albanian, with and without the article "e" (dropped below) and the diacritics
    **dict.fromkeys(("hënë", "hene"), 0),
    **dict.fromkeys(("martë", "marte"), 1),
    **dict.fromkeys(("mërkurë", "merkure"), 2),
    **dict.fromkeys(("enjte",), 3),
    **dict.fromkeys(("premte",), 4),
    **dict.fromkeys(("shtunë", "shtune"), 5),
    **dict.fromkeys(("diel",), 6),
    # Serbian Cyrillic and Macedonian
    **dict.fromkeys(("понедељак", "понеделник"), 0),
    **dict.fromkeys(("уторак", "вторник"), 1),
    **dict.fromkeys(("среда",), 2),
    **dict.fromkeys(("четвртак", "четврток"), 3),
    **dict.fromkeys(("петак", "петок"), 4),
    **dict.fromkeys(("субота", "сабота"), 5),
    **dict.fromkeys(("недеља", "недела"), 6),
}
"""Weekday names (Monday is 0) in the bot's languages, full and the usual short forms."""

FILLER = frozenset(
    {"u", "у", "në", "ne", "ora", "orën", "oren", "at", "во", "в", "on", "e", "të", "te", "of"}
)
"""Little words around a date or a time ("sutra u 10", "nesër në orën 10", "утре во 10")."""

_HOUR_WORDS = r"(?:h|hrs?|sati?|časova|casova|часа|часот|ч)"
_TIME = re.compile(
    r"^(?P<hour>\d{1,2})"
    r"(?:\s*(?:[:.]|h)\s*(?P<minute>\d{2}))?"
    rf"(?:\s*{_HOUR_WORDS}\.?)?$"
)
_DOTTED = re.compile(
    # A two-digit year only right after the dot: in "14.12. 10" the 10 is the hour.
    r"^(?P<day>\d{1,2})\.\s*(?P<month>\d{1,2})(?:\.\s*(?P<year>\d{4})|\.(?P<short>\d{2}))?\.?$"
)
_SLASHED = re.compile(
    r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})(?:/(?P<year>\d{4})|/(?P<short>\d{2}))?$"
)
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
_ISO_T = re.compile(r"^(?P<date>\d{4}-\d{1,2}-\d{1,2})t(?P<time>\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class Typed:
    """What a typed answer said: a date, a time, or both."""

    day: date | None = None
    at: time | None = None


def _clean(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).lower()
    cleaned = re.sub(r"[,;]", " ", cleaned)
    return " ".join(cleaned.split())


def _year(match: re.Match[str]) -> int | None:
    """The year written, if any: four digits, or two ("26" is 2026)."""
    groups = match.groupdict()
    if groups.get("year"):
        return int(groups["year"])
    if groups.get("short"):
        return 2000 + int(groups["short"])
    return None


def _calendar_day(day: int, month: int, year: int | None, today: date) -> date:
    """The date; without a year, the next such date that is not before ``today``."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise SessionError(Reason.IMPOSSIBLE) from None
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise SessionError(Reason.IMPOSSIBLE)
    # The 29th of February waits for the next leap year; the 31st of April never comes.
    for candidate_year in range(today.year, today.year + 5):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise SessionError(Reason.IMPOSSIBLE)


def read_date(text: str, today: date) -> date | None:
    """The date ``text`` names (already cleaned), None if it names none; raises
    ``SessionError(IMPOSSIBLE)`` for a date that does not exist."""
    if text in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[text])
    words = [word for word in text.split() if word not in FILLER]
    if len(words) == 1 and words[0].rstrip(".") in WEEKDAYS:
        ahead = (WEEKDAYS[words[0].rstrip(".")] - today.weekday()) % 7
        return today + timedelta(days=ahead)
    if len(words) == 2 and words[0].rstrip(".") in WEEKDAYS:
        # "utorak 8.12.": the weekday is a courtesy; the date decides.
        words = words[1:]
    joined = " ".join(words)
    for pattern in (_DOTTED, _SLASHED, _ISO):
        match = pattern.match(joined)
        if match:
            return _calendar_day(
                int(match["day"]),
                int(match["month"]),
                _year(match),
                today,
            )
    return None


def read_time(text: str) -> time | None:
    """The time of day ``text`` names (already cleaned), None if it names none; raises
    ``SessionError(IMPOSSIBLE)`` for 25:00 or 10:60."""
    words = [word for word in text.split() if word not in FILLER]
    match = _TIME.match(" ".join(words))
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise SessionError(Reason.IMPOSSIBLE)
    return time(hour, minute)


def parse_typed(text: str, today: date, prefer: Literal["date", "time"] = "date") -> Typed:
    """A typed date, time, or date and time; ``prefer``: what a lone "8.12" is (a date when the
    date was asked, 8:12 when the time was). Raises ``SessionError`` with MALFORMED (not
    understood) or IMPOSSIBLE (no such date or time)."""
    cleaned = _clean(text)
    iso = _ISO_T.match(cleaned)
    if iso:
        cleaned = f"{iso['date']} {iso['time']}"
    if not cleaned or len(cleaned) > 60:
        raise SessionError(Reason.MALFORMED)
    impossible: SessionError | None = None

    def attempt(read: Callable[[str], date | time | None], part: str) -> date | time | None:
        nonlocal impossible
        try:
            return read(part)
        except SessionError as error:
            impossible = impossible or error
            return None

    def as_date(part: str) -> date | None:
        return read_date(part, today)

    first, second = (as_date, read_time) if prefer == "date" else (read_time, as_date)
    for read in (first, second):
        found = attempt(read, cleaned)
        if isinstance(found, date):
            return Typed(day=found)
        if isinstance(found, time):
            return Typed(at=found)
    words = cleaned.split()
    # A date, then a time ("sutra u 10 h"), or a time, then a date ("10:00 sutra"): every
    # place to cut between them is tried.
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        for day_part, time_part in ((head, tail), (tail, head)):
            day = attempt(as_date, day_part)
            at = attempt(read_time, time_part) if day is not None else None
            if isinstance(day, date) and isinstance(at, time):
                return Typed(day=day, at=at)
    if impossible is not None:
        raise impossible
    raise SessionError(Reason.MALFORMED)


def local_moment(day: date, at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The UTC moment of a local date and time in ``zone``; refused (``SessionError``) when it
    is not after ``now``, more than two years ahead, or a time the clocks skip or repeat
    that day (nobody should have to guess which one was meant)."""
    local = datetime.combine(day, at)
    earlier = local.replace(tzinfo=zone, fold=0)
    later = local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        back = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        raise SessionError(Reason.NONEXISTENT if back != local else Reason.AMBIGUOUS)
    moment = earlier.astimezone(UTC)
    if moment <= now:
        raise SessionError(Reason.PAST)
    if moment > now + MAX_AHEAD:
        raise SessionError(Reason.TOO_FAR)
    return moment


def check_day(day: date, zone: ZoneInfo, now: datetime) -> date:
    """A date on its own: refused when it is before today (local) or too far ahead."""
    today = now.astimezone(zone).date()
    if day < today:
        raise SessionError(Reason.PAST)
    if day > (now + MAX_AHEAD).astimezone(zone).date():
        raise SessionError(Reason.TOO_FAR)
    return day


def parse_local_datetime(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A typed local date and time (both needed) as UTC, or ``SessionError`` saying what is
    wrong with it."""
    typed = parse_typed(text, now.astimezone(zone).date())
    if typed.day is None or typed.at is None:
        raise SessionError(Reason.MALFORMED)
    check_day(typed.day, zone, now)
    return local_moment(typed.day, typed.at, zone, now)
