"""People and what they may do: learners (with consent and pseudonym), roles, invites,
the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import utcnow
from bot.models.base import _timestamp


class Consent(StrEnum):
    PENDING = "pending"
    GIVEN = "given"
    DECLINED = "declined"


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
