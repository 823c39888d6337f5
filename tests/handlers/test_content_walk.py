"""Every module in every language, walked on a phone from the first card to the quiz result.

A learner in each language opens each module from /lessons, reads every card (each one
must arrive whole, in the learner's language), takes the quiz answering every question (read
off the screen: the options are shuffled; right, except the first, so both kinds of feedback
and the explanation are seen), and gets a result. Content is the same on both database
backends, so this runs on SQLite.
"""

from __future__ import annotations

import pytest

from bot.content.catalogue import Catalogue, Module, Question
from bot.handlers.learning.lessons import card_text
from bot.handlers.learning.quizzes import feedback_text, question_text
from bot.i18n.languages import LANGUAGE_CODES
from bot.i18n.translator import Translator
from bot.models import QuizKind
from bot.services.quiz import Item, QuizState, percent
from tests.factories import make_learner
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import on_screen, plain

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def seen(fragment: str) -> str:
    """What Telegram shows of an HTML text, as a whole message."""
    return plain(fragment).strip()


def wrong_option(question: Question) -> str:
    return next(option for option in question.options if option != question.correct)


async def walk(user: TelegramUser, tr: Translator, module: Module) -> None:
    language = tr.language_code
    text = module.text(language)
    await user.send("/lessons")
    await user.tap(text.button_title)
    await user.tap(tr._("▶️ Start the lessons"))
    for index in range(module.card_count):
        shown = user.last_message()
        assert shown.text == seen(card_text(tr, module, index)), (module.id, language, index)
        if index < module.card_count - 1:
            await user.tap(tr._("Next ▶️"))
    await user.tap(tr._("🎯 Take the quiz"))
    total = module.quiz_length
    for index in range(total):
        shown = user.last_message()
        question, letters = on_screen(module, language, shown.text or "")
        item = Item(question, tuple(sorted(letters, key=letters.__getitem__)))
        state = QuizState(module.id, QuizKind.POST, 0, index, 0, total, (item,) * total)
        # After the first, each question comes under the feedback on the last answer, in the
        # same message (one edit a tap).
        assert (shown.text or "").endswith(seen(question_text(tr, module, state))), (
            module.id,
            language,
            question.id,
        )
        chosen = wrong_option(question) if index == 0 else question.correct
        await user.tap(letters[chosen])
        feedback = seen(feedback_text(tr, module, item, chosen, chosen == question.correct))
        assert (user.last_message().text or "").startswith(feedback), (
            module.id,
            language,
            question.id,
        )
    result = user.last_message().text or ""
    score = tr._(
        "<b>Your score: {correct} of {total} ({percent})</b>",
        correct=total - 1,
        total=total,
        percent=tr.percent(percent(total - 1, total)),
    )
    assert seen(score) in result, (module.id, language, result)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
async def test_every_module_can_be_read_and_taken_to_the_end(
    bot: Harness, catalogue: Catalogue, language: str
):
    telegram_id = 880_000 + LANGUAGE_CODES.index(language)
    async with bot.deps.database.session() as db:
        await make_learner(
            db, telegram_id=telegram_id, language=language, country="ME", gender="female"
        )
    user = bot.user(telegram_id, language)
    tr = bot.tr(language)
    modules = [module for _, group in catalogue.by_topic() for module in group]
    assert len(modules) == len(catalogue)
    for module in modules:
        await walk(user, tr, module)
