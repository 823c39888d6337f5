"""Inline keyboards: built from plain values and a translator, data through the codec; and
the keyboards that several features show (the main menu, the privacy consent)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.common.callback_data import (
    CallbackData,
    ChangeConsent,
    ConsentAction,
    MenuTarget,
    OpenMenu,
    ReadNotice,
)
from bot.i18n.translator import Translator


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut (button labels, snippets)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.encode())


def rows(buttons: Sequence[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def markup(grid: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in grid if row])


def main_menu(tr: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(tr._("📚 Lessons"), OpenMenu(MenuTarget.LESSONS))],
            [
                button(tr._("📈 My progress"), OpenMenu(MenuTarget.PROGRESS)),
                button(tr._("🌐 Language"), OpenMenu(MenuTarget.LANGUAGE)),
            ],
        ]
    )


def full_notice(tr: Translator) -> InlineKeyboardButton:
    return button(tr._("📄 The full notice"), ReadNotice())


def privacy(tr: Translator, consent_given: bool) -> InlineKeyboardMarkup:
    if consent_given:
        change = button(tr._("Withdraw my consent"), ChangeConsent(ConsentAction.WITHDRAW))
    else:
        change = button(tr._("I agree"), ChangeConsent(ConsentAction.GIVE))
    return markup([[change], [full_notice(tr)]])
