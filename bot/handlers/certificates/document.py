"""The certificate as a file: the PDF's texts in the certificate's own language, and the
message that carries it."""

from __future__ import annotations

import html

from babel.dates import format_date
from telegram import InputFile, Update

from bot.content.catalogue import Catalogue
from bot.handlers.common.texts import module_title
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.models import Certificate
from bot.runtime.context import BotContext
from bot.services import certificates
from bot.services.certificate_pdf import CertificateTexts, render

ISSUER = "Kapacitet"


def title_of(tr: Translator, catalogue: Catalogue, module_id: str) -> str:
    """The module's title as plain text; its id once the module is gone from the content."""
    return module_title(tr, catalogue, module_id) or module_id


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
    texts = certificate_texts(
        context.deps.translator_for(current.learner, certificate.language),
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
            module=title_of(tr, context.deps.catalogue, certificate.module_id),
            code=code,
        ),
    )
