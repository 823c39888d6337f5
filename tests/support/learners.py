"""A learner for tests: on Telegram (onboarding through the buttons, answering a quiz, reading
what the bot said) and through the services (a quiz taken question by question)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module
from bot.handlers.onboarding import consent_text
from bot.models import Learner, QuizKind
from bot.services import quiz
from tests.support.driver import TelegramUser

if TYPE_CHECKING:
    from tests.support.harness import Harness


def plain(fragment: str) -> str:
    """What Telegram shows of an HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def flat(buttons: list[list[str]]) -> list[str]:
    """Button labels of a keyboard, row after row."""
    return [label for row in buttons for label in row]


def option_label(module: Module, index: int, right: bool) -> str:
    """The label of the right (or of a wrong) answer to question ``index``."""
    question = module.question(index)
    option = (
        question.correct if right else next(o for o in question.options if o != question.correct)
    )
    return option.upper()


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


async def take_quiz(user: TelegramUser, module: Module, wrong: set[int] = frozenset()) -> None:
    """Answers every question of the quiz on screen, right except the questions ``wrong``."""
    for index in range(len(module.questions)):
        await user.tap(option_label(module, index, right=index not in wrong))


async def take_post_test(
    db: AsyncSession, learner: Learner, module: Module, wrong: int = 0
) -> None:
    """The quiz after the lessons, through the service, with the first ``wrong`` answers wrong
    and the rest right."""
    state = await quiz.start(db, learner, module, QuizKind.POST)
    for index, question in enumerate(module.questions):
        option = (
            question.correct
            if index >= wrong
            else next(o for o in question.options if o != question.correct)
        )
        await quiz.answer(db, learner, module, QuizKind.POST, state.attempt_id, index, 0, option)
