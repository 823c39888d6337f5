"""After a passed quiz: the certificate offered with the score, and the name to print on it.

A learner with consent is asked how their name should appear (text step ``certname``, with
the module after the colon in ``learner.awaiting``); the name they gave before is offered
with one tap. Learners without consent are told that a certificate is a record and needs
consent. Every button re-checks that the passed quiz is the learner's own.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.content.catalogue import Module, plain_text
from bot.handlers.certificates.data import CertificateName, NameAction, SendCertificate
from bot.handlers.certificates.document import send_certificate
from bot.handlers.common.entry import ANYONE, Stale, on_button, on_text
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import certificates, learners
from bot.services.certificates import CertificateError, Reason

CERTNAME = "certname"
"""Text step: the name to print, for the module after the colon (``certname:<module>``)."""
MAX_LABEL = 40
"""The longest name or title on a button."""
ASK_AGAIN = {Reason.NAME_TOO_SHORT, Reason.NAME_TOO_LONG, Reason.NAME_INVALID}
"""A typed name that cannot be printed: the question stays open."""


def name_step(module: Module) -> str:
    return f"{CERTNAME}:{module.id}"


def no_consent_text(tr: Translator) -> str:
    return tr._(
        "🎓 Certificates are issued only with your consent, because a certificate is a record "
        "about you. If you agree in /privacy and pass the quiz again, you get one."
    )


def error_text(tr: Translator, error: CertificateError) -> str:
    """Why no certificate was issued."""
    if error.reason == Reason.NO_CONSENT:
        return no_consent_text(tr)
    if error.reason == Reason.NOT_PASSED:
        return tr._("A certificate needs a passed quiz of this module first.")
    if error.reason == Reason.LESSONS_NOT_READ:
        return tr._(
            "A certificate needs every lesson card of this module read first. Open the module "
            "in /lessons and read it to the end."
        )
    if error.reason == Reason.NAME_TOO_SHORT:
        return tr._(
            "That is too short for a name. Please type your name as it should appear on the "
            "certificate."
        )
    if error.reason == Reason.NAME_TOO_LONG:
        return tr._(
            "That is too long: a name on a certificate may have up to {max} characters. Please "
            "type a shorter form.",
            max=certificates.MAX_NAME,
        )
    return tr._("That does not look like a name. Please type your name in one line, in letters.")


def name_question(
    tr: Translator, module: Module, known_name: str | None, *, typing: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the name; ``typing`` after "Change": only the typed answer is left."""
    title = plain_text(module.text(tr.language_code).title)
    later = [button(tr._("Later"), CertificateName(module.id, NameAction.LATER))]
    if known_name and not typing:
        text = tr._(
            "🎓 <b>Your certificate for {module}</b>\n\n"
            "How should your name appear on your certificate? Use the name below, or tap "
            "Change and type it as it should be printed.",
            module=title,
        )
        return text, markup(
            [
                [
                    button(
                        html.unescape(tr._("Use: {name}", name=shorten(known_name, MAX_LABEL))),
                        CertificateName(module.id, NameAction.USE),
                    )
                ],
                [button(tr._("Change"), CertificateName(module.id, NameAction.CHANGE)), *later],
            ]
        )
    text = tr._(
        "🎓 <b>Your certificate for {module}</b>\n\n"
        "How should your name appear on your certificate? Type it exactly as it should be "
        "printed, for example with your surname.",
        module=title,
    )
    return text, markup([later])


async def offer_certificate(
    context: BotContext, current: Turn, module: Module, text: str, keyboard: InlineKeyboardMarkup
) -> tuple[str, InlineKeyboardMarkup]:
    """For a post-test just passed: the quiz result ``text`` and ``keyboard`` with the
    certificate added (the question for the name), or why there is none."""
    tr, learner = current.tr, current.learner
    rows: list[list[InlineKeyboardButton]] = []
    if not learners.records_allowed(learner):
        offer = no_consent_text(tr)
    else:
        existing = await certificates.find(current.db, learner, module.id)
        if existing is None:
            await learners.await_input(current.db, learner, name_step(module))
            offer, name_keyboard = name_question(tr, module, learner.display_name)
            rows = [list(row) for row in name_keyboard.inline_keyboard]
        elif existing.revoked_at is None:
            assert existing.id is not None
            offer = tr._(
                "You already have the certificate for this module (code <code>{code}</code>).",
                code=certificates.format_code(existing.code),
            )
            rows = [[button(tr._("📄 Send it again"), SendCertificate(existing.id))]]
        else:
            return text, keyboard
    return f"{text}\n\n{offer}", markup([*rows, *keyboard.inline_keyboard])


async def issue_and_send(
    update: Update, context: BotContext, current: Turn, module: Module, name: str
) -> None:
    tr, learner = current.tr, current.learner
    try:
        certificate = await certificates.issue_for_pass(
            current.db, learner, module, name, learner.language, context.deps.clock.now()
        )
    except CertificateError as error:
        ask_again = error.reason in ASK_AGAIN
        await learners.await_input(current.db, learner, name_step(module) if ask_again else None)
        keyboard = name_question(tr, module, None, typing=True)[1] if ask_again else None
        await show(update, error_text(tr, error), keyboard, edit=False)
        return
    await learners.await_input(current.db, learner, None)
    await send_certificate(update, context, current, certificate)


@on_text(CERTNAME, roles=ANYONE)
async def receive_name(update: Update, context: BotContext, current: Turn) -> None:
    """The typed name, while the question for it is open."""
    message = update.effective_message
    assert message is not None and message.text is not None
    awaiting = current.learner.awaiting or ""
    module = context.deps.catalogue.get(awaiting.partition(":")[2])
    if module is None:
        await learners.await_input(current.db, current.learner, None)
        await show(update, current.tr._("That is no longer possible. /certificates"))
        return
    await issue_and_send(update, context, current, module, message.text[:1000])


@on_button(CertificateName, roles=ANYONE)
async def name_button(
    update: Update, context: BotContext, current: Turn, data: CertificateName
) -> None:
    tr, learner = current.tr, current.learner
    module = context.deps.catalogue.get(data.module)
    if module is None:
        raise Stale
    if data.action == NameAction.LATER:
        if learner.awaiting == name_step(module):
            await learners.await_input(current.db, learner, None)
        await answer_query(update)
        await show(
            update,
            tr._("All right. You can get your certificate later with /certificates."),
            edit=False,
        )
        return
    if not learners.records_allowed(learner):
        await answer_query(update)
        await show(update, no_consent_text(tr), edit=False)
        return
    if await certificates.passed_score(current.db, learner, module.id) is None:
        raise Stale
    await answer_query(update)
    if data.action == NameAction.USE and learner.display_name:
        await issue_and_send(update, context, current, module, learner.display_name)
        return
    await learners.await_input(current.db, learner, name_step(module))
    text, keyboard = name_question(
        tr, module, learner.display_name, typing=data.action == NameAction.CHANGE
    )
    # A new message: the question may have shared its message with the quiz score.
    await show(update, text, keyboard, edit=False)
