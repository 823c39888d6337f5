from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from bot.content.catalogue import Catalogue, Module
from bot.db import Database
from bot.models import Consent, QuizAnswer, QuizAttempt, QuizKind
from bot.services import progress, quiz
from bot.services.quiz import AnswerOutcome, QuizError
from tests.factories import make_learner
from tests.support.content import sample_module
from tests.support.learners import answer_quiz, take_post_test
from tests.support.rows import count


@pytest.fixture
def module(tmp_path: Path) -> Module:
    return sample_module(tmp_path)


@pytest.fixture
def forms(tmp_path: Path) -> Module:
    """Eight questions in parallel forms: four objectives of two questions each."""
    return sample_module(tmp_path, questions=8, forms=True)


async def read_lessons(db, learner, module: Module) -> None:
    for index in range(module.card_count):
        await progress.show_card(db, learner, module, index)


async def test_a_passed_post_test_is_stored_with_every_answer(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        await take_post_test(db, learner, module, wrong=1)
    async with database.session() as db:
        attempt = (await db.exec(select(QuizAttempt))).one()
        assert attempt.passed is True and attempt.correct_count == 3
        assert await count(db, QuizAnswer) == 4
        statuses = await progress.statuses(db, learner, Catalogue([module]))
        assert statuses["sample"].passed and statuses["sample"].best_percent == 75


async def test_the_quiz_after_the_lessons_waits_for_every_card(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        # Jumping to the last card (an old or forged button) is not reading the lessons.
        await progress.show_card(db, learner, module, module.card_count - 1)
        with pytest.raises(QuizError) as refused:
            await quiz.start(db, learner, module, QuizKind.POST)
        assert refused.value.reason == quiz.Reason.LESSONS_NOT_READ
        assert not await progress.lessons_read(db, learner, module)
        # The pre-test needs no lessons.
        await quiz.start(db, learner, module, QuizKind.PRE)
        for index in range(module.card_count - 1):
            await progress.show_card(db, learner, module, index)
        assert await progress.lessons_read(db, learner, module)
        await quiz.start(db, learner, module, QuizKind.POST)


async def test_the_pre_test_and_the_quiz_ask_the_two_forms_and_retakes_alternate(
    database: Database, forms: Module
):
    assert forms.quiz_length == 4
    async with database.session() as db:
        learner = await make_learner(db)
        pre = await answer_quiz(db, learner, forms, QuizKind.PRE)
        await read_lessons(db, learner, forms)
        post = await answer_quiz(db, learner, forms, QuizKind.POST)
        retake = await answer_quiz(db, learner, forms, QuizKind.POST)
    objective = {q.id: q.objective for q in forms.questions}
    for state in (pre, post, retake):
        # One question of each objective, in the module's order of objectives.
        assert [objective[item.question.id] for item in state.form] == [
            f"objective-{n}" for n in range(1, 5)
        ]
    pre_ids = {item.question.id for item in pre.form}
    post_ids = {item.question.id for item in post.form}
    assert pre_ids.isdisjoint(post_ids) and pre_ids | post_ids == {q.id for q in forms.questions}
    # The retake asks the form seen longer ago: the pre-test's.
    assert {item.question.id for item in retake.form} == pre_ids
    async with database.session() as db:
        answers = (await db.exec(select(QuizAnswer))).all()
    assert {(a.question_id, a.objective) for a in answers} == {
        (question_id, objective[question_id]) for question_id in objective
    }


async def test_options_are_shuffled_per_attempt_and_stored_with_it(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db)
        orders = []
        for _ in range(12):
            state = await quiz.start(db, learner, module, QuizKind.PRE)
            orders.append(tuple(item.order for item in state.form))
            attempt = await db.get(QuizAttempt, state.attempt_id)
            assert attempt is not None and attempt.form is not None
            assert json.loads(attempt.form) == [
                [item.question.id, "".join(item.order)] for item in state.form
            ]
    # Four questions of three options: twelve attempts in the same order would be a 1 in
    # 6**44 chance.
    assert len(set(orders)) > 1
    assert all(sorted(order) == ["a", "b", "c"] for attempt in orders for order in attempt)


async def test_an_answer_to_an_old_question_changes_nothing(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        state = await quiz.start(db, learner, module, QuizKind.PRE)
        first = state.form[0].question
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
        state = await quiz.start(db, owner, module, QuizKind.PRE)
        forged = await quiz.answer(db, intruder, module, QuizKind.PRE, state.attempt_id, 0, 0, "a")
        bad_option = await quiz.answer(db, owner, module, QuizKind.PRE, state.attempt_id, 0, 0, "d")
        out_of_range = await quiz.answer(
            db, owner, module, QuizKind.PRE, state.attempt_id, 99, 0, "a"
        )
    assert forged.outcome == bad_option.outcome == AnswerOutcome.INVALID
    assert out_of_range.outcome == AnswerOutcome.STALE
    async with database.session() as db:
        assert await count(db, QuizAnswer) == 0


async def test_a_finished_quiz_refuses_more_answers(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        state = await answer_quiz(db, learner, module, QuizKind.PRE)
        late = await quiz.answer(db, learner, module, QuizKind.PRE, state.attempt_id, 3, 0, "a")
    assert late.outcome == AnswerOutcome.FINISHED


async def test_without_consent_nothing_is_stored_and_the_form_travels_as_a_seed(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db, consent=Consent.DECLINED)
        # Nothing is kept to tell whether the lessons were read: the quiz is offered at the
        # last card, and no certificate follows.
        state = await quiz.start(db, learner, module, QuizKind.POST)
        assert state.attempt_id == 0 and 1 <= state.seed <= quiz.MAX_SEED
        assert state.reference == state.seed
        correct = 0
        result = None
        for index, item in enumerate(state.form):
            result = await quiz.answer(
                db,
                learner,
                module,
                QuizKind.POST,
                state.seed,
                index,
                correct,
                item.question.correct,
            )
            assert result.state is not None and result.item == item
            correct = result.state.correct_count
        assert result is not None and result.finished and result.score_percent == 100
        # A forged running score larger than the questions asked so far is refused.
        forged = await quiz.answer(db, learner, module, QuizKind.POST, state.seed, 1, 5, "a")
        assert forged.outcome == AnswerOutcome.INVALID
        # A button from before forms (attempt 0), a seed out of range or forged: refused.
        base, check = divmod(state.seed, 97)
        for seed in (0, 1, quiz.MAX_SEED + 1, base * 97 + (check + 1) % 97):
            unseeded = await quiz.answer(db, learner, module, QuizKind.POST, seed, 0, 0, "a")
            assert unseeded.outcome == AnswerOutcome.INVALID
    async with database.session() as db:
        assert await count(db, QuizAttempt) == 0


async def test_starting_again_abandons_the_unfinished_attempt(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        first = await quiz.start(db, learner, module, QuizKind.PRE)
        second = await quiz.start(db, learner, module, QuizKind.PRE)
        old = await quiz.answer(db, learner, module, QuizKind.PRE, first.attempt_id, 0, 0, "a")
    assert second.attempt_id != first.attempt_id
    assert old.outcome == AnswerOutcome.ABANDONED


async def test_an_attempt_stored_before_forms_asks_every_question_as_written(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db)
        state = await quiz.start(db, learner, module, QuizKind.PRE)
        attempt = await db.get(QuizAttempt, state.attempt_id)
        assert attempt is not None
        attempt.form = None  # as 0007 leaves an attempt begun before it
        db.add(attempt)
        first = module.questions[0]
        result = await quiz.answer(
            db, learner, module, QuizKind.PRE, state.attempt_id, 0, 0, first.correct
        )
    assert result.outcome == AnswerOutcome.ACCEPTED and result.correct
    assert result.item is not None and result.item.order == first.options
