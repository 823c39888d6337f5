"""What the database holds. Timestamps are timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime, utcnow


class Consent(StrEnum):
    PENDING = "pending"
    GIVEN = "given"
    DECLINED = "declined"


class QuizKind(StrEnum):
    PRE = "pre"
    """The question pool before the lessons: the baseline for knowledge gain."""
    POST = "post"
    """After the lessons; a retry is another post-test."""


def _timestamp(nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(UTCDateTime(), nullable=nullable)


class Learner(SQLModel, table=True):
    """Everyone who talks to the bot. Profile fields are empty unless consent was given."""

    __tablename__ = "learner"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, unique=True, nullable=True)
    )
    """Also the private chat id; emptied when the learner erases their data."""
    language: str = Field(max_length=8)
    language_chosen: bool = False
    consent: str = Field(default=Consent.PENDING, max_length=10)
    consent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    organisation: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=12)
    gender: str | None = Field(default=None, max_length=12)
    age_band: str | None = Field(default=None, max_length=12)
    special_consent: bool | None = None
    """Separate, explicit consent for special-category data (vulnerable group)."""
    special_consent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    vulnerable_group: str | None = Field(default=None, max_length=32)
    awaiting: str | None = Field(default=None, max_length=20)
    """The typed answer the bot is waiting for (for example the organisation's name)."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    erased_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class ModuleProgress(SQLModel, table=True):
    __tablename__ = "module_progress"
    __table_args__ = (sa.UniqueConstraint("learner_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    module_id: str = Field(max_length=24, index=True)
    current_card: int = 0
    cards_total: int
    started_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    lessons_done_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    passed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    module_id: str = Field(max_length=24, index=True)
    kind: str = Field(max_length=4)
    current_index: int = 0
    """The question being asked now; an answer to any other question is stale."""
    correct_count: int = 0
    question_count: int
    pass_mark: int
    passed: bool | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    finished_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))

    @property
    def score_percent(self) -> int:
        return round(100 * self.correct_count / self.question_count) if self.question_count else 0


class QuizAnswer(SQLModel, table=True):
    __tablename__ = "quiz_answer"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("quiz_attempt.id", ondelete="CASCADE"), nullable=False)
    )
    question_id: str = Field(max_length=40)
    option: str = Field(max_length=4)
    correct: bool
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
