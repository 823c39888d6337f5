"""Feedback after a session: one 1-5 question to each attendee, and an optional comment.

The question goes to learners whose attendance is present or late, once the
session has ended (and for a week after). A rating is stored once per session
and learner; the comment is typed afterwards, kept in a :class:`Draft` of kind
"feedback" while the bot waits for it (so it survives a restart).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import ATTENDED, Attendance, Delivery, Draft, Feedback, Learner, TrainingSession

KIND = "feedback"
"""The delivery kind of the question, the Draft kind and the ``awaiting`` text step."""
COMMENT_STEP = "comment"
RATINGS = range(1, 6)
ASK_WITHIN = timedelta(days=7)
"""How long after its end a session's attendees are still asked."""
LONGEST_SESSION = timedelta(days=7)
"""Only to narrow the database query; the end is checked exactly afterwards."""
MAX_COMMENT = 1000


@dataclass(frozen=True)
class DueQuestion:
    training: TrainingSession
    learner: Learner
    session_start: datetime


async def due_questions(db: AsyncSession, now: datetime) -> list[DueQuestion]:
    """Attendees of sessions that ended in the last week who were not asked yet."""
    rows = await db.exec(
        select(TrainingSession, Learner)
        .join(Attendance, col(Attendance.session_id) == col(TrainingSession.id))
        .join(Learner, col(Learner.id) == col(Attendance.learner_id))
        .where(
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) <= now,
            col(TrainingSession.starts_at) > now - ASK_WITHIN - LONGEST_SESSION,
            col(Attendance.status).in_(ATTENDED),
            col(Learner.telegram_id).is_not(None),
            col(Learner.reachable).is_(True),
            col(Learner.erased_at).is_(None),
        )
        .order_by(col(TrainingSession.starts_at), col(TrainingSession.id), col(Learner.id))
    )
    pairs = [
        (training, learner)
        for training, learner in rows.all()
        if now - ASK_WITHIN < training.ends_at <= now
    ]
    if not pairs:
        return []
    session_ids = {training.id for training, _ in pairs}
    asked = await db.exec(
        select(Delivery.session_id, Delivery.learner_id, Delivery.session_start).where(
            col(Delivery.session_id).in_(session_ids), col(Delivery.kind) == KIND
        )
    )
    asked_keys = {tuple(row) for row in asked.all()}
    answered = await db.exec(
        select(Feedback.session_id, Feedback.learner_id).where(
            col(Feedback.session_id).in_(session_ids)
        )
    )
    answered_keys = {tuple(row) for row in answered.all()}
    return [
        DueQuestion(training, learner, training.starts_at)
        for training, learner in pairs
        if (training.id, learner.id, training.starts_at) not in asked_keys
        and (training.id, learner.id) not in answered_keys
    ]


class Rated(StrEnum):
    STORED = "stored"
    """The rating is stored; ``comment_asked`` says whether a comment is awaited."""
    ALREADY = "already"
    """This learner has rated this session before; nothing changed."""
    NOT_ATTENDED = "not-attended"
    """Unknown or cancelled session, not ended yet, or the learner was not there."""
    INVALID = "invalid"
    """A rating outside 1..5."""


@dataclass(frozen=True)
class RatingResult:
    outcome: Rated
    training: TrainingSession | None = None
    comment_asked: bool = False


async def _attended(db: AsyncSession, training: TrainingSession, learner: Learner) -> bool:
    result = await db.exec(
        select(Attendance).where(
            Attendance.session_id == training.id, Attendance.learner_id == learner.id
        )
    )
    attendance = result.first()
    return attendance is not None and attendance.status in ATTENDED


async def find_feedback(db: AsyncSession, session_id: int, learner_id: int) -> Feedback | None:
    result = await db.exec(
        select(Feedback).where(Feedback.session_id == session_id, Feedback.learner_id == learner_id)
    )
    return result.first()


async def record_rating(
    db: AsyncSession, learner: Learner, session_id: int, rating: int, now: datetime
) -> RatingResult:
    """Stores the learner's rating of a session they attended, once; then awaits a comment.

    The comment is only asked for when the learner is in no other typed conversation
    (their ``awaiting`` is free), so that a trainer's half-made session is never lost.
    """
    if rating not in RATINGS:
        return RatingResult(Rated.INVALID)
    if learner.id is None or learner.erased_at is not None:
        return RatingResult(Rated.NOT_ATTENDED)
    training = await db.get(TrainingSession, session_id)
    if (
        training is None
        or training.cancelled_at is not None
        or training.ends_at > now
        or not await _attended(db, training, learner)
    ):
        return RatingResult(Rated.NOT_ATTENDED)
    if await find_feedback(db, session_id, learner.id) is not None:
        return RatingResult(Rated.ALREADY, training)
    # Updates are handled one at a time, so nothing comes between the check and the insert;
    # the unique constraint (session, learner) still stops a second row.
    db.add(Feedback(session_id=session_id, learner_id=learner.id, rating=rating, created_at=now))
    await db.flush()
    asked = await _start_comment(db, learner, session_id, now)
    return RatingResult(Rated.STORED, training, comment_asked=asked)


async def _start_comment(
    db: AsyncSession, learner: Learner, session_id: int, now: datetime
) -> bool:
    assert learner.id is not None
    if learner.awaiting not in (None, KIND):
        return False
    draft = await db.get(Draft, learner.id)
    if draft is not None and draft.kind != KIND:
        return False
    if draft is None:
        draft = Draft(learner_id=learner.id, kind=KIND, step=COMMENT_STEP)
    draft.step = COMMENT_STEP
    draft.data = json.dumps({"session_id": session_id})
    draft.updated_at = now
    db.add(draft)
    learner.awaiting = KIND
    db.add(learner)
    return True


async def awaited_comment(db: AsyncSession, learner: Learner) -> int | None:
    """The session whose comment the bot waits for from this learner, if any."""
    if learner.id is None:
        return None
    draft = await db.get(Draft, learner.id)
    if draft is None or draft.kind != KIND:
        return None
    try:
        session_id = json.loads(draft.data).get("session_id")
    except (ValueError, AttributeError):
        return None
    return session_id if isinstance(session_id, int) else None


async def _finish_comment(db: AsyncSession, learner: Learner) -> None:
    if learner.id is not None:
        draft = await db.get(Draft, learner.id)
        if draft is not None and draft.kind == KIND:
            await db.delete(draft)
            await db.flush()
    if learner.awaiting == KIND:
        learner.awaiting = None
        db.add(learner)


class Commented(StrEnum):
    STORED = "stored"
    EMPTY = "empty"
    TOO_LONG = "too-long"
    NOT_AWAITED = "not-awaited"
    """No comment is awaited (any more): the awaiting flag is cleared."""


def clean_comment(text: str) -> str:
    """NFC, no control characters except line breaks, no blank lines at either end."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    kept = "".join(char for char in text if char == "\n" or unicodedata.category(char)[0] != "C")
    return kept.strip()


async def record_comment(db: AsyncSession, learner: Learner, text: str) -> Commented:
    session_id = await awaited_comment(db, learner)
    feedback = (
        await find_feedback(db, session_id, learner.id)
        if session_id is not None and learner.id is not None
        else None
    )
    if feedback is None:
        await _finish_comment(db, learner)
        return Commented.NOT_AWAITED
    comment = clean_comment(text)
    if not comment:
        return Commented.EMPTY
    if len(comment) > MAX_COMMENT:
        return Commented.TOO_LONG
    feedback.comment = comment
    db.add(feedback)
    await _finish_comment(db, learner)
    return Commented.STORED


async def skip_comment(db: AsyncSession, learner: Learner, session_id: int) -> bool:
    """True when a comment for ``session_id`` was awaited and is no longer."""
    if await awaited_comment(db, learner) != session_id:
        return False
    await _finish_comment(db, learner)
    return True
