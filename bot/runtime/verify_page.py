"""The certificate's page on the ops server, ``GET /verify/<code>``: valid, revoked,
replaced (by a corrected certificate) or unknown, in the certificate's language, with the
holder's printed name (only while it is valid), the module, the date and the issuer; nothing
more. Nothing about who asks is recorded (the ops server keeps no access log)."""

from __future__ import annotations

import html

from bot.config import Settings
from bot.content.catalogue import Catalogue, plain_text
from bot.i18n.translator import Translator, Translators
from bot.services.certificate_pdf import brand, localized
from bot.services.certificates import Status, Verification, format_code

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
    "color:#212529}h1{font-size:1.5rem}.genuine{color:#1e7b34}.revoked,.replaced,.unknown"
    "{color:#a61b1b}dt{color:#5f6870;margin-top:.8rem}dd{margin:0;font-weight:600}"
)


def _issuer(tr: Translator, settings: Settings) -> str:
    # The same words as the certificate's head: the issuing organisation, else the brand.
    return localized(settings.certificate_issuer, tr.language_code) or brand(tr.language_code)


def _heading(tr: Translator, status: Status) -> str:
    if status == Status.GENUINE:
        return tr._("✅ Genuine certificate")
    if status == Status.REVOKED:
        return tr._("❌ Revoked certificate")
    if status == Status.REPLACED:
        return tr._("⚠️ Replaced certificate")
    return tr._("❓ Unknown code")


def _summary(tr: Translator, result: Verification) -> str | None:
    when = tr.date(result.revoked_at) if result.revoked_at else ""
    if result.status == Status.REVOKED:
        return tr._("This certificate was revoked on {date}. It is no longer valid.", date=when)
    if result.status == Status.REPLACED:
        return tr._(
            "This certificate was replaced on {date} by a new one with a corrected name. This "
            "code is no longer valid.",
            date=when,
        )
    if result.status == Status.UNKNOWN:
        return tr._("There is no certificate with this code.")
    return None


def page(
    result: Verification, translators: Translators, catalogue: Catalogue, settings: Settings
) -> str:
    """The whole HTML page."""
    tr = translators(result.language or settings.default_language)
    rows: list[tuple[str, str]] = []
    if result.code is not None and result.status != Status.UNKNOWN:
        rows.append((tr._("Verification code"), format_code(result.code)))
    if result.status == Status.GENUINE and result.name:
        rows.append((tr._("Issued to"), result.name))
    if result.module_id is not None:
        module = catalogue.get(result.module_id)
        title = plain_text(module.text(tr.language_code).title) if module else result.module_id
        rows.append((tr._("Module"), title))
    if result.issued_at is not None:
        rows.append((tr._("Issued on"), tr.date(result.issued_at)))
    if result.status != Status.UNKNOWN:
        rows.append((tr._("Issued by"), _issuer(tr, settings)))
    summary = _summary(tr, result)
    title = tr._("Certificate check")
    details = "".join(
        f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>" for label, value in rows
    )
    parts = [
        "<!doctype html>",
        f'<html lang="{html.escape(tr.language_code)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>",
        f'<body><h1 class="{result.status.value}">{html.escape(_heading(tr, result.status))}</h1>',
    ]
    if summary:
        # The translator escaped the values; the sentence itself holds no markup.
        parts.append(f"<p>{summary}</p>")
    if details:
        parts.append(f"<dl>{details}</dl>")
    parts.append("</body></html>")
    return "\n".join(parts)
