"""Inline keyboards: built from plain values and a translator, data through the codec."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.catalogue import Catalogue, Module
from bot.handlers.common import callback_data as cb
from bot.i18n.labels import (
    AGE_BAND_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
    VULNERABLE_GROUP_NAMES,
)
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import QuizKind
from bot.services.learners import UNDISCLOSED
from bot.services.progress import ModuleStatus


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut (button labels, snippets)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button(text: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.encode())


def rows(buttons: Sequence[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def markup(grid: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in grid if row])


def languages(onboarding: bool) -> InlineKeyboardMarkup:
    buttons = [
        button(language.native_name, cb.PickLanguage(code, onboarding))
        for code, language in LANGUAGES.items()
    ]
    return markup(rows(buttons, 2))


def consent(tr: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(tr._("I agree"), cb.AnswerConsent(True))],
            [button(tr._("No, thanks"), cb.AnswerConsent(False))],
        ]
    )


def _choices(
    tr: Translator, field: str, names: dict[str, str], translate: bool
) -> list[InlineKeyboardButton]:
    return [
        button(tr._(name) if translate else name, cb.AnswerProfile(field, code))
        for code, name in names.items()
    ]


def profile_question(tr: Translator, field: str) -> InlineKeyboardMarkup:
    undisclosed = [button(tr._(PREFER_NOT_TO_SAY), cb.AnswerProfile(field, UNDISCLOSED))]
    if field == "organisation":
        return markup([undisclosed])
    if field == "country":
        return markup([*rows(_choices(tr, field, COUNTRY_NAMES, True), 2), undisclosed])
    if field == "gender":
        return markup([_choices(tr, field, GENDER_NAMES, True), undisclosed])
    if field == "age":
        buttons = [
            button(
                tr._(name) if code in TRANSLATED_AGE_BANDS else name, cb.AnswerProfile(field, code)
            )
            for code, name in AGE_BAND_NAMES.items()
        ]
        return markup([*rows(buttons, 3), undisclosed])
    if field == "special-consent":
        return markup(
            [
                [button(tr._("Yes, you may ask"), cb.AnswerProfile(field, "yes"))],
                [button(tr._("Skip this question"), cb.AnswerProfile(field, "no"))],
            ]
        )
    if field == "vulnerable":
        return markup([*rows(_choices(tr, field, VULNERABLE_GROUP_NAMES, True), 1), undisclosed])
    raise ValueError(field)


def main_menu(tr: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(tr._("📚 Lessons"), cb.OpenMenu("lessons"))],
            [
                button(tr._("📈 My progress"), cb.OpenMenu("progress")),
                button(tr._("🌐 Language"), cb.OpenMenu("language")),
            ],
        ]
    )


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
                [button(mark + module.text(tr.language_code).title, cb.OpenModule(module.id))]
            )
    return markup(grid)


def module_overview(
    tr: Translator, module: Module, resume_card: int, offer_pretest: bool
) -> InlineKeyboardMarkup:
    grid: list[list[InlineKeyboardButton]] = []
    if offer_pretest:
        grid.append([button(tr._("📝 Pre-test first"), cb.StartQuiz(module.id, QuizKind.PRE))])
    lessons_label = (
        tr._("▶️ Continue at card {number}", number=resume_card + 1)
        if resume_card > 0
        else tr._("▶️ Start the lessons")
    )
    grid.append([button(lessons_label, cb.ShowCard(module.id, resume_card))])
    grid.append([button(tr._("🎯 Take the quiz"), cb.StartQuiz(module.id, QuizKind.POST))])
    grid.append([button(tr._("« All lessons"), cb.OpenMenu("lessons"))])
    return markup(grid)


def card(tr: Translator, module: Module, index: int) -> InlineKeyboardMarkup:
    navigation: list[InlineKeyboardButton] = []
    if index > 0:
        navigation.append(button(tr._("◀️ Back"), cb.ShowCard(module.id, index - 1)))
    if index < module.card_count - 1:
        navigation.append(button(tr._("Next ▶️"), cb.ShowCard(module.id, index + 1)))
    grid = [navigation]
    if index == module.card_count - 1:
        grid.append([button(tr._("🎯 Take the quiz"), cb.StartQuiz(module.id, QuizKind.POST))])
    grid.append([button(tr._("« All lessons"), cb.OpenMenu("lessons"))])
    return markup(grid)


OPTION_LETTERS = {"a": "A", "b": "B", "c": "C", "d": "D"}


def question(
    module: Module, kind: QuizKind, attempt_id: int, index: int, correct: int
) -> InlineKeyboardMarkup:
    options = module.question(index).options
    return markup(
        [
            [
                button(
                    OPTION_LETTERS[option],
                    cb.AnswerQuestion(module.id, kind, attempt_id, index, correct, option),
                )
                for option in options
            ]
        ]
    )


def quiz_result(tr: Translator, module: Module, kind: QuizKind) -> InlineKeyboardMarkup:
    if kind == QuizKind.PRE:
        return markup([[button(tr._("▶️ Start the lessons"), cb.ShowCard(module.id, 0))]])
    return markup(
        [
            [button(tr._("🔁 Try again"), cb.StartQuiz(module.id, QuizKind.POST))],
            [button(tr._("« All lessons"), cb.OpenMenu("lessons"))],
        ]
    )


def privacy(tr: Translator, consent_given: bool) -> InlineKeyboardMarkup:
    if consent_given:
        return markup(
            [[button(tr._("Withdraw my consent"), cb.ChangeConsent(cb.ConsentAction.WITHDRAW))]]
        )
    return markup([[button(tr._("I agree"), cb.ChangeConsent(cb.ConsentAction.GIVE))]])
