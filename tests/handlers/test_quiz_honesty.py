"""Quizzes that measure (issue 16), played on Telegram: the pre-test reveals nothing, options
are shuffled per attempt, the pre-test and the quiz ask the two parallel forms, stale taps are
refused truthfully, and the quiz waits for the lessons.

The bot runs on a module written in parallel forms (eight questions, four objectives)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlmodel import select

from bot.content.catalogue import Catalogue, Module
from bot.handlers.learning.data import StartQuiz
from bot.models import QuizAnswer, QuizAttempt, QuizKind
from tests.support.content import sample_module
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import flat, on_screen, option_label, plain, take_quiz

SHOWN = ("sendmessage", "editmessagetext", "answercallbackquery", "editmessagereplymarkup")


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    return Catalogue([sample_module(tmp_path, questions=8, forms=True)])


@pytest.fixture
def module(catalogue: Catalogue) -> Module:
    found = catalogue.get("sample")
    assert found is not None
    return found


async def open_module(user: TelegramUser, module: Module) -> None:
    await user.send("/lessons")
    await user.tap(
        next(x for x in flat(user.buttons()) if x.endswith(module.text("en").button_title))
    )


async def read_lessons(user: TelegramUser, module: Module) -> None:
    await user.tap(next(x for x in flat(user.buttons()) if x.startswith("▶️")))
    while "Next ▶️" in flat(user.buttons()):
        await user.tap("Next ▶️")


def orders_on_screen(user: TelegramUser, module: Module) -> tuple[str, tuple[str, ...]]:
    """The question on screen and its options in the order shown (A, B, C...)."""
    question, letters = on_screen(module, "en", user.last_message().text or "")
    return question.id, tuple(sorted(letters, key=letters.__getitem__))


async def test_a_pre_test_answered_at_random_shows_nothing_about_the_right_answers(
    bot: Harness, module: Module
):
    user = await bot.onboarded(901, "en", "English", "Forum", "Serbia")
    await open_module(user, module)
    await user.tap("📝 Pre-test first")
    start = len(bot.api.calls)
    pretest = user.last_message().message_id
    rng = random.Random(4)
    screens = []
    for _ in range(module.quiz_length):
        screens.append(user.last_message().text or "")
        _question, letters = on_screen(module, "en", screens[-1])
        await user.tap(rng.choice(sorted(letters.values())))
    # Everything the bot sent, edited or answered from the first answer on, as recorded by
    # the fake Telegram: no toast, and each message either the next question or the score.
    calls = [(name.lower(), params) for name, params in bot.api.calls[start:]]
    toasts = [params.get("text") for name, params in calls if name == "answercallbackquery"]
    assert len(toasts) == module.quiz_length and set(toasts) == {None}
    texts = [str(params.get("text")) for name, params in calls if name in SHOWN[:2]]
    assert len(texts) == module.quiz_length  # one edit per answer, in the same message
    assert all(
        str(params.get("message_id")) == str(pretest)
        for name, params in calls
        if name == "editmessagetext"
    )
    explanation = module.text("en").questions[module.questions[0].id].explanation
    for name, params in calls:
        if name in SHOWN:
            said = json.dumps(params, ensure_ascii=False)
            for hint in (explanation, "✅", "❌", "Right!", "Not quite", "The right answer is"):
                assert hint not in said, (hint, said)
    for text in texts[:-1]:  # the next question: its header, its text and its options only
        _question, letters = on_screen(module, "en", plain(text))
        assert len(text.splitlines()) == 4 + len(letters)
    final = user.last_message()
    assert final.message_id == pretest
    assert "Thank you! That was the pre-test." in (final.text or "")
    assert "Your score:" in (final.text or "")
    assert flat(user.buttons(final)) == ["▶️ Start the lessons"]


async def test_the_quiz_asks_the_other_form_and_options_are_shuffled_per_attempt(
    bot: Harness, module: Module
):
    user = await bot.onboarded(902, "en", "English", "Forum", "Serbia")
    await open_module(user, module)
    await user.tap("📝 Pre-test first")
    attempts: list[list[tuple[str, tuple[str, ...]]]] = [[]]
    for _ in range(module.quiz_length):
        attempts[-1].append(orders_on_screen(user, module))
        await user.tap("A")
    await user.tap("▶️ Start the lessons")
    while "Next ▶️" in flat(user.buttons()):
        await user.tap("Next ▶️")
    await user.tap("🎯 Take the quiz")
    for _retake in range(4):
        attempts.append([])
        for _index in range(module.quiz_length):
            attempts[-1].append(orders_on_screen(user, module))
            shown = user.last_message().text or ""
            await user.tap(option_label(module, "en", shown, right=True))
        await user.tap("🔁 Try again")
    pre, post = ({q for q, _ in attempt} for attempt in attempts[:2])
    objectives = {q.id: q.objective for q in module.questions}
    # The quiz after the lessons asks the other question of every objective...
    assert pre.isdisjoint(post) and len(pre | post) == len(module.questions)
    assert sorted(objectives[q] for q in pre) == sorted(objectives[q] for q in post)
    # ... and retakes alternate: the form seen longer ago.
    assert [{q for q, _ in attempt} for attempt in attempts] == [pre, post, pre, post, pre]
    # Options in a new order per attempt: every question was shown two or three times, and
    # not always in the same order (the chance of that is 6**-12).
    seen: dict[str, set[tuple[str, ...]]] = {}
    for attempt in attempts:
        for question_id, order in attempt:
            seen.setdefault(question_id, set()).add(order)
    assert any(len(orders) > 1 for orders in seen.values())
    async with bot.deps.database.session() as db:
        stored = (await db.exec(select(QuizAttempt).order_by(QuizAttempt.id))).all()
    assert [json.loads(a.form or "[]") for a in stored[:5]] == [
        [[q, "".join(order)] for q, order in attempt] for attempt in attempts
    ]
    # The learner's own data shows what they were asked, in the order shown.
    await user.send("/mydata")
    data = json.loads(user.last_document().content)
    asked = data["quizzes"][0]["asked"]
    assert [(a["question"], tuple(a["options_in_order_shown"])) for a in asked] == attempts[0]
    assert sorted(data["modules"][0]["cards_seen"]) == sorted(module.card_ids)


async def test_stale_taps_are_refused_and_say_why(bot: Harness, module: Module):
    user = await bot.onboarded(903, "en", "English", "Forum", "Serbia")
    await open_module(user, module)
    await user.tap("📝 Pre-test first")
    first = user.last_message()  # a snapshot: the keyboard of question 1
    await user.tap("B")
    await user.tap("C", first)
    assert user.last_callback_answer().text == "You have already answered this question."
    second = user.last_message()
    # Starting again abandons this attempt: its buttons are refused, and say so.
    await open_module(user, module)
    await user.tap("📝 Pre-test first")
    await user.tap("A", second)
    assert user.last_callback_answer().text == (
        "This question is from an earlier attempt, which you left for a newer one."
    )
    async with bot.deps.database.session() as db:
        attempts = (await db.exec(select(QuizAttempt).order_by(QuizAttempt.id))).all()
        answers = (await db.exec(select(QuizAnswer))).all()
    assert [(a.current_index, a.passed) for a in attempts] == [(4, None), (0, None)]
    assert len(answers) == 1


async def test_the_quiz_and_its_certificate_wait_for_every_card(bot: Harness, module: Module):
    user = await bot.onboarded(904, "en", "English", "Forum", "Serbia")
    await open_module(user, module)
    assert "🎯 Take the quiz" not in flat(user.buttons())
    overview = user.last_message()
    # A forged (or old) "Take the quiz" before the lessons: refused, nothing stored.
    await user.tap_data(StartQuiz(module.id, QuizKind.POST).encode(), overview.message_id)
    refusal = user.last_callback_answer()
    assert refusal is not None and refusal.show_alert
    assert refusal.text == (
        "The quiz comes after the lessons: read every card of this module first, then take it."
    )
    async with bot.deps.database.session() as db:
        assert (await db.exec(select(QuizAttempt))).all() == []
    await read_lessons(user, module)
    await user.tap("🎯 Take the quiz")
    await take_quiz(user, module, "en")
    assert "🎉 You passed!" in (user.last_message().text or "")
    await open_module(user, module)
    assert "🎯 Take the quiz" in flat(user.buttons())
