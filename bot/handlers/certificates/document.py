"""The certificate as a file: the PDF's texts in the certificate's own language and script
(the brand, and the settings' issuer, programme, donor and signer's title too), the QR code
of its verification link, and the message that carries it."""

from __future__ import annotations

import asyncio
import html

from babel.dates import format_date
from telegram import InputFile, Update

from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.handlers.common.deep_links import VerifyLink
from bot.handlers.common.replies import show
from bot.handlers.common.texts import module_title
from bot.handlers.common.turn import Turn
from bot.handlers.common.working import working
from bot.i18n.translator import Translator
from bot.models import Certificate
from bot.runtime.context import BotContext
from bot.services import certificates
from bot.services.certificate_pdf import (
    CertificateTexts,
    Signer,
    brand,
    localized,
    qr_png,
    render,
)


def verify_url(certificate: Certificate, bot_username: str | None) -> str | None:
    """The deep link that verifies ``certificate`` (its QR code), when the bot has a name."""
    return VerifyLink(certificate.code).url(bot_username) if bot_username else None


def title_of(tr: Translator, catalogue: Catalogue, module_id: str) -> str:
    """The module's title as plain text; its id once the module is gone from the content."""
    return module_title(tr, catalogue, module_id) or module_id


def long_date(tr: Translator, certificate: Certificate) -> str:
    return format_date(certificate.issued_at.astimezone(tr.zone), format="long", locale=tr.locale)


def certificate_texts(
    tr: Translator,
    catalogue: Catalogue,
    certificate: Certificate,
    bot_username: str | None,
    settings: Settings,
) -> CertificateTexts:
    """What the PDF says, in ``tr``'s language (the certificate's own)."""
    language = tr.language_code
    url = verify_url(certificate, bot_username)
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
        issuer=localized(settings.certificate_issuer, language) or brand(language),
        programme=localized(settings.certificate_programme, language),
        donor=localized(settings.certificate_donor, language),
        logo=settings.certificate_logo,
        signer=Signer(
            name=settings.certificate_signer_name,
            title=localized(settings.certificate_signer_title, language),
            signature=settings.certificate_signature,
        ),
        qr_png=qr_png(url) if url else None,
        qr_label=html.unescape(tr._("Scan to check this certificate")) if url else None,
        heading=html.unescape(tr._("Certificate of completion")),
        intro=html.unescape(tr._("This is to certify that")),
        name=certificate.name,
        completed=html.unescape(tr._("has completed the module")),
        module_title=title_of(tr, catalogue, certificate.module_id),
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


def file_name(certificate: Certificate) -> str:
    return f"certificate-{certificate.module_id}-{certificates.format_code(certificate.code)}.pdf"


async def send_certificate(
    update: Update, context: BotContext, current: Turn, certificate: Certificate
) -> None:
    """The PDF, made afresh from the stored certificate in its own language (with times in
    the learner's zone), and a caption in the learner's language."""
    tr = current.tr
    code = certificates.format_code(certificate.code)
    chat = update.effective_chat
    assert chat is not None
    message = await show(update, tr._("⏳ Making your certificate…"), edit=False)
    # On a failure the working message goes; the error handler apologises.
    async with working(context.bot, chat.id, message, failure=None):
        texts = certificate_texts(
            context.deps.translator_for(current.learner, certificate.language),
            context.deps.catalogue,
            certificate,
            context.bot.username,
            context.deps.settings,
        )
        content = await asyncio.to_thread(render, texts)
        await chat.send_document(
            InputFile(content, filename=file_name(certificate)),
            caption=tr._(
                "🎓 Your certificate: {module}\nVerification code: <code>{code}</code>\n"
                "Anyone can check it with /verify {code}",
                module=title_of(tr, context.deps.catalogue, certificate.module_id),
                code=code,
            ),
        )
