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
    DATE = "date"
    """A day of the next week (``YYYYMMDD``), for the date also typed."""
    TIME = "time"
    """A common time (``HHMM``), for the time also typed."""


class DraftStep(StrEnum):
    """The steps of the new-session conversation (the draft's ``step``)."""

    PROGRAMME = "programme"
    TITLE = "title"
    MODULE = "module"
    DATE = "date"
    TIME = "time"
    WHEN = "when"
    """The date and time read back in words, for a yes or no."""
    DURATION = "duration"
    PLACE = "place"
    COUNTRY = "country"
    LANGUAGE = "language"
    CAPACITY = "capacity"
    CONFIRM = "confirm"
    """The summary, with Create and an Edit button per answer."""


class Move(StrEnum):
    BACK = "back"
    """To the step before, its answer kept."""
    KEEP = "keep"
    """The answer given before is still right: on to the next step."""
    YES = "yes"
    """The date read back is right."""
    NO = "no"
    """It is not: the date or time is asked again."""


@dataclass(frozen=True)
class DraftMove(CallbackData):
    """Back, keep, yes or no on one step of the new-session conversation; a tap on a step
    the conversation has left is stale."""

    prefix = "snb"
    step: DraftStep
    move: Move


@dataclass(frozen=True)
class DraftEdit(CallbackData):
    """On the summary: change one answer (then back to the summary)."""

    prefix = "snf"
    step: DraftStep


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


class EditStep(StrEnum):
    """The steps of a reschedule (the edit draft's ``step``; a new place is "venue")."""

    DATE = "reschedule"
    TIME = "time"
    WHEN = "when"


@dataclass(frozen=True)
class EditPick(CallbackData):
    """A day or a common time picked while rescheduling ``session_id``."""

    prefix = "sep"
    session_id: int
    field: DraftField
    value: str


@dataclass(frozen=True)
class EditMove(CallbackData):
    """Back, yes or no on a step of a reschedule."""

    prefix = "sem"
    session_id: int
    step: EditStep
    move: Move
