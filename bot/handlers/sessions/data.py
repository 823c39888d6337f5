"""The buttons of the trainer's sessions (prefixes ``s?``: kept, old buttons keep working)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.common.callback_data import AboutTraining, CallbackData
from bot.services.session_state import TrainingUse


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

    def about_training(self) -> AboutTraining | None:
        use = _ACTION_USES.get(self.action)
        return None if use is None else AboutTraining(self.session_id, use, self.version)


_ACTION_USES = {
    ViewAction.INVITE: TrainingUse.CHANGE,
    ViewAction.RESCHEDULE: TrainingUse.MOVE,
    ViewAction.VENUE: TrainingUse.CHANGE,
    ViewAction.CANCEL: TrainingUse.CHANGE,
    ViewAction.CANCEL_YES: TrainingUse.CHANGE,
}
"""What the view's actions do with the session (the roster stays open: it is history too)."""


@dataclass(frozen=True)
class ShowRosterPage(CallbackData):
    prefix = "sr"
    session_id: int
    page: int


@dataclass(frozen=True)
class CancelEdit(CallbackData):
    prefix = "se"
    session_id: int
