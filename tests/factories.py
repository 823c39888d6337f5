"""Plain database builders of the core rows, written through the models the bot uses.

One builder per thing; each adds its row to ``db``, flushes (so the row has its id) and
returns it:

- people: :func:`make_learner` (consent given, language chosen), :func:`make_walk_in` (no
  Telegram, added by a trainer), :func:`make_trainer` (a learner with the trainer's role),
  :func:`grant` (a role, maybe limited to countries and organisations);
- training days: :func:`make_training` (a session), :func:`register`,
  :func:`record_attendance`, :func:`make_feedback`;
- learning: :func:`make_attempt` (a finished quiz).

Richer worlds (several people, sessions and what they did) and the helpers of the tests that
drive the bot through Telegram are in ``tests/support/`` (see its ``__init__``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import utcnow
from bot.models import (
    Attendance,
    Consent,
    Feedback,
    InboxConversation,
    InboxMessage,
    Learner,
    ProblemReport,
    Programme,
    QuizAnswer,
    QuizAttempt,
    QuizKind,
    Registration,
    RegistrationStatus,
    Role,
    RoleGrant,
    TrainingSession,
)
from bot.services import programmes as programme_service

_telegram_ids = itertools.count(1_000_001)
_training_numbers = itertools.count(1)


# -- people ----------------------------------------------------------------------------------


async def make_learner(
    db: AsyncSession, *, consent: str = Consent.GIVEN, language: str = "en", **fields: Any
) -> Learner:
    """Someone on Telegram (a new Telegram id unless ``telegram_id`` is given) who chose
    ``language`` and answered the consent question; ``fields`` set any other column."""
    values: dict[str, Any] = {
        "telegram_id": next(_telegram_ids),
        "language": language,
        "language_chosen": True,
        "consent": consent,
        "consent_at": utcnow() if consent != Consent.PENDING else None,
        **fields,
    }
    learner = Learner(**values)
    db.add(learner)
    await db.flush()
    return learner


async def make_walk_in(db: AsyncSession, name: str, **fields: Any) -> Learner:
    """A participant without Telegram whom a trainer added on the day (with their consent),
    as :func:`bot.services.attendance.walk_ins.add_walk_in` stores them."""
    walk_in: dict[str, Any] = {
        "telegram_id": None,
        "language_chosen": False,
        "display_name": name,
        "source": "walk_in",
        "special_consent": False,
    }
    return await make_learner(db, **{**walk_in, **fields})


async def grant(
    db: AsyncSession,
    learner: Learner,
    role: Role | str,
    *,
    countries: Iterable[str] = (),
    organisations: Iterable[str] = (),
    programmes: Iterable[int] = (),
    granted_at: datetime | None = None,
) -> RoleGrant:
    """Gives ``learner`` the role (a coordinator limited to ``countries`` and
    ``organisations``; none means all), stored as the invites store it. A grant taken
    through an invite, as a person would, is :func:`tests.support.roles.grant_by_invite`."""
    assert learner.id is not None
    row = RoleGrant(
        learner_id=learner.id,
        role=Role(role),
        countries=",".join(sorted(countries)) or None,
        organisations="\n".join(sorted(organisations)) or None,
        programmes=",".join(str(number) for number in sorted(programmes)) or None,
    )
    if granted_at is not None:
        row.granted_at = granted_at
    db.add(row)
    await db.flush()
    return row


async def make_trainer(db: AsyncSession, **fields: Any) -> Learner:
    """A learner (``fields`` as for :func:`make_learner`) who holds the trainer's role."""
    trainer = await make_learner(db, **fields)
    await grant(db, trainer, Role.TRAINER)
    return trainer


async def make_programme(
    db: AsyncSession,
    name: str,
    *,
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2027, 6, 30),
    donor: str | None = "German Federal Foreign Office",
    countries: Iterable[str] = (),
) -> Programme:
    """A programme (not the default), written as ``python -m bot programmes create`` does."""
    row = Programme(
        name=name,
        donor=donor,
        starts_on=starts_on,
        ends_on=ends_on,
        countries=",".join(sorted(countries)) or None,
    )
    db.add(row)
    await db.flush()
    return row


# -- training days ---------------------------------------------------------------------------


async def make_training(
    db: AsyncSession, trainer: Learner, starts_at: datetime, **fields: Any
) -> TrainingSession:
    """A session of ``trainer``: two hours in Tirana, in Albanian, for 20 people, with a
    code and a check-in secret of its own, unless ``fields`` say otherwise."""
    assert trainer.id is not None
    number = next(_training_numbers)
    values: dict[str, Any] = {
        "code": f"T{number}",
        "title": "EU funds for CSOs",
        "duration_minutes": 120,
        "venue": "Hotel Tirana, hall B",
        "country": "AL",
        "language": "sq",
        "capacity": 20,
        "checkin_secret": f"secret-{number}",
        **fields,
    }
    if "programme_id" not in values:
        values["programme_id"] = (await programme_service.default_programme(db, starts_at)).id
    training = TrainingSession(trainer_id=trainer.id, starts_at=starts_at, **values)
    db.add(training)
    await db.flush()
    return training


async def register(
    db: AsyncSession,
    training: TrainingSession,
    learner: Learner,
    status: str = RegistrationStatus.REGISTERED,
    **fields: Any,
) -> Registration:
    """``learner`` on the list of ``training`` (``status``: registered, or apologised)."""
    assert training.id is not None and learner.id is not None
    registration = Registration(
        session_id=training.id, learner_id=learner.id, status=status, **fields
    )
    db.add(registration)
    await db.flush()
    return registration


async def record_attendance(
    db: AsyncSession,
    training: TrainingSession,
    learner: Learner,
    status: str = "present",
    *,
    method: str | None = None,
    **fields: Any,
) -> Attendance:
    """An attendance mark as check-in or the trainer leaves it (without its audit entry);
    ``method`` is ``walk_in`` for a walk-in and ``trainer`` for anyone else unless given."""
    assert training.id is not None and learner.id is not None
    if method is None:
        method = "walk_in" if learner.source == "walk_in" else "trainer"
    row = Attendance(
        session_id=training.id, learner_id=learner.id, status=status, method=method, **fields
    )
    db.add(row)
    await db.flush()
    return row


async def make_feedback(
    db: AsyncSession,
    training: TrainingSession,
    learner: Learner,
    rating: int,
    comment: str | None = None,
) -> Feedback:
    """``learner``'s rating (1 to 5) of ``training``."""
    assert training.id is not None and learner.id is not None
    row = Feedback(session_id=training.id, learner_id=learner.id, rating=rating, comment=comment)
    db.add(row)
    await db.flush()
    return row


# -- learning --------------------------------------------------------------------------------


async def make_attempt(
    db: AsyncSession,
    learner: Learner,
    module_id: str,
    kind: QuizKind | str,
    correct: int | None,
    *,
    started_at: datetime,
    finished_at: datetime | None = None,
    questions: int = 4,
    pass_mark: int = 75,
) -> QuizAttempt:
    """A quiz taken to its end: ``correct`` of ``questions`` right, passed at ``pass_mark``
    percent; ``correct=None``: abandoned, without a score. It finishes when it starts unless
    ``finished_at`` says otherwise. A scored attempt has its answers, one per objective
    ``objective-1``..: the first ``correct`` right; the pre-test and the post-test ask
    different questions (parallel forms) of the same objectives. (A quiz answered question
    by question, as the bot records it, is :func:`tests.support.learners.take_post_test`.)"""
    assert learner.id is not None
    scored = correct is not None
    row = QuizAttempt(
        learner_id=learner.id,
        module_id=module_id,
        kind=kind,
        current_index=questions,
        correct_count=correct or 0,
        question_count=questions,
        pass_mark=pass_mark,
        passed=100 * (correct or 0) / questions >= pass_mark if scored else None,
        started_at=started_at,
        finished_at=finished_at or started_at,
    )
    db.add(row)
    await db.flush()
    assert row.id is not None
    for number in range(1, questions + 1 if scored else 1):
        db.add(
            QuizAnswer(
                attempt_id=row.id,
                question_id=f"{kind}-{number}",
                option="a",
                correct=number <= (correct or 0),
                objective=f"objective-{number}",
            )
        )
    await db.flush()
    return row


# -- content problems ------------------------------------------------------------------------


async def make_problem_report(
    db: AsyncSession, learner: Learner, module_id: str = "passwords-2fa", **fields: Any
) -> ProblemReport:
    """An open report of ``learner`` about the first card of ``module_id`` (a fact)."""
    assert learner.id is not None
    values: dict[str, Any] = {
        "item_kind": "card",
        "item_id": "why-passwords-break",
        "language": learner.language,
        "content_version": "2025-06-01#0123456789ab",
        "category": "fact",
        **fields,
    }
    row = ProblemReport(learner_id=learner.id, module_id=module_id, **values)
    db.add(row)
    await db.flush()
    return row


async def make_conversation(
    db: AsyncSession,
    learner: Learner,
    trainer: Learner | None,
    text: str = "Where is the training tomorrow?",
    *,
    now: datetime,
) -> InboxConversation:
    """An open conversation of ``learner`` with ``trainer`` (None: the programme team),
    holding their one message."""
    assert learner.id is not None
    conversation = InboxConversation(
        learner_id=learner.id,
        trainer_id=trainer.id if trainer is not None else None,
        opened_at=now,
        last_at=now,
    )
    db.add(conversation)
    await db.flush()
    db.add(
        InboxMessage(
            learner_id=learner.id,
            conversation_id=conversation.id,
            author_id=learner.id,
            at=now,
            text=text,
        )
    )
    await db.flush()
    return conversation


async def make_offer(
    db: AsyncSession, learner: Learner, text: str, *, now: datetime
) -> InboxMessage:
    """A text the bot offered to send for ``learner`` and that was not sent yet."""
    assert learner.id is not None
    row = InboxMessage(learner_id=learner.id, author_id=learner.id, at=now, text=text)
    db.add(row)
    await db.flush()
    return row
