"""The buttons of the trainer's sessions (prefixes ``s?``: kept, old buttons keep working)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.common.callback_data import CallbackData


class DraftField(StrEnum):
    """The questions of the new-session conversation that are answered by a button."""

    MODULE = "module"
    DURATION = "duration"
    COUNTRY = "country"
    LANGUAGE = "language"
    PROGRAMME = "programme"
    """Asked first, only when the trainer may choose among several programmes."""


@dataclass(frozen=True)
class DraftPick(CallbackData):
    """A button answer in the new-session conversation (module, duration, country, language)."""

    prefix = "sn"
    field: DraftField
    value: str


class DraftChoice(StrEnum):
    CREATE = "create"
    CANCEL = "cancel"


@dataclass(frozen=True)
class DraftAction(CallbackData):
    """Create the drafted session, or drop the draft."""

    prefix = "sd"
    action: DraftChoice


@dataclass(frozen=True)
class ListSessions(CallbackData):
    prefix = "sl"


@dataclass(frozen=True)
class OpenSession(CallbackData):
    prefix = "so"
    session_id: int


class ViewAction(StrEnum):
    """What the buttons of the session view do."""

    INVITE = "invite"
    ROSTER = "roster"
    RESCHEDULE = "reschedule"
    VENUE = "venue"
    MAP = "map"
    """Asks for the venue's place on the map (a location message or typed coordinates)."""
    CANCEL = "cancel"
    """Asks whether to cancel the session ..."""
    CANCEL_YES = "cancel-yes"
    """... and this cancels it."""


@dataclass(frozen=True)
class SessionAction(CallbackData):
    """An action on the session view; ``version`` is the version the view showed."""

    prefix = "sx"
    session_id: int
    version: int
    action: ViewAction


@dataclass(frozen=True)
class ShowRosterPage(CallbackData):
    prefix = "sr"
    session_id: int
    page: int


@dataclass(frozen=True)
class CancelEdit(CallbackData):
    prefix = "se"
    session_id: int
