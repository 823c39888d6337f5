"""Content stored in the database: module versions and the translations' review status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import utcnow
from bot.models.base import _timestamp


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
