"""Programmes, their modules and donors' targets, and the scheduled reports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import utcnow
from bot.models.base import _timestamp


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
