"""Check-in: the trainer opens and closes it; a learner sends the code shown.

A learner sends the code and is marked present; the previous minute's code is still
accepted (a grace minute), an older one is "expired". Who may check in: anyone with
consent who is in the room and has the code. A learner who did not register through the
invite link is registered on the fly (capacity does not apply: they are there already),
and one who had apologised is registered again. The code identifies the session, so the
learner does not have to say which one.

Five wrong codes in a row lock check-in for that learner for ten minutes (stored in
``CheckinGuard``, so a restart does not reset it); a success resets the count. Malformed
input (not five letters/digits) and expired codes do not count as wrong tries: they are
not guesses. The QR code's link (:func:`check_in_by_link`) carries a token that cannot be
guessed, so the lock does not apply to it: someone locked out by typos is still let in by
scanning.

Someone who checks in more than ``late_after`` after the start is marked late.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    ATTENDED,
    AttendanceStatus,
    CheckinGuard,
    Learner,
    Registration,
    TrainingSession,
)
from bot.services.attendance.errors import AttendanceError, Reason
from bot.services.attendance.marks import (
    METHOD_CODE,
    METHOD_QR,
    attendance_of,
    ensure_registered,
    managed_training,
    set_status,
    training_of,
)
from bot.services.attendance.window import (
    LINK_VALID_MINUTES,
    WINDOW_AFTER,
    WINDOW_BEFORE,
    code_age,
    in_window,
    is_open,
    link_token_valid,
    looks_like_code,
    minute_of,
    normalise_code,
    window,
)
from bot.services.learners import records_allowed

MAX_WRONG_TRIES = 5
LOCK_FOR = timedelta(minutes=10)
DEFAULT_LATE_AFTER = timedelta(minutes=10)
"""The setting ``LATE_AFTER_MINUTES`` decides; this is for callers without settings."""


class CheckinOutcome(StrEnum):
    CHECKED_IN = "checked-in"
    REUSED = "reused"
    """Already present (or late) for this session: nothing changes."""
    WRONG = "wrong"
    EXPIRED = "expired"
    """A real code of an open check-in, but from two or more minutes ago."""
    MALFORMED = "malformed"
    """Not five letters and digits: not counted as a wrong try."""
    NO_OPEN_CHECKIN = "no-open-checkin"
    LOCKED = "locked"
    NO_CONSENT = "no-consent"
    """The code is right, but without consent nothing may be recorded."""
    LINK_EXPIRED = "link-expired"
    """A QR link of this session, older than ``LINK_VALID_MINUTES``."""
    LINK_INVALID = "link-invalid"
    """A QR link whose token is not this session's (forged, or mixed up)."""
    CLOSED = "closed"
    """A QR link of a session whose check-in is not open (any more)."""


@dataclass(frozen=True)
class CheckinResult:
    outcome: CheckinOutcome
    training: TrainingSession | None = None
    tries_left: int = 0
    locked_until: datetime | None = None
    status: AttendanceStatus | None = None
    """Present or late, when checked in (or already)."""


# -- opening and closing -----------------------------------------------------------------------


async def open_checkin(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> TrainingSession:
    """Opens (or re-opens) check-in. Raises ``not-found``, ``not-allowed`` (``actor`` does
    not manage the session), ``cancelled``, ``too-early`` or ``over``."""
    training = await managed_training(db, actor, session_id, admin_ids)
    if training.cancelled_at is not None:
        raise AttendanceError(Reason.CANCELLED)
    opens, closes = window(training)
    if now < opens:
        raise AttendanceError(Reason.TOO_EARLY)
    if now > closes:
        raise AttendanceError(Reason.OVER)
    if not is_open(training, now):
        training.checkin_opened_at = now
        training.checkin_closed_at = None
        db.add(training)
        await db.flush()
    return training


async def close_checkin(
    db: AsyncSession,
    actor: Learner | None,
    session_id: int,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> TrainingSession:
    """Closes check-in (``actor`` None: the bot, at the end of the window); idempotent.
    Raises ``not-found``, or ``not-allowed`` when ``actor`` does not manage the session."""
    if actor is None:
        training = await training_of(db, session_id)
    else:
        training = await managed_training(db, actor, session_id, admin_ids)
    if training.checkin_opened_at is not None and training.checkin_closed_at is None:
        training.checkin_closed_at = now
        db.add(training)
        await db.flush()
    return training


async def set_code_message(
    db: AsyncSession, session_id: int, chat_id: int | None, message_id: int | None
) -> None:
    """Remembers the message that shows the code, so that it can be refreshed every minute."""
    training = await training_of(db, session_id)
    training.checkin_chat_id = chat_id
    training.checkin_message_id = message_id
    db.add(training)
    await db.flush()


async def sessions_to_refresh(db: AsyncSession) -> list[TrainingSession]:
    """Sessions whose check-in is open in the database (maybe due to be closed)."""
    result = await db.exec(
        select(TrainingSession)
        .where(
            col(TrainingSession.checkin_opened_at).is_not(None),
            col(TrainingSession.checkin_closed_at).is_(None),
        )
        .order_by(col(TrainingSession.id))
    )
    return list(result.all())


async def open_sessions(db: AsyncSession, now: datetime) -> list[TrainingSession]:
    """Sessions whose check-in is open right now."""
    return [training for training in await sessions_to_refresh(db) if is_open(training, now)]


async def sessions_around(
    db: AsyncSession, day_start: datetime, day_end: datetime, now: datetime
) -> list[TrainingSession]:
    """Sessions (not cancelled) that start in [day_start, day_end) or whose check-in window
    contains ``now``, by start: the ``/attendance`` list."""
    earliest = min(day_start, now - WINDOW_AFTER - timedelta(days=1))
    result = await db.exec(
        select(TrainingSession)
        .where(
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) >= earliest,
            col(TrainingSession.starts_at) < max(day_end, now + WINDOW_BEFORE),
        )
        .order_by(col(TrainingSession.starts_at), col(TrainingSession.id))
    )
    return [
        training
        for training in result.all()
        if day_start <= training.starts_at < day_end or in_window(training, now)
    ]


# -- check-in by code --------------------------------------------------------------------------


async def _guard(db: AsyncSession, learner_id: int, now: datetime) -> CheckinGuard:
    guard = await db.get(CheckinGuard, learner_id)
    if guard is None:
        guard = CheckinGuard(learner_id=learner_id)
    elif guard.locked_until is not None and guard.locked_until <= now:
        guard.failures = 0
        guard.locked_until = None
    return guard


async def guard_of(db: AsyncSession, learner_id: int) -> CheckinGuard | None:
    return await db.get(CheckinGuard, learner_id)


def arrival_status(
    training: TrainingSession, now: datetime, late_after: timedelta
) -> AttendanceStatus:
    """Present, or late when ``now`` is more than ``late_after`` past the start."""
    return (
        AttendanceStatus.LATE if now > training.starts_at + late_after else AttendanceStatus.PRESENT
    )


async def check_in(
    db: AsyncSession,
    learner: Learner,
    text: str,
    now: datetime,
    *,
    late_after: timedelta = DEFAULT_LATE_AFTER,
) -> CheckinResult:
    """A learner sent ``text`` as a check-in code."""
    assert learner.id is not None
    guard = await _guard(db, learner.id, now)
    if guard.locked_until is not None:
        return CheckinResult(CheckinOutcome.LOCKED, locked_until=guard.locked_until)
    sessions = await open_sessions(db, now)
    if not sessions:
        return CheckinResult(CheckinOutcome.NO_OPEN_CHECKIN)
    code = normalise_code(text)
    if not looks_like_code(code):
        return CheckinResult(CheckinOutcome.MALFORMED)

    registered = await _registered_session_ids(db, learner.id, [s.id for s in sessions if s.id])
    # The learner's own sessions first: they decide if a code were ever shared by two.
    sessions.sort(key=lambda s: (s.id not in registered, s.id))
    ages = [(training, code_age(training, code, now)) for training in sessions]
    valid = next((s for s, age in ages if age is not None and age <= 1), None)
    if valid is None:
        expired = next((s for s, age in ages if age is not None), None)
        if expired is not None:
            return CheckinResult(CheckinOutcome.EXPIRED, training=expired)
        guard.failures += 1
        if guard.failures >= MAX_WRONG_TRIES:
            guard.locked_until = now + LOCK_FOR
        db.add(guard)
        await db.flush()
        if guard.locked_until is not None:
            return CheckinResult(CheckinOutcome.LOCKED, locked_until=guard.locked_until)
        return CheckinResult(CheckinOutcome.WRONG, tries_left=MAX_WRONG_TRIES - guard.failures)

    return await _arrive(db, learner, valid, guard, now, METHOD_CODE, late_after)


async def _arrive(
    db: AsyncSession,
    learner: Learner,
    training: TrainingSession,
    guard: CheckinGuard,
    now: datetime,
    method: str,
    late_after: timedelta,
) -> CheckinResult:
    """A right code or link: the count of wrong tries starts again, and the learner is marked
    present or late (registered on the spot if they had not registered: a walk-in)."""
    if guard.failures or guard.locked_until is not None:
        guard.failures = 0
        guard.locked_until = None
        db.add(guard)
    if not records_allowed(learner):
        return CheckinResult(CheckinOutcome.NO_CONSENT, training=training)
    assert training.id is not None and learner.id is not None
    row = await attendance_of(db, training.id, learner.id)
    if row is not None and row.status in ATTENDED:
        status = AttendanceStatus(row.status)
        return CheckinResult(CheckinOutcome.REUSED, training=training, status=status)
    await ensure_registered(db, training.id, learner.id, now, walk_in=True)
    status = arrival_status(training, now, late_after)
    await set_status(
        db,
        actor_id=learner.id,
        session_id=training.id,
        learner_id=learner.id,
        status=status,
        method=method,
        now=now,
    )
    return CheckinResult(CheckinOutcome.CHECKED_IN, training=training, status=status)


async def check_in_by_link(
    db: AsyncSession,
    learner: Learner,
    session_id: int,
    minute: int,
    token: str,
    now: datetime,
    *,
    late_after: timedelta = DEFAULT_LATE_AFTER,
) -> CheckinResult:
    """A learner opened the QR code's link of ``session_id`` for ``minute``. The token
    cannot be guessed, so wrong-code locks do not apply; a bad token is ``link-invalid``, one
    older than ``LINK_VALID_MINUTES`` (or from the future) ``link-expired``, a session
    whose check-in is not open ``closed``."""
    assert learner.id is not None
    training = await db.get(TrainingSession, session_id)
    if training is None or not link_token_valid(training, minute, token):
        return CheckinResult(CheckinOutcome.LINK_INVALID)
    age = minute_of(now) - minute
    if not 0 <= age <= LINK_VALID_MINUTES:
        return CheckinResult(CheckinOutcome.LINK_EXPIRED, training=training)
    if not is_open(training, now):
        return CheckinResult(CheckinOutcome.CLOSED, training=training)
    guard = await _guard(db, learner.id, now)
    return await _arrive(db, learner, training, guard, now, METHOD_QR, late_after)


async def _registered_session_ids(
    db: AsyncSession, learner_id: int, session_ids: Sequence[int]
) -> set[int]:
    if not session_ids:
        return set()
    result = await db.exec(
        select(Registration.session_id).where(
            Registration.learner_id == learner_id,
            col(Registration.session_id).in_(session_ids),
        )
    )
    return set(result.all())
