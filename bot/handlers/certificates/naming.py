"""The name printed on a certificate, confirmed before the PDF is made.

After a passed quiz (or "Get it" in ``/certificates``) the learner sees the name the
certificate will print, their profile name (onboarding, ``/profile``), and taps "Make it with
this name" or "Change the name"; a changed name is typed (text step ``certname``, with the
module after the colon), checked, and shown back for the same confirmation. A certificate
already made is corrected the same way from ``/certificates`` ("Correct the name"): it is
issued again with a new code, and the old code is revoked as "replaced". The open question
and its name are kept by the certificates service (a request), so one flow serves both.
Learners without consent are told that a certificate is a record and needs consent.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.content.catalogue import Module, plain_text
from bot.handlers.certificates.data import (
    CertificateName,
    CorrectName,
    NameAction,
    SendCertificate,
)
from bot.handlers.certificates.document import send_certificate
from bot.handlers.common.entry import ANYONE, Stale, on_button, on_text
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import certificates, learners
from bot.services.certificates import CertificateError, NameRequest, Reason, RequestStep

CERTNAME = "certname"
"""Text step: the name to print, for the module after the colon (``certname:<module>``)."""
MAX_LABEL = 40
"""The longest name or title on a button."""


def name_step(module: Module) -> str:
    return f"{CERTNAME}:{module.id}"


def no_consent_text(tr: Translator) -> str:
    return tr._(
        "🎓 Certificates are issued only with your consent, because a certificate is a record "
        "about you. If you agree in /privacy and pass the quiz again, you get one."
    )


def error_text(tr: Translator, error: CertificateError) -> str:
    """Why no certificate was issued, or why a typed name was not taken."""
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
    if error.reason == Reason.SAME_NAME:
        return tr._("Your certificate already shows this name. Nothing was changed.")
    if error.reason in (Reason.REVOKED, Reason.NO_REQUEST):
        return tr._("That is no longer possible. /certificates")
    return tr._("That does not look like a name. Please type your name in one line, in letters.")


def question(
    tr: Translator, module: Module, request: NameRequest, old_code: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The name question as ``request`` stands: a name to confirm, or one to type.
    ``old_code``: the code of the certificate being corrected."""
    title = plain_text(module.text(tr.language_code).title)
    correcting = request.certificate_id is not None
    close = button(
        tr._("Cancel") if correcting else tr._("Later"),
        CertificateName(module.id, NameAction.LATER),
    )
    if request.step == RequestStep.TYPE or request.name is None:
        if correcting:
            text = tr._(
                "✏️ <b>The name on your certificate for {module}</b>\n\n"
                "Type your name exactly as it should be printed. The certificate is then made "
                "again with a new verification code; the old code {code} will say that it "
                "was replaced.",
                module=title,
                code=old_code or "",
            )
        else:
            text = tr._(
                "🎓 <b>Your certificate for {module}</b>\n\n"
                "How should your name appear on your certificate? Type it exactly as it should "
                "be printed, for example with your surname.",
                module=title,
            )
        return text, markup([[close]])
    if correcting:
        text = tr._(
            "✏️ <b>The name on your certificate for {module}</b>\n\n"
            "The new certificate will show:\n<b>{name}</b>\n\n"
            "It gets a new verification code; the old code {code} will say that it was "
            "replaced.",
            module=title,
            name=request.name,
            code=old_code or "",
        )
    else:
        text = tr._(
            "🎓 <b>Your certificate for {module}</b>\n\n"
            "It will be made with this name:\n<b>{name}</b>\n\n"
            "Is it written exactly as it should be printed?",
            module=title,
            name=request.name,
        )
    return text, markup(
        [
            [
                button(
                    tr._("✅ Make it with this name"), CertificateName(module.id, NameAction.MAKE)
                )
            ],
            [button(tr._("✏️ Change the name"), CertificateName(module.id, NameAction.CHANGE))],
            [close],
        ]
    )


async def _old_code(current: Turn, request: NameRequest) -> str | None:
    if request.certificate_id is None:
        return None
    certificate = await certificates.get_for(current.db, current.learner, request.certificate_id)
    return certificates.format_code(certificate.code) if certificate is not None else None


async def _ask(
    context: BotContext, current: Turn, module: Module, request: NameRequest
) -> tuple[str, InlineKeyboardMarkup]:
    """The question for ``request``, with the typed step open when a name is to be typed."""
    typing = request.step == RequestStep.TYPE
    await learners.await_input(current.db, current.learner, name_step(module) if typing else None)
    return question(current.tr, module, request, await _old_code(current, request))


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
            request = await certificates.ask_name(
                current.db,
                learner,
                module.id,
                learner.display_name,
                context.deps.clock.now(),
                replace=False,
            )
            kept = await certificates.name_request(current.db, learner)
            if request.step == RequestStep.TYPE and kept is None:
                # Another conversation waits for typed text: a tap opens the question.
                offer, _ = question(tr, module, request)
                rows = [
                    [
                        button(
                            tr._("✏️ Change the name"), CertificateName(module.id, NameAction.CHANGE)
                        )
                    ],
                    [button(tr._("Later"), CertificateName(module.id, NameAction.LATER))],
                ]
            else:
                offer, name_keyboard = await _ask(context, current, module, request)
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


async def make_and_send(update: Update, context: BotContext, current: Turn, module: Module) -> None:
    """ "Make it with this name": issued (or corrected), then the PDF."""
    tr, learner = current.tr, current.learner
    try:
        certificate = await certificates.confirm_name(
            current.db,
            learner,
            module,
            learner.language,
            context.deps.clock.now(),
            profile_name=learner.display_name,
        )
    except CertificateError as error:
        if error.reason == Reason.NO_REQUEST:
            raise Stale from None  # made already, or another question since
        if error.reason == Reason.SAME_NAME:
            await certificates.drop_request(current.db, learner)
        await answer_query(update)
        await show(update, error_text(tr, error), edit=False)
        return
    await answer_query(update)
    await learners.await_input(current.db, learner, None)
    await send_certificate(update, context, current, certificate)


@on_text(CERTNAME, roles=ANYONE)
async def receive_name(update: Update, context: BotContext, current: Turn) -> None:
    """The typed name, while the question waits for it: shown back for confirmation; a name
    that cannot be printed is explained and changes nothing."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr, learner = current.tr, current.learner
    awaiting = learner.awaiting or ""
    module = context.deps.catalogue.get(awaiting.partition(":")[2])
    request = await certificates.name_request(current.db, learner)
    if module is None or request is None or request.module_id != module.id:
        await learners.await_input(current.db, learner, None)
        await show(update, tr._("That is no longer possible. /certificates"))
        return
    try:
        request = await certificates.give_name(
            current.db, learner, message.text[:1000], context.deps.clock.now()
        )
    except CertificateError as error:
        close = question(tr, module, request)[1]
        await show(update, error_text(tr, error), close, edit=False)
        return
    text, keyboard = await _ask(context, current, module, request)
    await show(update, text, keyboard, edit=False)


@on_button(CertificateName, roles=ANYONE)
async def name_button(
    update: Update, context: BotContext, current: Turn, data: CertificateName
) -> None:
    tr, learner = current.tr, current.learner
    module = context.deps.catalogue.get(data.module)
    if module is None:
        raise Stale
    now = context.deps.clock.now()
    if data.action == NameAction.LATER:
        request = await certificates.name_request(current.db, learner)
        if request is not None and request.module_id == module.id:
            await certificates.drop_request(current.db, learner)
        if learner.awaiting == name_step(module):
            await learners.await_input(current.db, learner, None)
        await answer_query(update)
        correcting = request is not None and request.certificate_id is not None
        await show(
            update,
            tr._("All right. Nothing was changed.")
            if correcting
            else tr._("All right. You can get your certificate later with /certificates."),
            edit=False,
        )
        return
    if not learners.records_allowed(learner):
        await answer_query(update)
        await show(update, no_consent_text(tr), edit=False)
        return
    if await certificates.passed_score(current.db, learner, module.id) is None:
        raise Stale
    if data.action == NameAction.MAKE:
        await make_and_send(update, context, current, module)
        return
    request = await certificates.name_request(current.db, learner)
    if data.action == NameAction.CHANGE and request is not None and request.module_id == module.id:
        request = await certificates.type_name(current.db, learner, module.id, now)
    elif data.action == NameAction.CHANGE:
        # The question was not kept (another conversation was open): ask it now.
        if await certificates.find(current.db, learner, module.id) is not None:
            raise Stale
        request = await certificates.ask_name(current.db, learner, module.id, None, now)
    else:  # ASK
        if await certificates.find(current.db, learner, module.id) is not None:
            raise Stale  # made meanwhile: /certificates shows it
        request = await certificates.ask_name(
            current.db, learner, module.id, learner.display_name, now
        )
    await answer_query(update)
    text, keyboard = await _ask(context, current, module, request)
    # A new message: the question may have shared its message with the quiz score.
    await show(update, text, keyboard, edit=False)


@on_button(CorrectName, roles=ANYONE)
async def correct_name(
    update: Update, context: BotContext, current: Turn, data: CorrectName
) -> None:
    """``/certificates``: the name on one's own certificate, to be corrected; the profile name
    is offered where it differs from the printed one."""
    learner = current.learner
    certificate = await certificates.get_for(current.db, learner, data.certificate_id)
    module = context.deps.catalogue.get(certificate.module_id) if certificate else None
    if certificate is None or certificate.revoked_at is not None or module is None:
        raise Stale
    if not learners.records_allowed(learner):
        raise Stale
    offered = learner.display_name if learner.display_name != certificate.name else None
    request = await certificates.ask_name(
        current.db, learner, module.id, offered, context.deps.clock.now(), certificate=certificate
    )
    await answer_query(update)
    text, keyboard = await _ask(context, current, module, request)
    await show(update, text, keyboard, edit=False)
