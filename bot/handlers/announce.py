"""``/announce``: a coordinator writes a message, chooses the audience, sees a preview, sends.

Coordinators and admins only; every command, typed answer and button checks the role again,
and every audience choice the scope (:mod:`bot.services.announcements`). The draft is an
``announcement`` row (status "draft"), so the buttons still work after a restart. Send is
a compare-and-set in the service: a double tap creates nothing twice. Delivery is the outbox
worker's (:mod:`bot.runtime.outbox`); the coordinator gets a summary when it is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, require_role
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import answer_query, button_data, show
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn, turn
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Html, Translator
from bot.models import Announcement
from bot.runtime import outbox
from bot.runtime.context import BotContext
from bot.services import announcements, learners, roles, sessions
from bot.services.announcements import AnnouncementError, Audience, Reason
from bot.services.roles import Scope

PRIVATE = filters.ChatType.PRIVATE
ANNOUNCE = "announce"
"""The text step (``learner.awaiting``) while the coordinator types the message."""
KINDS = ("everyone", "language", "country", "module", "session")
MAX_LABEL = 40


# -- button data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChooseAudience(CallbackData):
    """The audience menu (``kind`` "menu"), or one of its entries (see KINDS)."""

    prefix = "na"
    announcement: int
    kind: str


@dataclass(frozen=True)
class PickAudience(CallbackData):
    """A sub-choice: a language code, a country code, a module id or a session id."""

    prefix = "np"
    announcement: int
    kind: str
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


async def _answer(update: Update, text: str, *, alert: bool = False) -> None:
    if update.callback_query is not None:
        await answer_query(update, text, alert=alert)
    else:
        await show(update, text)


def _admin_ids(context: BotContext) -> tuple[int, ...]:
    return context.deps.settings.admin_telegram_ids


def _known_modules(context: BotContext) -> set[str]:
    return {module.id for module in context.deps.catalogue.modules}


# -- texts and keyboards --------------------------------------------------------------------


def refusal_text(tr: Translator, reason: Reason) -> str:
    texts = {
        Reason.EMPTY: tr._("The announcement is empty. Please type the message."),
        Reason.TOO_LONG: tr._(
            "That is longer than {limit} characters. Please shorten it and send it again.",
            limit=announcements.MAX_TEXT,
        ),
        Reason.NOT_ALLOWED: tr._("Sorry, you are not allowed to do that."),
        Reason.OUT_OF_SCOPE: tr._("Sorry, you are not allowed to do that."),
        Reason.NOT_A_DRAFT: tr._("This announcement has already been sent or cancelled."),
        Reason.NOBODY: tr._(
            "Nobody in this audience can receive the announcement. Please choose another audience."
        ),
    }
    return texts.get(reason, tr._("This button is no longer valid."))


def audience_menu(tr: Translator, announcement_id: int) -> InlineKeyboardMarkup:
    def entry(label: str, kind: str) -> list[InlineKeyboardButton]:
        return [button(label, ChooseAudience(announcement_id, kind))]

    return markup(
        [
            entry(tr._("👥 Everyone"), "everyone"),
            entry(tr._("🌐 By language"), "language"),
            entry(tr._("📍 By country"), "country"),
            entry(tr._("📘 By module"), "module"),
            entry(tr._("🗓 By session"), "session"),
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
        button(tr._("« Back"), ChooseAudience(announcement_id, "menu")),
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


async def announce_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if not await require_role(update, context, current, *announcements.ANNOUNCERS):
            return
        await learners.await_input(current.db, current.learner, ANNOUNCE)
        tr = current.tr
        await show(
            update,
            tr._(
                "📣 <b>New announcement</b>\n\nType the message (up to {limit} characters). "
                "It goes out exactly as you type it; next you choose who gets it.",
                limit=announcements.MAX_TEXT,
            ),
            markup([[button(tr._("✖️ Cancel"), CancelAnnouncement(0))]]),
        )


async def _clear_step(current: Turn) -> None:
    if current.learner.awaiting == ANNOUNCE:
        await learners.await_input(current.db, current.learner, None)


async def receive_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and message.text is not None and chat is not None
    tr = current.tr
    if not await require_role(update, context, current, *announcements.ANNOUNCERS):
        await _clear_step(current)
        return
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
            await show(
                update,
                refusal_text(tr, error.reason),
                markup([[button(tr._("✖️ Cancel"), CancelAnnouncement(0))]]),
            )
            return
        await _clear_step(current)
        await show(update, refusal_text(tr, error.reason))
        return
    await _clear_step(current)
    assert announcement.id is not None
    scope = await roles.scope_of(current.db, current.learner, _admin_ids(context))
    await show(update, audience_question(tr, scope), audience_menu(tr, announcement.id))


async def _own_draft(
    update: Update, context: BotContext, current: Turn, announcement_id: int
) -> Announcement | None:
    """The coordinator's draft, after the role check; else answers and returns None."""
    if not await require_role(update, context, current, *announcements.ANNOUNCERS):
        return None
    try:
        announcement = await announcements.get_own(
            current.db, current.learner, announcement_id, admin_ids=_admin_ids(context)
        )
    except AnnouncementError as error:
        await _answer(update, refusal_text(current.tr, error.reason))
        return None
    if announcement.status != announcements.DRAFT:
        await _answer(update, refusal_text(current.tr, Reason.NOT_A_DRAFT))
        return None
    return announcement


async def choose_audience(update: Update, context: BotContext) -> None:
    data = ChooseAudience.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None or data.kind not in (*KINDS, "menu"):
            await _answer(update, tr._("This button is no longer valid."))
            return
        announcement = await _own_draft(update, context, current, data.announcement)
        if announcement is None:
            return
        admin_ids = _admin_ids(context)
        sid = data.announcement
        if data.kind == "everyone":
            await choose(update, context, current, announcement, Audience())
            return
        await answer_query(update)
        scope = await roles.scope_of(current.db, current.learner, admin_ids)
        if data.kind == "menu":
            await show(update, audience_question(tr, scope), audience_menu(tr, sid))
            return
        grid: list[list[InlineKeyboardButton]] = []
        if data.kind == "language":
            question = tr._("In which language do they use the bot?")
            grid += rows(
                [
                    button(language.native_name, PickAudience(sid, "language", code))
                    for code, language in LANGUAGES.items()
                ],
                2,
            )
        elif data.kind == "country":
            question = tr._("In which country?")
            countries = await announcements.allowed_countries(
                current.db, current.learner, admin_ids
            )
            grid += rows(
                [
                    button(tr._(COUNTRY_NAMES[code]), PickAudience(sid, "country", code))
                    for code in countries
                ],
                2,
            )
        elif data.kind == "module":
            question = tr._("People who started or passed which module?")
            grid += [
                [
                    button(
                        shorten(module.text(tr.language_code).title, MAX_LABEL),
                        PickAudience(sid, "module", module.id),
                    )
                ]
                for module in context.deps.catalogue.modules
            ]
        else:
            now = context.deps.clock.now()
            found = await announcements.sessions_to_choose(
                current.db, current.learner, now, admin_ids=admin_ids
            )
            question = (
                tr._("People registered for which session?")
                if found
                else tr._("There are no sessions to choose from.")
            )
            grid += [
                [
                    button(
                        f"{tr.date(training.starts_at)} · {shorten(training.title, MAX_LABEL)}",
                        PickAudience(sid, "session", str(training.id)),
                    )
                ]
                for training in found
            ]
        grid.append(_back_row(tr, sid))
        await show(update, question, markup(grid))


async def pick_audience(update: Update, context: BotContext) -> None:
    data = PickAudience.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None or data.kind not in KINDS[1:]:
            await _answer(update, tr._("This button is no longer valid."))
            return
        announcement = await _own_draft(update, context, current, data.announcement)
        if announcement is None:
            return
        if data.kind == "language":
            audience = Audience(language=data.value)
        elif data.kind == "country":
            audience = Audience(country=data.value)
        elif data.kind == "module":
            audience = Audience(module=data.value)
        elif data.value.isdigit():
            audience = Audience(session_id=int(data.value))
        else:
            await _answer(update, tr._("This button is no longer valid."))
            return
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
        alert = error.reason in (Reason.NOT_ALLOWED, Reason.OUT_OF_SCOPE)
        await _answer(update, refusal_text(tr, error.reason), alert=alert)
        return
    await answer_query(update)
    scope = await roles.scope_of(current.db, current.learner, admin_ids)
    words = await audience_words(context, current, audience, scope)
    change = button(tr._("« Change the audience"), ChooseAudience(announcement.id, "menu"))
    cancel = button(tr._("✖️ Cancel"), CancelAnnouncement(announcement.id))
    if count == 0:
        await show(
            update,
            "\n\n".join(
                [
                    tr._("Audience: {audience}", audience=Html(words)),
                    refusal_text(tr, Reason.NOBODY),
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


async def send_announcement(update: Update, context: BotContext) -> None:
    data = SendAnnouncement.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None:
            await _answer(update, tr._("This button is no longer valid."))
            return
        if not await require_role(update, context, current, *announcements.ANNOUNCERS):
            return
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
            alert = error.reason in (Reason.NOT_ALLOWED, Reason.OUT_OF_SCOPE)
            await _answer(update, refusal_text(tr, error.reason), alert=alert)
            return
        if not confirmation.created:
            await answer_query(update, refusal_text(tr, Reason.NOT_A_DRAFT))
            return
        # The rows must be in the database before the worker looks for them.
        await current.db.commit()
        outbox.wake(context.application)
        await answer_query(update)
        await show(
            update,
            tr.ngettext(
                "📣 Sending to {n} person. You will get a summary here when it is done.",
                "📣 Sending to {n} people. You will get a summary here when it is done.",
                confirmation.recipients,
            ),
        )


async def cancel_announcement(update: Update, context: BotContext) -> None:
    data = CancelAnnouncement.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None:
            await _answer(update, tr._("This button is no longer valid."))
            return
        if not await require_role(update, context, current, *announcements.ANNOUNCERS):
            return
        if not data.announcement:
            await announcements.cancel_drafts(
                current.db, current.learner, now=context.deps.clock.now()
            )
        else:
            try:
                dropped = await announcements.cancel(
                    current.db,
                    current.learner,
                    data.announcement,
                    now=context.deps.clock.now(),
                    admin_ids=_admin_ids(context),
                )
            except AnnouncementError as error:
                await _answer(update, refusal_text(tr, error.reason))
                return
            if not dropped:
                await _answer(update, refusal_text(tr, Reason.NOT_A_DRAFT))
                return
        await _clear_step(current)
        await answer_query(update)
        await show(update, tr._("Cancelled. Nothing was sent."))


HANDLERS: Handlers = [
    CommandHandler("announce", announce_command, filters=PRIVATE),
    CallbackQueryHandler(choose_audience, pattern=ChooseAudience.pattern()),
    CallbackQueryHandler(pick_audience, pattern=PickAudience.pattern()),
    CallbackQueryHandler(send_announcement, pattern=SendAnnouncement.pattern()),
    CallbackQueryHandler(cancel_announcement, pattern=CancelAnnouncement.pattern()),
]
