"""Training sessions: registrations, attendance, check-in, reminders and feedback."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime, utcnow
from bot.models.base import _timestamp


class AttendanceStatus(StrEnum):
    """A person's attendance at a session, as the trainer marks it or check-in records it."""

    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"


ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})
"""The statuses that count as having been there (reports, feedback questions, certificates)."""


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    APOLOGISED = "apologised"
    """The person said in advance that they cannot come."""


class TrainingSession(SQLModel, table=True):
    __tablename__ = "training_session"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    """For the invite link ``/start s_<code>``."""
    trainer_id: int = Field(foreign_key="learner.id", index=True)
    title: str = Field(max_length=120)
    module_id: str | None = Field(default=None, max_length=24)
    starts_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))
    duration_minutes: int
    venue: str | None = Field(default=None, max_length=200)
    online_url: str | None = Field(default=None, max_length=300)
    country: str = Field(max_length=12)
    language: str = Field(max_length=8)
    capacity: int
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    """The programme (project) it belongs to. Always set by the services; the column takes
    NULL only because SQLite cannot add a NOT NULL reference to a table others refer to
    without rebuilding it (migration 0007 puts every older session into the default one)."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    cancelled_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    version: int = 1
    """Raised by every change, so that an edit made from an older view is refused."""
    checkin_secret: str = Field(max_length=64)
    checkin_opened_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    checkin_closed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    checkin_chat_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    checkin_message_id: int | None = None
    """The trainer's message showing the rotating code, edited every minute."""
    venue_latitude: float | None = None
    venue_longitude: float | None = None
    """The venue on the map (both or neither), set from the session's screen; registered
    people get it as a map pin."""

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Registration(SQLModel, table=True):
    __tablename__ = "registration"
    __table_args__ = (sa.UniqueConstraint("session_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(default="registered", max_length=12)
    """registered | apologised"""
    registered_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    apologised_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    walk_in: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    """Registered on the spot, at check-in, without having registered before."""


class Attendance(SQLModel, table=True):
    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(max_length=10)
    """present | late | excused | absent"""
    method: str = Field(max_length=10)
    """code (the learner checked in) | trainer (marked on the roster) | walk_in"""
    marked_by: int | None = Field(default=None, foreign_key="learner.id")
    marked_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class CheckinGuard(SQLModel, table=True):
    """Wrong check-in codes in a row, per learner; too many lock check-in for a while."""

    __tablename__ = "checkin_guard"

    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class Delivery(SQLModel, table=True):
    """One message the bot sent on its own (reminder, notice, feedback question).

    The row is written before the message is sent, in its own transaction: a
    crash between the two loses that message rather than sending it twice.
    """

    __tablename__ = "delivery"
    __table_args__ = (sa.UniqueConstraint("session_id", "learner_id", "kind", "session_start"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=20)
    """reminder-1440 (minutes before), rescheduled, cancelled, feedback, ..."""
    session_start: datetime = Field(sa_column=_timestamp())
    """The start the message was about: a rescheduled session gets its reminders again."""
    status: str = Field(default="sending", max_length=12)
    """sending | sent | unreachable | failed | skipped"""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    sent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"
    __table_args__ = (sa.UniqueConstraint("session_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    rating: int
    comment: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
