"""Typed dates and times (bot.services.sessions.when): the forms trainers use, in every bot
language, a date without a year as the next one to come, and the refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.services.sessions import Reason, SessionError, Typed, parse_typed
from bot.services.sessions.when import check_day, local_moment, parse_local_datetime

BELGRADE = ZoneInfo("Europe/Belgrade")
TODAY = date(2026, 12, 7)  # a Monday
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # 12:00 in Belgrade
TUESDAY = date(2026, 12, 8)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("8.12.", TUESDAY),
        ("8.12", TUESDAY),
        ("08.12.2026", TUESDAY),
        ("08.12.2026.", TUESDAY),
        ("8. 12. 2026.", TUESDAY),
        ("8.12.26", TUESDAY),
        ("8/12", TUESDAY),
        ("8/12/2026", TUESDAY),
        ("2026-12-08", TUESDAY),
        ("7.12.", TODAY),  # today is not in the past
        ("1.12.", date(2027, 12, 1)),  # without a year: the next one to come
        ("29.2.", date(2028, 2, 29)),  # the next 29th of February
        ("utorak", TUESDAY),
        ("e martë", TUESDAY),
        ("вторник", TUESDAY),
        ("уторак 8.12.", TUESDAY),
        ("ponedjeljak", TODAY),  # today's weekday is today
        ("Friday", date(2026, 12, 11)),
    ],
)
def test_dates_with_or_without_the_year(text: str, day: date):
    assert parse_typed(text, TODAY) == Typed(day=day)


@pytest.mark.parametrize(
    ("text", "ahead"),
    [
        ("today", 0),
        ("tomorrow", 1),
        ("the day after tomorrow", 2),
        ("sot", 0),
        ("nesër", 1),
        ("neser", 1),
        ("pasnesër", 2),
        ("danas", 0),
        ("sutra", 1),
        ("Sjutra", 1),
        ("prekosutra", 2),
        ("данас", 0),
        ("сутра", 1),
        ("прекосутра", 2),
        ("денес", 0),
        ("утре", 1),
        ("задутре", 2),
    ],
)
def test_today_tomorrow_and_the_day_after_in_every_language(text: str, ahead: int):
    assert parse_typed(text, TODAY) == Typed(day=date(2026, 12, 7 + ahead))


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("10", time(10)),
        ("10h", time(10)),
        ("10 h", time(10)),
        ("10.00", time(10)),
        ("10:00", time(10)),
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("14h30", time(14, 30)),
        ("10:00h", time(10)),
        ("u 10", time(10)),
        ("10 sati", time(10)),
        ("во 18 ч.", time(18)),
        ("0:00", time(0)),
    ],
)
def test_times_in_the_usual_forms(text: str, at: time):
    assert parse_typed(text, TODAY, prefer="time") == Typed(at=at)
    # Asked for a date, a time alone is still read as a time (the handler asks for the date).
    assert parse_typed(text, TODAY).at == at


def test_a_lone_dotted_pair_is_what_was_asked():
    assert parse_typed("8.12", TODAY, prefer="date") == Typed(day=TUESDAY)
    assert parse_typed("8.12", TODAY, prefer="time") == Typed(at=time(8, 12))


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("8.12. 10:00", TUESDAY, time(10)),
        ("8.12 10h", TUESDAY, time(10)),
        ("8.12. 10", TUESDAY, time(10)),
        ("8.12.26 10", TUESDAY, time(10)),
        ("8.12., 10:00", TUESDAY, time(10)),
        ("08.12.2026 10.00", TUESDAY, time(10)),
        ("2026-12-08T10:00", TUESDAY, time(10)),
        ("8/12 14h30", TUESDAY, time(14, 30)),
        ("tomorrow at 10", TUESDAY, time(10)),
        ("nesër në 10", TUESDAY, time(10)),
        ("pasnesër ora 9:30", date(2026, 12, 9), time(9, 30)),
        ("sutra u 10 h", TUESDAY, time(10)),
        ("prekosutra 14h30", date(2026, 12, 9), time(14, 30)),
        ("сутра у 10", TUESDAY, time(10)),
        ("утре во 14.30", TUESDAY, time(14, 30)),
        ("задутре 10", date(2026, 12, 9), time(10)),
        ("10:00 sutra", TUESDAY, time(10)),
        ("utorak 8.12. 10", TUESDAY, time(10)),
        ("  SUTRA   10H ", TUESDAY, time(10)),
    ],
)
def test_a_date_and_a_time_together(text: str, day: date, at: time):
    assert parse_typed(text, TODAY) == Typed(day=day, at=at)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reason.MALFORMED),
        ("next Friday", Reason.MALFORMED),
        ("tomorrow at ten", Reason.MALFORMED),
        ("half past ten", Reason.MALFORMED),
        ("x" * 5000, Reason.MALFORMED),
        ("31.04.", Reason.IMPOSSIBLE),
        ("31.02.2027 10:00", Reason.IMPOSSIBLE),
        ("8.13.", Reason.IMPOSSIBLE),
        ("sutra 25:00", Reason.IMPOSSIBLE),
        ("8.12. 10:60", Reason.IMPOSSIBLE),
    ],
)
def test_what_cannot_be_read_is_refused_with_the_reason(text: str, reason: Reason):
    with pytest.raises(SessionError) as error:
        parse_typed(text, TODAY)
    assert error.value.reason == reason


def test_a_moment_in_the_past_or_too_far_is_refused():
    with pytest.raises(SessionError) as error:
        local_moment(TODAY, time(11), BELGRADE, NOW)  # 11:00 in Belgrade is gone at 12:00
    assert error.value.reason == Reason.PAST
    assert local_moment(TODAY, time(13), BELGRADE, NOW) == datetime(2026, 12, 7, 12, tzinfo=UTC)
    with pytest.raises(SessionError) as error:
        check_day(date(2026, 12, 6), BELGRADE, NOW)
    assert error.value.reason == Reason.PAST
    with pytest.raises(SessionError) as error:
        check_day(date(2029, 1, 1), BELGRADE, NOW)
    assert error.value.reason == Reason.TOO_FAR
    with pytest.raises(SessionError) as error:
        parse_local_datetime("6.12.2026 10:00", BELGRADE, NOW)
    assert error.value.reason == Reason.PAST


def test_the_full_form_needs_both_halves():
    assert parse_local_datetime("sutra 10h", BELGRADE, NOW) == datetime(2026, 12, 8, 9, tzinfo=UTC)
    for half in ("sutra", "10h"):
        with pytest.raises(SessionError) as error:
            parse_local_datetime(half, BELGRADE, NOW)
        assert error.value.reason == Reason.MALFORMED
