"""The keyboards of the catalogue, a module, a lesson card, a question and a quiz result."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.catalogue import Catalogue, Module
from bot.handlers.common.callback_data import MenuTarget, OpenMenu
from bot.handlers.common.keyboards import button, markup
from bot.handlers.learning.data import AnswerQuestion, OpenModule, ShowCard, StartQuiz
from bot.handlers.problems import report_button
from bot.i18n.translator import Translator
from bot.models import QuizKind
from bot.services.problems import ItemKind
from bot.services.progress import ModuleStatus
from bot.services.quiz import LETTERS, QuizState


def all_lessons(tr: Translator) -> InlineKeyboardButton:
    """Back to the catalogue (the main menu's "Lessons")."""
    return button(tr._("« All lessons"), OpenMenu(MenuTarget.LESSONS))


def take_quiz(tr: Translator, module: Module) -> InlineKeyboardButton:
    return button(tr._("🎯 Take the quiz"), StartQuiz(module.id, QuizKind.POST))


def catalogue(
    tr: Translator, content: Catalogue, statuses: dict[str, ModuleStatus]
) -> InlineKeyboardMarkup:
    grid: list[list[InlineKeyboardButton]] = []
    for _topic, modules in content.by_topic():
        for module in modules:
            status = statuses.get(module.id)
            mark = (
                "✅ " if status and status.passed else ("▶️ " if status and status.started else "")
            )
            grid.append(
                [button(mark + module.text(tr.language_code).button_title, OpenModule(module.id))]
            )
    return markup(grid)


def module_overview(
    tr: Translator, module: Module, resume_card: int, offer_pretest: bool, offer_quiz: bool
) -> InlineKeyboardMarkup:
    grid: list[list[InlineKeyboardButton]] = []
    if offer_pretest:
        grid.append([button(tr._("📝 Pre-test first"), StartQuiz(module.id, QuizKind.PRE))])
    lessons_label = (
        tr._("▶️ Continue at card {number}", number=resume_card + 1)
        if resume_card > 0
        else tr._("▶️ Start the lessons")
    )
    grid.append([button(lessons_label, ShowCard(module.id, resume_card))])
    if offer_quiz:
        grid.append([take_quiz(tr, module)])
    grid.append([all_lessons(tr)])
    return markup(grid)


def card(tr: Translator, module: Module, index: int) -> InlineKeyboardMarkup:
    navigation: list[InlineKeyboardButton] = []
    if index > 0:
        navigation.append(button(tr._("◀️ Back"), ShowCard(module.id, index - 1)))
    if index < module.card_count - 1:
        navigation.append(button(tr._("Next ▶️"), ShowCard(module.id, index + 1)))
    grid = [navigation]
    if index == module.card_count - 1:
        grid.append([take_quiz(tr, module)])
    # "Report a problem" shares the last row: no extra row, no extra message.
    grid.append([all_lessons(tr), report_button(tr, module, ItemKind.CARD, index)])
    return markup(grid)


def question(tr: Translator, module: Module, state: QuizState) -> InlineKeyboardMarkup:
    """One button per option, lettered in the attempt's order; "Report a problem" below."""
    in_module = next(
        number for number, item in enumerate(module.questions) if item.id == state.item.question.id
    )
    return markup(
        [
            [
                button(
                    LETTERS[position],
                    AnswerQuestion(
                        state.module_id,
                        state.kind,
                        state.reference,
                        state.index,
                        state.correct_count if state.attempt_id == 0 else 0,
                        option,
                    ),
                )
                for position, option in enumerate(state.item.order)
            ],
            [report_button(tr, module, ItemKind.QUESTION, in_module)],
        ]
    )


def quiz_result(tr: Translator, module: Module, kind: QuizKind) -> InlineKeyboardMarkup:
    if kind == QuizKind.PRE:
        return markup([[button(tr._("▶️ Start the lessons"), ShowCard(module.id, 0))]])
    # The end of a module offers study reminders (imported here: nudges uses learning's data).
    from bot.handlers.nudges import OpenStudyTime

    return markup(
        [
            [button(tr._("🔁 Try again"), StartQuiz(module.id, QuizKind.POST))],
            [button(tr._("⏰ Study reminders"), OpenStudyTime())],
            [all_lessons(tr)],
        ]
    )
