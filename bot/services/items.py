"""Item analysis for coordinators: how each quiz question works, per language.

From the answers of scored post-tests (the quiz after the lessons) finished in the period,
by people in the scope, per question and per language (the learner's language):

- **share correct**: answers right / answers;
- **discrimination**: the point-biserial correlation between answering this question right
  and the rest of the attempt's score (the share right of the attempt's *other* questions),
  over the attempts in that language. A good question is answered right more often by those
  who do well on the rest (0.2 and above); near 0 or negative, it measures something else,
  or its key or translation is wrong.

A cell is computed only from at least :data:`MIN_ANSWERS` answers (else only its count is
known). A question is **flagged** in a language when its share correct there is at least
:data:`FLAG_GAP` (20 points) away from the median share correct of the same question in the
other languages (each with at least :data:`MIN_ANSWERS` answers), and the difference is
beyond chance (a two-proportion z-test against the other languages' answers pooled,
``|z| >=`` :data:`FLAG_Z`, about p < 0.01): it usually means a translation problem
(docs/reporting.md, "Item analysis").

For a limited scope the counts of answers are rounded (``Disclosure.figure``); the shares
need :data:`MIN_ANSWERS` answers anyway, so no single person's answer can be told.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, QuizAnswer, QuizAttempt, QuizKind
from bot.services.indicators.disclosure import Disclosure
from bot.services.roles import Scope
from bot.services.scope import Filters, Period, in_period, person_conditions, select_columns

MIN_ANSWERS = 20
"""Answers a share correct and a discrimination index need, per question and language."""
FLAG_GAP = 0.20
"""How far (as a share) one language's share correct must be from the other languages'."""
FLAG_Z = 2.58
"""...and beyond chance: |z| of the two-proportion test at least this (p < 0.01)."""
WEAK_DISCRIMINATION = 0.2
"""Below this, a question hardly tells those who know from those who do not."""


@dataclass(frozen=True)
class ItemStats:
    module_id: str
    question_id: str
    language: str
    answers: int
    share_correct: float | None
    """0..1; None under MIN_ANSWERS answers."""
    discrimination: float | None
    """Point-biserial on the rest of the attempt's score; None under MIN_ANSWERS answers or
    when everyone (or nobody) got it right."""
    others_share: float | None = None
    """The median share correct of the same question in the other languages."""
    flagged: bool = False


@dataclass(frozen=True)
class _Answer:
    correct: bool
    rest: float
    """The share right of the attempt's other questions."""


def point_biserial(answers: list[_Answer]) -> float | None:
    """The correlation between an item (0/1) and the rest score; None when either does not
    vary."""
    n = len(answers)
    right = [a.rest for a in answers if a.correct]
    wrong = [a.rest for a in answers if not a.correct]
    if not right or not wrong:
        return None
    mean = sum(a.rest for a in answers) / n
    spread = math.sqrt(sum((a.rest - mean) ** 2 for a in answers) / n)
    if spread == 0:
        return None
    p = len(right) / n
    difference = sum(right) / len(right) - sum(wrong) / len(wrong)
    return difference / spread * math.sqrt(p * (1 - p))


def _z(right_a: int, n_a: int, right_b: int, n_b: int) -> float:
    pooled = (right_a + right_b) / (n_a + n_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if error == 0:
        return 0.0
    return (right_a / n_a - right_b / n_b) / error


async def analyse(
    db: AsyncSession,
    scope: Scope,
    period: Period,
    filters: Filters,
    disclosure: Disclosure,
) -> list[ItemStats]:
    """Every question answered in the scope and period, per language, sorted by module,
    question and language; flagged ones as described above."""
    conditions = [
        col(QuizAttempt.kind) == QuizKind.POST.value,
        col(QuizAttempt.finished_at).is_not(None),
        col(QuizAttempt.passed).is_not(None),
        *in_period(col(QuizAttempt.finished_at), period),
        *person_conditions(scope, filters, learning=True),
    ]
    if filters.module is not None:
        conditions.append(col(QuizAttempt.module_id) == filters.module)
    rows = (
        await db.exec(
            select_columns(
                col(QuizAttempt.id),
                col(QuizAttempt.module_id),
                col(Learner.language),
                col(QuizAnswer.question_id),
                col(QuizAnswer.correct),
            )
            .join(QuizAttempt, col(QuizAttempt.id) == col(QuizAnswer.attempt_id))
            .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
            .where(*conditions)
        )
    ).all()
    attempts: dict[int, list[tuple[str, str, str, bool]]] = defaultdict(list)
    for attempt_id, module_id, language, question_id, correct in rows:
        attempts[attempt_id].append((module_id, language, question_id, bool(correct)))
    cells: dict[tuple[str, str, str], list[_Answer]] = defaultdict(list)
    for answers in attempts.values():
        right = sum(correct for *_rest, correct in answers)
        others = len(answers) - 1
        for module_id, language, question_id, correct in answers:
            rest = (right - correct) / others if others else 0.0
            cells[(module_id, question_id, language)].append(_Answer(correct, rest))
    stats = [
        _cell(module_id, question_id, language, answers)
        for (module_id, question_id, language), answers in sorted(cells.items())
    ]
    stats = _flag(stats, cells)
    if disclosure.exact:
        return stats
    return [replace(item, answers=disclosure.figure(item.answers)) for item in stats]


def _cell(module_id: str, question_id: str, language: str, answers: list[_Answer]) -> ItemStats:
    n = len(answers)
    if n < MIN_ANSWERS:
        return ItemStats(module_id, question_id, language, n, None, None)
    right = sum(a.correct for a in answers)
    return ItemStats(module_id, question_id, language, n, right / n, point_biserial(answers))


def _flag(
    stats: list[ItemStats], cells: dict[tuple[str, str, str], list[_Answer]]
) -> list[ItemStats]:
    by_question: dict[tuple[str, str], list[ItemStats]] = defaultdict(list)
    for item in stats:
        if item.share_correct is not None:
            by_question[(item.module_id, item.question_id)].append(item)
    flagged: list[ItemStats] = []
    for item in stats:
        others = [
            other
            for other in by_question[(item.module_id, item.question_id)]
            if other.language != item.language
        ]
        if item.share_correct is None or not others:
            flagged.append(item)
            continue
        # The median of the other languages: one odd language does not move it, so only
        # that language stands out (with two languages, both do: which one is wrong?).
        typical = statistics.median(other.share_correct or 0.0 for other in others)
        pooled = [
            answer
            for other in others
            for answer in cells[(other.module_id, other.question_id, other.language)]
        ]
        right_others = sum(a.correct for a in pooled)
        right = round(item.share_correct * item.answers)
        z = _z(right, item.answers, right_others, len(pooled))
        flag = abs(item.share_correct - typical) >= FLAG_GAP and abs(z) >= FLAG_Z
        flagged.append(replace(item, others_share=typical, flagged=flag))
    return flagged
