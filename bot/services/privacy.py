"""A learner's own data: shown to them in full, and erased on request."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import utcnow
from bot.models import (
    Attendance,
    Certificate,
    Consent,
    Draft,
    Feedback,
    Learner,
    ModuleProgress,
    QuizAnswer,
    QuizAttempt,
    Registration,
    RoleGrant,
    TrainingSession,
)
from bot.services import audit, certificates


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def personal_data(db: AsyncSession, learner: Learner) -> dict[str, Any]:
    """Everything stored about the learner, as the ``/mydata`` file shows it."""
    progress_rows = (
        await db.exec(
            select(ModuleProgress)
            .where(ModuleProgress.learner_id == learner.id)
            .order_by(col(ModuleProgress.started_at))
        )
    ).all()
    attempts = (
        await db.exec(
            select(QuizAttempt)
            .where(QuizAttempt.learner_id == learner.id)
            .order_by(col(QuizAttempt.started_at))
        )
    ).all()
    answers = (
        await db.exec(
            select(QuizAnswer)
            .join(QuizAttempt, col(QuizAnswer.attempt_id) == col(QuizAttempt.id))
            .where(QuizAttempt.learner_id == learner.id)
            .order_by(col(QuizAnswer.answered_at))
        )
    ).all()
    registrations = (
        await db.exec(
            select(Registration, TrainingSession)
            .join(TrainingSession, col(TrainingSession.id) == col(Registration.session_id))
            .where(Registration.learner_id == learner.id)
            .order_by(col(TrainingSession.starts_at))
        )
    ).all()
    attendance = {
        row.session_id: row
        for row in (
            await db.exec(select(Attendance).where(Attendance.learner_id == learner.id))
        ).all()
    }
    feedback = {
        row.session_id: row
        for row in (await db.exec(select(Feedback).where(Feedback.learner_id == learner.id))).all()
    }
    grants = (await db.exec(select(RoleGrant).where(RoleGrant.learner_id == learner.id))).all()
    issued: list[Certificate] = await certificates.list_for(db, learner)
    answers_by_attempt: dict[int, list[QuizAnswer]] = {}
    for item in answers:
        answers_by_attempt.setdefault(item.attempt_id, []).append(item)
    return {
        "telegram_id": learner.telegram_id,
        "name": learner.display_name,
        "language": learner.language,
        "first_seen": _iso(learner.created_at),
        "consent": {"status": learner.consent, "at": _iso(learner.consent_at)},
        "profile": {
            "organisation": learner.organisation,
            "country": learner.country,
            "gender": learner.gender,
            "age_band": learner.age_band,
        },
        "special_category": {
            "consent": learner.special_consent,
            "at": _iso(learner.special_consent_at),
            "vulnerable_group": learner.vulnerable_group,
        },
        "modules": [
            {
                "module": row.module_id,
                "current_card": row.current_card + 1,
                "cards": row.cards_total,
                "started": _iso(row.started_at),
                "lessons_finished": _iso(row.lessons_done_at),
                "passed": _iso(row.passed_at),
            }
            for row in progress_rows
        ],
        "quizzes": [
            {
                "module": attempt.module_id,
                "kind": attempt.kind,
                "started": _iso(attempt.started_at),
                "finished": _iso(attempt.finished_at),
                "correct": attempt.correct_count,
                "questions": attempt.question_count,
                "passed": attempt.passed,
                "answers": [
                    {"question": a.question_id, "option": a.option, "correct": a.correct}
                    for a in answers_by_attempt.get(attempt.id or 0, [])
                ],
            }
            for attempt in attempts
        ],
        "sessions": [
            {
                "title": training.title,
                "starts": _iso(training.starts_at),
                "registration": registration.status,
                "registered": _iso(registration.registered_at),
                "attendance": attendance[training.id].status if training.id in attendance else None,
                "feedback": {
                    "rating": feedback[training.id].rating,
                    "comment": feedback[training.id].comment,
                }
                if training.id in feedback
                else None,
            }
            for registration, training in registrations
        ],
        "roles": [
            {
                "role": grant.role,
                "granted": _iso(grant.granted_at),
                "revoked": _iso(grant.revoked_at),
            }
            for grant in grants
        ],
        "certificates": [
            {
                "code": certificates.format_code(certificate.code),
                "module": certificate.module_id,
                "name": certificate.name,
                "language": certificate.language,
                "score_percent": certificate.score_percent,
                "issued": _iso(certificate.issued_at),
                "revoked": _iso(certificate.revoked_at),
            }
            for certificate in issued
        ],
    }


def personal_data_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


async def erase(db: AsyncSession, learner: Learner, now: datetime | None = None) -> None:
    """Erases everything that identifies the learner.

    The row stays, with its progress and quiz results, but nothing links it to
    a person any more: participation counts in reports stay correct. The next
    message from the same Telegram account starts as a new learner. Their
    certificates are revoked and the names on them blanked: ``/verify`` then
    answers "revoked" and names nobody.
    """
    learner.telegram_id = None
    learner.organisation = None
    learner.country = None
    learner.gender = None
    learner.age_band = None
    learner.special_consent = None
    learner.special_consent_at = None
    learner.vulnerable_group = None
    learner.awaiting = None
    learner.consent = Consent.DECLINED
    learner.erased_at = now or utcnow()
    learner.display_name = None
    learner.pending_start = None
    db.add(learner)
    # An erased person holds no role, and no half-finished conversation survives.
    grants = await db.exec(
        select(RoleGrant).where(
            RoleGrant.learner_id == learner.id,
            RoleGrant.revoked_at.is_(None),  # type: ignore[union-attr]
        )
    )
    for grant in grants.all():
        grant.revoked_at = learner.erased_at
        grant.revoked_by = learner.id
        db.add(grant)
        # Like every revocation, in the audit log: by the person, through the erasure.
        assert grant.id is not None
        await audit.record(
            db,
            actor_id=learner.id,
            action="role.revoke",
            subject_type="role_grant",
            subject_id=grant.id,
            details={"role": grant.role, "learner_id": grant.learner_id, "erased": True},
            now=learner.erased_at,
        )
    await certificates.revoke_all(db, learner, learner.erased_at)
    draft = await db.get(Draft, learner.id)
    if draft is not None:
        await db.delete(draft)
