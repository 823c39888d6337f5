"""What the database holds. Timestamps are timezone-aware UTC."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
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


MAX_ID = 2**31 - 1
"""The largest id (and counter) a row can have: they are PostgreSQL ``integer`` columns, and
a bigger number in a query makes PostgreSQL fail instead of finding nothing."""


def _timestamp(nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(UTCDateTime(), nullable=nullable)


PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Digits and capitals that cannot be mistaken for one another (no 0/O, 1/I/L, U/V)."""
PSEUDONYM_LENGTH = 10


def new_pseudonym() -> str:
    """A random person id for reports (``P-`` and 10 characters, about 2^49 of them): it
    says nothing about the person, their Telegram id or when they came (docs/reporting.md,
    "Person ids")."""
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(PSEUDONYM_LENGTH))


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
    awaiting: str | None = Field(default=None, max_length=40)
    """The typed answer the bot is waiting for (for example the organisation's name)."""
    pending_start: str | None = Field(default=None, max_length=64)
    """A deep-link payload (``s_<code>``) to act on once onboarding is finished."""
    display_name: str | None = Field(default=None, max_length=120)
    """The name as the person gave it (onboarding, /profile, walk-ins, certificates)."""
    name_consent: bool | None = None
    """Whether trainers, rosters and exports may show ``display_name``: None = not asked
    yet, False = "don't show my name" (a walk-in's name is given to the trainer to be shown)."""
    name_consent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    pseudonym: str | None = Field(
        default_factory=new_pseudonym,
        sa_column=sa.Column(sa.String(12), nullable=True, unique=True, index=True),
    )
    """The person's id in exports and reports: random, stable across exports, never the
    Telegram id; an erased person's rows get a new one (the old one then belongs to nobody)."""
    source: str = Field(default="telegram", max_length=10)
    """telegram | walk_in (added by a trainer, without Telegram)"""
    added_by: int | None = Field(default=None, foreign_key="learner.id")
    reachable: bool = True
    """False once Telegram answered 403 (the person blocked the bot): not retried."""
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


class Role(StrEnum):
    TRAINER = "trainer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    EDITOR = "editor"
    """Changes lessons and quizzes (``/content``), in every language or in those of its
    scope (``languages``)."""


class RoleGrant(SQLModel, table=True):
    """Who holds which role; revoking keeps the row (``revoked_at``) for the record."""

    __tablename__ = "role_grant"
    __table_args__ = (sa.UniqueConstraint("learner_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    role: str = Field(max_length=12)
    countries: str | None = Field(default=None, max_length=100)
    """A coordinator's scope: country codes separated by commas; empty means all."""
    organisations: str | None = Field(default=None, max_length=500)
    """A coordinator's scope: organisation names separated by newlines; empty means all."""
    programmes: str | None = Field(default=None, max_length=200)
    """A coordinator's scope: programme ids separated by commas; empty means all."""
    languages: str | None = Field(default=None, max_length=100)
    """An editor's scope: language codes separated by commas; empty means all."""
    granted_by: int | None = Field(default=None, foreign_key="learner.id")
    granted_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    revoked_by: int | None = Field(default=None, foreign_key="learner.id")
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class RoleInvite(SQLModel, table=True):
    """A one-time link that grants a role: ``/start r_<code>``."""

    __tablename__ = "role_invite"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=24, unique=True)
    role: str = Field(max_length=12)
    countries: str | None = Field(default=None, max_length=100)
    organisations: str | None = Field(default=None, max_length=500)
    programmes: str | None = Field(default=None, max_length=200)
    languages: str | None = Field(default=None, max_length=100)
    created_by: int = Field(foreign_key="learner.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=_timestamp())
    used_by: int | None = Field(default=None, foreign_key="learner.id")
    used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class AuditEntry(SQLModel, table=True):
    """Every grant, use and revocation of a role, and every attendance change."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    actor_id: int | None = Field(default=None, foreign_key="learner.id")
    """Who did it; empty for the bot itself or for the admins from the settings."""
    action: str = Field(max_length=40, index=True)
    subject_type: str = Field(max_length=20)
    subject_id: int
    details: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    """JSON: for example the old and the new attendance status."""


class Programme(SQLModel, table=True):
    """A programme (project) that sessions belong to and donors' targets are set for."""

    __tablename__ = "programme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    donor: str | None = Field(default=None, max_length=200)
    starts_on: date
    ends_on: date
    """The last day of the programme (included)."""
    countries: str | None = Field(default=None, max_length=100)
    """Country codes separated by commas; empty means any."""
    is_default: bool = False
    """The one programme that sessions go to when nobody chose another (one at most)."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ProgrammeModule(SQLModel, table=True):
    """A module taught in a programme (optional: learning figures of a programme count
    these modules' learners as well as its sessions' participants)."""

    __tablename__ = "programme_module"
    __table_args__ = (sa.UniqueConstraint("programme_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("programme.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    module_id: str = Field(max_length=24)


class Target(SQLModel, table=True):
    """A donor's target: ``value`` of an indicator by ``due_on`` (counted from ``counts_from``,
    the programme's start unless set), for the whole programme or one country (``""``:
    the whole programme)."""

    __tablename__ = "target"
    __table_args__ = (sa.UniqueConstraint("programme_id", "indicator", "country", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("programme.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    indicator: str = Field(max_length=32)
    country: str = Field(default="", max_length=12)
    counts_from: date | None = None
    due_on: date
    value: int
    loaded_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ReportSubscription(SQLModel, table=True):
    """A coordinator's standing order for a workbook of their scope every week or month."""

    __tablename__ = "report_subscription"
    __table_args__ = (sa.UniqueConstraint("learner_id", "frequency"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    frequency: str = Field(max_length=10)
    """weekly | monthly"""
    programme_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("programme.id", ondelete="CASCADE"), nullable=True),
    )
    """Only this programme's figures (within the scope); empty: the whole scope."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    cancelled_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class ReportDelivery(SQLModel, table=True):
    """One period's workbook of one subscription: claimed (written) before it is made and
    sent, so that it goes at most once, across restarts and with two bots running."""

    __tablename__ = "report_delivery"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("report_subscription.id", ondelete="CASCADE"), nullable=False
        )
    )
    period_start: date
    """The first day of the period the delivery belongs to (the report covers the period
    before it)."""
    status: str = Field(default="sending", max_length=12)
    """sending | sent | skipped (no role any more) | failed | unknown"""
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    sent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


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


class Draft(SQLModel, table=True):
    """A multi-step conversation in progress (a new session, a walk-in): kept across restarts."""

    __tablename__ = "draft"

    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    kind: str = Field(max_length=20)
    step: str = Field(max_length=20)
    data: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


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


class Announcement(SQLModel, table=True):
    """A coordinator's message to an audience, delivered through the outbox."""

    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    created_by: int = Field(foreign_key="learner.id")
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    """Telegram HTML, as the coordinator wrote it (escaped)."""
    audience: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    """JSON: language, country, module, session filters (absent means everyone in scope)."""
    status: str = Field(default="draft", max_length=10)
    """draft | sending | done | cancelled"""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    confirmed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    report_chat_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    """Where the delivery summary goes."""


class OutboxMessage(SQLModel, table=True):
    """One announcement to one person: written before sending, marked when done."""

    __tablename__ = "outbox"
    __table_args__ = (sa.UniqueConstraint("announcement_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("announcement.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    learner_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(default="pending", max_length=12, index=True)
    """pending | sending | sent | unreachable | failed | unknown (was on its way at a crash:
    maybe delivered, never resent)"""
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    """When a retry may go (after Telegram's retry_after or a network error)."""
    sent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class InboundUpdate(SQLModel, table=True):
    """An update as fetched from Telegram, stored before it is acknowledged (polling), so that
    a crash loses none and a restart handles none twice."""

    __tablename__ = "inbound_update"

    update_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    """JSON: the update as Telegram sent it (``Update.to_dict()``)."""
    received_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    status: str = Field(default="pending", max_length=10, index=True)
    """pending | done | failed (queued too many times without being done: left alone)"""
    processed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    attempts: int = 0
    """How many times it was put into the application's queue."""
    claimed_by: str | None = Field(default=None, max_length=32)
    """The run (a random id per process) that queued it: a run queues only what it claimed,
    with a compare-and-set, so two runs never handle one update."""
    claimed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class RuntimeMark(SQLModel, table=True):
    """What the running bot notes about itself: ``health`` is written by every /health (a
    database that takes no writes is not healthy), ``bot_started`` by every start of the real
    bot (so the simulator knows that the database holds real people)."""

    __tablename__ = "runtime_mark"

    name: str = Field(primary_key=True, max_length=32)
    at: datetime = Field(sa_column=_timestamp())


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


class InboxConversation(SQLModel, table=True):
    """A learner writing to a person: their trainer (``trainer_id``) or the programme team
    (coordinators in scope and admins, ``trainer_id`` empty); one open conversation per
    learner and recipient at a time, closed by staff."""

    __tablename__ = "inbox_conversation"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    trainer_id: int | None = Field(default=None, foreign_key="learner.id", index=True)
    status: str = Field(default="open", max_length=8, index=True)
    """open | closed"""
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    """The newest message: ``/inbox`` lists the newest first."""
    closed_by: int | None = Field(default=None, foreign_key="learner.id")
    closed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class InboxMessage(SQLModel, table=True):
    """One message of a conversation, by the learner or by staff; a learner's text the bot
    offered to send and that was not sent yet has no conversation."""

    __tablename__ = "inbox_message"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("learner.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    """Whose conversation (the learner's), whoever wrote it."""
    conversation_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("inbox_conversation.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    author_id: int | None = Field(default=None, foreign_key="learner.id")
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class GroupGreeting(SQLModel, table=True):
    """A group chat the bot has answered once (its note and link); nothing about members."""

    __tablename__ = "group_greeting"

    chat_id: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    greeted_at: datetime = Field(sa_column=_timestamp())


class TranslationState(StrEnum):
    """How far a translated text has come (stored)."""

    MACHINE = "machine"
    """Drafted by a machine (or an AI assistant) and not yet checked by a translator."""
    TRANSLATED = "translated"
    """Written or checked by a translator."""
    REVIEWED = "reviewed"
    """Read again and approved by a second person (``changed_by``, ``changed_at``)."""


class TranslationStatus(SQLModel, table=True):
    """One text of one module in one language: its state, and the fingerprint of the
    English text it was made from; ``needs_review`` once the English changed since (or a
    translator marked it fuzzy). Texts without a row are as the module's files shipped."""

    __tablename__ = "translation_status"
    __table_args__ = (sa.UniqueConstraint("module_id", "language", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=24, index=True)
    language: str = Field(max_length=8)
    key: str = Field(max_length=100)
    """The text's key: ``cards.<card>``, ``questions.<question>.options.<option>`` …"""
    state: str = Field(max_length=12)
    needs_review: bool = False
    source_hash: str = Field(max_length=16)
    changed_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="SET NULL"), nullable=True),
    )
    """Who set the state (the reviewer, for ``reviewed``); none for the shipped files."""
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class VersionState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    """What learners starting the module get; one per module."""
    SUPERSEDED = "superseded"
    """Published before; kept for the learners still finishing it, and for reports."""
    RETIRED = "retired"
    """The module's last version once it is hidden from the catalogue."""


class ModuleVersion(SQLModel, table=True):
    """A module's files as data (``bot.content.catalogue.Files``), one row per version."""

    __tablename__ = "module_version"
    __table_args__ = (sa.UniqueConstraint("module_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=24, index=True)
    number: int
    state: str = Field(max_length=12)
    files: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    """JSON: ``{"module": {...}, "en": {...}, "sq": {...}}``, as the YAML files hold them."""
    from_files: str | None = Field(default=None, max_length=64)
    """The hash of the shipped files this version was loaded from; None when made in the bot."""
    created_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    """When the state last changed: the catalogue's generation is read from it."""
    published_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("learner.id", ondelete="SET NULL"), nullable=True),
    )
    published_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
