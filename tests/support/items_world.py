"""A generated data set for the item analysis: learners in four languages take the quiz
after the lessons of a real module; one question is "mistranslated" in Albanian (learners in
that language mostly get it wrong), every other question behaves alike in every language."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module
from bot.db import Database
from bot.models import QuizAnswer, QuizAttempt, QuizKind
from tests.factories import make_learner

LANGUAGES = ("en", "sq", "bs", "mk")
PER_LANGUAGE = 60
FEW = ("hr", 6)
"""A language with too few answers to say anything about."""
MISTRANSLATED_LANGUAGE = "sq"
STARTED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ItemsWorld:
    module: Module
    mistranslated: str
    """The question id learners in MISTRANSLATED_LANGUAGE mostly get wrong."""


async def answered(
    db: AsyncSession,
    learner_id: int,
    module: Module,
    answers: dict[str, bool],
    at: datetime,
) -> None:
    """A scored post-test with these answers (question id: right?), as the bot stores it."""
    right = sum(answers.values())
    attempt = QuizAttempt(
        learner_id=learner_id,
        module_id=module.id,
        kind=QuizKind.POST,
        current_index=len(answers),
        correct_count=right,
        question_count=len(answers),
        pass_mark=module.pass_mark,
        passed=100 * right / len(answers) >= module.pass_mark,
        started_at=at,
        finished_at=at + timedelta(minutes=5),
    )
    db.add(attempt)
    await db.flush()
    assert attempt.id is not None
    for question in module.questions:
        if question.id in answers:
            correct = answers[question.id]
            wrong = next(o for o in question.options if o != question.correct)
            db.add(
                QuizAnswer(
                    attempt_id=attempt.id,
                    question_id=question.id,
                    option=question.correct if correct else wrong,
                    correct=correct,
                    objective=question.objective_key,
                )
            )
    await db.flush()


async def build_items_world(
    database: Database, module: Module, organisation: str = "Forum"
) -> ItemsWorld:
    """Each learner has an ability (0..1); a question is answered right with chance
    0.25 + 0.65 x ability, except the mistranslated one in Albanian: 0.1. Seeded: the same
    data every run."""
    rng = random.Random(16)
    questions = [q.id for q in module.questions][:8]
    mistranslated = questions[2]
    counts = {language: PER_LANGUAGE for language in LANGUAGES} | {FEW[0]: FEW[1]}
    async with database.session() as db:
        number = 0
        for language, count in counts.items():
            for _ in range(count):
                number += 1
                learner = await make_learner(
                    db, language=language, organisation=organisation, country="RS"
                )
                assert learner.id is not None
                ability = rng.random()
                answers = {}
                for question_id in questions:
                    chance = 0.25 + 0.65 * ability
                    if question_id == mistranslated and language == MISTRANSLATED_LANGUAGE:
                        chance = 0.1
                    answers[question_id] = rng.random() < chance
                await answered(db, learner.id, module, answers, STARTED + timedelta(minutes=number))
    return ItemsWorld(module, mistranslated)
