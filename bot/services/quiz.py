"""Quizzes: a pre-test before the lessons, a post-test after, retries; one answer per question.

With consent, the attempt and every answer are stored and the stored attempt
decides what counts: an answer to any question but the current one is stale.
Without consent nothing is stored; the running score travels in the button.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module
from bot.db import utcnow
from bot.models import Learner, QuizAnswer, QuizAttempt, QuizKind
from bot.services import progress
from bot.services.learners import records_allowed


class AnswerOutcome(StrEnum):
    """What became of an answer to a quiz question."""

    ACCEPTED = "accepted"
    STALE = "stale"
    """Not the question being asked now (answered already, or an old message)."""
    FINISHED = "finished"
    """The attempt is over."""
    INVALID = "invalid"
    """Not an option of this question, or not this learner's attempt."""


@dataclass(frozen=True)
class QuizState:
    """What to show next: question ``index`` of an attempt (``attempt_id`` 0 when unstored)."""

    module_id: str
    kind: QuizKind
    attempt_id: int
    index: int
    correct_count: int
    question_count: int


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    correct: bool = False
    correct_option: str = ""
    state: QuizState | None = None
    finished: bool = False
    passed: bool = False
    score_percent: int = 0


def percent(correct: int, total: int) -> int:
    """A quiz score in whole percent (0 for a quiz without questions)."""
    return round(100 * correct / total) if total else 0


async def has_finished(db: AsyncSession, learner: Learner, module_id: str, kind: QuizKind) -> bool:
    if not records_allowed(learner) or learner.id is None:
        return False
    result = await db.exec(
        select(QuizAttempt.id).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.module_id == module_id,
            QuizAttempt.kind == kind,
            QuizAttempt.finished_at.is_not(None),  # type: ignore[union-attr]
        )
    )
    return result.first() is not None


async def start(db: AsyncSession, learner: Learner, module: Module, kind: QuizKind) -> QuizState:
    """A fresh attempt; an unfinished earlier attempt of the same kind is abandoned."""
    count = len(module.questions)
    if not records_allowed(learner) or learner.id is None:
        return QuizState(module.id, kind, 0, 0, 0, count)
    open_attempts = await db.exec(
        select(QuizAttempt).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.finished_at.is_(None),  # type: ignore[union-attr]
        )
    )
    for stale in open_attempts.all():
        # Closed without a score: it never counts in results or reports.
        stale.finished_at = utcnow()
        stale.current_index = stale.question_count
        db.add(stale)
    attempt = QuizAttempt(
        learner_id=learner.id,
        module_id=module.id,
        kind=kind,
        question_count=count,
        pass_mark=module.pass_mark,
    )
    db.add(attempt)
    await db.flush()
    assert attempt.id is not None
    return QuizState(module.id, kind, attempt.id, 0, 0, count)


async def answer(
    db: AsyncSession,
    learner: Learner,
    module: Module,
    kind: QuizKind,
    attempt_id: int,
    index: int,
    carried_correct: int,
    option: str,
) -> AnswerResult:
    if not 0 <= index < len(module.questions):
        return AnswerResult(AnswerOutcome.INVALID)
    question = module.question(index)
    if option not in question.options:
        return AnswerResult(AnswerOutcome.INVALID)
    is_correct = option == question.correct
    total = len(module.questions)

    if not records_allowed(learner) or learner.id is None:
        if attempt_id != 0 or not 0 <= carried_correct <= index:
            return AnswerResult(AnswerOutcome.INVALID)
        correct = carried_correct + int(is_correct)
        return _result(module, kind, 0, index + 1, correct, total, is_correct, question.correct)

    attempt = await db.get(QuizAttempt, attempt_id, with_for_update=True)
    if (
        attempt is None
        or attempt.learner_id != learner.id
        or attempt.module_id != module.id
        or attempt.kind != kind
    ):
        return AnswerResult(AnswerOutcome.INVALID)
    if attempt.finished_at is not None:
        return AnswerResult(AnswerOutcome.FINISHED)
    if attempt.current_index != index:
        return AnswerResult(AnswerOutcome.STALE)
    db.add(
        QuizAnswer(
            attempt_id=attempt_id, question_id=question.id, option=option, correct=is_correct
        )
    )
    attempt.current_index = index + 1
    attempt.correct_count += int(is_correct)
    finished = attempt.current_index >= attempt.question_count
    if finished:
        attempt.finished_at = utcnow()
        attempt.passed = percent(attempt.correct_count, total) >= module.pass_mark
        if attempt.passed and kind == QuizKind.POST:
            await progress.mark_passed(db, learner, module)
    db.add(attempt)
    await db.flush()
    return _result(
        module,
        kind,
        attempt_id,
        attempt.current_index,
        attempt.correct_count,
        total,
        is_correct,
        question.correct,
    )


def _result(
    module: Module,
    kind: QuizKind,
    attempt_id: int,
    next_index: int,
    correct: int,
    total: int,
    is_correct: bool,
    correct_option: str,
) -> AnswerResult:
    finished = next_index >= total
    score = percent(correct, total)
    return AnswerResult(
        outcome=AnswerOutcome.ACCEPTED,
        correct=is_correct,
        correct_option=correct_option,
        state=QuizState(module.id, kind, attempt_id, next_index, correct, total),
        finished=finished,
        passed=finished and score >= module.pass_mark,
        score_percent=score,
    )
