"""A training session as an iCalendar file (``.ics``, RFC 5545), made with ``icalendar``.

Every file of one session carries the same UID, so a calendar that imported the first one
updates that event when the session is moved (a higher SEQUENCE: the session's version,
raised by every change) and removes it on the cancellation (METHOD:CANCEL,
STATUS:CANCELLED). Times carry the session's time zone (TZID and its VTIMEZONE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.models import TrainingSession

PRODUCT = "-//Kapacitet//Training sessions//EN"
FILENAME = "session.ics"
MIME_TYPE = "text/calendar"


@dataclass(frozen=True)
class Organiser:
    """Who runs the session, where they agreed to be named, and how to reach them (a URI:
    the bot's own chat)."""

    name: str
    uri: str


def event_uid(training: TrainingSession) -> str:
    """The same for every file of the session, and unique to it (the id and its code)."""
    assert training.id is not None
    return f"session-{training.id}-{training.code.lower()}@kapacitet"


def session_calendar(
    training: TrainingSession,
    zone: ZoneInfo,
    now: datetime,
    *,
    organiser: Organiser | None = None,
    description: str | None = None,
) -> bytes:
    """The session's event; a cancelled session gives its cancellation."""
    # Imported on first use: icalendar (with dateutil) is a few MiB that an idle bot need
    # not hold (tests/test_startup_imports.py).
    from icalendar import Calendar, Event, vCalAddress, vText

    cancelled = training.cancelled_at is not None
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", event_uid(training))
    event.add("sequence", training.version)
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", training.starts_at.astimezone(zone))
    event.add("dtend", training.ends_at.astimezone(zone))
    event.add("summary", training.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if training.venue:
        event.add("location", training.venue)
    elif training.online_url:
        event.add("location", training.online_url)
    if training.online_url:
        event.add("url", training.online_url)
    if training.venue_latitude is not None and training.venue_longitude is not None:
        event.add("geo", (training.venue_latitude, training.venue_longitude))
    if description:
        event.add("description", description)
    if organiser is not None:
        address = vCalAddress(organiser.uri)
        address.params["cn"] = vText(organiser.name)
        event.add("organizer", address)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
