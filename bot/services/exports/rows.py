"""What one row of each sheet holds, as read from the database (codes, not labels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models import Consent


@dataclass(frozen=True)
class SessionInfo:
    id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    country: str
    module_id: str | None
    language: str
    capacity: int
    cancelled_at: datetime | None
    trainer_id: int
    trainer_name: str | None

    @property
    def trainer(self) -> str:
        """The trainer's name when they gave one, else their number."""
        return self.trainer_name or f"#{self.trainer_id}"


@dataclass(frozen=True)
class AttendanceRow:
    training: SessionInfo
    learner_id: int
    name: str | None
    organisation: str | None
    gender: str | None
    age_band: str | None
    status: str
    """present | late | excused | absent | registered (not marked) | apologised"""
    erased: bool


@dataclass(frozen=True)
class ParticipantRow:
    learner_id: int
    name: str | None
    source: str
    organisation: str | None
    country: str | None
    gender: str | None
    age_band: str | None
    vulnerable_group: str | None
    first_seen: datetime
    erased: bool
    sessions_attended: int
    modules_completed: int


@dataclass(frozen=True)
class SessionRow:
    training: SessionInfo
    state: str
    """cancelled | upcoming | held | not-held"""
    registered: int
    apologised: int
    attended: int
    ratings: int
    average_rating: float | None


@dataclass(frozen=True)
class LearningRow:
    learner_id: int
    module_id: str
    started_at: datetime | None
    completed_at: datetime | None
    pre_percent: int | None
    best_post_percent: int | None
    post_attempts: int
    gain: float | None = None
    """Percentage points on matched items (``indicators.knowledge_gain``)."""
    gain_items: int | None = None
    """The matched items the gain is computed on."""


def personal(consent: str, erased: bool) -> bool:
    """Whether a person's name and profile may appear: consent given, data not erased."""
    return consent == Consent.GIVEN and not erased
