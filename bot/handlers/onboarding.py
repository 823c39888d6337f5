"""``/start`` and ``/language``: language, privacy consent and the optional reporting profile."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.common import callback_data as cb
from bot.handlers.common import keyboards
from bot.handlers.common.deep_links import parse
from bot.handlers.common.entry import Handlers
from bot.handlers.common.replies import answer_query, button_data, show
from bot.handlers.common.routes import opener_for
from bot.handlers.common.turn import (
    Turn,
    is_private,
    refresh_command_menu,
    retranslate,
    turn,
)
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import Consent
from bot.runtime.context import BotContext
from bot.services import learners

PRIVATE = filters.ChatType.PRIVATE
ORGANISATION = "organisation"
"""The text step (``learner.awaiting``) while the profile asks for the organisation."""


def consent_text(tr: Translator) -> str:
    return tr._(
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


def profile_question_text(tr: Translator, field: str) -> str:
    if field == "organisation":
        return tr._(
            "Thank you! A few optional questions help the programme report to its donors; "
            "each one has “Prefer not to say”.\n\n"
            "<b>Which organisation are you with?</b> Type its name, or tap the button."
        )
    if field == "country":
        return tr._("<b>Which country do you work in?</b>")
    if field == "gender":
        return tr._("<b>What is your gender?</b>")
    if field == "age":
        return tr._("<b>How old are you?</b>")
    if field == "special-consent":
        return tr._(
            "One last, optional question. Some programmes report how many people from "
            "vulnerable groups they reach (persons with disabilities; Roma, Egyptians and "
            "Ashkali; other minorities).\n\n"
            "This is sensitive information. We ask only with your explicit consent, use it "
            "only in anonymous totals, and you can erase it at any time with /forget.\n\n"
            "<b>May we ask you about it?</b>"
        )
    if field == "vulnerable":
        return tr._("<b>Do you belong to one of these groups?</b>")
    raise ValueError(field)


def menu_text(tr: Translator) -> str:
    return tr._("What would you like to do? The lessons are a good place to start.")


async def finish_onboarding(
    update: Update, context: BotContext, current: Turn, text: str | None = None
) -> None:
    """Onboarding is done: act on a deep link that started it, or show the menu."""
    payload = current.learner.pending_start
    if payload:
        current.learner.pending_start = None
        current.db.add(current.learner)
        if text is not None:
            await show(update, text)
        await dispatch_start_payload(update, context, current, payload)
        return
    tr = current.tr
    await show(update, text or menu_text(tr), keyboards.main_menu(tr))


async def dispatch_start_payload(
    update: Update, context: BotContext, current: Turn, payload: str
) -> None:
    link = parse(payload)
    opener = opener_for(context, link) if link is not None else None
    if opener is None:
        tr = current.tr
        await show(update, tr._("This link is not valid."), keyboards.main_menu(tr), edit=False)
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
            keyboards.languages(onboarding=True),
        )
        return
    if learner.consent == Consent.PENDING:
        await show(update, consent_text(tr), keyboards.consent(tr))
        return
    field = learners.next_profile_question(learner)
    if field is not None:
        await learners.await_input(
            current.db, learner, ORGANISATION if field == "organisation" else None
        )
        await show(update, profile_question_text(tr, field), keyboards.profile_question(tr, field))
        return
    await finish_onboarding(update, context, current)


async def start(update: Update, context: BotContext) -> None:
    """``/start``, also through a deep link ``/start <payload>`` (onboarding comes first)."""
    payload = context.args[0] if context.args else None
    async with turn(update, context) as current:
        if current.learner.awaiting:
            await learners.await_input(current.db, current.learner, None)
        if current.learner.language_chosen:
            await refresh_command_menu(context, current.db, current.learner)
        if payload is not None:
            if parse(payload) is None:
                await show(update, current.tr._("This link is not valid."))
                return
            if not needs_onboarding(current):
                await dispatch_start_payload(update, context, current, payload)
                return
            current.learner.pending_start = payload
            current.db.add(current.learner)
        await continue_onboarding(update, context, current)


async def language_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        await show(
            update, current.tr._("Choose your language:"), keyboards.languages(onboarding=False)
        )


async def pick_language(update: Update, context: BotContext) -> None:
    data = cb.PickLanguage.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None or data.code not in LANGUAGES:
            await answer_query(update, current.tr._("This button is no longer valid."))
            return
        await learners.set_language(current.db, current.learner, data.code)
        retranslate(context, current)
        await answer_query(update)
        await refresh_command_menu(context, current.db, current.learner)
        if data.onboarding:
            await continue_onboarding(update, context, current)
        else:
            tr = current.tr
            await show(
                update,
                tr._("Language: {name}.", name=LANGUAGES[data.code].native_name),
                keyboards.main_menu(tr),
            )


async def answer_consent(update: Update, context: BotContext) -> None:
    data = cb.AnswerConsent.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None or current.learner.consent != Consent.PENDING:
            await answer_query(update, tr._("This button is no longer valid."))
            return
        await learners.record_consent(current.db, current.learner, data.given)
        await answer_query(update)
        if data.given:
            await continue_onboarding(update, context, current)
        else:
            await finish_onboarding(
                update,
                context,
                current,
                tr._(
                    "All right. You can read the lessons and take the quizzes; we will not "
                    "keep your progress or your answers. You can change your mind in /privacy."
                ),
            )


async def answer_profile(update: Update, context: BotContext) -> None:
    data = cb.AnswerProfile.decode(button_data(update))
    async with turn(update, context) as current:
        tr, learner = current.tr, current.learner
        expected = learners.next_profile_question(learner)
        if data is None or data.field != expected:
            await answer_query(update, tr._("This button is no longer valid."))
            return
        try:
            if data.field == "organisation":
                if data.value != learners.UNDISCLOSED:
                    raise learners.ProfileError("unknown-choice")
                await learners.set_organisation(current.db, learner, None)
            elif data.field == "special-consent":
                if data.value not in ("yes", "no"):
                    raise learners.ProfileError("unknown-choice")
                await learners.record_special_consent(current.db, learner, data.value == "yes")
            else:
                await learners.set_profile_choice(current.db, learner, data.field, data.value)
        except learners.ProfileError:
            await answer_query(update, tr._("This button is no longer valid."))
            return
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


async def receive_organisation(update: Update, context: BotContext, current: Turn) -> None:
    """The typed organisation name, while onboarding waits for it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    try:
        await learners.set_organisation(current.db, current.learner, message.text)
    except learners.ProfileError as error:
        if error.reason == "too-long":
            text = tr._(
                "That is longer than {limit} characters. Please type a shorter name.",
                limit=learners.MAX_ORGANISATION,
            )
        else:
            text = tr._("Please type the name of your organisation, or tap the button.")
        await show(update, text, keyboards.profile_question(tr, "organisation"), edit=False)
        return
    await continue_onboarding(update, context, current)


HANDLERS: Handlers = [
    CommandHandler("start", start, filters=PRIVATE),
    CommandHandler("language", language_command, filters=PRIVATE),
    CallbackQueryHandler(pick_language, pattern=cb.PickLanguage.pattern()),
    CallbackQueryHandler(answer_consent, pattern=cb.AnswerConsent.pattern()),
    CallbackQueryHandler(answer_profile, pattern=cb.AnswerProfile.pattern()),
]

__all__ = [
    "HANDLERS",
    "continue_onboarding",
    "finish_onboarding",
    "is_private",
    "needs_onboarding",
    "receive_organisation",
]
