"""Everything stored about a person, as the ``/mydata`` file shows it (the right of access).

One section per kind of record; every table with a column pointing at the person is read
(``tests/services/test_privacy.py`` walks the models' foreign keys to hold that true), and
so are the audit entries about them and the stored Telegram updates that hold their
messages. Secrets are left out (a session's check-in key); other people appear only as
internal numbers, never by name.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Delivery,
    Feedback,
    Learner,
    ModuleProgress,
    NudgeDelivery,
    NudgePlan,
    ProblemReport,
    QuizAnswer,
    QuizAttempt,
    Registration,
    ReviewItem,
    TranslationStatus,
)
from bot.services import inbox
from bot.services.privacy.records import records, staff_work
from bot.services.privacy.values import all_rows, iso, session_titles


def _person(learner: Learner) -> dict[str, Any]:
    return {
        "person_number": learner.id,
        "telegram_id": learner.telegram_id,
        "name": learner.display_name,
        "name_shown_to_trainers_and_in_exports": {
            "answer": learner.name_consent,
            "at": iso(learner.name_consent_at),
        },
        "person_id_in_reports": learner.pseudonym,
        "language": learner.language,
        "source": learner.source,
        "added_by_person": learner.added_by,
        "first_seen": iso(learner.created_at),
        "reachable": learner.reachable,
        "waiting_for_typed_answer": learner.awaiting,
        "link_to_open_after_start": learner.pending_start,
        "consent": {"status": learner.consent, "at": iso(learner.consent_at)},
        "profile": {
            "organisation": learner.organisation,
            "country": learner.country,
            "gender": learner.gender,
            "age_band": learner.age_band,
        },
        "special_category": {
            "consent": learner.special_consent,
            "at": iso(learner.special_consent_at),
            "vulnerable_group": learner.vulnerable_group,
        },
    }


async def _learning(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    progress_rows = await all_rows(
        db,
        select(ModuleProgress)
        .where(ModuleProgress.learner_id == learner_id)
        .order_by(col(ModuleProgress.started_at)),
    )
    attempts = await all_rows(
        db,
        select(QuizAttempt)
        .where(QuizAttempt.learner_id == learner_id)
        .order_by(col(QuizAttempt.started_at)),
    )
    answers = await all_rows(
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
                "started": iso(row.started_at),
                "lessons_finished": iso(row.lessons_done_at),
                "cards_seen": json.loads(row.cards_seen) if row.cards_seen else [],
                "passed": iso(row.passed_at),
            }
            for row in progress_rows
        ],
        "quizzes": [
            {
                "module": attempt.module_id,
                "kind": attempt.kind,
                "started": iso(attempt.started_at),
                "finished": iso(attempt.finished_at),
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
        "registered": iso(row.registered_at),
        "apologised": iso(row.apologised_at),
    }


def _attendance(row: Attendance | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "status": row.status,
        "how": row.method,
        "marked": iso(row.marked_at),
        "marked_by_person": row.marked_by,
    }


def _feedback(row: Feedback | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"rating": row.rating, "comment": row.comment, "given": iso(row.created_at)}


async def _participation(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    """Sessions the person registered for, attended or rated, and the bot's messages about
    them (reminders, notices, feedback questions)."""
    registrations = await all_rows(
        db, select(Registration).where(Registration.learner_id == learner_id)
    )
    marks = await all_rows(db, select(Attendance).where(Attendance.learner_id == learner_id))
    ratings = await all_rows(db, select(Feedback).where(Feedback.learner_id == learner_id))
    deliveries = await all_rows(
        db,
        select(Delivery).where(Delivery.learner_id == learner_id).order_by(col(Delivery.id)),
    )
    marked = await all_rows(
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
    trainings = await session_titles(db, {row.session_id for row in rows})
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
                "starts": iso(trainings[session_id].starts_at),
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
                "about_the_start": iso(row.session_start),
                "status": row.status,
                "written": iso(row.created_at),
                "sent": iso(row.sent_at),
            }
            for row in deliveries
        ],
        "attendance_you_marked": [
            {
                "session": title(row.session_id),
                "status": row.status,
                "how": row.method,
                "at": iso(row.marked_at),
            }
            for row in marked
        ],
    }


async def _content_and_study(db: AsyncSession, learner_id: int) -> dict[str, Any]:
    """The problems the person reported (or answered, or closed, as staff), their study
    nudge, the nudges sent and the questions kept for their review."""
    reports = await all_rows(
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
    nudges = await all_rows(
        db,
        select(NudgeDelivery)
        .where(NudgeDelivery.learner_id == learner_id)
        .order_by(col(NudgeDelivery.id)),
    )
    reviews = await all_rows(
        db,
        select(ReviewItem).where(ReviewItem.learner_id == learner_id).order_by(col(ReviewItem.id)),
    )

    translations = await all_rows(
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
            "reported": iso(row.created_at),
            "answer": row.answer,
            "answered": iso(row.answered_at),
        }

    return {
        "problem_reports": [report(row) for row in reports],
        "study_nudge": {
            "frequency": plan.frequency,
            "weekday": plan.weekday,
            "local_time": f"{plan.minute_of_day // 60:02d}:{plan.minute_of_day % 60:02d}",
            "zone": plan.zone,
            "stopped": iso(plan.stopped_at),
        }
        if plan is not None
        else None,
        "study_nudges_sent": [{"due": iso(row.due_at), "status": row.status} for row in nudges],
        "translation_statuses_you_set": [
            {
                "module": row.module_id,
                "language": row.language,
                "text": row.key,
                "state": row.state,
                "when": iso(row.changed_at),
            }
            for row in translations
        ],
        "review_questions": [
            {
                "module": row.module_id,
                "question": row.question_id,
                "due": iso(row.due_at),
                "answered": iso(row.answered_at),
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
        **await staff_work(db, learner),
        **await records(db, learner),
        **await _content_and_study(db, learner.id),
        **await inbox.personal_data(db, learner.id),
    }


def personal_data_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
