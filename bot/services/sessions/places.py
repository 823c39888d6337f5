"""A session's venue on the map: coordinates typed ("42.44, 19.26") or sent as a Telegram
location from the session's screen. Setting them is an edit like any other (the version
the trainer saw must still be the current one)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner
from bot.services import audit
from bot.services.sessions.errors import Reason, SessionError
from bot.services.sessions.schedule import Change, _apply, _editable

_NUMBER = r"([+-]?\d{1,3}(?:[.,]\d{1,12})?)"
_COORDINATES = re.compile(rf"^\s*{_NUMBER}\s*(?:;|,\s+|\s+|,)\s*{_NUMBER}\s*$")
"""Two decimal numbers: "42.44, 19.26", "42.44 19.26", "42,44; 19,26" (a decimal comma)."""


def check_coordinates(latitude: float, longitude: float) -> tuple[float, float]:
    """Refuses what is on no map (``out-of-range``); rounds to about a metre."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise SessionError(Reason.OUT_OF_RANGE)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SessionError(Reason.OUT_OF_RANGE)
    return round(latitude, 6), round(longitude, 6)


def parse_coordinates(text: str) -> tuple[float, float]:
    """(latitude, longitude) from "42.44, 19.26"; ``bad-coordinates`` or ``out-of-range``."""
    found = _COORDINATES.match(text)
    if found is None:
        raise SessionError(Reason.BAD_COORDINATES)
    latitude, longitude = (float(part.replace(",", ".")) for part in found.groups())
    return check_coordinates(latitude, longitude)


async def set_location(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    latitude: float,
    longitude: float,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """Puts the session's venue on the map (a session that has not ended nor been cancelled)."""
    latitude, longitude = check_coordinates(latitude, longitude)
    training = await _editable(db, actor, session_id, expected_version, now, admin_ids)
    await _apply(
        db,
        training,
        expected_version,
        now,
        venue_latitude=latitude,
        venue_longitude=longitude,
    )
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.location",
        subject_type="session",
        subject_id=session_id,
        details={"latitude": latitude, "longitude": longitude},
        now=now,
    )
    return Change(training, training.starts_at)
