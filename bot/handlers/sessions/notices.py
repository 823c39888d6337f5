"""Telling everyone registered that their session was moved, got a new place (or its place on
the map), or was cancelled: each in their own language and time zone, in the background,
with the updated calendar file (and the map pin) after the notice."""

from __future__ import annotations

from telegram import Update

from bot.content.catalogue import Catalogue
from bot.handlers.common.turn import Turn, translator_for
from bot.handlers.sessions.invitation import send_calendar, trainer_name
from bot.handlers.sessions.texts import details_text
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.runtime.send_once import send_once
from bot.services import sessions

CANCELLED = "cancelled"
RESCHEDULED = "rescheduled"


def venue_kind(change: sessions.Change) -> str:
    """Every change of place is a notice of its own (the delivery kind holds the version)."""
    return f"venue-{change.training.version}"


def map_kind(change: sessions.Change) -> str:
    """Every new map location is a notice of its own, like a change of place."""
    return f"map-{change.training.version}"


def notice_text(tr: Translator, catalogue: Catalogue, change: sessions.Change, kind: str) -> str:
    training = change.training
    if kind == CANCELLED:
        return tr._(
            "❌ <b>{title}</b> on {when} has been cancelled. We are sorry.",
            title=training.title,
            when=tr.date_time(change.previous_start),
        )
    if kind == RESCHEDULED:
        headline = tr._(
            "📅 <b>{title}</b> has been moved. It was on {old}; the new time is below.",
            title=training.title,
            old=tr.date_time(change.previous_start),
        )
    elif kind.startswith("map-"):
        headline = tr._("🗺 <b>{title}</b>: the venue is now on the map.", title=training.title)
    else:
        headline = tr._("📍 <b>{title}</b> has a new place.", title=training.title)
    return "\n".join(
        [
            headline,
            "",
            details_text(tr, catalogue, training),
            "",
            tr._("Can't come? Open /mysessions and tell the trainer."),
        ]
    )


async def notify_registered(
    update: Update, context: BotContext, current: Turn, change: sessions.Change, kind: str
) -> int:
    """Keeps the change (see :func:`bot.services.sessions.keep_change`), then tells everyone
    registered in the background. Returns how many people will be told."""
    training = change.training
    assert training.id is not None
    trainer = await trainer_name(current.db, training)
    people = await sessions.keep_change(current.db, change)
    session_start = change.previous_start if kind == CANCELLED else training.starts_at
    deps = context.deps
    translators = [(person, translator_for(context, person)) for person in people]
    messages = [
        (person, tr, notice_text(tr, deps.catalogue, change, kind)) for person, tr in translators
    ]

    async def send_all() -> None:
        for person, tr, text in messages:
            sent = await send_once(
                deps,
                context.bot,
                session_id=training.id or 0,
                learner=person,
                kind=kind,
                session_start=session_start,
                text=text,
            )
            if sent and person.telegram_id is not None:
                await send_calendar(deps, context.bot, person.telegram_id, tr, training, trainer)

    context.application.create_task(send_all(), update=update, name=f"notify-{kind}")
    return len(people)
