"""Certificates: offered after a passed quiz, ``/certificates`` to see and resend them,
``/verify CODE`` for anyone to check one.

After a passed post-test a learner with consent is asked how their name should
appear (text step "certname", with the module in ``learner.awaiting``); the name
they gave before is offered with one tap. Learners without consent are told that
a certificate is a record and needs consent. The PDF is made again from the
stored certificate whenever it is sent, in the certificate's own language.
Every button re-checks that the certificate (or the passed quiz) is the
learner's own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.content.catalogue import Catalogue, Module, plain_text
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, button_data, show
from bot.handlers.common.turn import Turn, turn
from bot.i18n.translator import Translator
from bot.models import Certificate, Learner
from bot.runtime.context import BotContext
from bot.services import certificates, learners
from bot.services.certificate_pdf import CertificateTexts, render
from bot.services.certificates import CertificateError, Problem, Status, Verification

PRIVATE = filters.ChatType.PRIVATE
CERTNAME = "certname"
"""Text step: the name to print, for the module after the colon (``certname:<module>``)."""
VERIFY = "verify"
"""Text step after ``/verify`` without a code."""
ISSUER = "Kapacitet"
MAX_LABEL = 40
MAX_TYPED = 100


# -- button data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateName(CallbackData):
    """On the name question: ``ask`` (again), ``use`` the name given before, ``change`` it
    (type another), or ``later``."""

    prefix = "cn"
    module: str
    action: str


@dataclass(frozen=True)
class SendCertificate(CallbackData):
    prefix = "cs"
    certificate_id: int


@dataclass(frozen=True)
class CancelVerify(CallbackData):
    prefix = "cv"


async def _invalid(update: Update, current: Turn) -> None:
    await answer_query(update, current.tr._("This button is no longer valid."))


def module_title(tr: Translator, catalogue: Catalogue, module_id: str) -> str:
    """The module's title in ``tr``'s language and script, as plain text."""
    module = catalogue.get(module_id)
    return plain_text(module.text(tr.language_code).title) if module else module_id


# -- the PDF ----------------------------------------------------------------------------------


def long_date(tr: Translator, certificate: Certificate) -> str:
    return format_date(certificate.issued_at.astimezone(tr.zone), format="long", locale=tr.locale)


def certificate_texts(
    tr: Translator, catalogue: Catalogue, certificate: Certificate, bot_username: str | None
) -> CertificateTexts:
    """What the PDF says, in ``tr``'s language (the certificate's own)."""
    code = certificates.format_code(certificate.code)
    if bot_username:
        how = tr._(
            "To check this certificate, send /verify {code} to {bot} on Telegram.",
            code=code,
            bot=f"@{bot_username}",
        )
    else:
        how = tr._(
            "To check this certificate, send /verify {code} to the bot on Telegram.", code=code
        )
    return CertificateTexts(
        language=tr.language_code,
        issuer=ISSUER,
        heading=html.unescape(tr._("Certificate of completion")),
        intro=html.unescape(tr._("This is to certify that")),
        name=certificate.name,
        completed=html.unescape(tr._("has completed the module")),
        module_title=module_title(tr, catalogue, certificate.module_id),
        details=html.unescape(
            tr._(
                "Issued on {date} · score {score}",
                date=long_date(tr, certificate),
                score=tr.percent(certificate.score_percent),
            )
        ),
        code_label=html.unescape(tr._("Verification code")),
        code=code,
        how_to_verify=html.unescape(how),
        issued_at=certificate.issued_at,
    )


def pdf_translator(context: BotContext, learner: Learner, certificate: Certificate) -> Translator:
    """The certificate's language, in the learner's time zone."""
    return context.deps.translator_for(learner, certificate.language)


def file_name(certificate: Certificate) -> str:
    return f"certificate-{certificate.module_id}-{certificates.format_code(certificate.code)}.pdf"


async def send_certificate(
    update: Update, context: BotContext, current: Turn, certificate: Certificate
) -> None:
    tr = current.tr
    texts = certificate_texts(
        pdf_translator(context, current.learner, certificate),
        context.deps.catalogue,
        certificate,
        context.bot.username,
    )
    code = certificates.format_code(certificate.code)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(render(texts), filename=file_name(certificate)),
        caption=tr._(
            "🎓 Your certificate: {module}\nVerification code: <code>{code}</code>\n"
            "Anyone can check it with /verify {code}",
            module=module_title(tr, context.deps.catalogue, certificate.module_id),
            code=code,
        ),
    )


# -- after a passed quiz: the name --------------------------------------------------------------


def no_consent_text(tr: Translator) -> str:
    return tr._(
        "🎓 Certificates are issued only with your consent, because a certificate is a record "
        "about you. If you agree in /privacy and pass the quiz again, you get one."
    )


def name_question(
    tr: Translator, module: Module, known_name: str | None, *, typing: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the name; ``typing`` after "Change": only the typed answer is left."""
    title = plain_text(module.text(tr.language_code).title)
    later = [button(tr._("Later"), CertificateName(module.id, "later"))]
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
                        CertificateName(module.id, "use"),
                    )
                ],
                [button(tr._("Change"), CertificateName(module.id, "change")), *later],
            ]
        )
    text = tr._(
        "🎓 <b>Your certificate for {module}</b>\n\n"
        "How should your name appear on your certificate? Type it exactly as it should be "
        "printed, for example with your surname.",
        module=title,
    )
    return text, markup([later])


def name_problem_text(tr: Translator, problem: Problem) -> str:
    if problem == Problem.NAME_TOO_SHORT:
        return tr._(
            "That is too short for a name. Please type your name as it should appear on the "
            "certificate."
        )
    if problem == Problem.NAME_TOO_LONG:
        return tr._(
            "That is too long: a name on a certificate may have up to {max} characters. Please "
            "type a shorter form.",
            max=certificates.MAX_NAME,
        )
    return tr._("That does not look like a name. Please type your name in one line, in letters.")


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
            await learners.await_input(current.db, learner, f"{CERTNAME}:{module.id}")
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


async def _issue_and_send(
    update: Update, context: BotContext, current: Turn, module: Module, name: str
) -> None:
    tr, learner = current.tr, current.learner
    score = await certificates.passed_score(current.db, learner, module.id)
    if score is None:
        await learners.await_input(current.db, learner, None)
        await show(
            update, tr._("A certificate needs a passed quiz of this module first."), edit=False
        )
        return
    try:
        certificate = await certificates.issue(
            current.db,
            learner,
            module,
            score,
            name,
            learner.language,
            context.deps.clock.now(),
        )
    except CertificateError as error:
        if error.problem == Problem.NO_CONSENT:
            await learners.await_input(current.db, learner, None)
            await show(update, no_consent_text(tr), edit=False)
        elif error.problem == Problem.NOT_PASSED:
            await learners.await_input(current.db, learner, None)
            await show(
                update, tr._("A certificate needs a passed quiz of this module first."), edit=False
            )
        else:
            await learners.await_input(current.db, learner, f"{CERTNAME}:{module.id}")
            _, keyboard = name_question(tr, module, None, typing=True)
            await show(update, name_problem_text(tr, error.problem), keyboard, edit=False)
        return
    await learners.await_input(current.db, learner, None)
    await send_certificate(update, context, current, certificate)


async def receive_name(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    awaiting = current.learner.awaiting or ""
    module = context.deps.catalogue.get(awaiting.partition(":")[2])
    if module is None:
        await learners.await_input(current.db, current.learner, None)
        await show(update, current.tr._("That is no longer possible. /certificates"))
        return
    await _issue_and_send(update, context, current, module, message.text[:1000])


async def name_button(update: Update, context: BotContext) -> None:
    data = CertificateName.decode(button_data(update))
    async with turn(update, context) as current:
        tr, learner = current.tr, current.learner
        module = context.deps.catalogue.get(data.module) if data else None
        if data is None or module is None or data.action not in ("ask", "use", "change", "later"):
            await _invalid(update, current)
            return
        waiting = learner.awaiting == f"{CERTNAME}:{module.id}"
        if data.action == "later":
            if waiting:
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
            await _invalid(update, current)
            return
        await answer_query(update)
        if data.action == "use" and learner.display_name:
            await _issue_and_send(update, context, current, module, learner.display_name)
            return
        await learners.await_input(current.db, learner, f"{CERTNAME}:{module.id}")
        text, keyboard = name_question(
            tr, module, learner.display_name, typing=data.action == "change"
        )
        # A new message: the question may have shared its message with the quiz score.
        await show(update, text, keyboard, edit=False)


# -- /certificates --------------------------------------------------------------------------------


async def certificates_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        tr, learner = current.tr, current.learner
        catalogue = context.deps.catalogue
        issued = await certificates.list_for(current.db, learner)
        pending = await certificates.pending_modules(current.db, learner)
        pending_modules = [m for m in catalogue.modules if m.id in pending]
        if not issued and not pending_modules:
            lines = [
                tr._("You have no certificates yet. Pass a module's quiz (/lessons) to get one.")
            ]
            if not learners.records_allowed(learner):
                lines.append(
                    tr._(
                        "Certificates are issued only with your consent, because a certificate "
                        "is a record about you: /privacy"
                    )
                )
            await show(update, "\n\n".join(lines))
            return
        lines = [tr._("<b>Your certificates</b>")]
        grid = []
        for certificate in issued:
            assert certificate.id is not None
            title = module_title(tr, catalogue, certificate.module_id)
            code = certificates.format_code(certificate.code)
            lines += ["", f"📜 <b>{html.escape(title, quote=False)}</b>"]
            if certificate.revoked_at is not None:
                lines.append(
                    tr._(
                        "<code>{code}</code> · revoked on {date}",
                        code=code,
                        date=tr.date(certificate.revoked_at),
                    )
                )
                continue
            lines.append(
                tr._(
                    "<code>{code}</code> · issued on {date} · {score}",
                    code=code,
                    date=tr.date(certificate.issued_at),
                    score=tr.percent(certificate.score_percent),
                )
            )
            grid.append(
                [button("📄 " + shorten(title, MAX_LABEL), SendCertificate(certificate.id))]
            )
        for module in pending_modules:
            title = plain_text(module.text(tr.language_code).title)
            lines += [
                "",
                tr._("🎓 <b>{module}</b>: passed, certificate not yet issued", module=title),
            ]
            grid.append(
                [
                    button(
                        html.unescape(
                            tr._("🎓 Get it: {module}", module=shorten(title, MAX_LABEL))
                        ),
                        CertificateName(module.id, "ask"),
                    )
                ]
            )
        await show(update, "\n".join(lines), markup(grid))


async def resend(update: Update, context: BotContext) -> None:
    data = SendCertificate.decode(button_data(update))
    async with turn(update, context) as current:
        certificate = (
            await certificates.get_for(current.db, current.learner, data.certificate_id)
            if data
            else None
        )
        if certificate is None or certificate.revoked_at is not None:
            await _invalid(update, current)
            return
        await answer_query(update)
        await send_certificate(update, context, current, certificate)


# -- /verify ------------------------------------------------------------------------------------


def verification_text(
    tr: Translator, catalogue: Catalogue, result: Verification, typed: str
) -> str:
    if result.status == Status.UNKNOWN or result.module_id is None or result.issued_at is None:
        return tr._(
            "❓ There is no certificate with the code {code}. Please check the code and send it "
            "again.",
            code=shorten(typed.strip(), MAX_LABEL),
        )
    code = certificates.format_code(result.code or "")
    module = module_title(tr, catalogue, result.module_id)
    if result.status == Status.REVOKED:
        return tr._(
            "❌ <b>Revoked certificate</b>\n\n"
            "The certificate <code>{code}</code> ({module}, issued on {issued}) was revoked on "
            "{revoked}. It is no longer valid.",
            code=code,
            module=module,
            issued=tr.date(result.issued_at),
            revoked=tr.date(result.revoked_at) if result.revoked_at else "",
        )
    return tr._(
        "✅ <b>Genuine certificate</b> <code>{code}</code>\n\n"
        "Issued to: <b>{name}</b>\n"
        "Module: {module}\n"
        "Issued on: {date}",
        code=code,
        name=result.name or "",
        module=module,
        date=tr.date(result.issued_at),
    )


def cancel_verify_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return markup([[button(tr._("Cancel"), CancelVerify())]])


async def _verify(update: Update, context: BotContext, current: Turn, typed: str) -> None:
    tr = current.tr
    result = await certificates.verify(current.db, typed)
    unknown = result.status == Status.UNKNOWN
    await learners.await_input(current.db, current.learner, VERIFY if unknown else None)
    await show(
        update,
        verification_text(tr, context.deps.catalogue, result, typed),
        cancel_verify_keyboard(tr) if unknown else None,
        edit=False,
    )


async def verify_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        typed = " ".join(context.args or [])[:MAX_TYPED]
        if typed:
            await _verify(update, context, current, typed)
            return
        tr = current.tr
        await learners.await_input(current.db, current.learner, VERIFY)
        await show(
            update,
            tr._(
                "Send the certificate's verification code (10 letters and digits, for example "
                "<code>{example}</code>).",
                example="K7QX-2M9P-RT",
            ),
            cancel_verify_keyboard(tr),
        )


async def receive_code(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await _verify(update, context, current, message.text[:MAX_TYPED])


async def cancel_verify(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if CancelVerify.decode(button_data(update)) is None:
            await _invalid(update, current)
            return
        if current.learner.awaiting == VERIFY:
            await learners.await_input(current.db, current.learner, None)
        await answer_query(update)
        await show(update, current.tr._("All right."))


HANDLERS: Handlers = [
    CommandHandler("certificates", certificates_command, filters=PRIVATE),
    CommandHandler("verify", verify_command, filters=PRIVATE),
    CallbackQueryHandler(name_button, pattern=CertificateName.pattern()),
    CallbackQueryHandler(resend, pattern=SendCertificate.pattern()),
    CallbackQueryHandler(cancel_verify, pattern=CancelVerify.pattern()),
]
