"""The bot introduces itself: its description and short description ("What can this bot do?")
are set at start for every language Telegram knows, within Telegram's limits."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.handlers.common.menus import (
    DESCRIPTION,
    MAX_DESCRIPTION,
    MAX_SHORT_DESCRIPTION,
    SHORT_DESCRIPTION,
    TELEGRAM_LANGUAGE_CODES,
)
from bot.i18n.languages import LANGUAGE_CODES
from bot.i18n.translator import Translators
from tests.support.harness import Harness


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_descriptions_fit_telegrams_limits_in_every_language(language: str):
    tr = Translators(ZoneInfo("Europe/Belgrade"))(language)
    description, short = tr._(DESCRIPTION), tr._(SHORT_DESCRIPTION)
    assert 0 < len(description) <= MAX_DESCRIPTION, description
    assert 0 < len(short) <= MAX_SHORT_DESCRIPTION, short


async def test_the_descriptions_are_set_at_start_per_language_with_an_english_default(
    bot: Harness,
):
    english = bot.tr("en")
    assert bot.api.bot_text("description") == english._(DESCRIPTION)
    assert bot.api.bot_text("short_description") == english._(SHORT_DESCRIPTION)
    for language, telegram_code in TELEGRAM_LANGUAGE_CODES.items():
        tr = bot.tr(language)
        assert bot.api.bot_text("description", telegram_code) == tr._(DESCRIPTION)
        assert bot.api.bot_text("short_description", telegram_code) == tr._(SHORT_DESCRIPTION)
    # Serbian ("sr" on Telegram) is the Cyrillic text: Telegram's Serbian interface is Cyrillic.
    assert bot.api.bot_text("description", "sr") == bot.tr("sr-Cyrl")._(DESCRIPTION)
    # Read back as a client does: a language without its own text gets the default.
    assert bot.application is not None
    described = await bot.application.bot.get_my_description(language_code="de")
    assert described.description == english._(DESCRIPTION)
    short = await bot.application.bot.get_my_short_description(language_code="mk")
    assert short.short_description == bot.tr("mk")._(SHORT_DESCRIPTION)
