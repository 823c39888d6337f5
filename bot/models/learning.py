"""Learning: progress through modules, quiz attempts and answers, certificates, problem
reports, study reminders and reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import utcnow
from bot.models.base import _timestamp


class QuizKind(StrEnum):
    PRE = "pre"
    """The question pool before the lessons: the baseline for knowledge gain."""
    POST = "post"
    """After the lessons; a retry is another post-test."""


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
    """When every card of the module had been seen (before 0007: the last card reached)."""
    passed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    cards_seen: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    """JSON: the ids of the cards seen so far (the quiz waits until all of them are)."""
    module_version: int | None = None
    """The version of the module the learner started on, which they finish on (None: started
    before versions were stored, or read from the files alone)."""


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
    form: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    """JSON: the questions asked, in order, each with its options in the order shown,
    ``[["q-id", "cadb"], ...]``; None for attempts made before 0007 (every question, as
    written)."""
    module_version: int | None = None
    """The version of the module the attempt was taken on (None: before 0010)."""

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
    objective: str | None = Field(default=None, max_length=40)
    """The objective the question measured when it was answered (None before 0007: the
    question is its own objective)."""
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Certificate(SQLModel, table=True):
    """A passed module, with a code anyone can check with ``/verify``."""

    __tablename__ = "certificate"
    __table_args__ = (sa.UniqueConstraint("learner_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    module_id: str = Field(max_length=24)
    name: str = Field(max_length=120)
    """The name as the learner gave it for the certificate."""
    language: str = Field(max_length=8)
    score_percent: int
    module_version: int | None = None
    """The version of the module the passing quiz was taken on (None: before 0010)."""
    issued_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class CertificateReplacement(SQLModel, table=True):
    """An earlier code of a certificate whose name was corrected: the certificate was issued
    again with a new code, and this one was revoked then. It holds no name, only what
    verifying the old code tells ("replaced on ...")."""

    __tablename__ = "certificate_replacement"

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("certificate.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    """The certificate as it is now (with its new code)."""
    code: str = Field(max_length=16, unique=True)
    issued_at: datetime = Field(sa_column=_timestamp())
    """When the replaced certificate had been issued."""
    replaced_at: datetime = Field(sa_column=_timestamp())


class ProblemReport(SQLModel, table=True):
    """A learner's "Report a problem" about one lesson card or quiz question, for the content
    team: what is wrong (``category``), in which language and content version, an optional
    sentence; answered and closed by a coordinator or an admin."""

    __tablename__ = "problem_report"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    module_id: str = Field(max_length=24, index=True)
    item_kind: str = Field(max_length=8)
    """card | question"""
    item_id: str = Field(max_length=40)
    language: str = Field(max_length=8)
    content_version: str = Field(max_length=40)
    """The module's "facts checked" date and a hash of the item's text in that language."""
    category: str = Field(max_length=10)
    """fact | language | unclear"""
    comment: str | None = Field(default=None, max_length=500)
    status: str = Field(default="open", max_length=8, index=True)
    """open | closed"""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    answer: str | None = Field(default=None, max_length=1000)
    answered_by: int | None = Field(default=None, foreign_key="learner.id")
    answered_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    closed_by: int | None = Field(default=None, foreign_key="learner.id")
    closed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class NudgePlan(SQLModel, table=True):
    """A learner's own study nudge: daily or weekly, at a local time in a time zone they
    picked; ``stopped_at`` set: no nudges."""

    __tablename__ = "nudge_plan"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    frequency: str = Field(default="daily", max_length=8)
    """daily | weekly"""
    weekday: int = 0
    """For a weekly nudge: Monday 0 .. Sunday 6."""
    minute_of_day: int = 18 * 60
    """Local time, minutes after midnight."""
    zone: str = Field(max_length=40)
    """An IANA zone ("Europe/Skopje") or a fixed offset ("UTC+01:00")."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    stopped_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class NudgeDelivery(SQLModel, table=True):
    """One nudge due at one time for one learner: claimed (written) before it is sent, so
    that it goes at most once across restarts."""

    __tablename__ = "nudge_delivery"
    __table_args__ = (sa.UniqueConstraint("learner_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    due_at: datetime = Field(sa_column=_timestamp())
    status: str = Field(default="sending", max_length=12)
    """sending | sent | unreachable | failed"""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ReviewItem(SQLModel, table=True):
    """A quiz question the learner missed, asked again a few days later (spaced review);
    its answer is recorded here, never in the quiz's attempts (not counted in the gain)."""

    __tablename__ = "review_item"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    module_id: str = Field(max_length=24)
    question_id: str = Field(max_length=40)
    due_at: datetime = Field(sa_column=_timestamp())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    answered_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    correct: bool | None = None
