"""Training sessions: scheduling, editing, cancelling, registration and apologies.

Times are stored in UTC; trainers type them in local time. Every change of a
session raises its ``version``, and an edit is only applied when the version the
editor saw is still the current one (compare-and-set in one UPDATE), so two
trainers editing one session cannot overwrite each other unnoticed.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.languages import LANGUAGE_CODES
from bot.models import Attendance, Draft, Learner, Registration, Role, TrainingSession
from bot.services import audit, roles
from bot.services.learners import COUNTRIES, OTHER, clean_text, records_allowed

REGISTERED = "registered"
APOLOGISED = "apologised"

SESSION_COUNTRIES: tuple[str, ...] = (*COUNTRIES, OTHER)
MIN_DURATION = 15
MAX_DURATION = 720
MIN_CAPACITY = 1
MAX_CAPACITY = 1000
MAX_TITLE = 120
MAX_VENUE = 200
MAX_URL = 300
MAX_AHEAD = timedelta(days=731)
"""How far ahead a session may be scheduled: two years."""
LONGEST_SESSION = timedelta(minutes=MAX_DURATION)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code read aloud or typed from a projector is not misread."""
CODE_LENGTH = 8


class Problem(StrEnum):
    """Why a value or an action was refused; the handler translates it."""

    MALFORMED = "malformed"
    """Not understood (a date in no known format, a number that is no number)."""
    IMPOSSIBLE = "impossible"
    """A date that does not exist on any calendar (31.02, 25:00)."""
    PAST = "past"
    NONEXISTENT = "nonexistent"
    """Skipped by the clocks going forward (last Sunday of March, 02:00-03:00)."""
    AMBIGUOUS = "ambiguous"
    """Happens twice when the clocks go back (last Sunday of October, 02:00-03:00)."""
    TOO_FAR = "too-far"
    OUT_OF_RANGE = "out-of-range"
    EMPTY = "empty"
    TOO_LONG = "too-long"
    NOT_HTTPS = "not-https"
    BAD_LINK = "bad-link"
    UNKNOWN_CHOICE = "unknown-choice"
    NOT_FOUND = "not-found"
    NOT_ALLOWED = "not-allowed"
    CHANGED = "changed"
    """Someone else changed the session since the editor looked at it."""
    CANCELLED = "cancelled"
    STARTED = "started"
    ENDED = "ended"
    SAME_TIME = "same-time"


class SessionError(Exception):
    def __init__(self, reason: Problem) -> None:
        super().__init__(reason.value)
        self.reason = reason


class Outcome(StrEnum):
    """What opening an invite link (or sending an apology) came to."""

    REGISTERED = "registered"
    ALREADY_REGISTERED = "already-registered"
    FULL = "full"
    CANCELLED = "cancelled"
    STARTED = "started"
    """Already under way or over."""
    UNKNOWN = "unknown"
    APOLOGISED = "apologised"
    ALREADY_APOLOGISED = "already-apologised"
    NOT_REGISTERED = "not-registered"
    NEEDS_CONSENT = "needs-consent"
    """Registration and attendance are records: only with the learner's consent."""


@dataclass(frozen=True)
class SessionValues:
    """Everything a trainer chooses for a new session (checked again by ``create_session``)."""

    title: str
    module_id: str | None
    starts_at: datetime
    duration_minutes: int
    venue: str | None
    online_url: str | None
    country: str
    language: str
    capacity: int


@dataclass(frozen=True)
class Counts:
    registered: int
    apologised: int


@dataclass(frozen=True)
class RegisterResult:
    outcome: Outcome
    training: TrainingSession | None = None


@dataclass(frozen=True)
class RosterEntry:
    learner: Learner
    registration: Registration | None
    """None for someone on the attendance list only (a walk-in)."""
    attendance: Attendance | None


@dataclass(frozen=True)
class Change:
    """A successful edit: the session as it is now and the start it had before."""

    training: TrainingSession
    previous_start: datetime


# -- the interface other features use -------------------------------------------------------


async def get_session(db: AsyncSession, session_id: int) -> TrainingSession | None:
    return await db.get(TrainingSession, session_id)


async def may_manage(
    db: AsyncSession, learner: Learner, admin_ids: Iterable[int], training_session: TrainingSession
) -> bool:
    """The owner trainer, an admin, or a coordinator whose scope covers the session's country."""
    if learner.id is None or learner.erased_at is not None:
        return False
    admin_ids = tuple(admin_ids)
    held = await roles.roles_of(db, learner, admin_ids)
    if Role.ADMIN in held:
        return True
    if training_session.trainer_id == learner.id and held & {Role.TRAINER, Role.COORDINATOR}:
        return True
    if Role.COORDINATOR in held:
        scope = await roles.scope_of(db, learner, admin_ids)
        return scope.countries is None or training_session.country in scope.countries
    return False


async def registered_learners(db: AsyncSession, session_id: int) -> list[Learner]:
    """Everyone registered (not apologised) for the session, in registration order."""
    result = await db.exec(
        select(Learner)
        .join(Registration, col(Registration.learner_id) == col(Learner.id))
        .where(Registration.session_id == session_id, Registration.status == REGISTERED)
        .order_by(col(Registration.registered_at), col(Registration.id))
    )
    return list(result.all())


def invite_link(bot_username: str, code: str) -> str:
    """The deep link that registers whoever opens it: ``https://t.me/<bot>?start=s_<code>``."""
    return f"https://t.me/{bot_username}?start=s_{code}"


# -- time -----------------------------------------------------------------------------------


def has_started(training_session: TrainingSession, now: datetime) -> bool:
    return training_session.starts_at <= now


def has_ended(training_session: TrainingSession, now: datetime) -> bool:
    return training_session.ends_at <= now


_TIME = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
_DATE_FORMATS = (
    # 11.12.2026 10:00 and 11.12.2026. 10:00 (the regional way of writing it)
    re.compile(r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})\.?,?\s+" + _TIME + "$"),
    # 2026-12-11 10:00 (ISO), also with a T
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:\s+|T)" + _TIME + "$"),
    # 11/12/2026 10:00 (day first, as everywhere in the region)
    re.compile(r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4}),?\s+" + _TIME + "$"),
)


def parse_local_datetime(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A typed local date and time as UTC, or ``SessionError`` saying what is wrong with it.

    Accepts ``11.12.2026 10:00``, ``11.12.2026. 10:00``, ``2026-12-11 10:00`` and
    ``11/12/2026 10:00``. Local times that the clocks skip (spring) or repeat
    (autumn) are refused, so that nobody has to guess which one was meant.
    """
    cleaned = " ".join(unicodedata.normalize("NFKC", text).split())
    match = next((m for f in _DATE_FORMATS if (m := f.match(cleaned))), None)
    if match is None:
        raise SessionError(Problem.MALFORMED)
    parts = {name: int(value) for name, value in match.groupdict().items()}
    try:
        local = datetime(
            parts["year"], parts["month"], parts["day"], parts["hour"], parts["minute"]
        )
    except ValueError:
        raise SessionError(Problem.IMPOSSIBLE) from None
    earlier = local.replace(tzinfo=zone, fold=0)
    later = local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        back = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        raise SessionError(Problem.NONEXISTENT if back != local else Problem.AMBIGUOUS)
    moment = earlier.astimezone(UTC)
    if moment <= now:
        raise SessionError(Problem.PAST)
    if moment > now + MAX_AHEAD:
        raise SessionError(Problem.TOO_FAR)
    return moment


def example_datetime(zone: ZoneInfo, now: datetime) -> str:
    """A valid answer to show in a question: a week from now at 10:00, local time."""
    day = (now.astimezone(zone) + timedelta(days=7)).date()
    return f"{day:%d.%m.%Y} 10:00"


# -- the other values -----------------------------------------------------------------------


def _whole_number(text: str) -> int:
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    cleaned = re.sub(r"\s*(min|mins|minutes|minuta|minuti|minutash|мин|минути)\.?$", "", cleaned)
    if not re.fullmatch(r"\d{1,6}", cleaned):
        raise SessionError(Problem.MALFORMED)
    return int(cleaned)


def parse_duration(text: str) -> int:
    return check_duration(_whole_number(text))


def check_duration(minutes: int) -> int:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise SessionError(Problem.OUT_OF_RANGE)
    return minutes


def parse_capacity(text: str) -> int:
    return check_capacity(_whole_number(text))


def check_capacity(capacity: int) -> int:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise SessionError(Problem.OUT_OF_RANGE)
    return capacity


def check_title(text: str) -> str:
    title = clean_text(text)
    if not title:
        raise SessionError(Problem.EMPTY)
    if len(title) > MAX_TITLE:
        raise SessionError(Problem.TOO_LONG)
    return title


_URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d{1,5})?(?:[/?#]\S*)?$")


def parse_place(text: str) -> tuple[str | None, str | None]:
    """``(venue, None)`` for an address, ``(None, url)`` for an online meeting link."""
    place = clean_text(text)
    if not place:
        raise SessionError(Problem.EMPTY)
    lowered = place.lower()
    if lowered.startswith(("http://", "https://", "www.")):
        if not lowered.startswith("https://"):
            raise SessionError(Problem.NOT_HTTPS)
        if len(place) > MAX_URL:
            raise SessionError(Problem.TOO_LONG)
        if not _URL.match(place):
            raise SessionError(Problem.BAD_LINK)
        return None, place
    if len(place) > MAX_VENUE:
        raise SessionError(Problem.TOO_LONG)
    return place, None


def check_country(code: str) -> str:
    if code not in SESSION_COUNTRIES:
        raise SessionError(Problem.UNKNOWN_CHOICE)
    return code


def check_language(code: str) -> str:
    if code not in LANGUAGE_CODES:
        raise SessionError(Problem.UNKNOWN_CHOICE)
    return code


def check_module(module_id: str | None, known: Collection[str]) -> str | None:
    if module_id is not None and module_id not in known:
        raise SessionError(Problem.UNKNOWN_CHOICE)
    return module_id


def check_start(starts_at: datetime, now: datetime) -> datetime:
    if starts_at <= now:
        raise SessionError(Problem.PAST)
    if starts_at > now + MAX_AHEAD:
        raise SessionError(Problem.TOO_FAR)
    return starts_at


def check_values(
    values: SessionValues, now: datetime, known_modules: Collection[str] | None = None
) -> SessionValues:
    """The values cleaned, or ``SessionError`` for the first one that is not acceptable."""
    if (values.venue is None) == (values.online_url is None):
        raise SessionError(Problem.EMPTY)
    venue, url = parse_place(values.venue or values.online_url or "")
    return SessionValues(
        title=check_title(values.title),
        module_id=(
            check_module(values.module_id, known_modules)
            if known_modules is not None
            else values.module_id
        ),
        starts_at=check_start(values.starts_at, now),
        duration_minutes=check_duration(values.duration_minutes),
        venue=venue,
        online_url=url,
        country=check_country(values.country),
        language=check_language(values.language),
        capacity=check_capacity(values.capacity),
    )


# -- scheduling and editing -----------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return code.strip().upper()


async def find_by_code(db: AsyncSession, code: str) -> TrainingSession | None:
    result = await db.exec(
        select(TrainingSession).where(TrainingSession.code == normalise_code(code))
    )
    return result.first()


async def create_session(
    db: AsyncSession,
    trainer: Learner,
    values: SessionValues,
    now: datetime,
    known_modules: Collection[str] | None = None,
) -> TrainingSession:
    """Schedules a session (the trainer's role is checked by the caller)."""
    assert trainer.id is not None
    values = check_values(values, now, known_modules)
    for _attempt in range(5):
        code = new_code()
        if await find_by_code(db, code) is not None:
            continue
        training_session = TrainingSession(
            code=code,
            trainer_id=trainer.id,
            title=values.title,
            module_id=values.module_id,
            starts_at=values.starts_at,
            duration_minutes=values.duration_minutes,
            venue=values.venue,
            online_url=values.online_url,
            country=values.country,
            language=values.language,
            capacity=values.capacity,
            created_at=now,
            updated_at=now,
            checkin_secret=secrets.token_hex(32),
        )
        try:
            async with db.begin_nested():
                db.add(training_session)
                await db.flush()
        except IntegrityError:
            continue  # the same code, taken at this very moment
        assert training_session.id is not None
        await audit.record(
            db,
            actor_id=trainer.id,
            action="session.create",
            subject_type="session",
            subject_id=training_session.id,
            details={"starts_at": values.starts_at.isoformat(), "code": code},
            now=now,
        )
        return training_session
    raise RuntimeError("no free session code found")  # 31**8 codes: practically impossible


async def _editable(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    now: datetime,
    admin_ids: Iterable[int],
) -> TrainingSession:
    training_session = await get_session(db, session_id)
    if training_session is None:
        raise SessionError(Problem.NOT_FOUND)
    if not await may_manage(db, actor, admin_ids, training_session):
        raise SessionError(Problem.NOT_ALLOWED)
    if training_session.version != expected_version:
        raise SessionError(Problem.CHANGED)
    if training_session.cancelled_at is not None:
        raise SessionError(Problem.CANCELLED)
    if has_ended(training_session, now):
        raise SessionError(Problem.ENDED)
    return training_session


async def _apply(
    db: AsyncSession,
    training_session: TrainingSession,
    expected_version: int,
    now: datetime,
    **changes: Any,
) -> None:
    """Compare-and-set: changes only the version the editor saw, else ``Problem.CHANGED``."""
    table = TrainingSession.__table__  # type: ignore[attr-defined]
    statement = (
        sa.update(table)
        .where(table.c.id == training_session.id, table.c.version == expected_version)
        .values(version=table.c.version + 1, updated_at=now, **changes)
    )
    result = await db.exec(statement)
    if result.rowcount != 1:
        raise SessionError(Problem.CHANGED)
    await db.refresh(training_session)


async def reschedule(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    new_start: datetime,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """Moves a session that has not started yet; the caller tells those registered."""
    training_session = await _editable(db, actor, session_id, expected_version, now, admin_ids)
    if has_started(training_session, now):
        raise SessionError(Problem.STARTED)
    check_start(new_start, now)
    previous = training_session.starts_at
    if new_start == previous:
        raise SessionError(Problem.SAME_TIME)
    await _apply(db, training_session, expected_version, now, starts_at=new_start)
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.reschedule",
        subject_type="session",
        subject_id=session_id,
        details={"old": previous.isoformat(), "new": new_start.isoformat()},
        now=now,
    )
    return Change(training_session, previous)


async def change_venue(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    place: str,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """A new venue or online link (typed as for a new session)."""
    venue, url = parse_place(place)
    training_session = await _editable(db, actor, session_id, expected_version, now, admin_ids)
    old = training_session.venue or training_session.online_url
    await _apply(db, training_session, expected_version, now, venue=venue, online_url=url)
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.venue",
        subject_type="session",
        subject_id=session_id,
        details={"old": old, "new": venue or url},
        now=now,
    )
    return Change(training_session, training_session.starts_at)


async def cancel(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    expected_version: int,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Change:
    """Cancels a session that has not ended; the caller tells those registered."""
    training_session = await _editable(db, actor, session_id, expected_version, now, admin_ids)
    await _apply(db, training_session, expected_version, now, cancelled_at=now)
    await audit.record(
        db,
        actor_id=actor.id,
        action="session.cancel",
        subject_type="session",
        subject_id=session_id,
        details={"starts_at": training_session.starts_at.isoformat()},
        now=now,
    )
    return Change(training_session, training_session.starts_at)


# -- lists ----------------------------------------------------------------------------------


async def _visible(db: AsyncSession, actor: Learner, admin_ids: Iterable[int]) -> Any:
    """A WHERE clause for the sessions the actor may see, or None for all of them."""
    admin_ids = tuple(admin_ids)
    held = await roles.roles_of(db, actor, admin_ids)
    if Role.ADMIN in held:
        return None
    own = col(TrainingSession.trainer_id) == actor.id
    if Role.COORDINATOR in held:
        scope = await roles.scope_of(db, actor, admin_ids)
        if scope.countries is None:
            return None
        return or_(own, col(TrainingSession.country).in_(sorted(scope.countries)))
    return own


async def list_sessions(
    db: AsyncSession,
    actor: Learner,
    now: datetime,
    *,
    past: bool = False,
    limit: int = 20,
    admin_ids: Iterable[int] = (),
) -> list[TrainingSession]:
    """Upcoming (not ended; soonest first) or past (ended; latest first) sessions the actor
    runs, or (admins, coordinators) oversees."""
    where = await _visible(db, actor, admin_ids)
    query = select(TrainingSession)
    if where is not None:
        query = query.where(where)
    if past:
        query = query.where(col(TrainingSession.starts_at) < now).order_by(
            col(TrainingSession.starts_at).desc()
        )
    else:
        query = query.where(col(TrainingSession.starts_at) > now - LONGEST_SESSION).order_by(
            col(TrainingSession.starts_at)
        )
    found: list[TrainingSession] = []
    for training_session in (await db.exec(query)).all():
        if has_ended(training_session, now) == past:
            found.append(training_session)
            if len(found) >= limit:
                break
    return found


async def counts(db: AsyncSession, session_id: int) -> Counts:
    result = await db.exec(
        select(Registration.status, func.count())
        .where(Registration.session_id == session_id)
        .group_by(col(Registration.status))
    )
    by_status = dict(result.all())
    return Counts(by_status.get(REGISTERED, 0), by_status.get(APOLOGISED, 0))


async def roster(db: AsyncSession, session_id: int) -> list[RosterEntry]:
    """Everyone registered or apologised, in registration order, with their attendance;
    then anyone on the attendance list without a registration (walk-ins)."""
    registrations = (
        await db.exec(
            select(Registration, Learner)
            .join(Learner, col(Learner.id) == col(Registration.learner_id))
            .where(Registration.session_id == session_id)
            .order_by(col(Registration.registered_at), col(Registration.id))
        )
    ).all()
    attendance = {
        row.learner_id: row
        for row in (
            await db.exec(select(Attendance).where(Attendance.session_id == session_id))
        ).all()
    }
    entries = [
        RosterEntry(learner, registration, attendance.pop(learner.id or 0, None))
        for registration, learner in registrations
    ]
    if attendance:
        walk_ins = (
            await db.exec(
                select(Learner)
                .where(col(Learner.id).in_(sorted(attendance)))
                .order_by(col(Learner.id))
            )
        ).all()
        entries += [RosterEntry(learner, None, attendance[learner.id or 0]) for learner in walk_ins]
    return entries


# -- the learner's side ---------------------------------------------------------------------


async def _registration(db: AsyncSession, session_id: int, learner_id: int) -> Registration | None:
    result = await db.exec(
        select(Registration).where(
            Registration.session_id == session_id, Registration.learner_id == learner_id
        )
    )
    return result.first()


async def register(db: AsyncSession, learner: Learner, code: str, now: datetime) -> RegisterResult:
    """Registers the learner for the session with this invite code.

    A double tap makes no second row (unique constraint, also under a race); a
    learner who apologised and opens the link again is registered again.
    """
    assert learner.id is not None
    if not re.fullmatch(r"[A-Za-z0-9]{1,16}", code.strip()):
        return RegisterResult(Outcome.UNKNOWN)
    # Locking the session row serialises registrations for it, so that two people
    # cannot both take the last place (PostgreSQL; SQLite writes one at a time anyway).
    result = await db.exec(
        select(TrainingSession)
        .where(TrainingSession.code == normalise_code(code))
        .with_for_update()
    )
    training_session = result.first()
    if training_session is None:
        return RegisterResult(Outcome.UNKNOWN)
    assert training_session.id is not None
    existing = await _registration(db, training_session.id, learner.id)
    if existing is not None and existing.status == REGISTERED:
        return RegisterResult(Outcome.ALREADY_REGISTERED, training_session)
    if training_session.cancelled_at is not None:
        return RegisterResult(Outcome.CANCELLED, training_session)
    if has_started(training_session, now):
        return RegisterResult(Outcome.STARTED, training_session)
    if (await counts(db, training_session.id)).registered >= training_session.capacity:
        return RegisterResult(Outcome.FULL, training_session)
    if not records_allowed(learner):
        return RegisterResult(Outcome.NEEDS_CONSENT, training_session)
    if existing is not None:
        existing.status = REGISTERED
        existing.registered_at = now
        existing.apologised_at = None
        db.add(existing)
        await db.flush()
        return RegisterResult(Outcome.REGISTERED, training_session)
    try:
        async with db.begin_nested():
            db.add(
                Registration(
                    session_id=training_session.id,
                    learner_id=learner.id,
                    status=REGISTERED,
                    registered_at=now,
                )
            )
            await db.flush()
    except IntegrityError:
        # The same learner, registered by a second tap at the same moment.
        return RegisterResult(Outcome.ALREADY_REGISTERED, training_session)
    return RegisterResult(Outcome.REGISTERED, training_session)


async def apologise(
    db: AsyncSession, learner: Learner, session_id: int, now: datetime
) -> RegisterResult:
    """An apology ("I can't come"): allowed before the start, for one's own registration."""
    training_session = await get_session(db, session_id)
    if training_session is None or learner.id is None:
        return RegisterResult(Outcome.UNKNOWN)
    registration = await _registration(db, session_id, learner.id)
    if registration is None:
        return RegisterResult(Outcome.NOT_REGISTERED, training_session)
    if registration.status == APOLOGISED:
        return RegisterResult(Outcome.ALREADY_APOLOGISED, training_session)
    if training_session.cancelled_at is not None:
        return RegisterResult(Outcome.CANCELLED, training_session)
    if has_started(training_session, now):
        return RegisterResult(Outcome.STARTED, training_session)
    registration.status = APOLOGISED
    registration.apologised_at = now
    db.add(registration)
    await db.flush()
    return RegisterResult(Outcome.APOLOGISED, training_session)


async def my_sessions(
    db: AsyncSession, learner: Learner, now: datetime
) -> list[tuple[TrainingSession, Registration]]:
    """The learner's sessions that are not over and not cancelled, soonest first."""
    if learner.id is None:
        return []
    result = await db.exec(
        select(TrainingSession, Registration)
        .join(Registration, col(Registration.session_id) == col(TrainingSession.id))
        .where(
            Registration.learner_id == learner.id,
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) > now - LONGEST_SESSION,
        )
        .order_by(col(TrainingSession.starts_at))
    )
    return [(s, r) for s, r in result.all() if not has_ended(s, now)]


# -- conversations in progress (the Draft table) --------------------------------------------


async def get_draft(db: AsyncSession, learner: Learner, kind: str) -> Draft | None:
    if learner.id is None:
        return None
    draft = await db.get(Draft, learner.id)
    return draft if draft is not None and draft.kind == kind else None


def draft_data(draft: Draft) -> dict[str, Any]:
    try:
        data = json.loads(draft.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def save_draft(
    db: AsyncSession,
    learner: Learner,
    kind: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> Draft:
    """Starts or continues the learner's one conversation in progress (replacing another)."""
    assert learner.id is not None
    draft = await db.get(Draft, learner.id)
    if draft is None:
        draft = Draft(learner_id=learner.id, kind=kind, step=step)
    draft.kind, draft.step = kind, step
    draft.data = json.dumps(data, ensure_ascii=False, sort_keys=True)
    draft.updated_at = now
    db.add(draft)
    await db.flush()
    return draft


async def drop_draft(db: AsyncSession, learner: Learner, kind: str) -> None:
    draft = await get_draft(db, learner, kind)
    if draft is not None:
        await db.delete(draft)
        await db.flush()
