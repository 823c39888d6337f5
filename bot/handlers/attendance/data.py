"""The buttons of attendance (prefixes ``a?``: kept, old buttons keep working)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.handlers.common.callback_data import CallbackData
from bot.models import AttendanceStatus
from bot.services.attendance import WalkInStep
from bot.services.session_state import TrainingUse


@dataclass(frozen=True)
class OpenAttendance(CallbackData):
    """The attendance panel of a session: the session view links here."""

    prefix = "aa"
    training_use = TrainingUse.RECORD
    session_id: int


@dataclass(frozen=True)
class OpenCheckin(CallbackData):
    prefix = "ao"
    training_use = TrainingUse.CHECK_IN
    session_id: int


@dataclass(frozen=True)
class CloseCheckin(CallbackData):
    prefix = "ac"
    training_use = TrainingUse.CHECK_IN
    session_id: int


@dataclass(frozen=True)
class ShowRoster(CallbackData):
    prefix = "ar"
    training_use = TrainingUse.RECORD
    session_id: int
    page: int


@dataclass(frozen=True)
class PickPerson(CallbackData):
    prefix = "ap"
    training_use = TrainingUse.RECORD
    session_id: int
    learner_id: int


@dataclass(frozen=True)
class MarkPerson(CallbackData):
    prefix = "am"
    training_use = TrainingUse.RECORD
    session_id: int
    learner_id: int
    status: AttendanceStatus


@dataclass(frozen=True)
class StartWalkIn(CallbackData):
    prefix = "aw"
    training_use = TrainingUse.RECORD
    session_id: int


@dataclass(frozen=True)
class WalkInAnswer(CallbackData):
    """A button answer in the walk-in conversation; the session is in the draft. ``value``
    is checked against the step's choices in the service."""

    prefix = "av"
    step: WalkInStep
    value: str


@dataclass(frozen=True)
class CancelWalkIn(CallbackData):
    prefix = "ax"


@dataclass(frozen=True)
class CancelCheckin(CallbackData):
    prefix = "ak"


@dataclass(frozen=True)
class AskRestAbsent(CallbackData):
    """ "Mark the rest absent" on the panel: asks for a confirmation first."""

    prefix = "an"
    training_use = TrainingUse.RECORD
    session_id: int


@dataclass(frozen=True)
class ConfirmRestAbsent(CallbackData):
    """The confirmation, for the ``count`` people it named: a roster that changed since is
    asked about again."""

    prefix = "ay"
    training_use = TrainingUse.RECORD
    session_id: int
    count: int
