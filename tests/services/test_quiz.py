from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.catalogue import Catalogue, Module
from bot.db import Database
from bot.models import Consent, QuizAnswer, QuizAttempt, QuizKind
from bot.services import progress, quiz
from bot.services.quiz import AnswerOutcome
from tests.factories import make_learner
from tests.support.content import sample_module
from tests.support.rows import count


@pytest.fixture
def module(tmp_path: Path) -> Module:
    return sample_module(tmp_path)


async def test_a_passed_post_test_is_stored_with_every_answer(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        state = await quiz.start(db, learner, module, QuizKind.POST)
        results = []
        for index, question in enumerate(module.questions):
            option = (
                question.correct
                if index < 3
                else next(o for o in question.options if o != question.correct)
            )
            results.append(
                await quiz.answer(
                    db, learner, module, QuizKind.POST, state.attempt_id, index, 0, option
                )
            )
    assert [r.correct for r in results] == [True, True, True, False]
    assert results[-1].finished and results[-1].passed and results[-1].score_percent == 75
    async with database.session() as db:
        attempt = await db.get(QuizAttempt, state.attempt_id)
        assert attempt is not None and attempt.passed is True and attempt.correct_count == 3
        answers = await count(db, QuizAnswer)
        assert answers == 4
        statuses = await progress.statuses(db, learner, Catalogue([module]))
        assert statuses["sample"].passed and statuses["sample"].best_percent == 75


async def test_an_answer_to_an_old_question_changes_nothing(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        state = await quiz.start(db, learner, module, QuizKind.PRE)
        first = module.questions[0]
        await quiz.answer(db, learner, module, QuizKind.PRE, state.attempt_id, 0, 0, first.correct)
        again = await quiz.answer(
            db, learner, module, QuizKind.PRE, state.attempt_id, 0, 0, first.correct
        )
        ahead = await quiz.answer(db, learner, module, QuizKind.PRE, state.attempt_id, 2, 0, "a")
    assert again.outcome == AnswerOutcome.STALE and ahead.outcome == AnswerOutcome.STALE
    async with database.session() as db:
        attempt = await db.get(QuizAttempt, state.attempt_id)
        assert attempt is not None and attempt.correct_count == 1 and attempt.current_index == 1


async def test_someone_elses_attempt_or_a_bad_option_is_refused(database: Database, module: Module):
    async with database.session() as db:
        owner = await make_learner(db)
        intruder = await make_learner(db)
        state = await quiz.start(db, owner, module, QuizKind.POST)
        forged = await quiz.answer(db, intruder, module, QuizKind.POST, state.attempt_id, 0, 0, "a")
        bad_option = await quiz.answer(
            db, owner, module, QuizKind.POST, state.attempt_id, 0, 0, "d"
        )
        out_of_range = await quiz.answer(
            db, owner, module, QuizKind.POST, state.attempt_id, 99, 0, "a"
        )
    assert {forged.outcome, bad_option.outcome, out_of_range.outcome} == {AnswerOutcome.INVALID}
    async with database.session() as db:
        assert await count(db, QuizAnswer) == 0


async def test_a_finished_quiz_refuses_more_answers(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        state = await quiz.start(db, learner, module, QuizKind.POST)
        for index, question in enumerate(module.questions):
            await quiz.answer(
                db,
                learner,
                module,
                QuizKind.POST,
                state.attempt_id,
                index,
                0,
                question.correct,
            )
        late = await quiz.answer(db, learner, module, QuizKind.POST, state.attempt_id, 3, 0, "a")
    assert late.outcome == AnswerOutcome.FINISHED


async def test_without_consent_nothing_is_stored_and_the_score_travels(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db, consent=Consent.DECLINED)
        state = await quiz.start(db, learner, module, QuizKind.POST)
        assert state.attempt_id == 0
        correct = 0
        result = None
        for index, question in enumerate(module.questions):
            result = await quiz.answer(
                db, learner, module, QuizKind.POST, 0, index, correct, question.correct
            )
            assert result.state is not None
            correct = result.state.correct_count
        assert result is not None and result.finished and result.score_percent == 100
        # A forged running score larger than the questions asked so far is refused.
        forged = await quiz.answer(db, learner, module, QuizKind.POST, 0, 1, 5, "a")
        assert forged.outcome == AnswerOutcome.INVALID
    async with database.session() as db:
        assert await count(db, QuizAttempt) == 0


async def test_starting_again_abandons_the_unfinished_attempt(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        first = await quiz.start(db, learner, module, QuizKind.POST)
        second = await quiz.start(db, learner, module, QuizKind.POST)
        old = await quiz.answer(db, learner, module, QuizKind.POST, first.attempt_id, 0, 0, "a")
    assert second.attempt_id != first.attempt_id
    assert old.outcome == AnswerOutcome.FINISHED
