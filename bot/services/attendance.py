"""Attendance: check-in with a rotating code, marks on the roster, walk-in participants.

The trainer opens check-in for a session between 30 minutes before its start
and 30 minutes after its end. The bot then shows a 5-character code that
changes every minute; it is derived (HMAC-SHA256) from the session's secret and
the minute number, so nothing has to be stored per minute and every bot
process computes the same code. A learner sends the code and is marked
present; the previous minute's code is still accepted (a grace minute), an
older one is "expired".

Who may check in: anyone with consent who is in the room and has the code. A
learner who did not register through the invite link is registered on the fly
(capacity does not apply: they are there already), and one who had apologised
is registered again. The code identifies the session, so the learner does not
have to say which one.

Five wrong codes in a row lock check-in for that learner for ten minutes
(stored in ``CheckinGuard``, so a restart does not reset it); a success resets
the count. Malformed input (not five letters/digits) and expired codes do not
count as wrong tries: they are not guesses.

Every change of an attendance status is audited (``attendance.mark``, with the
old and the new status), whoever made it: the learner with a code, the trainer
on the roster, or the trainer adding a walk-in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    CheckinGuard,
    Consent,
    Draft,
    Learner,
    Registration,
    TrainingSession,
)
from bot.services import audit
from bot.services.codes import typed_code
from bot.services.learners import (
    MAX_ORGANISATION,
    PROFILE_CHOICES,
    UNDISCLOSED,
    clean_text,
    records_allowed,
)

WINDOW_BEFORE = timedelta(minutes=30)
"""Check-in opens at most this long before the start ..."""
WINDOW_AFTER = timedelta(minutes=30)
"""... and closes at the latest this long after the end."""

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: nothing that reads as something else on a projector or a phone."""
CODE_LENGTH = 5
EXPIRED_LOOKBACK_MINUTES = 120
"""How far back a code is still recognised, to answer "expired" rather than "wrong"."""

MAX_WRONG_TRIES = 5
LOCK_FOR = timedelta(minutes=10)

MAX_NAME = 120

PRESENT = "present"
LATE = "late"
EXCUSED = "excused"
ABSENT = "absent"
STATUSES = (PRESENT, LATE, EXCUSED, ABSENT)
ATTENDED = (PRESENT, LATE)
"""The statuses that count as having been there (reports, feedback questions)."""

METHOD_CODE = "code"
METHOD_TRAINER = "trainer"
METHOD_WALK_IN = "walk_in"

REGISTERED = "registered"
APOLOGISED = "apologised"
AUDIT_ACTION = "attendance.mark"


class AttendanceError(Exception):
    """The request cannot be done; ``reason`` is a word the handler translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Outcome(StrEnum):
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


@dataclass(frozen=True)
class CheckinResult:
    outcome: Outcome
    training: TrainingSession | None = None
    tries_left: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class MarkResult:
    attendance: Attendance
    old: str | None
    new: str
    changed: bool


@dataclass(frozen=True)
class RosterEntry:
    """One person on a session's roster, with what the trainer may see of them."""

    learner_id: int
    name: str | None
    """The name the person gave (walk-ins); None for Telegram learners (names not stored)."""
    organisation: str | None
    country: str | None
    registration: str | None
    """registered | apologised | None (only an attendance row)"""
    status: str | None
    method: str | None
    walk_in: bool


@dataclass(frozen=True)
class Counts:
    registered: int
    present: int
    late: int
    excused: int
    absent: int

    @property
    def attended(self) -> int:
        return self.present + self.late


# -- the window --------------------------------------------------------------------------------


def window(training: TrainingSession) -> tuple[datetime, datetime]:
    """From 30 minutes before the start until 30 minutes after the end, both included."""
    return training.starts_at - WINDOW_BEFORE, training.ends_at + WINDOW_AFTER


def in_window(training: TrainingSession, now: datetime) -> bool:
    opens, closes = window(training)
    return opens <= now <= closes


def is_open(training: TrainingSession, now: datetime) -> bool:
    """Check-in was opened, not closed, and the session is neither cancelled nor over."""
    return (
        training.checkin_opened_at is not None
        and training.checkin_closed_at is None
        and training.cancelled_at is None
        and in_window(training, now)
    )


# -- the rotating code -------------------------------------------------------------------------


def minute_of(now: datetime) -> int:
    """The minute number: floor(unix seconds / 60)."""
    return int(now.timestamp()) // 60


def minute_start(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def code_for_minute(secret: str, minute: int) -> str:
    digest = hmac.new(secret.encode(), str(minute).encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    chars: list[str] = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def current_code(training: TrainingSession, now: datetime) -> str:
    return code_for_minute(training.checkin_secret, minute_of(now))


def normalise_code(text: str) -> str:
    """As typed from the trainer's screen: see :func:`bot.services.codes.typed_code`."""
    return typed_code(text)


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(char in CODE_ALPHABET for char in code)


def code_age(training: TrainingSession, code: str, now: datetime) -> int | None:
    """How many minutes old ``code`` is for this session (0 = current), or None if it is not
    one of its codes since check-in opened (at most two hours back)."""
    current = minute_of(now)
    oldest = current - EXPIRED_LOOKBACK_MINUTES
    if training.checkin_opened_at is not None:
        oldest = max(oldest, minute_of(training.checkin_opened_at) - 1)
    for age, minute in enumerate(range(current, oldest - 1, -1)):
        if hmac.compare_digest(code_for_minute(training.checkin_secret, minute), code):
            return age
    return None


# -- opening and closing -----------------------------------------------------------------------


async def _session(db: AsyncSession, session_id: int) -> TrainingSession:
    training = await db.get(TrainingSession, session_id)
    if training is None:
        raise AttendanceError("no-session")
    return training


async def open_checkin(
    db: AsyncSession, actor: Learner, session_id: int, now: datetime
) -> TrainingSession:
    """Opens (or re-opens) check-in. Raises ``cancelled``, ``too-early`` or ``over``.

    Permission (``sessions.may_manage``) is the caller's to check.
    """
    training = await _session(db, session_id)
    if training.cancelled_at is not None:
        raise AttendanceError("cancelled")
    opens, closes = window(training)
    if now < opens:
        raise AttendanceError("too-early")
    if now > closes:
        raise AttendanceError("over")
    if not is_open(training, now):
        training.checkin_opened_at = now
        training.checkin_closed_at = None
        db.add(training)
        await db.flush()
    return training


async def close_checkin(
    db: AsyncSession, actor: Learner | None, session_id: int, now: datetime
) -> TrainingSession:
    """Closes check-in (``actor`` None: the bot, at the end of the window); idempotent."""
    training = await _session(db, session_id)
    if training.checkin_opened_at is not None and training.checkin_closed_at is None:
        training.checkin_closed_at = now
        db.add(training)
        await db.flush()
    return training


async def set_code_message(
    db: AsyncSession, session_id: int, chat_id: int | None, message_id: int | None
) -> None:
    """Remembers the message that shows the code, so that it can be refreshed every minute."""
    training = await _session(db, session_id)
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


# -- records -----------------------------------------------------------------------------------


async def attendance_of(db: AsyncSession, session_id: int, learner_id: int) -> Attendance | None:
    result = await db.exec(
        select(Attendance).where(
            Attendance.session_id == session_id, Attendance.learner_id == learner_id
        )
    )
    return result.first()


async def registration_of(
    db: AsyncSession, session_id: int, learner_id: int
) -> Registration | None:
    result = await db.exec(
        select(Registration).where(
            Registration.session_id == session_id, Registration.learner_id == learner_id
        )
    )
    return result.first()


async def _ensure_registered(
    db: AsyncSession, session_id: int, learner_id: int, now: datetime
) -> None:
    """Registers someone who is in the room; an apology is withdrawn: they came after all."""
    registration = await registration_of(db, session_id, learner_id)
    if registration is None:
        db.add(
            Registration(
                session_id=session_id, learner_id=learner_id, status=REGISTERED, registered_at=now
            )
        )
    elif registration.status != REGISTERED:
        registration.status = REGISTERED
        registration.apologised_at = None
        db.add(registration)
    await db.flush()


async def _set_status(
    db: AsyncSession,
    *,
    actor_id: int | None,
    session_id: int,
    learner_id: int,
    status: str,
    method: str,
    now: datetime,
) -> MarkResult:
    """Creates or updates the one attendance row of (session, learner), and audits a change."""
    row = await attendance_of(db, session_id, learner_id)
    old = row.status if row is not None else None
    if row is not None and old == status:
        return MarkResult(row, old, status, changed=False)
    if row is None:
        row = Attendance(session_id=session_id, learner_id=learner_id, status=status, method=method)
    row.status = status
    row.method = method
    row.marked_by = actor_id
    row.marked_at = now
    db.add(row)
    await db.flush()
    assert row.id is not None
    await audit.record(
        db,
        actor_id=actor_id,
        action=AUDIT_ACTION,
        subject_type="attendance",
        subject_id=row.id,
        details={
            "session_id": session_id,
            "learner_id": learner_id,
            "old": old,
            "new": status,
            "method": method,
        },
        now=now,
    )
    return MarkResult(row, old, status, changed=True)


# -- check-in by code --------------------------------------------------------------------------


async def _guard(db: AsyncSession, learner_id: int, now: datetime) -> CheckinGuard:
    guard = await db.get(CheckinGuard, learner_id)
    if guard is None:
        guard = CheckinGuard(learner_id=learner_id)
    elif guard.locked_until is not None and guard.locked_until <= now:
        guard.failures = 0
        guard.locked_until = None
    return guard


async def check_in(db: AsyncSession, learner: Learner, text: str, now: datetime) -> CheckinResult:
    """A learner sent ``text`` as a check-in code."""
    assert learner.id is not None
    guard = await _guard(db, learner.id, now)
    if guard.locked_until is not None:
        return CheckinResult(Outcome.LOCKED, locked_until=guard.locked_until)
    sessions = await open_sessions(db, now)
    if not sessions:
        return CheckinResult(Outcome.NO_OPEN_CHECKIN)
    code = normalise_code(text)
    if not looks_like_code(code):
        return CheckinResult(Outcome.MALFORMED)

    registered = await _registered_session_ids(db, learner.id, [s.id for s in sessions if s.id])
    # The learner's own sessions first: they decide if a code were ever shared by two.
    sessions.sort(key=lambda s: (s.id not in registered, s.id))
    ages = [(training, code_age(training, code, now)) for training in sessions]
    valid = next((s for s, age in ages if age is not None and age <= 1), None)
    if valid is None:
        expired = next((s for s, age in ages if age is not None), None)
        if expired is not None:
            return CheckinResult(Outcome.EXPIRED, training=expired)
        guard.failures += 1
        if guard.failures >= MAX_WRONG_TRIES:
            guard.locked_until = now + LOCK_FOR
        db.add(guard)
        await db.flush()
        if guard.locked_until is not None:
            return CheckinResult(Outcome.LOCKED, locked_until=guard.locked_until)
        return CheckinResult(Outcome.WRONG, tries_left=MAX_WRONG_TRIES - guard.failures)

    if guard.failures or guard.locked_until is not None:
        guard.failures = 0
        guard.locked_until = None
        db.add(guard)
    if not records_allowed(learner):
        return CheckinResult(Outcome.NO_CONSENT, training=valid)
    assert valid.id is not None
    row = await attendance_of(db, valid.id, learner.id)
    if row is not None and row.status in ATTENDED:
        return CheckinResult(Outcome.REUSED, training=valid)
    await _ensure_registered(db, valid.id, learner.id, now)
    await _set_status(
        db,
        actor_id=learner.id,
        session_id=valid.id,
        learner_id=learner.id,
        status=PRESENT,
        method=METHOD_CODE,
        now=now,
    )
    return CheckinResult(Outcome.CHECKED_IN, training=valid)


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


async def guard_of(db: AsyncSession, learner_id: int) -> CheckinGuard | None:
    return await db.get(CheckinGuard, learner_id)


# -- the trainer's marks -----------------------------------------------------------------------


async def on_roster(db: AsyncSession, session_id: int, learner_id: int) -> bool:
    return (
        await registration_of(db, session_id, learner_id) is not None
        or await attendance_of(db, session_id, learner_id) is not None
    )


async def mark(
    db: AsyncSession, actor: Learner, session_id: int, learner_id: int, status: str, now: datetime
) -> MarkResult:
    """Sets a roster person's status. Raises ``unknown-status``, ``no-session``, ``cancelled``,
    ``not-on-roster`` or ``too-early`` (present, late or absent before the check-in window;
    excused is fine at any time). Permission is the caller's to check."""
    if status not in STATUSES:
        raise AttendanceError("unknown-status")
    training = await _session(db, session_id)
    if training.cancelled_at is not None:
        raise AttendanceError("cancelled")
    if status != EXCUSED and now < window(training)[0]:
        raise AttendanceError("too-early")
    if not await on_roster(db, session_id, learner_id):
        raise AttendanceError("not-on-roster")
    return await _set_status(
        db,
        actor_id=actor.id,
        session_id=session_id,
        learner_id=learner_id,
        status=status,
        method=METHOD_TRAINER,
        now=now,
    )


# -- walk-ins ----------------------------------------------------------------------------------


def clean_name(text: str) -> str:
    """The cleaned name; raises ``empty`` or ``too-long``."""
    name = clean_text(text)
    if not name:
        raise AttendanceError("empty")
    if len(name) > MAX_NAME:
        raise AttendanceError("too-long")
    return name


def clean_organisation(text: str | None) -> str:
    """The cleaned organisation (None: "prefer not to say"); raises ``empty``/``too-long``."""
    if text is None:
        return UNDISCLOSED
    name = clean_text(text)
    if not name:
        raise AttendanceError("empty")
    if len(name) > MAX_ORGANISATION:
        raise AttendanceError("too-long")
    return name


def check_choice(field: str, value: str) -> str:
    """A profile answer for a walk-in: ``country``, ``gender`` or ``age`` (as in onboarding)."""
    if field not in ("country", "gender", "age") or value not in PROFILE_CHOICES[field]:
        raise AttendanceError("unknown-choice")
    return value


async def add_walk_in(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    name: str,
    organisation: str | None,
    country: str,
    gender: str,
    age_band: str,
    now: datetime,
) -> Learner:
    """A participant without Telegram, added by the trainer (who asked for their consent):
    a learner of their own, registered and present, counted like everyone else."""
    training = await _session(db, session_id)
    if training.cancelled_at is not None:
        raise AttendanceError("cancelled")
    if now < window(training)[0]:
        raise AttendanceError("too-early")
    person = Learner(
        telegram_id=None,
        language=training.language,
        language_chosen=False,
        consent=Consent.GIVEN,
        consent_at=now,
        organisation=clean_organisation(organisation),
        country=check_choice("country", country),
        gender=check_choice("gender", gender),
        age_band=check_choice("age", age_band),
        special_consent=False,
        display_name=clean_name(name),
        source="walk_in",
        added_by=actor.id,
        created_at=now,
    )
    db.add(person)
    await db.flush()
    assert person.id is not None
    await _ensure_registered(db, session_id, person.id, now)
    await _set_status(
        db,
        actor_id=actor.id,
        session_id=session_id,
        learner_id=person.id,
        status=PRESENT,
        method=METHOD_WALK_IN,
        now=now,
    )
    return person


# -- the roster --------------------------------------------------------------------------------


def _shown(value: str | None, learner: Learner) -> str | None:
    if learner.consent != Consent.GIVEN or learner.erased_at is not None:
        return None
    return value if value and value != UNDISCLOSED else None


async def roster(db: AsyncSession, session_id: int) -> list[RosterEntry]:
    """Everyone registered (apologised included) or with an attendance row, in the order
    they came in (registration order; walk-ins last, as they were added)."""
    registrations = (
        await db.exec(
            select(Registration)
            .where(Registration.session_id == session_id)
            .order_by(col(Registration.registered_at), col(Registration.id))
        )
    ).all()
    rows = {
        row.learner_id: row
        for row in (
            await db.exec(select(Attendance).where(Attendance.session_id == session_id))
        ).all()
    }
    order: list[int] = [r.learner_id for r in registrations]
    order += sorted(set(rows) - set(order))
    by_registration = {r.learner_id: r for r in registrations}
    people: dict[int | None, Learner] = {}
    if order:
        found = await db.exec(select(Learner).where(col(Learner.id).in_(order)))
        people = {learner.id: learner for learner in found.all()}
    entries: list[RosterEntry] = []
    for learner_id in order:
        learner = people.get(learner_id)
        if learner is None:
            continue
        registration = by_registration.get(learner_id)
        row = rows.get(learner_id)
        entries.append(
            RosterEntry(
                learner_id=learner_id,
                name=learner.display_name if learner.erased_at is None else None,
                organisation=_shown(learner.organisation, learner),
                country=_shown(learner.country, learner),
                registration=registration.status if registration is not None else None,
                status=row.status if row is not None else None,
                method=row.method if row is not None else None,
                walk_in=learner.source == "walk_in",
            )
        )
    return entries


async def roster_entry(db: AsyncSession, session_id: int, learner_id: int) -> RosterEntry | None:
    return next((e for e in await roster(db, session_id) if e.learner_id == learner_id), None)


async def counts(db: AsyncSession, session_id: int) -> Counts:
    registered = (
        await db.exec(
            select(func.count())
            .select_from(Registration)
            .where(Registration.session_id == session_id, Registration.status == REGISTERED)
        )
    ).one()
    by_status = dict(
        (
            await db.exec(
                select(Attendance.status, func.count())
                .where(Attendance.session_id == session_id)
                .group_by(Attendance.status)
            )
        ).all()
    )
    return Counts(
        registered=registered,
        present=by_status.get(PRESENT, 0),
        late=by_status.get(LATE, 0),
        excused=by_status.get(EXCUSED, 0),
        absent=by_status.get(ABSENT, 0),
    )


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


# -- the walk-in conversation ------------------------------------------------------------------

WALK_IN = "walkin"
"""The Draft kind and the ``learner.awaiting`` text step of the walk-in conversation."""
WALK_IN_STEPS = ("name", "organisation", "country", "gender", "age")
TYPED_STEPS = ("name", "organisation")


@dataclass(frozen=True)
class WalkInDraft:
    session_id: int
    step: str
    data: dict[str, str]

    @property
    def name(self) -> str:
        return self.data.get("name", "")


def _draft_value(draft: Draft) -> WalkInDraft | None:
    try:
        data = json.loads(draft.data)
        session_id = int(data.pop("session_id"))
    except (ValueError, KeyError, TypeError):
        return None
    if draft.kind != WALK_IN or draft.step not in WALK_IN_STEPS:
        return None
    return WalkInDraft(session_id, draft.step, {k: str(v) for k, v in data.items()})


async def begin_walk_in(
    db: AsyncSession, actor: Learner, session_id: int, now: datetime
) -> WalkInDraft:
    """Starts the conversation (replacing any other draft of the actor's). Raises like
    ``add_walk_in`` would for a cancelled session or one whose window has not begun."""
    assert actor.id is not None
    training = await _session(db, session_id)
    if training.cancelled_at is not None:
        raise AttendanceError("cancelled")
    if now < window(training)[0]:
        raise AttendanceError("too-early")
    draft = await db.get(Draft, actor.id)
    if draft is None:
        draft = Draft(learner_id=actor.id, kind=WALK_IN, step="name")
    draft.kind = WALK_IN
    draft.step = "name"
    draft.data = json.dumps({"session_id": session_id})
    draft.updated_at = now
    db.add(draft)
    actor.awaiting = WALK_IN
    db.add(actor)
    await db.flush()
    return WalkInDraft(session_id, "name", {})


async def walk_in_draft(db: AsyncSession, actor: Learner) -> WalkInDraft | None:
    if actor.id is None:
        return None
    draft = await db.get(Draft, actor.id)
    return _draft_value(draft) if draft is not None else None


async def cancel_walk_in(db: AsyncSession, actor: Learner) -> bool:
    """Drops the walk-in draft (if any) and stops waiting for typed text; True if there was one."""
    found = False
    if actor.id is not None:
        draft = await db.get(Draft, actor.id)
        if draft is not None and draft.kind == WALK_IN:
            await db.delete(draft)
            found = True
    if actor.awaiting and actor.awaiting.split(":", 1)[0] == WALK_IN:
        actor.awaiting = None
        db.add(actor)
    await db.flush()
    return found


async def walk_in_answer(
    db: AsyncSession, actor: Learner, step: str, value: str | None, now: datetime
) -> WalkInDraft | Learner:
    """Stores the answer to ``step`` (``None``: skipped / prefer not to say) and returns the
    draft at its next step, or the new walk-in learner after the last one.

    Raises ``no-draft``, ``stale`` (not the step being asked), ``empty``, ``too-long`` or
    ``unknown-choice``; and whatever ``add_walk_in`` raises at the end.
    """
    assert actor.id is not None
    draft = await db.get(Draft, actor.id)
    current = _draft_value(draft) if draft is not None else None
    if draft is None or current is None:
        raise AttendanceError("no-draft")
    if step != current.step:
        raise AttendanceError("stale")
    data = dict(current.data)
    if step == "name":
        if value is None:
            raise AttendanceError("empty")
        data["name"] = clean_name(value)
    elif step == "organisation":
        data["organisation"] = clean_organisation(value)
    else:
        data[step] = check_choice(step, value if value is not None else UNDISCLOSED)
    following = WALK_IN_STEPS.index(step) + 1
    if following < len(WALK_IN_STEPS):
        draft.step = WALK_IN_STEPS[following]
        draft.data = json.dumps({"session_id": current.session_id, **data})
        draft.updated_at = now
        db.add(draft)
        await db.flush()
        return WalkInDraft(current.session_id, draft.step, data)
    organisation = data.get("organisation")
    person = await add_walk_in(
        db,
        actor,
        current.session_id,
        data["name"],
        None if organisation in (None, UNDISCLOSED) else organisation,
        data["country"],
        data["gender"],
        data["age"],
        now,
    )
    await cancel_walk_in(db, actor)
    return person
