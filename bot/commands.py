"""The bot's command menu, in every language (``setMyCommands``)."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n.translator import N_, Translator, Translators

LEARNER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("lessons", N_("Lessons and quizzes")),
    ("progress", N_("My progress")),
    ("language", N_("Change the language")),
    ("privacy", N_("Privacy notice and consent")),
    ("mydata", N_("Download my data")),
    ("forget", N_("Erase my data")),
    ("help", N_("Help")),
    ("start", N_("Start again")),
)

TELEGRAM_LANGUAGE_CODES = {
    "en": "en",
    "sq": "sq",
    "bs": "bs",
    "hr": "hr",
    "sr-Latn": "sr",
    "mk": "mk",
}
"""Telegram clients send ISO 639-1 codes; Montenegrin and Serbian Cyrillic have none of
their own, so those learners get their menu per chat once they pick the language."""


def commands_for(tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr._(description)) for name, description in LEARNER_COMMANDS]


async def publish_default_commands(bot: Bot, translators: Translators) -> None:
    await bot.set_my_commands(commands_for(translators("en")))
    for code, telegram_code in TELEGRAM_LANGUAGE_CODES.items():
        await bot.set_my_commands(commands_for(translators(code)), language_code=telegram_code)


async def publish_chat_commands(bot: Bot, chat_id: int, tr: Translator) -> None:
    await bot.set_my_commands(commands_for(tr), scope=BotCommandScopeChat(chat_id))
