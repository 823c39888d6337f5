"""``/sessions``: the sessions a trainer runs (or a coordinator oversees), upcoming and past."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.handlers.common.entry import on_button, on_command
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS
from bot.handlers.sessions.data import ListSessions, OpenSession
from bot.i18n.translator import Translator
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import sessions

UPCOMING_SHOWN = 20
PAST_SHOWN = 10
MAX_LABEL = 40
MAX_NAME = 60


def _label(tr: Translator, training: TrainingSession) -> str:
    title = shorten(training.title, MAX_LABEL)
    mark = "❌ " if training.cancelled_at is not None else ""
    return f"{mark}{tr.date(training.starts_at)} · {title}"


async def show_list(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    now = context.deps.clock.now()
    admin_ids = context.deps.settings.admin_telegram_ids
    upcoming = await sessions.list_sessions(
        current.db, current.learner, now, limit=UPCOMING_SHOWN, admin_ids=admin_ids
    )
    past = await sessions.list_sessions(
        current.db, current.learner, now, past=True, limit=PAST_SHOWN, admin_ids=admin_ids
    )
    if not upcoming and not past:
        await show(update, tr._("There are no sessions yet. /newsession schedules one."))
        return
    lines = [tr._("<b>Sessions</b>")]
    grid: list[list[InlineKeyboardButton]] = []
    for heading, found in ((tr._("Upcoming:"), upcoming), (tr._("Recently:"), past)):
        if not found:
            continue
        lines += ["", f"<b>{heading}</b>"]
        for training in found:
            assert training.id is not None
            counts = await sessions.counts(current.db, training.id)
            lines.append(
                tr._(
                    "• {when} · {title} ({registered}/{capacity})",
                    when=tr.date_time(training.starts_at),
                    title=shorten(training.title, MAX_NAME),
                    registered=counts.registered,
                    capacity=training.capacity,
                )
            )
            grid.append([button(_label(tr, training), OpenSession(training.id))])
    lines += ["", tr._("Tap a session to open it.")]
    await show(update, "\n".join(lines), markup(grid))


@on_command("sessions", roles=MANAGERS)
async def sessions_command(update: Update, context: BotContext, current: Turn) -> None:
    await show_list(update, context, current)


@on_button(ListSessions, roles=MANAGERS)
async def list_button(
    update: Update, context: BotContext, current: Turn, data: ListSessions
) -> None:
    await answer_query(update)
    await show_list(update, context, current)
