"""The invitation to a session: what the trainer forwards (written in the session's language),
what someone who opens the link sees, and what a registered person gets: the calendar file
(``.ics``) and, where the trainer put the venue on the map, its map pin."""

from __future__ import annotations

import html
import logging
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InputFile
from telegram.error import TelegramError

from bot.content.catalogue import Catalogue
from bot.handlers.common.deep_links import SessionInviteLink
from bot.handlers.sessions.texts import module_title, place_lines
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import Learner, TrainingSession
from bot.runtime.context import BotContext, Deps
from bot.services import calendar, learners
from bot.services.calendar import Organiser

log = logging.getLogger(__name__)


def session_zone(deps: Deps, training: TrainingSession) -> ZoneInfo:
    """The time zone of the session's country (where it takes place)."""
    return ZoneInfo(learners.COUNTRY_ZONES.get(training.country, deps.settings.timezone))


def in_session_zone(deps: Deps, tr: Translator, training: TrainingSession) -> Translator:
    """``tr``'s language, with times where the session takes place."""
    return deps.translators(tr.language_code, session_zone(deps, training))


def session_translator(deps: Deps, training: TrainingSession) -> Translator:
    """The session's own language, with times where it takes place."""
    return deps.translators(training.language, session_zone(deps, training))


def language_name(code: str) -> str:
    return LANGUAGES[code].native_name if code in LANGUAGES else code


def same_language(one: str, other: str) -> bool:
    """Serbian in Latin and in Cyrillic letters is one language."""
    return one.split("-")[0] == other.split("-")[0]


async def trainer_name(db: AsyncSession, training: TrainingSession) -> str | None:
    """The trainer's name where they agreed to be named, else None."""
    trainer = await db.get(Learner, training.trainer_id)
    return learners.shown_name(trainer) if trainer is not None else None


def when_text(tr: Translator, training: TrainingSession) -> str:
    """The start with its time zone ("7 Dec 2026 10:00 CET"): a forwarded invitation may be
    read anywhere."""
    local = training.starts_at.astimezone(tr.zone)
    return f"{tr.date_time(local)} {local.tzname()}"


def invitation_lines(
    tr: Translator, catalogue: Catalogue, training: TrainingSession, trainer: str | None
) -> list[str]:
    """Title, module, date and time with time zone, duration, venue or link, language and
    country, and the trainer where named."""
    lines = [f"<b>{html.escape(training.title, quote=False)}</b>"]
    module = module_title(tr, catalogue, training.module_id)
    if module:
        lines.append(tr._("📘 Module: {module}", module=module))
    lines.append(
        tr._(
            "🗓 {when} · {duration}",
            when=when_text(tr, training),
            duration=tr.ngettext("{n} minute", "{n} minutes", training.duration_minutes),
        )
    )
    lines += place_lines(tr, training.venue, training.online_url)
    lines.append(
        tr._(
            "🌐 {language} · {country}",
            language=language_name(training.language),
            country=tr._(COUNTRY_NAMES.get(training.country, training.country)),
        )
    )
    if trainer:
        lines.append(tr._("👤 Trainer: {name}", name=trainer))
    return lines


def invitation_text(
    tr: Translator,
    catalogue: Catalogue,
    training: TrainingSession,
    trainer: str | None,
    link: str,
) -> str:
    """The message the trainer forwards: it speaks to the person invited."""
    return "\n".join(
        [
            tr._("📨 <b>You are invited to a training session</b>"),
            "",
            *invitation_lines(tr, catalogue, training, trainer),
            "",
            tr._("Tap to register: {link}", link=link),
        ]
    )


def forward_instructions(tr: Translator, training: TrainingSession, own_version: str | None) -> str:
    """What the trainer reads above the invitation (in the trainer's language); with the
    invitation in the trainer's language too when the session is held in another."""
    text = tr._(
        "🔗 <b>Forward the next message</b> to the people you invite, or share its link. "
        "Whoever opens the link sees the session and can register while there are places."
    )
    if own_version is None:
        return text
    note = tr._(
        "The invitation is written in the session's language ({language}). "
        "In your language it reads:",
        language=language_name(training.language),
    )
    return f"{text}\n\n{note}\n\n{own_version}"


def invite_link(context: BotContext, training: TrainingSession) -> str:
    return SessionInviteLink(training.code).url(context.bot.username)


def language_note(tr: Translator, training: TrainingSession, language: str) -> str | None:
    """A warning for someone whose language is not the session's."""
    if same_language(language, training.language):
        return None
    return tr._("⚠️ This session is held in {language}.", language=language_name(training.language))


# -- what a registered person gets ------------------------------------------------------------


def calendar_file(
    deps: Deps, tr: Translator, training: TrainingSession, trainer: str | None, bot_username: str
) -> bytes:
    """The session as an ``.ics`` file (its cancellation once cancelled)."""
    description = "\n".join(
        line
        for line in (
            tr._("Trainer: {name}", name=trainer) if trainer else None,
            training.online_url,
        )
        if line
    )
    organiser = Organiser(trainer, f"https://t.me/{bot_username}") if trainer else None
    return calendar.session_calendar(
        training,
        session_zone(deps, training),
        deps.clock.now(),
        organiser=organiser,
        description=html.unescape(description) or None,
    )


async def send_calendar(
    deps: Deps,
    bot: Bot,
    chat_id: int,
    tr: Translator,
    training: TrainingSession,
    trainer: str | None,
) -> None:
    """The calendar file and, for a venue on the map, its pin. Sent after the message that
    matters (the registration, the notice): a failure here is logged, not repeated."""
    data = calendar_file(deps, tr, training, trainer, bot.username)
    cancelled = training.cancelled_at is not None
    caption = (
        tr._("📅 Remove it from your calendar: open this file.")
        if cancelled
        else tr._("📅 Add it to your calendar: open this file.")
    )
    try:
        await bot.send_document(
            chat_id, InputFile(data, filename=calendar.FILENAME), caption=caption
        )
        latitude, longitude = training.venue_latitude, training.venue_longitude
        if cancelled or latitude is None or longitude is None:
            return
        if training.venue:
            await bot.send_venue(
                chat_id, latitude, longitude, title=training.title, address=training.venue
            )
        else:
            await bot.send_location(chat_id, latitude, longitude)
    except TelegramError as error:
        log.warning("calendar file or map not sent: %s", type(error).__name__)
