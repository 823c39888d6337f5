"""Everything stored about a person, as the ``/mydata`` file shows it (the right of access).

One section per kind of record; every table with a column pointing at the person is read
(``tests/services/test_privacy.py`` walks the models' foreign keys to hold that true), and
so are the audit entries about them and the stored Telegram updates that hold their
messages. Secrets are left out (a session's check-in key); other people appear only as
internal numbers, never by name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.models import (
    Announcement,
    Attendance,
    CheckinGuard,
    Delivery,
    Draft,
    Feedback,
    Learner,
    ModuleProgress,
    ModuleVersion,
    NudgeDelivery,
    NudgePlan,
    OutboxMessage,
    ProblemReport,
    QuizAnswer,
    QuizAttempt,
    Registration,
    ReportSubscription,
    ReviewItem,
    RoleGrant,
    RoleInvite,
    TrainingSession,
    TranslationStatus,
)
from bot.services import audit, certificates, inbox
from bot.services.privacy.references import (
    audit_entries,
    payload_of,
    stored_updates,
    typed_text,
)

Row = TypeVar("Row")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


async def _all(db: AsyncSession, query: SelectOfScalar[Row]) -> Sequence[Row]:
    return (await db.exec(query)).all()


async def _titles(db: AsyncSession, session_ids: set[int]) -> dict[int, TrainingSession]:
    if not session_ids:
        return {}
    found = await _all(db, select(TrainingSession).where(col(TrainingSession.id).in_(session_ids)))
    return {training.id or 0: training for training in found}


def _person(learner: Learner) -> dict[str, Any]:
    return {
        "person_number": learner.id,
        "telegram_id": learner.telegram_id,
        "name": learner.display_name,
        "name_shown_to_trainers_and_in_exports": {
            "answer": learner.name_consent,
            "at": _iso(learner.name_consent_at),
        },
        "person_id_in_reports": learner.pseudonym,
        "language": learner.language,
        "source": learner.source,
        "added_by_person": learner.added_by,
        "first_seen": _iso(learner.created_at),
        "reachable": learner.reachable,
        "waiting_for_typed_answer": learner.awaiting,
        "link_to_open_after_start": learner.pending_start,
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
    }


async def _learning(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    progress_rows = await _all(
        db,
        select(ModuleProgress)
        .where(ModuleProgress.learner_id == learner_id)
        .order_by(col(ModuleProgress.started_at)),
    )
    attempts = await _all(
        db,
        select(QuizAttempt)
        .where(QuizAttempt.learner_id == learner_id)
        .order_by(col(QuizAttempt.started_at)),
    )
    answers = await _all(
        db,
        select(QuizAnswer)
        .join(QuizAttempt, col(QuizAnswer.attempt_id) == col(QuizAttempt.id))
        .where(QuizAttempt.learner_id == learner_id)
        .order_by(col(QuizAnswer.answered_at)),
    )
    by_attempt: dict[int, list[QuizAnswer]] = {}
    for item in answers:
        by_attempt.setdefault(item.attempt_id, []).append(item)
    return {
        "modules": [
            {
                "module": row.module_id,
                "current_card": row.current_card + 1,
                "cards": row.cards_total,
                "started": _iso(row.started_at),
                "lessons_finished": _iso(row.lessons_done_at),
                "cards_seen": json.loads(row.cards_seen) if row.cards_seen else [],
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
                "asked": [
                    {"question": question, "options_in_order_shown": list(order)}
                    for question, order in (json.loads(attempt.form) if attempt.form else [])
                ],
                "answers": [
                    {"question": a.question_id, "option": a.option, "correct": a.correct}
                    for a in by_attempt.get(attempt.id or 0, [])
                ],
            }
            for attempt in attempts
        ],
    }


def _registration(row: Registration | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "status": row.status,
        "registered": _iso(row.registered_at),
        "apologised": _iso(row.apologised_at),
    }


def _attendance(row: Attendance | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "status": row.status,
        "how": row.method,
        "marked": _iso(row.marked_at),
        "marked_by_person": row.marked_by,
    }


def _feedback(row: Feedback | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"rating": row.rating, "comment": row.comment, "given": _iso(row.created_at)}


async def _participation(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    """Sessions the person registered for, attended or rated, and the bot's messages about
    them (reminders, notices, feedback questions)."""
    registrations = await _all(
        db, select(Registration).where(Registration.learner_id == learner_id)
    )
    marks = await _all(db, select(Attendance).where(Attendance.learner_id == learner_id))
    ratings = await _all(db, select(Feedback).where(Feedback.learner_id == learner_id))
    deliveries = await _all(
        db,
        select(Delivery).where(Delivery.learner_id == learner_id).order_by(col(Delivery.id)),
    )
    marked = await _all(
        db,
        select(Attendance).where(
            Attendance.marked_by == learner_id, Attendance.learner_id != learner_id
        ),
    )
    rows: list[Registration | Attendance | Feedback | Delivery] = [
        *registrations,
        *marks,
        *ratings,
        *deliveries,
        *marked,
    ]
    trainings = await _titles(db, {row.session_id for row in rows})
    registration = {row.session_id: row for row in registrations}
    attendance = {row.session_id: row for row in marks}
    feedback = {row.session_id: row for row in ratings}
    taken_part = sorted(
        set(registration) | set(attendance) | set(feedback),
        key=lambda session_id: (trainings[session_id].starts_at, session_id),
    )

    def title(session_id: int) -> str:
        return trainings[session_id].title

    return {
        "sessions": [
            {
                "title": title(session_id),
                "starts": _iso(trainings[session_id].starts_at),
                "registration": _registration(registration.get(session_id)),
                "attendance": _attendance(attendance.get(session_id)),
                "feedback": _feedback(feedback.get(session_id)),
            }
            for session_id in taken_part
        ],
        "messages_from_the_bot": [
            {
                "kind": row.kind,
                "session": title(row.session_id),
                "about_the_start": _iso(row.session_start),
                "status": row.status,
                "written": _iso(row.created_at),
                "sent": _iso(row.sent_at),
            }
            for row in deliveries
        ],
        "attendance_you_marked": [
            {
                "session": title(row.session_id),
                "status": row.status,
                "how": row.method,
                "at": _iso(row.marked_at),
            }
            for row in marked
        ],
    }


def _session_run(training: TrainingSession) -> dict[str, Any]:
    return {
        "title": training.title,
        "module": training.module_id,
        "starts": _iso(training.starts_at),
        "minutes": training.duration_minutes,
        "venue": training.venue,
        "online_link": training.online_url,
        "country": training.country,
        "language": training.language,
        "places": training.capacity,
        "created": _iso(training.created_at),
        "cancelled": _iso(training.cancelled_at),
        "checkin_opened": _iso(training.checkin_opened_at),
        "checkin_closed": _iso(training.checkin_closed_at),
    }


async def _staff_work(db: AsyncSession, learner: Learner) -> dict[str, Any]:
    """What the person did as a trainer, coordinator or admin."""
    learner_id = learner.id
    run = await _all(
        db,
        select(TrainingSession)
        .where(TrainingSession.trainer_id == learner_id)
        .order_by(col(TrainingSession.starts_at)),
    )
    screens: Sequence[TrainingSession] = []
    if learner.telegram_id is not None:
        screens = await _all(
            db,
            select(TrainingSession).where(TrainingSession.checkin_chat_id == learner.telegram_id),
        )
    written = await _all(
        db,
        select(Announcement)
        .where(
            sa.or_(
                col(Announcement.created_by) == learner_id,
                sa.and_(
                    col(Announcement.report_chat_id).is_not(None),
                    col(Announcement.report_chat_id) == learner.telegram_id,
                ),
            )
        )
        .order_by(col(Announcement.id)),
    )
    invites = await _all(
        db,
        select(RoleInvite)
        .where(
            sa.or_(col(RoleInvite.created_by) == learner_id, col(RoleInvite.used_by) == learner_id)
        )
        .order_by(col(RoleInvite.id)),
    )
    granted = await _all(
        db,
        select(RoleGrant)
        .where(
            RoleGrant.learner_id != learner_id,
            sa.or_(
                col(RoleGrant.granted_by) == learner_id, col(RoleGrant.revoked_by) == learner_id
            ),
        )
        .order_by(col(RoleGrant.id)),
    )
    added = await _all(
        db, select(Learner).where(Learner.added_by == learner_id).order_by(col(Learner.id))
    )
    return {
        "sessions_you_run": [_session_run(training) for training in run],
        "checkin_code_shown_in_your_chat": [
            {"session": training.title, "starts": _iso(training.starts_at)} for training in screens
        ],
        "announcements_you_wrote": [
            {
                "text": announcement.text,
                "audience": _json(announcement.audience),
                "status": announcement.status,
                "written": _iso(announcement.created_at),
                "confirmed": _iso(announcement.confirmed_at),
                "finished": _iso(announcement.finished_at),
                "summary_to_your_chat": announcement.report_chat_id is not None
                and announcement.report_chat_id == learner.telegram_id,
            }
            for announcement in written
        ],
        "role_invites": [
            {
                "role": invite.role,
                "countries": invite.countries,
                "organisations": invite.organisations,
                "programmes": invite.programmes,
                "made_by_you": invite.created_by == learner_id,
                "made": _iso(invite.created_at),
                "expires": _iso(invite.expires_at),
                "used_by_you": invite.used_by == learner_id,
                "used": _iso(invite.used_at),
            }
            for invite in invites
        ],
        "roles_you_granted_or_revoked": [
            {
                "person": grant.learner_id,
                "role": grant.role,
                "granted": _iso(grant.granted_at) if grant.granted_by == learner_id else None,
                "revoked": _iso(grant.revoked_at) if grant.revoked_by == learner_id else None,
            }
            for grant in granted
        ],
        "walk_ins_you_added": [
            {"person": person.id, "added": _iso(person.created_at)} for person in added
        ],
    }


async def _records(db: AsyncSession, learner: Learner) -> dict[str, Any]:
    """Roles, certificates, announcements received, the audit log, the check-in lock, a
    conversation in progress and the stored messages."""
    learner_id = learner.id or 0
    grants = await _all(db, select(RoleGrant).where(RoleGrant.learner_id == learner_id))
    received = await _all(
        db,
        select(OutboxMessage)
        .where(OutboxMessage.learner_id == learner_id)
        .order_by(col(OutboxMessage.id)),
    )
    guard = await db.get(CheckinGuard, learner_id)
    draft = await db.get(Draft, learner_id)
    reports = await _all(
        db, select(ReportSubscription).where(ReportSubscription.learner_id == learner_id)
    )
    edited = await _all(
        db,
        select(ModuleVersion)
        .where(
            sa.or_(
                col(ModuleVersion.created_by) == learner_id,
                col(ModuleVersion.published_by) == learner_id,
            )
        )
        .order_by(col(ModuleVersion.id)),
    )
    return {
        "content_versions": [
            {
                "module": row.module_id,
                "version": row.number,
                "made_by_you": row.created_by == learner_id,
                "published_by_you": row.published_by == learner_id,
                "published": _iso(row.published_at),
            }
            for row in edited
        ],
        "scheduled_reports": [
            {
                "frequency": report.frequency,
                "programme": report.programme_id,
                "subscribed": _iso(report.created_at),
                "stopped": _iso(report.cancelled_at),
            }
            for report in reports
        ],
        "roles": [
            {
                "role": grant.role,
                "countries": grant.countries,
                "organisations": grant.organisations,
                "programmes": grant.programmes,
                "languages": grant.languages,
                "granted_by_person": grant.granted_by,
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
                "earlier_codes_replaced_by_a_corrected_name": [
                    {
                        "code": certificates.format_code(replacement.code),
                        "issued": _iso(replacement.issued_at),
                        "replaced": _iso(replacement.replaced_at),
                    }
                    for replacement in await certificates.replacements_of(db, certificate)
                ],
            }
            for certificate in await certificates.list_for(db, learner)
        ],
        "announcements_to_you": [
            {
                "announcement": row.announcement_id,
                "status": row.status,
                "attempts": row.attempts,
                "sent": _iso(row.sent_at),
            }
            for row in received
        ],
        "audit_log": [
            {
                "at": _iso(entry.at),
                "action": entry.action,
                "subject": entry.subject_type,
                "subject_number": entry.subject_id,
                "by_you": entry.actor_id == learner_id,
                "by_person": entry.actor_id,
                "details": audit.details_of(entry),
            }
            for entry in await audit_entries(db, learner_id)
        ],
        "checkin_lock": {
            "wrong_codes_in_a_row": guard.failures,
            "locked_until": _iso(guard.locked_until),
        }
        if guard is not None
        else None,
        "conversation_in_progress": {
            "kind": draft.kind,
            "step": draft.step,
            "answers": _json(draft.data),
            "updated": _iso(draft.updated_at),
        }
        if draft is not None
        else None,
        "stored_messages": await _stored_messages(db, learner),
    }


async def _stored_messages(db: AsyncSession, learner: Learner) -> list[dict[str, Any]]:
    """A person's own updates in full; for a walk-in, only the text that gave their name
    (the rest of that update is the trainer's)."""
    if learner.telegram_id is not None:
        rows = await stored_updates(db, telegram_id=learner.telegram_id)
    elif learner.display_name:
        rows = await stored_updates(db, name=learner.display_name)
    else:
        rows = []
    return [
        {
            "update": row.update_id,
            "received": _iso(row.received_at),
            "status": row.status,
            "content": payload_of(row)
            if learner.telegram_id is not None
            else typed_text(payload_of(row)),
        }
        for row in rows
    ]


async def _content_and_study(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    """The problems the person reported (or answered, or closed, as staff), their study
    nudge, the nudges sent and the questions kept for their review."""
    reports = await _all(
        db,
        select(ProblemReport)
        .where(
            sa.or_(
                col(ProblemReport.learner_id) == learner_id,
                col(ProblemReport.answered_by) == learner_id,
                col(ProblemReport.closed_by) == learner_id,
            )
        )
        .order_by(col(ProblemReport.id)),
    )
    plan = (await db.exec(select(NudgePlan).where(NudgePlan.learner_id == learner_id))).first()
    nudges = await _all(
        db,
        select(NudgeDelivery)
        .where(NudgeDelivery.learner_id == learner_id)
        .order_by(col(NudgeDelivery.id)),
    )
    reviews = await _all(
        db,
        select(ReviewItem).where(ReviewItem.learner_id == learner_id).order_by(col(ReviewItem.id)),
    )

    translations = await _all(
        db,
        select(TranslationStatus)
        .where(TranslationStatus.changed_by == learner_id)
        .order_by(col(TranslationStatus.id)),
    )

    def report(row: ProblemReport) -> dict[str, Any]:
        yours = row.learner_id == learner_id
        return {
            "reported_by_you": yours,
            "answered_by_you": row.answered_by == learner_id,
            "closed_by_you": row.closed_by == learner_id,
            "module": row.module_id,
            "item": f"{row.item_kind}:{row.item_id}",
            "language": row.language,
            "content_version": row.content_version,
            "category": row.category,
            "comment": row.comment if yours else None,
            "status": row.status,
            "reported": _iso(row.created_at),
            "answer": row.answer,
            "answered": _iso(row.answered_at),
        }

    return {
        "problem_reports": [report(row) for row in reports],
        "study_nudge": {
            "frequency": plan.frequency,
            "weekday": plan.weekday,
            "local_time": f"{plan.minute_of_day // 60:02d}:{plan.minute_of_day % 60:02d}",
            "zone": plan.zone,
            "stopped": _iso(plan.stopped_at),
        }
        if plan is not None
        else None,
        "study_nudges_sent": [{"due": _iso(row.due_at), "status": row.status} for row in nudges],
        "translation_statuses_you_set": [
            {
                "module": row.module_id,
                "language": row.language,
                "text": row.key,
                "state": row.state,
                "when": _iso(row.changed_at),
            }
            for row in translations
        ],
        "review_questions": [
            {
                "module": row.module_id,
                "question": row.question_id,
                "due": _iso(row.due_at),
                "answered": _iso(row.answered_at),
                "correct": row.correct,
            }
            for row in reviews
        ],
    }


async def personal_data(db: AsyncSession, learner: Learner) -> dict[str, Any]:
    """Everything stored about the person, as the ``/mydata`` file shows it."""
    assert learner.id is not None
    return {
        **_person(learner),
        **await _learning(db, learner.id),
        **await _participation(db, learner.id),
        **await _staff_work(db, learner),
        **await _records(db, learner),
        **await _content_and_study(db, learner.id),
        **await inbox.personal_data(db, learner.id),
    }


def personal_data_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
