"""``/announce``: a coordinator writes a message, chooses the audience, sees a preview, sends.

Coordinators and admins only: every command, typed answer and button checks the role again,
and every audience choice the scope (:mod:`bot.services.announcements`). The draft is an
``announcement`` row (status "draft"), so the buttons still work after a restart. Send is
a compare-and-set in the service: a double tap creates nothing twice. Delivery is the outbox
worker's (:mod:`bot.runtime.outbox`); the coordinator gets a summary when it is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common.callback_data import CallbackData, whole_number
from bot.handlers.common.entry import (
    NOT_ALLOWED_TEXT,
    STALE_TEXT,
    Handlers,
    Stale,
    on_button,
    on_command,
    on_text,
)
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Html, Translator
from bot.models import Announcement
from bot.runtime import outbox
from bot.runtime.context import BotContext
from bot.services import announcements, learners, roles, sessions
from bot.services.announcements import ANNOUNCERS, AnnouncementError, Audience, Reason
from bot.services.roles import Scope

ANNOUNCE = "announce"
"""The text step (``learner.awaiting``) while the coordinator types the message."""
MAX_LABEL = 40


# -- button data ----------------------------------------------------------------------------


class Screen(StrEnum):
    """An entry of the audience menu, or the menu itself."""

    MENU = "menu"
    EVERYONE = "everyone"
    LANGUAGE = "language"
    COUNTRY = "country"
    MODULE = "module"
    SESSION = "session"


class Filter(StrEnum):
    """What the ``value`` of a sub-choice is: a language code, a country code, a module id or a
    session id."""

    LANGUAGE = "language"
    COUNTRY = "country"
    MODULE = "module"
    SESSION = "session"


@dataclass(frozen=True)
class ChooseAudience(CallbackData):
    prefix = "na"
    announcement: int
    kind: Screen


@dataclass(frozen=True)
class PickAudience(CallbackData):
    prefix = "np"
    announcement: int
    kind: Filter
    value: str


@dataclass(frozen=True)
class SendAnnouncement(CallbackData):
    prefix = "ns"
    announcement: int


@dataclass(frozen=True)
class CancelAnnouncement(CallbackData):
    """Drops the draft (``announcement`` 0: while the message is being typed)."""

    prefix = "nc"
    announcement: int


def _admin_ids(context: BotContext) -> tuple[int, ...]:
    return context.deps.settings.admin_telegram_ids


def _known_modules(context: BotContext) -> set[str]:
    return {module.id for module in context.deps.catalogue.modules}


# -- texts and keyboards --------------------------------------------------------------------


def error_text(tr: Translator, reason: Reason) -> str:
    texts = {
        Reason.EMPTY: tr._("The announcement is empty. Please type the message."),
        Reason.TOO_LONG: tr._(
            "That is longer than {limit} characters. Please shorten it and send it again.",
            limit=announcements.MAX_TEXT,
        ),
        Reason.NOT_ALLOWED: tr._(NOT_ALLOWED_TEXT),
        Reason.OUT_OF_SCOPE: tr._(NOT_ALLOWED_TEXT),
        Reason.NOT_A_DRAFT: tr._("This announcement has already been sent or cancelled."),
        Reason.NOBODY: tr._(
            "Nobody in this audience can receive the announcement. Please choose another audience."
        ),
    }
    return texts.get(reason, tr._(STALE_TEXT))


async def answer_error(update: Update, tr: Translator, error: AnnouncementError) -> None:
    """A refused audience or Send, on the button: an alert when it is not theirs to do."""
    alert = error.reason in (Reason.NOT_ALLOWED, Reason.OUT_OF_SCOPE)
    await answer_query(update, error_text(tr, error.reason), alert=alert)


def audience_menu(tr: Translator, announcement_id: int) -> InlineKeyboardMarkup:
    def entry(label: str, kind: Screen) -> list[InlineKeyboardButton]:
        return [button(label, ChooseAudience(announcement_id, kind))]

    return markup(
        [
            entry(tr._("👥 Everyone"), Screen.EVERYONE),
            entry(tr._("🌐 By language"), Screen.LANGUAGE),
            entry(tr._("📍 By country"), Screen.COUNTRY),
            entry(tr._("📘 By module"), Screen.MODULE),
            entry(tr._("🗓 By session"), Screen.SESSION),
            [button(tr._("✖️ Cancel"), CancelAnnouncement(announcement_id))],
        ]
    )


def audience_question(tr: Translator, scope: Scope) -> str:
    return tr._(
        "<b>Who should get it?</b> Everyone you choose is within your scope: {scope}.",
        scope=scope_text(tr, scope),
    )


def _back_row(tr: Translator, announcement_id: int) -> list[InlineKeyboardButton]:
    return [
        button(tr._("« Back"), ChooseAudience(announcement_id, Screen.MENU)),
        button(tr._("✖️ Cancel"), CancelAnnouncement(announcement_id)),
    ]


async def audience_words(
    context: BotContext, current: Turn, audience: Audience, scope: Scope
) -> str:
    """The chosen audience in a sentence's words, with the scope when it is limited."""
    tr = current.tr
    if audience.language is not None:
        language = LANGUAGES.get(audience.language)
        words = tr._(
            "people who use the bot in {language}",
            language=language.native_name if language else audience.language,
        )
    elif audience.country is not None:
        words = tr._("people in {country}", country=tr._(COUNTRY_NAMES.get(audience.country, "?")))
    elif audience.module is not None:
        module = context.deps.catalogue.get(audience.module)
        words = tr._(
            "people who started or passed “{module}”",
            module=module.text(tr.language_code).title if module else audience.module,
        )
    elif audience.session_id is not None:
        training = await sessions.get_session(current.db, audience.session_id)
        words = tr._(
            "people registered for “{title}” on {date}",
            title=training.title if training else "?",
            date=tr.date(training.starts_at) if training else "?",
        )
    else:
        words = tr._("everyone")
    if scope.is_full:
        return words
    return tr._(
        "{audience}, within your scope ({scope})",
        audience=Html(words),
        scope=scope_text(tr, scope),
    )


# -- the conversation -----------------------------------------------------------------------


def cancel_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    """Under the request to type the message."""
    return markup([[button(tr._("✖️ Cancel"), CancelAnnouncement(0))]])


@on_command("announce", roles=ANNOUNCERS)
async def announce_command(update: Update, context: BotContext, current: Turn) -> None:
    await learners.await_input(current.db, current.learner, ANNOUNCE)
    tr = current.tr
    await show(
        update,
        tr._(
            "📣 <b>New announcement</b>\n\nType the message (up to {limit} characters). "
            "It goes out exactly as you type it; next you choose who gets it.",
            limit=announcements.MAX_TEXT,
        ),
        cancel_keyboard(tr),
    )


async def _clear_step(current: Turn) -> None:
    if current.learner.awaiting == ANNOUNCE:
        await learners.await_input(current.db, current.learner, None)


@on_text(ANNOUNCE, roles=ANNOUNCERS, leave=_clear_step)
async def receive_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and message.text is not None and chat is not None
    tr = current.tr
    now = context.deps.clock.now()
    try:
        announcement = await announcements.create_draft(
            current.db,
            current.learner,
            message.text,
            report_chat_id=chat.id,
            now=now,
            admin_ids=_admin_ids(context),
        )
    except AnnouncementError as error:
        if error.reason in (Reason.EMPTY, Reason.TOO_LONG):
            await show(update, error_text(tr, error.reason), cancel_keyboard(tr))
            return
        await _clear_step(current)
        await show(update, error_text(tr, error.reason))
        return
    await _clear_step(current)
    assert announcement.id is not None
    scope = await roles.scope_of(current.db, current.learner, _admin_ids(context))
    await show(update, audience_question(tr, scope), audience_menu(tr, announcement.id))


async def own_draft(
    update: Update, context: BotContext, current: Turn, announcement_id: int
) -> Announcement | None:
    """The coordinator's draft; None, once said, when it was sent or cancelled. Anyone else's
    (or none) is refused like a stale button (the service's ``not-found``)."""
    announcement = await announcements.get_own(
        current.db, current.learner, announcement_id, admin_ids=_admin_ids(context)
    )
    if announcement.status != announcements.DRAFT:
        await answer_query(update, error_text(current.tr, Reason.NOT_A_DRAFT))
        return None
    return announcement


async def filter_menu(
    context: BotContext, current: Turn, announcement_id: int, kind: Filter
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """The question and the choices of one kind of filter."""
    tr = current.tr
    admin_ids = _admin_ids(context)

    def pick(label: str, value: str) -> InlineKeyboardButton:
        return button(label, PickAudience(announcement_id, kind, value))

    if kind == Filter.LANGUAGE:
        choices = [pick(language.native_name, code) for code, language in LANGUAGES.items()]
        return tr._("In which language do they use the bot?"), rows(choices, 2)
    if kind == Filter.COUNTRY:
        countries = await announcements.allowed_countries(current.db, current.learner, admin_ids)
        choices = [pick(tr._(COUNTRY_NAMES[code]), code) for code in countries]
        return tr._("In which country?"), rows(choices, 2)
    if kind == Filter.MODULE:
        return tr._("People who started or passed which module?"), [
            [pick(shorten(module.text(tr.language_code).title, MAX_LABEL), module.id)]
            for module in context.deps.catalogue.modules
        ]
    found = await announcements.sessions_to_choose(
        current.db, current.learner, context.deps.clock.now(), admin_ids=admin_ids
    )
    question = (
        tr._("People registered for which session?")
        if found
        else tr._("There are no sessions to choose from.")
    )
    return question, [
        [
            pick(
                f"{tr.date(training.starts_at)} · {shorten(training.title, MAX_LABEL)}",
                str(training.id),
            )
        ]
        for training in found
    ]


@on_button(ChooseAudience, roles=ANNOUNCERS)
async def choose_audience(
    update: Update, context: BotContext, current: Turn, data: ChooseAudience
) -> None:
    tr = current.tr
    announcement = await own_draft(update, context, current, data.announcement)
    if announcement is None:
        return
    if data.kind == Screen.EVERYONE:
        await choose(update, context, current, announcement, Audience())
        return
    await answer_query(update)
    if data.kind == Screen.MENU:
        scope = await roles.scope_of(current.db, current.learner, _admin_ids(context))
        await show(update, audience_question(tr, scope), audience_menu(tr, data.announcement))
        return
    question, grid = await filter_menu(context, current, data.announcement, Filter(data.kind))
    grid.append(_back_row(tr, data.announcement))
    await show(update, question, markup(grid))


@on_button(PickAudience, roles=ANNOUNCERS)
async def pick_audience(
    update: Update, context: BotContext, current: Turn, data: PickAudience
) -> None:
    announcement = await own_draft(update, context, current, data.announcement)
    if announcement is None:
        return
    if data.kind == Filter.LANGUAGE:
        audience = Audience(language=data.value)
    elif data.kind == Filter.COUNTRY:
        audience = Audience(country=data.value)
    elif data.kind == Filter.MODULE:
        audience = Audience(module=data.value)
    else:
        # A session id travels as text: typed and bounded here like any id of a button, so
        # that a forged one (over PostgreSQL's integer) is refused, not sent to the database.
        session_id = whole_number(data.value, low=1)
        if session_id is None:
            raise Stale
        audience = Audience(session_id=session_id)
    await choose(update, context, current, announcement, audience)


async def choose(
    update: Update,
    context: BotContext,
    current: Turn,
    announcement: Announcement,
    audience: Audience,
) -> None:
    """Stores the audience and shows the preview: the message exactly as recipients will see
    it, then how many people it goes to, with [Send] [Change the audience] [Cancel]."""
    tr = current.tr
    assert announcement.id is not None
    admin_ids = _admin_ids(context)
    try:
        _, count = await announcements.set_audience(
            current.db,
            current.learner,
            announcement.id,
            audience,
            admin_ids=admin_ids,
            known_modules=_known_modules(context),
        )
    except AnnouncementError as error:
        await answer_error(update, tr, error)
        return
    await answer_query(update)
    scope = await roles.scope_of(current.db, current.learner, admin_ids)
    words = await audience_words(context, current, audience, scope)
    change = button(tr._("« Change the audience"), ChooseAudience(announcement.id, Screen.MENU))
    cancel = button(tr._("✖️ Cancel"), CancelAnnouncement(announcement.id))
    if count == 0:
        await show(
            update,
            "\n\n".join(
                [
                    tr._("Audience: {audience}", audience=Html(words)),
                    error_text(tr, Reason.NOBODY),
                ]
            ),
            markup([[change], [cancel]]),
        )
        return
    await show(update, tr._("Audience: {audience}", audience=Html(words)))
    await show(update, announcement.text, edit=False)
    await show(
        update,
        "\n".join(
            [
                tr._("☝️ This is the announcement as people will see it."),
                tr.ngettext("It goes to {n} person.", "It goes to {n} people.", count),
            ]
        ),
        markup(
            [
                [button(tr._("✅ Send"), SendAnnouncement(announcement.id))],
                [change],
                [cancel],
            ]
        ),
        edit=False,
    )


@on_button(SendAnnouncement, roles=ANNOUNCERS)
async def send_announcement(
    update: Update, context: BotContext, current: Turn, data: SendAnnouncement
) -> None:
    tr = current.tr
    try:
        confirmation = await announcements.confirm(
            current.db,
            current.learner,
            data.announcement,
            now=context.deps.clock.now(),
            admin_ids=_admin_ids(context),
            known_modules=_known_modules(context),
        )
    except AnnouncementError as error:
        await answer_error(update, tr, error)
        return
    if not confirmation.created:
        await answer_query(update, error_text(tr, Reason.NOT_A_DRAFT))
        return
    # The worker reads the new rows in its own transaction: woken before they are committed
    # (with this update), it would find nothing and look again only a minute later.
    outbox.wake_on_commit(context.application, current.db)
    await answer_query(update)
    await show(
        update,
        tr.ngettext(
            "📣 Sending to {n} person. You will get a summary here when it is done.",
            "📣 Sending to {n} people. You will get a summary here when it is done.",
            confirmation.recipients,
        ),
    )


@on_button(CancelAnnouncement, roles=ANNOUNCERS)
async def cancel_announcement(
    update: Update, context: BotContext, current: Turn, data: CancelAnnouncement
) -> None:
    now = context.deps.clock.now()
    if not data.announcement:
        await announcements.cancel_drafts(current.db, current.learner, now=now)
    elif not await announcements.cancel(
        current.db, current.learner, data.announcement, now=now, admin_ids=_admin_ids(context)
    ):
        await answer_query(update, error_text(current.tr, Reason.NOT_A_DRAFT))
        return
    await _clear_step(current)
    await answer_query(update)
    await show(update, current.tr._("Cancelled. Nothing was sent."))


HANDLERS: Handlers = (
    announce_command,
    choose_audience,
    pick_audience,
    send_announcement,
    cancel_announcement,
)
