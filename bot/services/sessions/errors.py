"""Why a value or an action about a session was refused: :class:`SessionError`."""

from __future__ import annotations

from enum import StrEnum

from bot.services.errors import ServiceError


class Reason(StrEnum):
    """Why a value or an action was refused; the handler translates it."""

    MALFORMED = "malformed"
    """Not understood (a date in no known format, a number that is no number)."""
    IMPOSSIBLE = "impossible"
    """A date that does not exist on any calendar (31.02, 25:00)."""
    PAST = "past"
    NONEXISTENT = "nonexistent"
    """Skipped by the clocks going forward (last Sunday of March, 02:00-03:00)."""
    AMBIGUOUS = "ambiguous"
    """Happens twice when the clocks go back (last Sunday of October, 02:00-03:00)."""
    TOO_FAR = "too-far"
    OUT_OF_RANGE = "out-of-range"
    EMPTY = "empty"
    TOO_LONG = "too-long"
    NOT_HTTPS = "not-https"
    BAD_LINK = "bad-link"
    UNKNOWN_CHOICE = "unknown-choice"
    NOT_FOUND = "not-found"
    NOT_ALLOWED = "not-allowed"
    CHANGED = "changed"
    """Someone else changed the session since the editor looked at it."""
    CANCELLED = "cancelled"
    STARTED = "started"
    ENDED = "ended"
    SAME_TIME = "same-time"
    BAD_COORDINATES = "bad-coordinates"
    """Typed map coordinates that are not "latitude, longitude"."""


class SessionError(ServiceError):
    """A session's value or an action on a session that cannot be accepted."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)
