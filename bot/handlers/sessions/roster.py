"""The roster page of the session view: who registered, apologised or came (as far as the
viewer reaches into the session: ``roster.roster`` filters by the access)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update

from bot.handlers.common.entry import on_button
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, seen_training
from bot.handlers.sessions.data import OpenSession, ShowRosterPage
from bot.i18n.labels import ATTENDANCE_STATUS_MARKS, ATTENDANCE_STATUS_WORDS
from bot.i18n.translator import Html, Translator
from bot.models import RegistrationStatus, TrainingSession
from bot.runtime.context import BotContext
from bot.services import roster
from bot.services.roster import RosterEntry
from bot.services.sessions import SessionAccess

ROSTER_PAGE = 15
MAX_NAME = 60


def roster_pages(entries: list[RosterEntry]) -> int:
    return max(1, -(-len(entries) // ROSTER_PAGE))


def _line(tr: Translator, number: int, entry: RosterEntry) -> str:
    name = shorten(
        entry.name or tr._("Participant #{number}", number=str(entry.learner_id)), MAX_NAME
    )
    if entry.organisation:
        name = tr._(
            "{name} ({organisation})",
            name=name,
            organisation=shorten(entry.organisation, MAX_NAME),
        )
    else:
        name = html.escape(name, quote=False)
    if entry.status is not None:
        mark = ATTENDANCE_STATUS_MARKS.get(entry.status, "•")
        state = (
            tr._(ATTENDANCE_STATUS_WORDS[entry.status])
            if entry.status in ATTENDANCE_STATUS_WORDS
            else entry.status
        )
    elif entry.registration == RegistrationStatus.APOLOGISED:
        mark, state = "🙋", tr._("can't come")
    else:
        mark, state = "•", tr._("registered")
    return tr._(
        "{number}. {mark} {name}: {state}", number=number, mark=mark, name=Html(name), state=state
    )


def roster_text(
    tr: Translator, training: TrainingSession, entries: list[RosterEntry], page: int
) -> str:
    """One page of the roster (a message holds at most 4096 characters)."""
    lines = [
        tr._("<b>Roster: {title}</b>", title=training.title),
        tr.date_time(training.starts_at),
        "",
    ]
    if not entries:
        lines.append(tr._("Nobody has registered yet."))
    first = page * ROSTER_PAGE
    lines += [
        _line(tr, number, entry)
        for number, entry in enumerate(entries[first : first + ROSTER_PAGE], first + 1)
    ]
    pages = roster_pages(entries)
    if pages > 1:
        lines += ["", tr._("Page {page} of {pages}", page=page + 1, pages=pages)]
    return "\n".join(lines)


def roster_keyboard(tr: Translator, session_id: int, page: int, pages: int) -> InlineKeyboardMarkup:
    navigation = []
    if page > 0:
        navigation.append(button(tr._("◀️ Back"), ShowRosterPage(session_id, page - 1)))
    if page + 1 < pages:
        navigation.append(button(tr._("Next ▶️"), ShowRosterPage(session_id, page + 1)))
    return markup([navigation, [button(tr._("« Back"), OpenSession(session_id))]])


async def show_roster_page(update: Update, current: Turn, access: SessionAccess, page: int) -> None:
    training = access.training
    assert training.id is not None
    entries = await roster.roster(current.db, access)
    pages = roster_pages(entries)
    page = min(max(page, 0), pages - 1)
    await show(
        update,
        roster_text(current.tr, training, entries, page),
        roster_keyboard(current.tr, training.id, page, pages),
    )


@on_button(ShowRosterPage, roles=MANAGERS)
async def roster_page(
    update: Update, context: BotContext, current: Turn, data: ShowRosterPage
) -> None:
    found = await seen_training(context, current, data.session_id)
    await answer_query(update)
    await show_roster_page(update, current, found, data.page)
