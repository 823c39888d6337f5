"""A learner for tests: on Telegram (onboarding through the buttons, answering a quiz, reading
what the bot said) and through the services (a quiz taken question by question)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module, Question
from bot.handlers.onboarding import consent_text
from bot.i18n.translator import Translator
from bot.models import Learner, QuizKind
from bot.services import progress, quiz
from tests.support.driver import TelegramUser

if TYPE_CHECKING:
    from tests.support.harness import Harness


def plain(fragment: str) -> str:
    """What Telegram shows of an HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def flat(buttons: list[list[str]]) -> list[str]:
    """Button labels of a keyboard, row after row."""
    return [label for row in buttons for label in row]


def on_screen(module: Module, language: str, text: str) -> tuple[Question, dict[str, str]]:
    """The question a quiz message shows, and the letter each option id is shown under: read
    from the message's text, as a person reads it (the options are shuffled per attempt)."""
    texts = module.text(language).questions
    # Under the feedback on the answer before it, in the same message: the question asked now
    # is the last one in the text, its options below it.
    at = {q.id: text.rfind(plain(texts[q.id].text)) for q in module.questions}
    shown = [question for question in module.questions if at[question.id] >= 0]
    assert shown, f"no question of {module.id} on screen: {text!r}"
    question = max(shown, key=lambda q: at[q.id])
    letters: dict[str, str] = {}
    for line in text[at[question.id] :].splitlines():
        found = re.match(r"^([A-D])\) (.*)$", line)
        if found is None:
            continue
        for option, label in texts[question.id].options.items():
            if plain(label) == found.group(2):
                letters[option] = found.group(1)
    assert sorted(letters) == sorted(question.options), (letters, text)
    return question, letters


def option_label(module: Module, language: str, text: str, right: bool) -> str:
    """The letter of the right (or of a wrong) answer to the question shown in ``text``."""
    question, letters = on_screen(module, language, text)
    option = (
        question.correct if right else next(o for o in question.options if o != question.correct)
    )
    return letters[option]


async def onboard(
    bot: Harness,
    user: TelegramUser,
    language: str,
    native_name: str,
    organisation: str,
    country: str,
) -> None:
    """``/start``, the language, consent, the name (Telegram's, as offered) and the profile
    (a woman of 25–34 who skips the question about vulnerable groups), tapped as a person
    would."""
    tr = bot.tr(language)
    await user.send("/start")
    assert user.buttons()[0][0] == "English"
    await user.tap(native_name)
    assert user.last_message().text == plain(consent_text(tr, bot.deps.settings))
    await user.tap(tr._("I agree"))
    await user.tap(tr._("✅ Use this name"))
    await user.send(organisation)
    await user.tap(tr._(country))
    await user.tap(tr._("Woman"))
    await user.tap("25–34")
    await user.tap(tr._("Skip this question"))
    assert user.last_message().text == tr._("Thank you, that's all. You can start learning now.")


async def take_quiz(
    user: TelegramUser,
    module: Module,
    language: str,
    wrong: set[int] | frozenset[int] = frozenset(),
    start: int = 0,
) -> None:
    """Answers the questions of the quiz on screen from position ``start`` to the end (one
    per objective), right except the positions ``wrong``; each answer is read off the
    question shown."""
    for index in range(start, module.quiz_length):
        text = user.last_message().text or ""
        await user.tap(option_label(module, language, text, right=index not in wrong))


async def read_lessons(db: AsyncSession, learner: Learner, module: Module) -> None:
    """Every card of the module, one after the other (through the service)."""
    for index in range(module.card_count):
        await progress.show_card(db, learner, module, index)


async def take_post_test(
    db: AsyncSession, learner: Learner, module: Module, wrong: int = 0
) -> None:
    """The lessons read and the quiz after them, through the services, with the first
    ``wrong`` answers wrong and the rest right."""
    await read_lessons(db, learner, module)
    await answer_quiz(db, learner, module, QuizKind.POST, wrong=set(range(wrong)))


async def answer_quiz(
    db: AsyncSession,
    learner: Learner,
    module: Module,
    kind: QuizKind,
    wrong: set[int] | frozenset[int] = frozenset(),
    right: set[str] | None = None,
) -> quiz.QuizState:
    """A quiz through the services: right except the positions ``wrong`` (or, given
    ``right``, right exactly for the question ids in it). Returns the state it started in."""
    state = await quiz.start(db, learner, module, kind)
    for index, item in enumerate(state.form):
        question = item.question
        is_right = question.id in right if right is not None else index not in wrong
        option = (
            question.correct
            if is_right
            else next(o for o in question.options if o != question.correct)
        )
        result = await quiz.answer(db, learner, module, kind, state.reference, index, 0, option)
        assert result.outcome == quiz.AnswerOutcome.ACCEPTED, result
    return state


async def read_and_open_quiz(user: TelegramUser, tr: Translator, module: Module) -> None:
    """From ``/lessons``: the module, every card from the first (or where the learner left
    off) to the last, then "Take the quiz" under the last card."""
    await user.send("/lessons")
    title = module.text(tr.language_code).button_title
    await user.tap(next(label for label in flat(user.buttons()) if label.endswith(title)))
    start = tr._("▶️ Start the lessons")
    labels = flat(user.buttons())
    await user.tap(start if start in labels else next(x for x in labels if x.startswith("▶️")))
    while tr._("Next ▶️") in flat(user.buttons()):
        await user.tap(tr._("Next ▶️"))
    await user.tap(tr._("🎯 Take the quiz"))
