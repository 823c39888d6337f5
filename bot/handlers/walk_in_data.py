"""``/walkins``: an admin finds a walk-in (a participant without Telegram, whom a trainer
added on the day) and sends them their data or erases it, when they ask the programme.
Admins only; the service audits every look at the data and every erasure."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, on_button, on_command
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.translator import Translator
from bot.models import Role
from bot.runtime.context import BotContext
from bot.services import privacy
from bot.services.learners import UNDISCLOSED
from bot.services.privacy import Found, PrivacyError, WalkIn

ADMINS = (Role.ADMIN,)
MAX_SEARCH = 120
"""Characters of a typed search that are looked at."""
LABEL = 40


@dataclass(frozen=True)
class ShowWalkIn(CallbackData):
    prefix = "walkin-show"
    learner_id: int


@dataclass(frozen=True)
class SendWalkInData(CallbackData):
    prefix = "walkin-data"
    learner_id: int


@dataclass(frozen=True)
class EraseWalkIn(CallbackData):
    """First tap: the question; ``confirmed``: the erasure."""

    prefix = "walkin-erase"
    learner_id: int
    confirmed: bool


def error_text(tr: Translator, error: PrivacyError) -> str | None:
    """The answer to a refused search; None for the reasons the declaration answers."""
    if error.reason == privacy.Reason.SHORT_SEARCH:
        return tr._("Type at least {count} letters of the name.", count=privacy.MIN_SEARCH)
    return None


def usage_text(tr: Translator) -> str:
    return tr._(
        "<b>Walk-ins' data</b>\n\n"
        "Walk-ins have no Telegram, so they ask the programme to see or erase their data. "
        "Send /walkins followed by part of their name, or by their person number from an "
        "export, for example: /walkins Petrović"
    )


def _label(tr: Translator, person: WalkIn) -> str:
    return shorten(f"{person.name} · {tr.date(person.added_at)}", LABEL)


def found_text(tr: Translator, search: str, found: Found) -> str:
    if not found.walk_ins:
        return tr._("No walk-in matches “{search}”.", search=search)
    text = tr._("Walk-ins matching “{search}”:", search=search)
    if found.more:
        text += "\n\n" + tr._(
            "Only the first {count} are listed; type more of the name.", count=privacy.MAX_FOUND
        )
    return text


def found_keyboard(tr: Translator, found: Found) -> InlineKeyboardMarkup:
    return markup(
        [[button(_label(tr, person), ShowWalkIn(person.id))] for person in found.walk_ins]
    )


def walk_in_text(tr: Translator, person: WalkIn) -> str:
    organisation = person.organisation if person.organisation not in (None, UNDISCLOSED) else "—"
    country = tr._(COUNTRY_NAMES[person.country]) if person.country in COUNTRY_NAMES else "—"
    return tr._(
        "<b>{name}</b> (person {number})\n"
        "Organisation: {organisation}\n"
        "Country: {country}\n"
        "Added: {date}\n"
        "Sessions attended: {attended}",
        name=person.name,
        number=str(person.id),
        organisation=organisation,
        country=country,
        date=tr.date(person.added_at),
        attended=person.attended,
    )


def walk_in_keyboard(tr: Translator, person: WalkIn) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(tr._("📄 Send their data as a file"), SendWalkInData(person.id))],
            [button(tr._("🗑 Erase their data"), EraseWalkIn(person.id, confirmed=False))],
        ]
    )


@on_command("walkins", roles=ADMINS)
async def walk_ins_command(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    search = " ".join(context.args or [])[:MAX_SEARCH].strip()
    if not search:
        await show(update, usage_text(tr))
        return
    try:
        found = await privacy.find_walk_ins(
            current.db, current.learner, search, context.deps.settings.admin_telegram_ids
        )
    except PrivacyError as error:
        text = error_text(tr, error)
        if text is None:
            raise
        await show(update, text)
        return
    await show(update, found_text(tr, search, found), found_keyboard(tr, found))


@on_button(ShowWalkIn, roles=ADMINS)
async def show_walk_in(
    update: Update, context: BotContext, current: Turn, data: ShowWalkIn
) -> None:
    person = await privacy.walk_in(
        current.db, current.learner, data.learner_id, context.deps.settings.admin_telegram_ids
    )
    await answer_query(update)
    await show(update, walk_in_text(current.tr, person), walk_in_keyboard(current.tr, person))


@on_button(SendWalkInData, roles=ADMINS)
async def send_walk_in_data(
    update: Update, context: BotContext, current: Turn, data: SendWalkInData
) -> None:
    deps = context.deps
    found = await privacy.walk_in_data(
        current.db,
        current.learner,
        data.learner_id,
        deps.settings.admin_telegram_ids,
        deps.clock.now(),
    )
    await answer_query(update)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(
            privacy.personal_data_json(found), filename=f"kapacitet-walk-in-{data.learner_id}.json"
        ),
        caption=current.tr._(
            "Everything Kapacitet keeps about {name}. Give it to them only.",
            name=str(found.get("name") or ""),
        ),
    )


@on_button(EraseWalkIn, roles=ADMINS)
async def erase_walk_in(
    update: Update, context: BotContext, current: Turn, data: EraseWalkIn
) -> None:
    tr, deps = current.tr, context.deps
    admin_ids = deps.settings.admin_telegram_ids
    person = await privacy.walk_in(current.db, current.learner, data.learner_id, admin_ids)
    await answer_query(update)
    if not data.confirmed:
        await show(
            update,
            tr._(
                "<b>Erase the data of {name}?</b>\n\n"
                "Their name, profile and everything that identifies them are erased for good. "
                "Their attendance stays in the programme's totals, under a new number that is "
                "linked to nothing else. This cannot be undone.",
                name=person.name,
            ),
            markup(
                [
                    [button(tr._("Yes, erase their data"), EraseWalkIn(person.id, confirmed=True))],
                    [button(tr._("Cancel"), ShowWalkIn(person.id))],
                ]
            ),
        )
        return
    await privacy.erase_walk_in(current.db, current.learner, person.id, admin_ids, deps.clock.now())
    await show(update, tr._("The data of {name} is erased.", name=person.name))


HANDLERS: Handlers = (walk_ins_command, show_walk_in, send_walk_in_data, erase_walk_in)
