"""``/certificates``: the learner's certificates, each to be sent again, and the modules
passed without one yet."""

from __future__ import annotations

import html

from telegram import Update

from bot.content.catalogue import plain_text
from bot.handlers.certificates.data import (
    CertificateName,
    CorrectName,
    NameAction,
    SendCertificate,
)
from bot.handlers.certificates.document import send_certificate, title_of
from bot.handlers.certificates.naming import MAX_LABEL
from bot.handlers.common.entry import ANYONE, Stale, on_button, on_command
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.runtime.context import BotContext
from bot.services import certificates, learners


@on_command("certificates", roles=ANYONE)
async def certificates_command(update: Update, context: BotContext, current: Turn) -> None:
    tr, learner = current.tr, current.learner
    catalogue = context.deps.catalogue
    issued = await certificates.list_for(current.db, learner)
    pending = await certificates.pending_modules(current.db, learner)
    pending_modules = [m for m in catalogue.modules if m.id in pending]
    if not issued and not pending_modules:
        lines = [tr._("You have no certificates yet. Pass a module's quiz (/lessons) to get one.")]
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
        title = title_of(tr, catalogue, certificate.module_id)
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
        # One row each: side by side, both labels were cut to a few letters on a phone.
        grid.append([button("📄 " + shorten(title, MAX_LABEL), SendCertificate(certificate.id))])
        grid.append([button(tr._("✏️ Correct the name"), CorrectName(certificate.id))])
    for module in pending_modules:
        title = plain_text(module.text(tr.language_code).title)
        lines += [
            "",
            tr._("🎓 <b>{module}</b>: passed, certificate not yet issued", module=title),
        ]
        grid.append(
            [
                button(
                    html.unescape(tr._("🎓 Get it: {module}", module=shorten(title, MAX_LABEL))),
                    CertificateName(module.id, NameAction.ASK),
                )
            ]
        )
    await show(update, "\n".join(lines), markup(grid))


@on_button(SendCertificate, roles=ANYONE)
async def resend(update: Update, context: BotContext, current: Turn, data: SendCertificate) -> None:
    certificate = await certificates.get_for(current.db, current.learner, data.certificate_id)
    if certificate is None or certificate.revoked_at is not None:
        raise Stale
    await answer_query(update)
    await send_certificate(update, context, current, certificate)
