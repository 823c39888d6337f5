"""The bot's command menu, in every language (``setMyCommands``)."""

from __future__ import annotations

from collections.abc import Collection

from telegram import Bot, BotCommand, BotCommandScopeChat

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
)
"""For trainers, coordinators and admins (learners have /mysessions)."""

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
get their menu per chat once they pick the language."""


def commands_for(tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr._(description)) for name, description in LEARNER_COMMANDS]


async def publish_default_commands(bot: Bot, translators: Translators) -> None:
    await bot.set_my_commands(commands_for(translators("en")))
    for code, telegram_code in TELEGRAM_LANGUAGE_CODES.items():
        await bot.set_my_commands(commands_for(translators(code)), language_code=telegram_code)


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
