"""``/verify CODE``: anyone checks a certificate's code (typed after ``/verify`` alone, too);
the certificate's QR code opens the same answer through its link (``/start v_<code>``), for
anyone, before any onboarding and with nothing stored about who asks."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.content.catalogue import Catalogue
from bot.handlers.certificates.data import CancelVerify
from bot.handlers.certificates.document import title_of
from bot.handlers.certificates.naming import MAX_LABEL
from bot.handlers.common.deep_links import VerifyLink
from bot.handlers.common.entry import ANYONE, on_button, on_command, on_text
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.routes import Visitor
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import certificates, learners
from bot.services.certificates import Status, Verification

VERIFY = "verify"
"""Text step after ``/verify`` without a code."""
MAX_TYPED = 100


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
    module = title_of(tr, catalogue, result.module_id)
    if result.status == Status.REPLACED:
        return tr._(
            "⚠️ <b>Replaced certificate</b>\n\n"
            "The certificate <code>{code}</code> ({module}, issued on {issued}) was replaced on "
            "{replaced} by a new one with a corrected name. This code is no longer valid.",
            code=code,
            module=module,
            issued=tr.date(result.issued_at),
            replaced=tr.date(result.revoked_at) if result.revoked_at else "",
        )
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


async def answer_code(update: Update, context: BotContext, current: Turn, typed: str) -> None:
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


@on_command("verify", roles=ANYONE)
async def verify_command(update: Update, context: BotContext, current: Turn) -> None:
    typed = " ".join(context.args or [])[:MAX_TYPED]
    if typed:
        await answer_code(update, context, current, typed)
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


@on_text(VERIFY, roles=ANYONE)
async def receive_code(update: Update, context: BotContext, current: Turn) -> None:
    """A code typed after ``/verify`` alone, or after an unknown one."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await answer_code(update, context, current, message.text[:MAX_TYPED])


@on_button(CancelVerify, roles=ANYONE)
async def cancel_verify(
    update: Update, context: BotContext, current: Turn, data: CancelVerify
) -> None:
    if current.learner.awaiting == VERIFY:
        await learners.await_input(current.db, current.learner, None)
    await answer_query(update)
    await show(update, current.tr._("All right."))


async def open_verify_link(
    update: Update, context: BotContext, visitor: Visitor, link: VerifyLink
) -> None:
    """``/start v_<code>``: the certificate's QR code, scanned by anyone."""
    result = await certificates.verify(visitor.db, link.code)
    await show(
        update,
        verification_text(visitor.tr, context.deps.catalogue, result, link.code),
        edit=False,
    )
