"""``/start`` and ``/language``: language, privacy consent, the name trainers and
certificates use (also from ``/profile``) and the optional reporting profile."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.config import Settings
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.deep_links import parse
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_command, on_text
from bot.handlers.common.keyboards import button, full_notice, main_menu, markup, rows
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.routes import opener_for, previewer_for
from bot.handlers.common.turn import Turn, refresh_command_menu, retranslate
from bot.handlers.privacy_notice import controller_text
from bot.i18n.labels import (
    AGE_BAND_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
    VULNERABLE_GROUP_NAMES,
)
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import Consent, Learner
from bot.runtime.context import BotContext
from bot.services import learners
from bot.services.learners import UNDISCLOSED, ProfileError, ProfileField, SpecialConsentAnswer

ORGANISATION = "organisation"
"""The text step (``learner.awaiting``) while the profile asks for the organisation."""
NAME = "name"
"""The text step while the person types their name: ``name:onboarding`` or ``name:profile``
(where to go once it is saved)."""


# -- button data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickLanguage(CallbackData):
    prefix = "lang"
    code: str
    onboarding: bool


@dataclass(frozen=True)
class AnswerConsent(CallbackData):
    prefix = "consent"
    given: bool


@dataclass(frozen=True)
class AnswerProfile(CallbackData):
    """One profile answer; ``value`` is checked against the field's choices in the service."""

    prefix = "prof"
    field: ProfileField
    value: str


class NameAnswer(StrEnum):
    USE = "use"
    """The name offered (the one given before, else Telegram's first and last name)."""
    TYPE = "type"
    HIDE = "hide"
    """"Don't show my name"."""


@dataclass(frozen=True)
class AnswerName(CallbackData):
    """The name step, in onboarding or from ``/profile``."""

    prefix = "pname"
    action: NameAnswer
    onboarding: bool


# -- keyboards --------------------------------------------------------------------------------


def languages_keyboard(onboarding: bool) -> InlineKeyboardMarkup:
    buttons = [
        button(language.native_name, PickLanguage(code, onboarding))
        for code, language in LANGUAGES.items()
    ]
    return markup(rows(buttons, 2))


def consent_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(tr._("I agree"), AnswerConsent(True))],
            [button(tr._("No, thanks"), AnswerConsent(False))],
            [full_notice(tr)],
        ]
    )


def _choices(
    tr: Translator, field: ProfileField, names: dict[str, str]
) -> list[InlineKeyboardButton]:
    return [button(tr._(name), AnswerProfile(field, code)) for code, name in names.items()]


def profile_keyboard(tr: Translator, field: ProfileField) -> InlineKeyboardMarkup:
    undisclosed = [button(tr._(PREFER_NOT_TO_SAY), AnswerProfile(field, UNDISCLOSED))]
    if field == ProfileField.ORGANISATION:
        return markup([undisclosed])
    if field == ProfileField.COUNTRY:
        return markup([*rows(_choices(tr, field, COUNTRY_NAMES), 2), undisclosed])
    if field == ProfileField.GENDER:
        return markup([_choices(tr, field, GENDER_NAMES), undisclosed])
    if field == ProfileField.AGE:
        buttons = [
            button(tr._(name) if code in TRANSLATED_AGE_BANDS else name, AnswerProfile(field, code))
            for code, name in AGE_BAND_NAMES.items()
        ]
        return markup([*rows(buttons, 3), undisclosed])
    if field == ProfileField.SPECIAL_CONSENT:
        return markup(
            [
                [button(tr._("Yes, you may ask"), AnswerProfile(field, SpecialConsentAnswer.YES))],
                [button(tr._("Skip this question"), AnswerProfile(field, SpecialConsentAnswer.NO))],
            ]
        )
    return markup([*rows(_choices(tr, field, VULNERABLE_GROUP_NAMES), 1), undisclosed])


def name_keyboard(
    tr: Translator, offered: str | None, *, onboarding: bool, typing: bool = False
) -> InlineKeyboardMarkup:
    buttons = []
    if offered is not None and not typing:
        buttons.append([button(tr._("✅ Use this name"), AnswerName(NameAnswer.USE, onboarding))])
    if not typing:
        buttons.append(
            [button(tr._("✏️ Type another name"), AnswerName(NameAnswer.TYPE, onboarding))]
        )
    buttons.append([button(tr._("🙈 Don't show my name"), AnswerName(NameAnswer.HIDE, onboarding))])
    return markup(buttons)


# -- texts ------------------------------------------------------------------------------------


def consent_text(tr: Translator, settings: Settings) -> str:
    """The short privacy notice and the consent question; under it, who is responsible (the
    full notice is a button)."""
    text = tr._(
        "<b>Your privacy</b>\n\n"
        "Kapacitet is a learning bot for civil-society organisations. If you agree, "
        "we keep your lesson progress, your quiz answers and a short optional profile "
        "(organisation, country, gender, age band). We use them only to follow your "
        "learning and to report anonymous totals to the programme's donors.\n\n"
        "You can also learn without agreeing: then we keep only your chat id and your "
        "language. With /mydata you see everything we keep, with /forget you erase it. "
        "The full notice: /privacy\n\n"
        "Do you agree?"
    )
    controller = controller_text(tr, settings)
    return text if controller is None else f"{text}\n\n<i>{controller}</i>"


def profile_question_text(tr: Translator, field: ProfileField) -> str:
    if field == ProfileField.ORGANISATION:
        return tr._(
            "Thank you! A few optional questions help the programme report to its donors; "
            "each one has “Prefer not to say”.\n\n"
            "<b>Which organisation are you with?</b> Type its name, or tap the button."
        )
    if field == ProfileField.COUNTRY:
        return tr._("<b>Which country do you work in?</b>")
    if field == ProfileField.GENDER:
        return tr._("<b>What is your gender?</b>")
    if field == ProfileField.AGE:
        return tr._("<b>How old are you?</b>")
    if field == ProfileField.SPECIAL_CONSENT:
        return tr._(
            "One last, optional question. Some programmes report how many people from "
            "vulnerable groups they reach (persons with disabilities; Roma, Egyptians and "
            "Ashkali; other minorities).\n\n"
            "This is sensitive information. We ask only with your explicit consent, use it "
            "only in anonymous totals, and you can erase it at any time with /forget.\n\n"
            "<b>May we ask you about it?</b>"
        )
    return tr._("<b>Do you belong to one of these groups?</b>")


def name_question_text(tr: Translator, offered: str | None) -> str:
    """How trainers and certificates should name the person: the name offered, or a request
    to type one."""
    explanation = tr._(
        "Your trainers see this name on their lists of participants and on the attendance "
        "records; your certificates offer it too. If you prefer, you are shown as "
        "“Participant” with a number instead. You can change it any time with /profile."
    )
    parts = [tr._("<b>How should trainers and certificates name you?</b>")]
    if offered is not None:
        parts.append(tr._("We would use: <b>{name}</b>", name=offered))
    parts.append(explanation)
    return "\n\n".join(parts)


def type_name_text(tr: Translator) -> str:
    return tr._("Type your name as trainers and certificates should show it:")


def offered_name(update: Update, current: Turn) -> str | None:
    """The name the step offers: the one the person gave before, else their Telegram name."""
    if current.learner.display_name:
        return current.learner.display_name
    user = update.effective_user
    return learners.telegram_name(user.first_name, user.last_name) if user else None


async def ask_name(update: Update, current: Turn, *, onboarding: bool) -> None:
    """The name step: the name offered, or a request to type one."""
    offered = offered_name(update, current)
    await learners.await_input(current.db, current.learner, None)
    await show(
        update,
        name_question_text(current.tr, offered),
        name_keyboard(current.tr, offered, onboarding=onboarding),
    )


def name_saved_text(tr: Translator, learner: Learner) -> str:
    if learner.name_consent and learner.display_name:
        return tr._(
            "Saved. Trainers and certificates will name you <b>{name}</b>.",
            name=learner.display_name,
        )
    return tr._(
        "Saved. Your name is not shown: trainers see you as “Participant #{number}”.",
        number=str(learner.id),
    )


def name_error_text(tr: Translator, error: ProfileError) -> str:
    if error.reason == learners.Reason.TOO_LONG:
        return tr._(
            "That is longer than {limit} characters. Please type a shorter name.",
            limit=learners.MAX_NAME,
        )
    return tr._("Please type your name, or tap the button.")


def error_text(tr: Translator, error: ProfileError) -> str:
    """Why a typed organisation name was not taken."""
    if error.reason == learners.Reason.TOO_LONG:
        return tr._(
            "That is longer than {limit} characters. Please type a shorter name.",
            limit=learners.MAX_ORGANISATION,
        )
    return tr._("Please type the name of your organisation, or tap the button.")


def menu_text(tr: Translator) -> str:
    return tr._("What would you like to do? The lessons are a good place to start.")


# -- the flow ---------------------------------------------------------------------------------


async def finish_onboarding(
    update: Update, context: BotContext, current: Turn, text: str | None = None
) -> None:
    """Onboarding is done: act on a deep link that started it, or show the menu."""
    payload = current.learner.pending_start
    if payload:
        await learners.remember_start(current.db, current.learner, None)
        if text is not None:
            await show(update, text)
        await dispatch_start_payload(update, context, current, payload)
        return
    tr = current.tr
    await show(update, text or menu_text(tr), main_menu(tr))


async def dispatch_start_payload(
    update: Update, context: BotContext, current: Turn, payload: str
) -> None:
    link = parse(payload)
    opener = opener_for(context, link) if link is not None else None
    if opener is None:
        tr = current.tr
        await show(update, tr._("This link is not valid."), main_menu(tr), edit=False)
        return
    await opener(update, context, current, link)


def needs_onboarding(current: Turn) -> bool:
    learner = current.learner
    return (
        not learner.language_chosen
        or learner.consent == Consent.PENDING
        or learners.next_profile_question(learner) is not None
    )


async def continue_onboarding(update: Update, context: BotContext, current: Turn) -> None:
    """Shows whatever the learner has not answered yet, or the main menu."""
    learner, tr = current.learner, current.tr
    if not learner.language_chosen:
        await show(
            update,
            tr._("👋 Welcome to Kapacitet! Choose your language:"),
            languages_keyboard(onboarding=True),
        )
        return
    if learner.consent == Consent.PENDING:
        await show(update, consent_text(tr, context.deps.settings), consent_keyboard(tr))
        return
    field = learners.next_profile_question(learner)
    if field == ProfileField.NAME:
        await ask_name(update, current, onboarding=True)
        return
    if field is not None:
        await learners.await_input(
            current.db, learner, ORGANISATION if field == ProfileField.ORGANISATION else None
        )
        await show(update, profile_question_text(tr, field), profile_keyboard(tr, field))
        return
    await finish_onboarding(update, context, current)


async def ask_language(update: Update, current: Turn) -> None:
    """The list of languages, outside onboarding (``/language``, the main menu)."""
    await show(update, current.tr._("Choose your language:"), languages_keyboard(onboarding=False))


# -- commands and buttons ---------------------------------------------------------------------


@on_command("start", roles=ANYONE)
async def start(update: Update, context: BotContext, current: Turn) -> None:
    """``/start``, also through a deep link ``/start <payload>`` (onboarding comes first)."""
    payload = context.args[0] if context.args else None
    if current.learner.awaiting:
        await learners.await_input(current.db, current.learner, None)
    if current.learner.language_chosen:
        await refresh_command_menu(context, current.db, current.learner)
    if payload is not None:
        link = parse(payload)
        if link is None:
            await show(update, current.tr._("This link is not valid."))
            return
        if not needs_onboarding(current):
            await dispatch_start_payload(update, context, current, payload)
            return
        # Someone new learns at once what they were invited to (or that the link can no
        # longer be used) instead of after the questions of onboarding.
        previewer = previewer_for(context, link)
        preview = await previewer(update, context, current, link) if previewer else None
        if preview is not None:
            await show(update, preview.text, edit=False)
        if preview is None or preview.usable:
            await learners.remember_start(current.db, current.learner, payload)
    await continue_onboarding(update, context, current)


@on_command("language", roles=ANYONE)
async def language_command(update: Update, context: BotContext, current: Turn) -> None:
    await ask_language(update, current)


@on_button(PickLanguage, roles=ANYONE)
async def pick_language(
    update: Update, context: BotContext, current: Turn, data: PickLanguage
) -> None:
    language = LANGUAGES.get(data.code)
    if language is None:
        raise Stale
    await learners.set_language(current.db, current.learner, data.code)
    retranslate(context, current)
    await answer_query(update)
    await refresh_command_menu(context, current.db, current.learner)
    if data.onboarding:
        await continue_onboarding(update, context, current)
        return
    tr = current.tr
    await show(update, tr._("Language: {name}.", name=language.native_name), main_menu(tr))


@on_button(AnswerConsent, roles=ANYONE)
async def answer_consent(
    update: Update, context: BotContext, current: Turn, data: AnswerConsent
) -> None:
    if current.learner.consent != Consent.PENDING:
        raise Stale
    await learners.record_consent(current.db, current.learner, data.given)
    await answer_query(update)
    if data.given:
        await continue_onboarding(update, context, current)
        return
    await finish_onboarding(
        update,
        context,
        current,
        current.tr._(
            "All right. You can read the lessons and take the quizzes; we will not "
            "keep your progress or your answers. You can change your mind in /privacy."
        ),
    )


@on_button(AnswerProfile, roles=ANYONE)
async def answer_profile(
    update: Update, context: BotContext, current: Turn, data: AnswerProfile
) -> None:
    learner = current.learner
    if data.field != learners.next_profile_question(learner):
        raise Stale  # a question answered already, or not asked
    try:
        await learners.answer_profile(current.db, learner, data.field, data.value)
    except ProfileError:
        raise Stale from None
    await answer_query(update)
    if learners.next_profile_question(learner) is None:
        retranslate(context, current)  # the country decides the time zone shown
        await finish_onboarding(
            update,
            context,
            current,
            current.tr._("Thank you, that's all. You can start learning now."),
        )
    else:
        await continue_onboarding(update, context, current)


@on_text(ORGANISATION, roles=ANYONE)
async def receive_organisation(update: Update, context: BotContext, current: Turn) -> None:
    """The typed organisation name, while onboarding waits for it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    try:
        await learners.set_organisation(current.db, current.learner, message.text)
    except ProfileError as error:
        await show(
            update,
            error_text(tr, error),
            profile_keyboard(tr, ProfileField.ORGANISATION),
            edit=False,
        )
        return
    await continue_onboarding(update, context, current)


async def _name_done(update: Update, context: BotContext, current: Turn, onboarding: bool) -> None:
    if onboarding:
        await continue_onboarding(update, context, current)
        return
    tr = current.tr
    await show(update, name_saved_text(tr, current.learner), main_menu(tr), edit=False)


@on_button(AnswerName, roles=ANYONE)
async def answer_name(update: Update, context: BotContext, current: Turn, data: AnswerName) -> None:
    learner, tr = current.learner, current.tr
    if data.onboarding and learners.next_profile_question(learner) != ProfileField.NAME:
        raise Stale  # answered already
    if not learners.records_allowed(learner):
        raise Stale  # consent withdrawn since the button was shown
    now = context.deps.clock.now()
    await answer_query(update)
    if data.action == NameAnswer.TYPE:
        step = f"{NAME}:{'onboarding' if data.onboarding else 'profile'}"
        await learners.await_input(current.db, learner, step)
        await show(
            update,
            type_name_text(tr),
            name_keyboard(tr, None, onboarding=data.onboarding, typing=True),
        )
        return
    if data.action == NameAnswer.USE:
        offered = offered_name(update, current)
        if offered is None:
            raise Stale
        await learners.set_name(current.db, learner, offered, now)
    else:
        await learners.hide_name(current.db, learner, now)
    await _name_done(update, context, current, data.onboarding)


@on_text(NAME, roles=ANYONE)
async def receive_name(update: Update, context: BotContext, current: Turn) -> None:
    """The typed name, while the name step waits for it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr, learner = current.tr, current.learner
    onboarding = (learner.awaiting or "").partition(":")[2] != "profile"
    try:
        await learners.set_name(current.db, learner, message.text, context.deps.clock.now())
    except ProfileError as error:
        if error.reason == learners.Reason.NO_CONSENT:
            await learners.await_input(current.db, learner, None)
            await show(update, tr._("Nothing was changed."), edit=False)
            return
        await show(
            update,
            name_error_text(tr, error),
            name_keyboard(tr, None, onboarding=onboarding, typing=True),
            edit=False,
        )
        return
    await _name_done(update, context, current, onboarding)


HANDLERS: Handlers = (
    start,
    language_command,
    pick_language,
    answer_consent,
    answer_profile,
    answer_name,
)
