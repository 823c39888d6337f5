"""A person behind the bot: a learner's free text goes, if they say so, to their trainer
(of their next registered session) or else to the programme team (coordinators whose scope
covers them, and admins); staff answer and close the conversation in ``/inbox``.

Only people who consented to data processing can write (the messages are kept until the
conversation is erased with the person); a learner sends at most
``Settings.inbox_daily_limit`` messages in 24 hours. Every message, reply and closing is
audited (without its text)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    InboxConversation,
    InboxMessage,
    Learner,
    Registration,
    RegistrationStatus,
    Role,
    TrainingSession,
)
from bot.services import audit, drafts, learners, problems, roles
from bot.services.errors import NOT_ALLOWED, NOT_FOUND, ServiceError
from bot.services.roles import Scope
from bot.services.scope import NO_FILTERS, person_conditions

MAX_TEXT = 2000
LIST_LIMIT = 10
THREAD_LIMIT = 20
"""The newest messages a thread shows (the whole thread is in the learner's /mydata)."""
OPEN = "open"
CLOSED = "closed"
REPLY_STEP = "inbox-reply"
"""The text step while a staff member types a reply."""
SUBJECT = "inbox_conversation"
DAY = timedelta(days=1)
UNDER_WAY = timedelta(hours=12)


class Reason(StrEnum):
    NOT_FOUND = NOT_FOUND
    NOT_ALLOWED = NOT_ALLOWED
    NO_CONSENT = "no-consent"
    EMPTY = "empty"
    TOO_LONG = "too-long"
    LIMIT = "limit"
    """The learner sent ``value`` messages in the last 24 hours: the daily limit."""
    CLOSED = "closed"


class InboxError(ServiceError):
    reason: Reason


@dataclass(frozen=True)
class Written:
    """A learner's message, in its conversation (``new``: the conversation just opened)."""

    conversation: InboxConversation
    message: InboxMessage
    new: bool


def _clean(text: str, limit: int = MAX_TEXT) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InboxError(Reason.EMPTY)
    if len(cleaned) > limit:
        raise InboxError(Reason.TOO_LONG, str(limit))
    return cleaned


def _check_consent(learner: Learner) -> None:
    if not learners.records_allowed(learner):
        raise InboxError(Reason.NO_CONSENT)


# -- the learner's side ----------------------------------------------------------------------


async def next_trainer(db: AsyncSession, learner: Learner, now: datetime) -> Learner | None:
    """The trainer of the learner's next registered session (not yet over, not cancelled),
    if that trainer can be reached; None: the programme team."""
    found = await db.exec(
        select(Learner)
        .join(TrainingSession, col(TrainingSession.trainer_id) == Learner.id)
        .join(Registration, col(Registration.session_id) == TrainingSession.id)
        .where(
            Registration.learner_id == learner.id,
            Registration.status == RegistrationStatus.REGISTERED,
            col(TrainingSession.cancelled_at).is_(None),
            # A session under way today still counts: its trainer is the one to ask.
            col(TrainingSession.starts_at) > now - UNDER_WAY,
            col(Learner.telegram_id).is_not(None),
            col(Learner.id) != learner.id,
        )
        .order_by(col(TrainingSession.starts_at))
    )
    return found.first()


async def open_conversation(db: AsyncSession, learner: Learner) -> InboxConversation | None:
    """The learner's open conversation with the newest message, if any."""
    found = await db.exec(
        select(InboxConversation)
        .where(InboxConversation.learner_id == learner.id, InboxConversation.status == OPEN)
        .order_by(col(InboxConversation.last_at).desc(), col(InboxConversation.id).desc())
    )
    return found.first()


async def offer(db: AsyncSession, learner: Learner, text: str, now: datetime) -> InboxMessage:
    """Keeps the text the bot offers to send (not sent yet: no conversation); an earlier
    offer not taken is dropped."""
    _check_consent(learner)
    cleaned = _clean(text)
    await db.exec(
        sa.delete(InboxMessage).where(
            col(InboxMessage.learner_id) == learner.id,
            col(InboxMessage.conversation_id).is_(None),
        )
    )
    row = InboxMessage(learner_id=learner.id or 0, author_id=learner.id, at=now, text=cleaned)
    db.add(row)
    await db.flush()
    return row


async def _pending(db: AsyncSession, learner: Learner, message_id: int) -> InboxMessage:
    row = await db.get(InboxMessage, message_id)
    if row is None or row.learner_id != learner.id or row.conversation_id is not None:
        raise InboxError(Reason.NOT_FOUND)
    return row


async def drop_offer(db: AsyncSession, learner: Learner, message_id: int) -> None:
    """The learner tapped No: the text is not kept."""
    await db.delete(await _pending(db, learner, message_id))
    await db.flush()


async def _check_limit(db: AsyncSession, learner: Learner, now: datetime, limit: int) -> None:
    sent = (
        await db.exec(
            select(sa.func.count())
            .select_from(InboxMessage)
            .where(
                col(InboxMessage.learner_id) == learner.id,
                col(InboxMessage.author_id) == learner.id,
                col(InboxMessage.conversation_id).is_not(None),
                col(InboxMessage.at) > now - DAY,
            )
        )
    ).one()
    if int(sent) >= limit:
        raise InboxError(Reason.LIMIT, str(limit))


async def _conversation_with(
    db: AsyncSession, learner: Learner, trainer: Learner | None, now: datetime
) -> tuple[InboxConversation, bool]:
    """The learner's open conversation with this recipient, or a new one."""
    trainer_id = trainer.id if trainer is not None else None
    found = await db.exec(
        select(InboxConversation).where(
            InboxConversation.learner_id == learner.id,
            InboxConversation.status == OPEN,
            col(InboxConversation.trainer_id).is_(None)
            if trainer_id is None
            else col(InboxConversation.trainer_id) == trainer_id,
        )
    )
    conversation = found.first()
    if conversation is not None:
        return conversation, False
    conversation = InboxConversation(
        learner_id=learner.id or 0, trainer_id=trainer_id, opened_at=now, last_at=now
    )
    db.add(conversation)
    await db.flush()
    return conversation, True


async def _append(
    db: AsyncSession,
    conversation: InboxConversation,
    message: InboxMessage,
    learner: Learner,
    new: bool,
    now: datetime,
) -> Written:
    assert conversation.id is not None
    message.conversation_id, message.at = conversation.id, now
    conversation.last_at = now
    db.add_all([message, conversation])
    await db.flush()
    await audit.record(
        db,
        actor_id=learner.id,
        action="inbox.write",
        subject_type=SUBJECT,
        subject_id=conversation.id,
        details={
            "learner_id": learner.id,
            "to": "trainer" if conversation.trainer_id is not None else "team",
            "new": new,
        },
        now=now,
    )
    return Written(conversation, message, new)


async def send_offer(
    db: AsyncSession, learner: Learner, message_id: int, now: datetime, limit: int
) -> Written:
    """The learner tapped Send: the text goes to their trainer or the programme team."""
    _check_consent(learner)
    message = await _pending(db, learner, message_id)
    await _check_limit(db, learner, now, limit)
    trainer = await next_trainer(db, learner, now)
    conversation, new = await _conversation_with(db, learner, trainer, now)
    return await _append(db, conversation, message, learner, new, now)


async def write(
    db: AsyncSession, learner: Learner, text: str, now: datetime, limit: int
) -> Written | None:
    """The learner's text, into their open conversation (None: they have none)."""
    conversation = await open_conversation(db, learner)
    if conversation is None:
        return None
    _check_consent(learner)
    cleaned = _clean(text)
    await _check_limit(db, learner, now, limit)
    message = InboxMessage(learner_id=learner.id or 0, author_id=learner.id, at=now, text=cleaned)
    return await _append(db, conversation, message, learner, False, now)


async def staff_to_tell(
    db: AsyncSession, conversation: InboxConversation, learner: Learner, admin_ids: Iterable[int]
) -> list[Learner]:
    """The trainer written to, or else the programme team: coordinators whose scope covers
    the learner, and admins."""
    if conversation.trainer_id is not None:
        trainer = await db.get(Learner, conversation.trainer_id)
        return [trainer] if trainer is not None and trainer.telegram_id is not None else []
    return await problems.staff_to_tell(db, learner, admin_ids)


# -- the staff's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who looks at the inbox: their own trainer conversations, and as a coordinator or an
    admin those of the learners in their scope (``scope`` None: none)."""

    staff: Learner
    scope: Scope | None


async def viewer(db: AsyncSession, staff: Learner, admin_ids: Iterable[int]) -> Viewer:
    held = await roles.roles_of(db, staff, admin_ids)
    if held & {Role.COORDINATOR, Role.ADMIN}:
        return Viewer(staff, await roles.scope_of(db, staff, admin_ids))
    return Viewer(staff, None)


def _visible(viewer: Viewer) -> Any:
    own = col(InboxConversation.trainer_id) == viewer.staff.id
    if viewer.scope is None:
        return own
    covered = person_conditions(viewer.scope, NO_FILTERS, learning=True)
    return sa.or_(own, sa.and_(sa.true(), *covered))


@dataclass(frozen=True)
class Listed:
    conversation: InboxConversation
    learner: Learner


async def open_conversations(db: AsyncSession, viewer: Viewer) -> tuple[list[Listed], int]:
    """The open conversations the viewer may see, newest first (at most LIST_LIMIT), and
    how many there are in all."""
    where = [col(InboxConversation.status) == OPEN, _visible(viewer)]
    joined = select(InboxConversation, Learner).join(
        Learner, col(Learner.id) == InboxConversation.learner_id
    )
    rows = await db.exec(
        joined.where(*where)
        .order_by(col(InboxConversation.last_at).desc(), col(InboxConversation.id).desc())
        .limit(LIST_LIMIT)
    )
    counted = (
        select(sa.func.count())
        .select_from(InboxConversation)
        .join(Learner, col(Learner.id) == InboxConversation.learner_id)
    )
    total = (await db.exec(counted.where(*where))).one()
    return [Listed(conversation, learner) for conversation, learner in rows.all()], int(total)


async def in_scope(db: AsyncSession, conversation_id: int, viewer: Viewer) -> Listed:
    """The conversation and its learner; refused when the viewer may not see it."""
    conversation = await db.get(InboxConversation, conversation_id)
    if conversation is None:
        raise InboxError(Reason.NOT_FOUND)
    found = await db.exec(
        select(Learner)
        .join(InboxConversation, col(InboxConversation.learner_id) == Learner.id)
        .where(col(InboxConversation.id) == conversation_id, _visible(viewer))
    )
    learner = found.first()
    if learner is None:
        raise InboxError(Reason.NOT_ALLOWED)
    return Listed(conversation, learner)


async def read(
    db: AsyncSession, conversation_id: int, viewer: Viewer, now: datetime
) -> tuple[Listed, list[InboxMessage]]:
    """The conversation and its newest messages for staff; who read a person's messages
    is audited like every other step."""
    listed = await in_scope(db, conversation_id, viewer)
    await audit.record(
        db,
        actor_id=viewer.staff.id,
        action="inbox.read",
        subject_type=SUBJECT,
        subject_id=conversation_id,
        details={"learner_id": listed.learner.id},
        now=now,
    )
    return listed, await thread(db, listed.conversation)


async def thread(db: AsyncSession, conversation: InboxConversation) -> list[InboxMessage]:
    """The newest THREAD_LIMIT messages, oldest first."""
    rows = await db.exec(
        select(InboxMessage)
        .where(InboxMessage.conversation_id == conversation.id)
        .order_by(col(InboxMessage.at).desc(), col(InboxMessage.id).desc())
        .limit(THREAD_LIMIT)
    )
    return list(reversed(rows.all()))


async def start_reply(
    db: AsyncSession, conversation_id: int, viewer: Viewer, now: datetime
) -> Listed:
    listed = await in_scope(db, conversation_id, viewer)
    if listed.conversation.status != OPEN:
        raise InboxError(Reason.CLOSED)
    staff = viewer.staff
    await drafts.save_draft(db, staff, REPLY_STEP, "reply", {"conversation": conversation_id}, now)
    await learners.await_input(db, staff, REPLY_STEP)
    return listed


async def awaited_reply(db: AsyncSession, staff: Learner) -> int | None:
    """The conversation whose reply ``staff`` is typing."""
    draft = await drafts.get_draft(db, staff, REPLY_STEP)
    value = drafts.draft_data(draft).get("conversation") if draft is not None else None
    return value if isinstance(value, int) else None


async def reply(
    db: AsyncSession, conversation_id: int, viewer: Viewer, text: str, now: datetime
) -> Listed:
    """Stores the staff's reply; the caller sends it to the learner."""
    listed = await in_scope(db, conversation_id, viewer)
    conversation = listed.conversation
    if conversation.status != OPEN:
        raise InboxError(Reason.CLOSED)
    cleaned = _clean(text)
    staff = viewer.staff
    db.add(
        InboxMessage(
            learner_id=listed.learner.id or 0,
            conversation_id=conversation_id,
            author_id=staff.id,
            at=now,
            text=cleaned,
        )
    )
    conversation.last_at = now
    db.add(conversation)
    await drafts.end_conversation(db, staff, REPLY_STEP)
    await audit.record(
        db,
        actor_id=staff.id,
        action="inbox.reply",
        subject_type=SUBJECT,
        subject_id=conversation_id,
        details={"learner_id": listed.learner.id},
        now=now,
    )
    return listed


async def close(db: AsyncSession, conversation_id: int, viewer: Viewer, now: datetime) -> Listed:
    listed = await in_scope(db, conversation_id, viewer)
    conversation = listed.conversation
    if conversation.status != OPEN:
        raise InboxError(Reason.CLOSED)
    conversation.status, conversation.closed_by, conversation.closed_at = (
        CLOSED,
        viewer.staff.id,
        now,
    )
    db.add(conversation)
    await audit.record(
        db,
        actor_id=viewer.staff.id,
        action="inbox.close",
        subject_type=SUBJECT,
        subject_id=conversation_id,
        details={"learner_id": listed.learner.id},
        now=now,
    )
    return listed


# -- the person's own data (/mydata) ---------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def personal_data(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    """The person's conversations with their messages (a text offered but not sent too),
    and the replies they wrote to others as staff."""
    conversations = await db.exec(
        select(InboxConversation)
        .where(InboxConversation.learner_id == learner_id)
        .order_by(col(InboxConversation.id))
    )
    messages = await db.exec(
        select(InboxMessage)
        .where(InboxMessage.learner_id == learner_id)
        .order_by(col(InboxMessage.at), col(InboxMessage.id))
    )
    by_conversation: dict[int | None, list[dict[str, Any]]] = {}
    for row in messages.all():
        by_conversation.setdefault(row.conversation_id, []).append(
            {"at": _iso(row.at), "by_you": row.author_id == learner_id, "text": row.text}
        )
    written = await db.exec(
        select(InboxMessage)
        .where(InboxMessage.author_id == learner_id, InboxMessage.learner_id != learner_id)
        .order_by(col(InboxMessage.at), col(InboxMessage.id))
    )
    received = await db.exec(
        select(InboxConversation)
        .where(
            sa.or_(
                col(InboxConversation.trainer_id) == learner_id,
                col(InboxConversation.closed_by) == learner_id,
            ),
            col(InboxConversation.learner_id) != learner_id,
        )
        .order_by(col(InboxConversation.id))
    )
    return {
        "messages_to_people": [
            {
                "to": "trainer" if row.trainer_id is not None else "programme team",
                "status": row.status,
                "opened": _iso(row.opened_at),
                "closed": _iso(row.closed_at),
                "messages": by_conversation.get(row.id, []),
            }
            for row in conversations.all()
        ],
        "message_not_sent": by_conversation.get(None, []),
        "conversations_written_to_you": [
            {
                "conversation": row.id,
                "to_you_as_trainer": row.trainer_id == learner_id,
                "closed_by_you": row.closed_by == learner_id,
                "opened": _iso(row.opened_at),
                "closed": _iso(row.closed_at),
            }
            for row in received.all()
        ],
        "replies_you_wrote_as_staff": [
            {"at": _iso(row.at), "conversation": row.conversation_id, "text": row.text}
            for row in written.all()
        ],
    }
