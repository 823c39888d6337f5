"""Texts of the sessions feature that several screens share: what a session is, and the
answers to refused values and actions."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Protocol

from bot.content.catalogue import Catalogue
from bot.handlers.common.entry import NOT_ALLOWED_TEXT
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.services import sessions
from bot.services.sessions import Reason, SessionError

PLACE_REASONS = frozenset({Reason.EMPTY, Reason.TOO_LONG, Reason.NOT_HTTPS, Reason.BAD_LINK})
"""Why a typed venue or link was refused."""


def module_title(tr: Translator, catalogue: Catalogue, module_id: str | None) -> str | None:
    module = catalogue.get(module_id) if module_id else None
    return module.text(tr.language_code).title if module else None


def place_lines(tr: Translator, venue: str | None, online_url: str | None) -> list[str]:
    lines = []
    if venue:
        lines.append(tr._("📍 {venue}", venue=venue))
    if online_url:
        lines.append(tr._("🔗 {link}", link=online_url))
    return lines


class SessionDetails(Protocol):
    """What :func:`details_lines` shows: a stored session, or the values of a new one."""

    @property
    def title(self) -> str: ...
    @property
    def module_id(self) -> str | None: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def duration_minutes(self) -> int: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def online_url(self) -> str | None: ...
    @property
    def country(self) -> str: ...
    @property
    def language(self) -> str: ...


def details_lines(tr: Translator, catalogue: Catalogue, session: SessionDetails) -> list[str]:
    lines = [f"<b>{html.escape(session.title, quote=False)}</b>"]
    module = module_title(tr, catalogue, session.module_id)
    if module:
        lines.append(tr._("📘 Module: {module}", module=module))
    lines.append(
        tr._(
            "🗓 {when} · {duration}",
            when=tr.date_time(session.starts_at),
            duration=tr.ngettext("{n} minute", "{n} minutes", session.duration_minutes),
        )
    )
    lines += place_lines(tr, session.venue, session.online_url)
    language, country = session.language, session.country
    lines.append(
        tr._(
            "🌐 {language} · {country}",
            language=LANGUAGES[language].native_name if language in LANGUAGES else language,
            country=tr._(COUNTRY_NAMES.get(country, country)),
        )
    )
    return lines


def details_text(tr: Translator, catalogue: Catalogue, training: TrainingSession) -> str:
    """What a session is, when and where: for trainers and learners alike."""
    return "\n".join(details_lines(tr, catalogue, training))


def error_text(
    tr: Translator, error: SessionError, *, asked: str | None = None, example: str = ""
) -> str:
    """A clear answer to a refused value or action.

    ``asked``: the value the new-session conversation asked for ("title", "date", "duration",
    "place", "capacity"); None for an edit or an action. ``example``: a valid date to show.
    """
    reason = error.reason
    if asked == "title":
        if reason == Reason.TOO_LONG:
            return tr._(
                "That is longer than {limit} characters. Please type a shorter title.",
                limit=sessions.MAX_TITLE,
            )
        return tr._("Please type the title of the session.")
    if asked == "duration":
        return tr._(
            "Please type the length in minutes, a whole number from {low} to {high}.",
            low=sessions.MIN_DURATION,
            high=sessions.MAX_DURATION,
        )
    if asked == "capacity":
        return tr._(
            "Please type the number of places, a whole number from {low} to {high}.",
            low=sessions.MIN_CAPACITY,
            high=sessions.MAX_CAPACITY,
        )
    if asked == "place" or reason in PLACE_REASONS:
        return _place_text(tr, reason)
    texts = {
        Reason.MALFORMED: tr._(
            "I could not read that date. Please type the day, the month, the year and the "
            "time like this: <code>{example}</code>",
            example=example,
        ),
        Reason.IMPOSSIBLE: tr._(
            "That date does not exist. Please check the day, the month and the time, "
            "for example <code>{example}</code>",
            example=example,
        ),
        Reason.PAST: tr._(
            "That time has already passed. Please type a time in the future, "
            "for example <code>{example}</code>",
            example=example,
        ),
        Reason.NONEXISTENT: tr._(
            "That time does not exist on that day: the clocks are put forward by an hour "
            "that night. Please type another time, for example <code>{example}</code>",
            example=example,
        ),
        Reason.AMBIGUOUS: tr._(
            "That time happens twice on that day: the clocks are put back by an hour that "
            "night. Please type another time, for example <code>{example}</code>",
            example=example,
        ),
        Reason.TOO_FAR: tr._(
            "That is more than two years ahead. Please type an earlier date, "
            "for example <code>{example}</code>",
            example=example,
        ),
        Reason.CHANGED: tr._(
            "Someone else changed this session in the meantime, so nothing was changed. "
            "Here it is as it is now; please try again."
        ),
        Reason.CANCELLED: tr._("This session has been cancelled; it cannot be changed."),
        Reason.STARTED: tr._("This session has already started; it cannot be moved."),
        Reason.ENDED: tr._("This session is over; it cannot be changed."),
        Reason.NOT_FOUND: tr._("This session no longer exists."),
        Reason.NOT_ALLOWED: tr._(NOT_ALLOWED_TEXT),
        Reason.SAME_TIME: tr._(
            "The session already starts at that time. Please type another time, "
            "for example <code>{example}</code>",
            example=example,
        ),
    }
    return texts.get(reason, tr._("That is not a valid answer. Please try again."))


def _place_text(tr: Translator, reason: Reason) -> str:
    if reason == Reason.NOT_HTTPS:
        return tr._("Online links must start with https://. Please type the secure link.")
    if reason == Reason.BAD_LINK:
        return tr._("That link does not look right. Please check it and type it again.")
    if reason == Reason.TOO_LONG:
        return tr._(
            "That is too long: a venue may have up to {venue} characters, a link up to "
            "{link}. Please type a shorter one.",
            venue=sessions.MAX_VENUE,
            link=sessions.MAX_URL,
        )
    return tr._("Please type the venue's address or the online link.")
