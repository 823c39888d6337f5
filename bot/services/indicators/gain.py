"""Knowledge gain on matched objectives: the one place it is computed (``/stats``, the
Indicators and Learning sheets all ask :func:`knowledge_gain`).

Per person and module, the **pre-test** is the first scored pre-test (whenever it was taken)
and the **post-test** the best scored post-test finished in the period (the highest exact
score, not rounded; ties: the earlier).
The two are compared only on the objectives both asked: the pre-test's question of an
objective against the post-test's question of the same objective (its parallel form, in a
module written in forms; the same question in a module not yet rewritten, where each question
is its own objective). The pair's gain, in percentage points, is

    100 x (post-test items right - pre-test items right) / matched objectives

and the average gain is the mean over pairs. It is reported with its n: pairs (person and
module), people and matched items. See docs/reporting.md, "Knowledge gain on matched items".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, QuizAnswer, QuizAttempt, QuizKind
from bot.services.roles import Scope
from bot.services.scope import Filters, Period, in_period, person_conditions, select_columns

BATCH = 500
"""Attempt or person ids per query (well below any limit on bound parameters)."""

Pair = tuple[int, str]
"""(person id, module id)"""


@dataclass(frozen=True)
class PairGain:
    items: int
    """Objectives asked in both tests."""
    pre_correct: int
    post_correct: int

    @property
    def points(self) -> float:
        return 100 * (self.post_correct - self.pre_correct) / self.items


@dataclass(frozen=True)
class KnowledgeGain:
    pairs: dict[Pair, PairGain] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return len({learner_id for learner_id, _module in self.pairs})

    @property
    def items(self) -> int:
        return sum(pair.items for pair in self.pairs.values())

    @property
    def average(self) -> float | None:
        """Percentage points, the mean over pairs; None without pairs."""
        if not self.pairs:
            return None
        return sum(pair.points for pair in self.pairs.values()) / len(self.pairs)


async def knowledge_gain(
    db: AsyncSession,
    scope: Scope,
    period: Period,
    filters: Filters,
    learner_ids: Iterable[int] | None = None,
) -> KnowledgeGain:
    """The gain of every person and module pair in the scope whose post-test finished in the
    period (only of ``learner_ids``, when given)."""
    limits = [
        col(QuizAttempt.finished_at).is_not(None),
        col(QuizAttempt.passed).is_not(None),
        *person_conditions(scope, filters, learning=True),
    ]
    if filters.module is not None:
        limits.append(col(QuizAttempt.module_id) == filters.module)
    id_groups: list[list[int] | None] = [None]
    if learner_ids is not None:
        wanted = sorted(set(learner_ids))
        id_groups = [wanted[start : start + BATCH] for start in range(0, len(wanted), BATCH)]
    pairs: dict[Pair, PairGain] = {}
    for ids in id_groups:
        conditions = list(limits)
        if ids is not None:
            conditions.append(col(QuizAttempt.learner_id).in_(ids))
        pairs |= await _gains(db, conditions, period)
    return KnowledgeGain(dict(sorted(pairs.items())))


async def _attempts(db: AsyncSession, kind: QuizKind, conditions: list[Any]) -> list[Any]:
    return list(
        (
            await db.exec(
                select_columns(
                    col(QuizAttempt.learner_id),
                    col(QuizAttempt.module_id),
                    col(QuizAttempt.correct_count),
                    col(QuizAttempt.question_count),
                    col(QuizAttempt.started_at),
                    col(QuizAttempt.id),
                )
                .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
                .where(col(QuizAttempt.kind) == kind.value, *conditions)
            )
        ).all()
    )


async def _gains(db: AsyncSession, conditions: list[Any], period: Period) -> dict[Pair, PairGain]:
    posts = await _attempts(
        db, QuizKind.POST, [*conditions, *in_period(col(QuizAttempt.finished_at), period)]
    )
    best: dict[Pair, tuple[Fraction, datetime, int]] = {}
    for learner_id, module_id, correct, total, started, attempt_id in posts:
        key = (learner_id, module_id)
        # The exact score, not the whole percent shown: as the views order post-tests.
        candidate = (-Fraction(correct, total) if total else Fraction(0), started, attempt_id)
        if key not in best or candidate < best[key]:
            best[key] = candidate
    if not best:
        return {}
    first: dict[Pair, tuple[datetime, int]] = {}
    for learner_id, module_id, _correct, _total, started, attempt_id in await _attempts(
        db, QuizKind.PRE, conditions
    ):
        key = (learner_id, module_id)
        if key in best and (key not in first or (started, attempt_id) < first[key]):
            first[key] = (started, attempt_id)
    chosen = {key: (first[key][1], best[key][2]) for key in best if key in first}
    answers = await _answers(db, [a for pre_post in chosen.values() for a in pre_post])
    gains: dict[Pair, PairGain] = {}
    for key, (pre_id, post_id) in chosen.items():
        pre, post = answers.get(pre_id, {}), answers.get(post_id, {})
        matched = pre.keys() & post.keys()
        if matched:
            gains[key] = PairGain(
                items=len(matched),
                pre_correct=sum(pre[objective] for objective in matched),
                post_correct=sum(post[objective] for objective in matched),
            )
    return gains


async def _answers(db: AsyncSession, attempt_ids: list[int]) -> dict[int, dict[str, bool]]:
    """Each attempt's answers by objective (an answer stored before objectives were: its
    question is its objective)."""
    objective = sa.func.coalesce(col(QuizAnswer.objective), col(QuizAnswer.question_id))
    columns = (col(QuizAnswer.attempt_id), objective, col(QuizAnswer.correct))
    found: dict[int, dict[str, bool]] = {}
    wanted = sorted(set(attempt_ids))
    for start in range(0, len(wanted), BATCH):
        rows = (
            await db.exec(
                select_columns(*columns).where(
                    col(QuizAnswer.attempt_id).in_(wanted[start : start + BATCH])
                )
            )
        ).all()
        for attempt_id, key, correct in rows:
            found.setdefault(attempt_id, {})[key] = bool(correct)
    return found
