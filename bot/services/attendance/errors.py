"""Why an attendance request was refused: :class:`AttendanceError`."""

from __future__ import annotations

from enum import StrEnum

from bot.services.errors import ServiceError


class Reason(StrEnum):
    NOT_FOUND = "not-found"
    """No such session."""
    NOT_ALLOWED = "not-allowed"
    """The actor does not manage the session (:mod:`bot.services.sessions.access`)."""
    CANCELLED = "cancelled"
    TOO_EARLY = "too-early"
    """Before the check-in window (30 minutes before the start)."""
    OVER = "over"
    """After the check-in window (30 minutes after the end)."""
    NOT_STARTED = "not-started"
    """Marking the rest absent before the session's start."""
    NOT_ON_ROSTER = "not-on-roster"
    UNKNOWN_STATUS = "unknown-status"
    EMPTY = "empty"
    TOO_LONG = "too-long"
    UNKNOWN_CHOICE = "unknown-choice"
    NO_DRAFT = "no-draft"
    """No walk-in is being added."""
    STALE = "stale"
    """An answer to a step of the walk-in conversation other than the one asked."""


class AttendanceError(ServiceError):
    """An attendance request that cannot be done."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)
