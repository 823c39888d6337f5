"""The bot's command menu (``setMyCommands``) and its description ("What can this bot do?",
``setMyDescription`` / ``setMyShortDescription``), in every language."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Final

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n.translator import N_, Translator, Translators
from bot.models import Role

LEARNER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("lessons", N_("Lessons and quizzes")),
    ("progress", N_("My progress")),
    ("profile", N_("My name as trainers see it")),
    ("language", N_("Change the language")),
    ("privacy", N_("Privacy notice and consent")),
    ("mydata", N_("Download my data")),
    ("forget", N_("Erase my data")),
    ("mysessions", N_("My training sessions")),
    ("checkin", N_("Check in at a training session")),
    ("certificates", N_("My certificates")),
    ("verify", N_("Check a certificate")),
    ("studytime", N_("Study reminders")),
    ("help", N_("Help")),
    ("start", N_("Start again")),
)

COORDINATOR_COMMANDS: tuple[tuple[str, str], ...] = (
    ("invite", N_("Invite someone to a role")),
    ("roles", N_("Who holds which role")),
    ("stats", N_("Figures for donors, with a chart")),
    ("items", N_("Item analysis: how the quiz questions work, per language")),
    ("export", N_("Export attendance and indicators as a file")),
    ("targets", N_("Progress towards the targets")),
    ("reports", N_("Scheduled reports")),
    ("announce", N_("Send an announcement")),
    ("problems", N_("Problems learners reported in the lessons")),
    ("coverage", N_("How far each module is translated and reviewed")),
    ("review", N_("Mark a module's translation as reviewed")),
    ("translate", N_("A module's texts as a file for translators (PO)")),
)
"""For coordinators and admins, after the trainer's and the learner's commands."""

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (("walkins", N_("Walk-ins' data: show or erase")),)
"""For admins, before everything else."""

EDITOR_COMMANDS: tuple[tuple[str, str], ...] = (
    ("content", N_("Change lessons and quizzes: workbook, preview, publish")),
)
"""For content editors and admins."""

TRAINER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("newsession", N_("Schedule a training session")),
    ("sessions", N_("Training sessions")),
    ("attendance", N_("Take attendance: check-in code, roster, walk-ins")),
    ("inbox", N_("Messages from learners")),
)
"""For trainers, coordinators and admins (learners have /mysessions)."""

log = logging.getLogger(__name__)

TELEGRAM_LANGUAGE_CODES = {
    "en": "en",
    "sq": "sq",
    "bs": "bs",
    "hr": "hr",
    "sr-Cyrl": "sr",
    "mk": "mk",
}
"""Telegram clients send ISO 639-1 codes; Montenegrin and Serbian Latin have none of their
own (Telegram's "sr" is guessed as Cyrillic, like its Serbian interface), so those learners
get their menu per chat once they pick the language.

The description follows the same mapping: Telegram shows it by the language of the person's
app, before they ever write to the bot, so there is no chat to tailor it to. "sr" gets the
Cyrillic text (as Telegram's own Serbian interface is Cyrillic); someone whose app speaks
Montenegrin or Serbian in Latin script has no code of their own and sees the default, English,
until they open the chat and pick their language."""

# TRANSLATORS: the bot's description, shown by Telegram in an empty chat under "What can this
# bot do?"; at most 512 characters. /forget is a command: keep it as it is.
DESCRIPTION: Final = N_(
    "Kapacitet helps people in civil-society organisations learn: short lessons and quizzes "
    "in your language, training sessions with a quick check-in, and certificates. "
    "You decide what you share, and /forget erases it."
)
"""The "What can this bot do?" text of an empty chat (Telegram allows 512 characters). It
asks nobody to press START: the clients name that button in their own language."""

# TRANSLATORS: the bot's short description, on its profile and in shared links; at most
# 120 characters.
SHORT_DESCRIPTION: Final = N_(
    "Lessons, quizzes, training sessions and certificates for civil-society organisations."
)
"""The line on the bot's profile and in shared links (Telegram allows 120 characters)."""

MAX_DESCRIPTION: Final = 512
MAX_SHORT_DESCRIPTION: Final = 120


def commands_for(tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr._(description)) for name, description in LEARNER_COMMANDS]


async def publish_default_commands(bot: Bot, translators: Translators) -> None:
    await bot.set_my_commands(commands_for(translators("en")))
    for code, telegram_code in TELEGRAM_LANGUAGE_CODES.items():
        await bot.set_my_commands(commands_for(translators(code)), language_code=telegram_code)


async def publish_description(bot: Bot, translators: Translators) -> None:
    """Sets the description and the short one for each language Telegram knows, and the
    English default. Setting the same text again changes nothing on Telegram's side, so this
    is safe at every start; it is two calls per language (Telegram has no call that sets
    several), and a start does not fail when Telegram refuses them (the bot works without)."""
    targets: list[tuple[str, str | None]] = [("en", None)]
    targets += [(code, telegram) for code, telegram in TELEGRAM_LANGUAGE_CODES.items()]
    try:
        for code, telegram_code in targets:
            tr = translators(code)
            await bot.set_my_description(tr._(DESCRIPTION), language_code=telegram_code)
            await bot.set_my_short_description(tr._(SHORT_DESCRIPTION), language_code=telegram_code)
    except TelegramError as error:
        log.warning("the bot's description was not set: %s", type(error).__name__)


def commands_for_roles(tr: Translator, held: set[Role]) -> list[BotCommand]:
    """A person's own menu: their role's commands first, then the learner's."""
    entries: list[tuple[str, str]] = []
    if Role.ADMIN in held:
        entries += ADMIN_COMMANDS
    if held & {Role.EDITOR, Role.ADMIN}:
        entries += EDITOR_COMMANDS
    if held & {Role.COORDINATOR, Role.ADMIN}:
        entries += COORDINATOR_COMMANDS
    if held & {Role.TRAINER, Role.COORDINATOR, Role.ADMIN}:
        entries += TRAINER_COMMANDS
    entries += LEARNER_COMMANDS
    return [BotCommand(name, tr._(description)) for name, description in entries]


async def publish_chat_commands(
    bot: Bot, chat_id: int, tr: Translator, held: Collection[Role] = frozenset()
) -> None:
    """The menu of one private chat: in the language chosen, with the commands of the role."""
    await bot.set_my_commands(commands_for_roles(tr, set(held)), scope=BotCommandScopeChat(chat_id))
