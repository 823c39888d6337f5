"""Announcements: a coordinator's message to an audience within their scope.

A typed message becomes a draft (HTML-escaped, so that it shows exactly as typed); an
audience is chosen and counted; confirming writes one :class:`~bot.models.OutboxMessage`
per recipient in the transaction that marks the announcement "sending", and
:mod:`bot.runtime.outbox` delivers them. Who is in an audience: :func:`_conditions`.
"""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.languages import LANGUAGE_CODES
from bot.models import (
    MAX_ID,
    Announcement,
    Attendance,
    Consent,
    Learner,
    ModuleProgress,
    OutboxMessage,
    QuizAttempt,
    Registration,
    RegistrationStatus,
    Role,
    TrainingSession,
)
from bot.services import audit, roles, sessions
from bot.services.errors import ServiceError
from bot.services.learners import COUNTRIES, OTHER
from bot.services.roles import Scope
from bot.services.scope import programme_people

MAX_TEXT = 3500
"""Characters of typed text; Telegram allows 4096 after the HTML is parsed."""
ANNOUNCERS = (Role.COORDINATOR, Role.ADMIN)
AUDIENCE_COUNTRIES: tuple[str, ...] = (*COUNTRIES, OTHER)

DRAFT = "draft"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"

# Outbox row statuses (bot.runtime.outbox writes them).
PENDING = "pending"
SENT = "sent"
UNREACHABLE = "unreachable"
FAILED = "failed"
UNKNOWN = "unknown"
"""The bot stopped while the message was on its way: maybe delivered, never sent again."""


class Reason(StrEnum):
    """Why something was refused; the handler translates it."""

    EMPTY = "empty"
    TOO_LONG = "too-long"
    NOT_ALLOWED = "not-allowed"
    OUT_OF_SCOPE = "out-of-scope"
    UNKNOWN_CHOICE = "unknown-choice"
    NOT_FOUND = "not-found"
    NOT_A_DRAFT = "not-a-draft"
    """Already sent (or cancelled): a second tap on Send changes nothing."""
    NOBODY = "nobody"


class AnnouncementError(ServiceError):
    reason: Reason

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)


@dataclass(frozen=True)
class Audience:
    """Who an announcement is for, within the author's scope; all None means everyone."""

    language: str | None = None
    country: str | None = None
    module: str | None = None
    session_id: int | None = None

    @property
    def is_everyone(self) -> bool:
        return self == Audience()

    @property
    def needs_consent(self) -> bool:
        """Chosen by data that is only kept with the person's consent."""
        return self.country is not None or self.module is not None or self.session_id is not None

    def to_json(self) -> str:
        values = {
            "language": self.language,
            "country": self.country,
            "module": self.module,
            "session": self.session_id,
        }
        return json.dumps({k: v for k, v in values.items() if v is not None}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Audience:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            raise AnnouncementError(Reason.UNKNOWN_CHOICE) from None
        if not isinstance(data, dict):
            raise AnnouncementError(Reason.UNKNOWN_CHOICE)

        def text_value(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) else None

        session = data.get("session")
        return cls(
            language=text_value("language"),
            country=text_value("country"),
            module=text_value("module"),
            session_id=session if isinstance(session, int) else None,
        )


@dataclass(frozen=True)
class Confirmation:
    announcement: Announcement
    recipients: int
    created: bool
    """False when the announcement had already been confirmed (a double tap)."""


@dataclass(frozen=True)
class DeliveryCounts:
    """Where an announcement's messages are: the figures of the coordinator's summary."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return (
            self.pending + self.sending + self.sent + self.unreachable + self.failed + self.unknown
        )

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.sending == 0


# -- the text -------------------------------------------------------------------------------


def prepare_text(typed: str) -> str:
    """The typed message as Telegram HTML that shows exactly what was typed.

    NFC, no control characters except line breaks, trailing spaces and blank lines at the
    ends removed; at most :data:`MAX_TEXT` characters. Raises EMPTY or TOO_LONG.
    """
    text = unicodedata.normalize("NFC", typed)
    text = "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise AnnouncementError(Reason.EMPTY)
    if len(text) > MAX_TEXT:
        raise AnnouncementError(Reason.TOO_LONG)
    return html.escape(text, quote=False)


# -- who may announce, and to whom ----------------------------------------------------------


async def may_announce(db: AsyncSession, actor: Learner, admin_ids: Iterable[int]) -> bool:
    if actor.id is None or actor.erased_at is not None:
        return False
    return bool(await roles.roles_of(db, actor, admin_ids) & set(ANNOUNCERS))


async def _scope(db: AsyncSession, actor: Learner, admin_ids: Iterable[int]) -> Scope:
    admin_ids = tuple(admin_ids)
    if not await may_announce(db, actor, admin_ids):
        raise AnnouncementError(Reason.NOT_ALLOWED)
    return await roles.scope_of(db, actor, admin_ids)


async def check_audience(
    db: AsyncSession,
    actor: Learner,
    audience: Audience,
    *,
    admin_ids: Iterable[int],
    known_modules: Collection[str],
) -> Scope:
    """The actor's scope, after checking that they may announce and that every filter is a
    valid choice within that scope (raises NOT_ALLOWED, OUT_OF_SCOPE, UNKNOWN_CHOICE or
    NOT_FOUND)."""
    admin_ids = tuple(admin_ids)
    scope = await _scope(db, actor, admin_ids)
    if audience.language is not None and audience.language not in LANGUAGE_CODES:
        raise AnnouncementError(Reason.UNKNOWN_CHOICE)
    if audience.country is not None:
        if audience.country not in AUDIENCE_COUNTRIES:
            raise AnnouncementError(Reason.UNKNOWN_CHOICE)
        if scope.countries is not None and audience.country not in scope.countries:
            raise AnnouncementError(Reason.OUT_OF_SCOPE)
    if audience.module is not None and audience.module not in known_modules:
        raise AnnouncementError(Reason.UNKNOWN_CHOICE)
    if audience.session_id is not None:
        if not 0 < audience.session_id <= MAX_ID:
            raise AnnouncementError(Reason.NOT_FOUND)
        training = await sessions.get_session(db, audience.session_id)
        if training is None:
            raise AnnouncementError(Reason.NOT_FOUND)
        # Any session the author sees (sessions.access): the recipients stay within their
        # scope whatever the session (an organisation scope: their own people only).
        seen = await sessions.access(db, actor, training, admin_ids)
        if seen.level == sessions.Access.NONE:
            raise AnnouncementError(Reason.OUT_OF_SCOPE)
    return scope


def _conditions(actor: Learner, audience: Audience, scope: Scope) -> list[Any]:
    """WHERE clauses on Learner for the recipients.

    Only people the bot can write to (a chat, not erased, ``reachable``), never the author,
    and all within the author's scope: a country scope takes people of those countries or
    registered for (not apologised) or attending a session there; an organisation scope
    their own organisation. A person without consent is reached only by "everyone" or "by
    language" from someone with full scope: any other choice rests on data kept only with
    consent.
    """
    learner_id = col(Learner.id)
    where: list[Any] = [
        col(Learner.telegram_id).is_not(None),
        col(Learner.reachable).is_(True),
        col(Learner.erased_at).is_(None),
        learner_id != actor.id,
    ]
    if not scope.is_full or audience.needs_consent:
        where.append(col(Learner.consent) == Consent.GIVEN)
    if scope.countries is not None:
        countries = sorted(scope.countries)
        registered_there = (
            select(col(Registration.id))
            .join(TrainingSession, col(TrainingSession.id) == col(Registration.session_id))
            .where(
                col(Registration.learner_id) == learner_id,
                col(Registration.status) == RegistrationStatus.REGISTERED,
                col(TrainingSession.country).in_(countries),
            )
            .exists()
        )
        attended_there = (
            select(col(Attendance.id))
            .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
            .where(
                col(Attendance.learner_id) == learner_id,
                col(TrainingSession.country).in_(countries),
            )
            .exists()
        )
        where.append(sa.or_(col(Learner.country).in_(countries), registered_there, attended_there))
    if scope.organisations is not None:
        where.append(col(Learner.organisation).in_(sorted(scope.organisations)))
    if scope.programmes is not None:
        # People who take part in one of the programmes (as reports count them).
        where.append(learner_id.in_(programme_people(sorted(scope.programmes))))
    if audience.language is not None:
        where.append(col(Learner.language) == audience.language)
    if audience.country is not None:
        where.append(col(Learner.country) == audience.country)
    if audience.module is not None:
        progressed = (
            select(col(ModuleProgress.id))
            .where(
                col(ModuleProgress.learner_id) == learner_id,
                col(ModuleProgress.module_id) == audience.module,
            )
            .exists()
        )
        attempted = (
            select(col(QuizAttempt.id))
            .where(
                col(QuizAttempt.learner_id) == learner_id,
                col(QuizAttempt.module_id) == audience.module,
            )
            .exists()
        )
        where.append(sa.or_(progressed, attempted))
    if audience.session_id is not None:
        where.append(
            select(col(Registration.id))
            .where(
                col(Registration.learner_id) == learner_id,
                col(Registration.session_id) == audience.session_id,
                col(Registration.status) == RegistrationStatus.REGISTERED,
            )
            .exists()
        )
    return where


async def recipient_ids(
    db: AsyncSession,
    actor: Learner,
    audience: Audience,
    *,
    admin_ids: Iterable[int],
    known_modules: Collection[str],
) -> list[int]:
    """The learners the announcement would go to now, by id."""
    scope = await check_audience(
        db, actor, audience, admin_ids=admin_ids, known_modules=known_modules
    )
    result = await db.exec(
        select(col(Learner.id))
        .where(*_conditions(actor, audience, scope))
        .order_by(col(Learner.id))
    )
    return [learner_id for learner_id in result.all() if learner_id is not None]


async def count_audience(
    db: AsyncSession,
    actor: Learner,
    audience: Audience,
    *,
    admin_ids: Iterable[int],
    known_modules: Collection[str],
) -> int:
    """How many people the announcement would go to now (the preview's "to N people")."""
    scope = await check_audience(
        db, actor, audience, admin_ids=admin_ids, known_modules=known_modules
    )
    result = await db.exec(
        select(func.count()).select_from(Learner).where(*_conditions(actor, audience, scope))
    )
    return int(result.one())


async def allowed_countries(
    db: AsyncSession, actor: Learner, admin_ids: Iterable[int]
) -> tuple[str, ...]:
    """The countries the actor may choose as the country filter."""
    scope = await _scope(db, actor, admin_ids)
    if scope.countries is None:
        return AUDIENCE_COUNTRIES
    return tuple(code for code in AUDIENCE_COUNTRIES if code in scope.countries)


async def sessions_to_choose(
    db: AsyncSession, actor: Learner, now: datetime, *, admin_ids: Iterable[int], limit: int = 10
) -> list[TrainingSession]:
    """Upcoming, then recent, sessions the actor may manage (the session filter's choices)."""
    admin_ids = tuple(admin_ids)
    await _scope(db, actor, admin_ids)
    upcoming = await sessions.list_sessions(db, actor, now, limit=limit, admin_ids=admin_ids)
    past = await sessions.list_sessions(db, actor, now, past=True, limit=limit, admin_ids=admin_ids)
    return [*upcoming, *past]


# -- drafts, confirmation, cancellation -----------------------------------------------------


async def create_draft(
    db: AsyncSession,
    actor: Learner,
    typed_text: str,
    *,
    report_chat_id: int | None,
    now: datetime,
    admin_ids: Iterable[int],
) -> Announcement:
    """A draft with the typed message (raises NOT_ALLOWED, EMPTY or TOO_LONG). The author's
    earlier drafts are dropped: their buttons can no longer send anything."""
    await _scope(db, actor, admin_ids)
    assert actor.id is not None
    text = prepare_text(typed_text)
    await cancel_drafts(db, actor, now=now)
    announcement = Announcement(
        created_by=actor.id,
        text=text,
        audience=Audience().to_json(),
        status=DRAFT,
        created_at=now,
        report_chat_id=report_chat_id,
    )
    db.add(announcement)
    await db.flush()
    return announcement


async def get_own(
    db: AsyncSession, actor: Learner, announcement_id: int, *, admin_ids: Iterable[int]
) -> Announcement:
    """The actor's own announcement, once the actor's role is checked again."""
    await _scope(db, actor, admin_ids)
    announcement = await db.get(Announcement, announcement_id)
    if announcement is None or announcement.created_by != actor.id:
        raise AnnouncementError(Reason.NOT_FOUND)
    return announcement


async def set_audience(
    db: AsyncSession,
    actor: Learner,
    announcement_id: int,
    audience: Audience,
    *,
    admin_ids: Iterable[int],
    known_modules: Collection[str],
) -> tuple[Announcement, int]:
    """Stores the chosen audience on a draft; returns it and how many people it reaches."""
    admin_ids = tuple(admin_ids)
    announcement = await get_own(db, actor, announcement_id, admin_ids=admin_ids)
    if announcement.status != DRAFT:
        raise AnnouncementError(Reason.NOT_A_DRAFT)
    count = await count_audience(
        db, actor, audience, admin_ids=admin_ids, known_modules=known_modules
    )
    announcement.audience = audience.to_json()
    db.add(announcement)
    await db.flush()
    return announcement, count


async def confirm(
    db: AsyncSession,
    actor: Learner,
    announcement_id: int,
    *,
    now: datetime,
    admin_ids: Iterable[int],
    known_modules: Collection[str],
) -> Confirmation:
    """Sends the draft: one pending outbox row per recipient, and the announcement marked
    "sending", in the caller's transaction. A second call (a double tap) creates nothing and
    says so (``created`` False). Raises NOT_ALLOWED, NOT_FOUND, OUT_OF_SCOPE, NOBODY, ...
    """
    admin_ids = tuple(admin_ids)
    announcement = await get_own(db, actor, announcement_id, admin_ids=admin_ids)
    if announcement.status != DRAFT:
        return Confirmation(announcement, await _row_count(db, announcement_id), created=False)
    audience = Audience.from_json(announcement.audience)
    people = await recipient_ids(
        db, actor, audience, admin_ids=admin_ids, known_modules=known_modules
    )
    if not people:
        raise AnnouncementError(Reason.NOBODY)
    # Compare-and-set: of two taps (or two processes) only one gets past this line.
    claimed = await db.exec(
        sa.update(Announcement)
        .where(col(Announcement.id) == announcement_id, col(Announcement.status) == DRAFT)
        .values(status=SENDING, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        await db.refresh(announcement)
        return Confirmation(announcement, await _row_count(db, announcement_id), created=False)
    await db.exec(
        sa.insert(OutboxMessage),
        params=[
            {
                "announcement_id": announcement_id,
                "learner_id": learner_id,
                "status": PENDING,
                "attempts": 0,
            }
            for learner_id in people
        ],
    )
    await db.refresh(announcement)
    await audit.record(
        db,
        actor_id=actor.id,
        action="announcement.send",
        subject_type="announcement",
        subject_id=announcement_id,
        details={"audience": json.loads(audience.to_json()), "recipients": len(people)},
        now=now,
    )
    return Confirmation(announcement, len(people), created=True)


async def cancel(
    db: AsyncSession,
    actor: Learner,
    announcement_id: int,
    *,
    now: datetime,
    admin_ids: Iterable[int],
) -> bool:
    """Drops a draft; False when it was no draft any more (sent or already cancelled)."""
    announcement = await get_own(db, actor, announcement_id, admin_ids=admin_ids)
    if announcement.status != DRAFT:
        return False
    dropped = await db.exec(
        sa.update(Announcement)
        .where(col(Announcement.id) == announcement_id, col(Announcement.status) == DRAFT)
        .values(status=CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return dropped.rowcount == 1


async def cancel_drafts(db: AsyncSession, actor: Learner, *, now: datetime) -> None:
    """Drops every draft of the actor (a new one replaces them; Cancel while typing)."""
    await db.exec(
        sa.update(Announcement)
        .where(col(Announcement.created_by) == actor.id, col(Announcement.status) == DRAFT)
        .values(status=CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )


# -- delivery figures -----------------------------------------------------------------------


async def _row_count(db: AsyncSession, announcement_id: int) -> int:
    result = await db.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(col(OutboxMessage.announcement_id) == announcement_id)
    )
    return int(result.one())


async def delivery_counts(db: AsyncSession, announcement_id: int) -> DeliveryCounts:
    result = await db.exec(
        select(col(OutboxMessage.status), func.count())
        .where(col(OutboxMessage.announcement_id) == announcement_id)
        .group_by(col(OutboxMessage.status))
    )
    by_status = {status: int(count) for status, count in result.all()}
    return DeliveryCounts(
        pending=by_status.get(PENDING, 0),
        sending=by_status.get(SENDING, 0),
        sent=by_status.get(SENT, 0),
        unreachable=by_status.get(UNREACHABLE, 0),
        failed=by_status.get(FAILED, 0),
        unknown=by_status.get(UNKNOWN, 0),
    )
