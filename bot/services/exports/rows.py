"""What one row of each sheet holds, as read from the database (codes, not labels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from bot.models import ATTENDED, Consent, Learner


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
    trainer_pseudonym: str | None
    """The trainer's person id (``Learner.pseudonym``)."""
    trainer_name: str | None
    """Only where the trainer agreed to be named (:func:`named`)."""

    @property
    def trainer(self) -> str | None:
        """The trainer's name where they agreed to be named, else their person id."""
        return self.trainer_name or self.trainer_pseudonym


@dataclass(frozen=True)
class AttendanceRow:
    training: SessionInfo
    learner_id: int
    person_id: str | None
    """``Learner.pseudonym``: the id the exports show."""
    name: str | None
    organisation: str | None
    country: str | None
    """The person's own country (with consent); the session's is ``training.country``."""
    gender: str | None
    age_band: str | None
    status: str
    """present | late | excused | absent | registered (not marked) | apologised"""
    erased: bool

    @property
    def attended(self) -> int:
        """1 when present or late (the rows *people trained* counts), else 0."""
        return 1 if self.status in ATTENDED else 0


@dataclass(frozen=True)
class ParticipantRow:
    learner_id: int
    person_id: str | None
    name: str | None
    source: str
    language: str
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
    rounded: bool = False
    """The counts are rounded to multiples of the threshold (a limited scope)."""
    average_suppressed: bool = False
    """There are ratings, but the small-number rule leaves their average empty."""


@dataclass(frozen=True)
class LearningRow:
    learner_id: int
    person_id: str | None
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


def named(consent: str, erased: bool, name_consent: bool | None, source: str) -> bool:
    """Whether a person's name may appear (as :func:`bot.services.learners.named`): they
    agreed to be named (a walk-in gave their name to the trainer for it), with consent."""
    return personal(consent, erased) and (name_consent is True or source == "walk_in")


def shown_name_column(learner: Any = Learner) -> Any:
    """The name a person agreed to show, else NULL, as SQL (``learner``: the table or an
    alias of it)."""
    return sa.case(
        (
            sa.and_(
                col(learner.consent) == Consent.GIVEN.value,
                col(learner.erased_at).is_(None),
                sa.or_(
                    col(learner.name_consent) == sa.true(),
                    col(learner.source) == "walk_in",
                ),
            ),
            col(learner.display_name),
        )
    )
