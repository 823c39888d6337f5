"""Quizzes in parallel forms, where the gain on matched items and the difference of the
whole-test scores part ways: the fixture of the knowledge-gain views' tests, every number
computed by hand (below); built through the models the bot uses.

Each answer is (objective, right): the pre-test and the post-test ask different questions
(question ids ``pre-<objective>``, ``post-<objective>``) of the same objective; ``legacy-<n>``
is an answer stored before objectives were (objective NULL), whose question (``legacy-<n>``,
the same in both tests) is its own objective.

People (all in 2026; times UTC)
  P  RS female  EU  pre  Feb 1   o1 ✓ o2 ✗ o3 ✗ o4 ✗ o5 ✓          2/5 = 40 %
                    post Mar 10  o1 ✓ o2 ✓ o3 ✗ o4 ✓ o6 ✗          3/5 = 60 %
                    post Apr 10  o1 ✓ o2 ✗ o3 ✗ o4 ✓ o6 ✓ o7 ✓     4/6 = 66.7 % (the best)
      matched o1-o4: pre 1; Mar 10 post 3 -> +50; Apr 10 post 2 -> +25
  Q  XK male    PW  pre  May 2   legacy-1 ✓ legacy-2 ✗ legacy-3 ✗ o1 ✗        1/4 = 25 %
                    post May 20  legacy-1 ✓ legacy-2 ✓ legacy-4 ✓ o1 ✓        4/4 = 100 %
      matched legacy-1, legacy-2, o1: pre 1, post 3 -> +200/3 = 66.67
  R  BA female  EU  pre  Mar 1   o1 ✓                                 1/1 = 100 %
                    post Mar 20  o2 ✓ o3 ✗                            1/2 = 50 %
      nothing matched: no pair (whole tests: -50)
  S  RS male    EU  pre  Jan 5   abandoned (no score, no answers)
                    pre  Jan 10  o1 ✗ o2 ✗ o3 ✓                       1/3 = 33.3 %
                    pre  Feb 10  o1 ✓ o2 ✓ o3 ✓  (not the first: not used)
                    post Jun 20  o1 ✓ o2 ✓ o3 ✓ o4 ✗                  3/4 = 75 %
      matched o1-o3: pre 1, post 3 -> +200/3 = 66.67

Figures (matched items, as the bot; whole tests, as the views of 0007 did)
  2026 / all time  pairs P +25, Q +66.67, S +66.67 = 3, average 52.78 (items 4 + 3 + 3 = 10)
                   whole tests: 4 pairs (R too): P 26.67, Q 75, R -50, S 41.67 -> 23.33
  March            P (Mar 10 post only) +50 = 1 pair, average 50; whole tests: P 20, R -50
                   -> 2 pairs, average -15
  June             S +66.67 = 1 pair; whole tests 41.67
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import Learner, QuizAnswer, QuizAttempt, QuizKind
from tests.factories import make_learner
from tests.support.reporting import EU, PW, utc

Answers = list[tuple[str, bool]]


async def take(
    db: AsyncSession,
    learner: Learner,
    module_id: str,
    kind: QuizKind,
    answers: Answers | None,
    started_at: datetime,
) -> QuizAttempt:
    """A quiz finished at ``started_at`` with ``answers``; ``None``: abandoned, no score."""
    assert learner.id is not None
    questions = len(answers or [])
    correct = sum(right for _objective, right in answers or [])
    attempt = QuizAttempt(
        learner_id=learner.id,
        module_id=module_id,
        kind=kind,
        current_index=questions,
        correct_count=correct,
        question_count=questions,
        pass_mark=75,
        passed=100 * correct / questions >= 75 if answers else None,
        started_at=started_at,
        finished_at=started_at,
    )
    db.add(attempt)
    await db.flush()
    assert attempt.id is not None
    for objective, right in answers or []:
        if objective.startswith("legacy-"):
            question, stored = objective, None
        else:
            question, stored = f"{kind}-{objective}", objective
        db.add(
            QuizAnswer(
                attempt_id=attempt.id,
                question_id=question,
                option="a",
                correct=right,
                objective=stored,
            )
        )
    await db.flush()
    return attempt


def _of(objectives: str, rights: str) -> Answers:
    """``_of("o1 o2 legacy-4", "✓✗✓")``: objectives (``legacy-<n>``: no objective, question
    ``legacy-<n>``) and their marks."""
    names = objectives.split()
    assert len(names) == len(rights)
    return [(name, mark == "✓") for name, mark in zip(names, rights, strict=True)]


async def build_gain_world(database: Database) -> dict[str, Learner]:
    async with database.session() as db:
        p = await make_learner(db, country="RS", gender="female", age_band="25-34")
        q = await make_learner(db, country="XK", gender="male", age_band="35-44")
        r = await make_learner(db, country="BA", gender="female", age_band="18-24")
        s = await make_learner(db, country="RS", gender="male", age_band="45-54")

        pre, post = QuizKind.PRE, QuizKind.POST
        await take(db, p, EU, pre, _of("o1 o2 o3 o4 o5", "✓✗✗✗✓"), utc(2026, 2, 1))
        await take(db, p, EU, post, _of("o1 o2 o3 o4 o6", "✓✓✗✓✗"), utc(2026, 3, 10))
        await take(db, p, EU, post, _of("o1 o2 o3 o4 o6 o7", "✓✗✗✓✓✓"), utc(2026, 4, 10))

        legacy = "legacy-1 legacy-2"
        await take(db, q, PW, pre, _of(f"{legacy} legacy-3 o1", "✓✗✗✗"), utc(2026, 5, 2))
        await take(db, q, PW, post, _of(f"{legacy} legacy-4 o1", "✓✓✓✓"), utc(2026, 5, 20))

        await take(db, r, EU, pre, _of("o1", "✓"), utc(2026, 3, 1))
        await take(db, r, EU, post, _of("o2 o3", "✓✗"), utc(2026, 3, 20))

        await take(db, s, EU, pre, None, utc(2026, 1, 5))
        await take(db, s, EU, pre, _of("o1 o2 o3", "✗✗✓"), utc(2026, 1, 10))
        await take(db, s, EU, pre, _of("o1 o2 o3", "✓✓✓"), utc(2026, 2, 10))
        await take(db, s, EU, post, _of("o1 o2 o3 o4", "✓✓✓✗"), utc(2026, 6, 20))
    return {"P": p, "Q": q, "R": r, "S": s}
