"""Reminders before a session (24 hours and 1 hour by default), sent by a periodic task.

What is due is read from the database on every tick (see bot.services.reminders),
so nothing needs rebuilding after a restart; ``send_once`` makes sure each
reminder goes out at most once, also across a crash.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup

from bot.handlers.common import keyboards
from bot.handlers.mysessions import Apology, ApologyStep
from bot.i18n.translator import Translator
from bot.models import Learner, TrainingSession
from bot.runtime.context import Deps
from bot.runtime.send_once import send_once
from bot.services import reminders


def learner_translator(deps: Deps, learner: Learner) -> Translator:
    """The learner's language and time zone, without an update (for background work)."""
    return deps.translator_for(learner)


def _starts_in(tr: Translator, title: str, starts_at: datetime, now: datetime) -> str:
    """ "starts in 24 hours" / "in 1 hour" / "in 45 minutes", from the time actually left."""
    minutes = max(1, math.ceil((starts_at - now).total_seconds() / 60))
    if minutes >= 90 or minutes % 60 == 0:
        hours = round(minutes / 60)
        return tr.ngettext(
            "⏰ <b>Reminder:</b> {title} starts in {n} hour.",
            "⏰ <b>Reminder:</b> {title} starts in {n} hours.",
            hours,
            title=title,
        )
    return tr.ngettext(
        "⏰ <b>Reminder:</b> {title} starts in {n} minute.",
        "⏰ <b>Reminder:</b> {title} starts in {n} minutes.",
        minutes,
        title=title,
    )


def where_lines(tr: Translator, training: TrainingSession) -> list[str]:
    lines = []
    if training.venue:
        lines.append(tr._("📍 {venue}", venue=training.venue))
    if training.online_url:
        lines.append(tr._("🔗 {link}", link=training.online_url))
    return lines


def reminder_text(tr: Translator, training: TrainingSession, now: datetime) -> str:
    lines = [
        _starts_in(tr, training.title, training.starts_at, now),
        "",
        tr._("🗓 {when}", when=tr.date_time(training.starts_at)),
        *where_lines(tr, training),
        "",
        tr._("Can't come? Tap the button below, or open /mysessions."),
    ]
    return "\n".join(lines)


def reminder_keyboard(tr: Translator, training: TrainingSession) -> InlineKeyboardMarkup:
    """ "I can't come": the same apology as in /mysessions (asks for a confirmation first)."""
    assert training.id is not None
    return keyboards.markup(
        [[keyboards.button(tr._("🙋 I can't come"), Apology(training.id, ApologyStep.ASK))]]
    )


async def send_reminders(deps: Deps, bot: Bot) -> None:
    """Sends every reminder that is due now, each at most once."""
    now = deps.clock.now()
    async with deps.database.session() as db:
        due = await reminders.due_reminders(db, now, deps.settings.reminder_offsets_minutes)
    for item in due:
        training = item.training
        assert training.id is not None
        tr = learner_translator(deps, item.learner)
        sent = await send_once(
            deps,
            bot,
            session_id=training.id,
            learner=item.learner,
            kind=item.kind,
            session_start=item.session_start,
            text=reminder_text(tr, training, now),
            keyboard=reminder_keyboard(tr, training),
        )
        offset = reminders.offset_of(item.kind)
        if sent and offset is not None:
            due_at = item.session_start - timedelta(minutes=offset)
            lag = (deps.clock.now() - due_at).total_seconds()
            deps.metrics.reminder_lag.observe(max(lag, 0.0))


def trainer_reminder_text(tr: Translator, item: reminders.TrainerReminder, now: datetime) -> str:
    training = item.training
    return "\n".join(
        [
            _starts_in(tr, training.title, training.starts_at, now),
            "",
            tr._("🗓 {when}", when=tr.date_time(training.starts_at)),
            *where_lines(tr, training),
            "",
            tr.ngettext("👥 {n} person registered", "👥 {n} people registered", item.registered)
            + " · "
            + tr.ngettext("{n} walk-in so far", "{n} walk-ins so far", item.walk_ins),
            tr._("Open check-in from 30 minutes before the start: /attendance"),
        ]
    )


async def send_trainer_reminders(deps: Deps, bot: Bot) -> None:
    """The trainer's own reminder before their session (TRAINER_REMINDER_MINUTES), with the
    roster count; each at most once, also across restarts (a delivery row of its own)."""
    now = deps.clock.now()
    async with deps.database.session() as db:
        due = await reminders.due_trainer_reminders(db, now, deps.settings.trainer_reminder_minutes)
    for item in due:
        assert item.training.id is not None
        await send_once(
            deps,
            bot,
            session_id=item.training.id,
            learner=item.trainer,
            kind=item.kind,
            session_start=item.session_start,
            text=trainer_reminder_text(learner_translator(deps, item.trainer), item, now),
        )
