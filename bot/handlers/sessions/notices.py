"""Telling everyone registered that their session was moved, got a new place, or was
cancelled: each in their own language and time zone, in the background."""

from __future__ import annotations

from telegram import Update

from bot.content.catalogue import Catalogue
from bot.handlers.common.turn import Turn, translator_for
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
    people = await sessions.keep_change(current.db, change)
    session_start = change.previous_start if kind == CANCELLED else training.starts_at
    deps = context.deps
    messages = [
        (person, notice_text(translator_for(context, person), deps.catalogue, change, kind))
        for person in people
    ]

    async def send_all() -> None:
        for person, text in messages:
            await send_once(
                deps,
                context.bot,
                session_id=training.id or 0,
                learner=person,
                kind=kind,
                session_start=session_start,
                text=text,
            )

    context.application.create_task(send_all(), update=update, name=f"notify-{kind}")
    return len(people)
