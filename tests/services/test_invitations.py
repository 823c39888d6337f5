"""The rules behind an invitation: map coordinates, where a person stands with a session,
truthful refusals after the start, and the calendar file a session makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.db import Database
from bot.services import sessions
from bot.services.calendar import Organiser, session_calendar
from bot.services.sessions import Reason, RegistrationOutcome, SessionError, SessionValues
from tests.factories import make_learner, make_trainer, record_attendance

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
START = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
"""10:00 in Podgorica: summer time (CEST) by then."""


def values() -> SessionValues:
    return SessionValues(
        title="Advocacy, budgets; and you",
        module_id=None,
        starts_at=START,
        duration_minutes=120,
        venue="Civic Hall, Podgorica",
        online_url=None,
        country="ME",
        language="cnr",
        capacity=1,
    )


@pytest.mark.parametrize(
    ("typed", "point"),
    [
        ("42.44, 19.26", (42.44, 19.26)),
        ("42.44,19.26", (42.44, 19.26)),
        (" 42.44 19.26 ", (42.44, 19.26)),
        ("42,44; 19,26", (42.44, 19.26)),
        ("42,44, 19,26", (42.44, 19.26)),
        ("-33.8688, 151.2093", (-33.8688, 151.2093)),
        ("90, -180", (90.0, -180.0)),
    ],
)
def test_typed_coordinates_are_read(typed: str, point: tuple[float, float]):
    assert sessions.parse_coordinates(typed) == point


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", Reason.BAD_COORDINATES),
        ("Podgorica", Reason.BAD_COORDINATES),
        ("42.44", Reason.BAD_COORDINATES),
        ("42.44, 19.26, 3", Reason.BAD_COORDINATES),
        ("42°26′N 19°15′E", Reason.BAD_COORDINATES),
        ("90.5, 19", Reason.OUT_OF_RANGE),
        ("42, 180.1", Reason.OUT_OF_RANGE),
        ("-91, 0", Reason.OUT_OF_RANGE),
    ],
)
def test_wrong_coordinates_are_refused_with_a_reason(typed: str, reason: Reason):
    with pytest.raises(SessionError) as refused:
        sessions.parse_coordinates(typed)
    assert refused.value.reason == reason


async def test_standing_and_refusals_tell_the_truth_and_change_nothing(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        ana, boris = await make_learner(db), await make_learner(db)
        assert await sessions.standing(db, ana, training, NOW) == RegistrationOutcome.OPEN
        assert (await sessions.register(db, ana, training.code, NOW)).outcome == (
            RegistrationOutcome.REGISTERED
        )
        assert await sessions.standing(db, ana, training, NOW) == (
            RegistrationOutcome.ALREADY_REGISTERED
        )
        assert await sessions.standing(db, boris, training, NOW) == RegistrationOutcome.FULL

        during = START + timedelta(minutes=30)
        assert await sessions.standing(db, boris, training, during) == RegistrationOutcome.STARTED
        assert (await sessions.apologise(db, ana, training.id, during)).outcome == (
            RegistrationOutcome.STARTED
        )
        await record_attendance(db, training, ana, "late")
        assert (await sessions.apologise(db, ana, training.id, during)).outcome == (
            RegistrationOutcome.ATTENDED
        )
        assert await sessions.standing(db, ana, training, during) == RegistrationOutcome.ATTENDED
        after = START + timedelta(hours=3)
        assert (await sessions.register(db, boris, training.code, after)).outcome == (
            RegistrationOutcome.ENDED
        )
        assert (await sessions.apologise(db, boris, training.id, after)).outcome == (
            RegistrationOutcome.ENDED
        )
        registration = await sessions.registration_of(db, training.id, ana.id)
        assert registration is not None and registration.status == "registered"
        assert await sessions.registration_of(db, training.id, boris.id) is None


async def test_the_map_location_is_an_edit_with_a_version(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        change = await sessions.set_location(db, owner, training.id, 1, 42.4411, 19.2636, NOW)
        assert (change.training.venue_latitude, change.training.venue_longitude) == (
            42.4411,
            19.2636,
        )
        assert change.training.version == 2
        with pytest.raises(SessionError) as stale:
            await sessions.set_location(db, owner, training.id, 1, 42.0, 19.0, NOW)
        assert stale.value.reason == Reason.CHANGED
        with pytest.raises(SessionError) as outside:
            await sessions.set_location(db, owner, training.id, 2, 95.0, 19.0, NOW)
        assert outside.value.reason == Reason.OUT_OF_RANGE
        stranger = await make_trainer(db)
        with pytest.raises(SessionError) as refused:
            await sessions.set_location(db, stranger, training.id, 2, 42.0, 19.0, NOW)
        assert refused.value.reason == Reason.NOT_ALLOWED


async def test_the_calendar_file_follows_the_session(database: Database):
    zone = ZoneInfo("Europe/Podgorica")
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        first = icalendar.Calendar.from_ical(
            session_calendar(training, zone, NOW, organiser=Organiser("Jovana", "https://t.me/b"))
        )
        [event] = first.events
        assert event["dtstart"].dt == START and str(event["dtstart"].dt.tzinfo) == str(zone)
        assert event["dtstart"].dt.utcoffset() == timedelta(hours=2)  # CEST in April
        assert event["dtend"].dt == START + timedelta(hours=2)
        assert str(event["summary"]) == "Advocacy, budgets; and you"
        assert str(event["location"]) == "Civic Hall, Podgorica"
        assert event["organizer"].params["CN"] == "Jovana"
        assert "geo" not in event and "url" not in event

        moved = await sessions.reschedule(db, owner, training.id, 1, START + timedelta(days=1), NOW)
        await sessions.set_location(db, owner, training.id, 2, 42.44, 19.26, NOW)
        cancelled = await sessions.cancel(db, owner, training.id, 3, NOW)
        last = icalendar.Calendar.from_ical(session_calendar(cancelled.training, zone, NOW))
        [gone] = last.events
        assert str(last["method"]) == "CANCEL" and str(gone["status"]) == "CANCELLED"
        assert str(gone["uid"]) == str(event["uid"])
        assert int(gone["sequence"]) > int(event["sequence"])
        assert gone["dtstart"].dt == moved.training.starts_at
        assert (gone["geo"].latitude, gone["geo"].longitude) == (42.44, 19.26)
        assert "organizer" not in gone
