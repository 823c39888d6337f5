"""Conversations and what the runtime keeps: drafts of multi-step answers, announcements
and their outbox, inbound updates, marks, the inbox, groups."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.db import utcnow
from bot.models.base import _timestamp


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
