"""``/checkin``: a learner checks in with the trainer's code, as ``/checkin CODE`` or
``/checkin`` and then the code alone (the text step "checkin")."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.handlers.attendance.data import CancelCheckin
from bot.handlers.common.entry import ANYONE, on_button, on_command, on_text
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.models import AttendanceStatus
from bot.runtime.context import BotContext
from bot.services import attendance, learners
from bot.services.attendance import CheckinOutcome, CheckinResult

CHECKIN = "checkin"
"""The text step (``learner.awaiting``) after ``/checkin`` without a code."""
KEEP_WAITING = (CheckinOutcome.WRONG, CheckinOutcome.EXPIRED, CheckinOutcome.MALFORMED)
MAX_CODE_TEXT = 100


def cancel_checkin_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return markup([[button(tr._("Cancel"), CancelCheckin())]])


def checkin_reply(tr: Translator, result: CheckinResult) -> str:
    outcome = result.outcome
    title = result.training.title if result.training is not None else ""
    late = result.status == AttendanceStatus.LATE
    if outcome == CheckinOutcome.CHECKED_IN and late:
        return tr._("✅ You are checked in: {title}. Welcome! (Recorded as late.)", title=title)
    if outcome == CheckinOutcome.CHECKED_IN:
        return tr._("✅ You are checked in: {title}. Welcome!", title=title)
    if outcome == CheckinOutcome.REUSED:
        return tr._("You are already checked in: {title}.", title=title)
    if outcome == CheckinOutcome.LINK_EXPIRED:
        return tr._(
            "This check-in QR code of {title} has expired. Scan the code on the trainer's "
            "screen again, or send /checkin with the code shown under it.",
            title=title,
        )
    if outcome == CheckinOutcome.LINK_INVALID:
        return tr._(
            "This check-in link is not valid. Scan the QR code on the trainer's screen, or "
            "send /checkin with the code shown under it."
        )
    if outcome == CheckinOutcome.CLOSED:
        return tr._("Check-in for {title} is not open. Ask the trainer.", title=title)
    if outcome == CheckinOutcome.EXPIRED:
        return tr._(
            "That code has expired. Ask the trainer for the current code and send it again."
        )
    if outcome == CheckinOutcome.MALFORMED:
        return tr._(
            "A check-in code has {length} letters and digits. Please send the code the trainer "
            "shows.",
            length=attendance.CODE_LENGTH,
        )
    if outcome == CheckinOutcome.NO_OPEN_CHECKIN:
        return tr._("There is no check-in open right now. Ask the trainer to open it.")
    if outcome == CheckinOutcome.LOCKED:
        until = result.locked_until
        return tr._(
            "Too many wrong codes. You can try again at {time}.",
            time=tr.time(until) if until else "",
        )
    if outcome == CheckinOutcome.NO_CONSENT:
        return tr._(
            "The code is right, but to be counted as present you need to agree to the privacy "
            "notice first: /privacy. Then send the code again."
        )
    return tr.ngettext(
        "That code is not right. Check it and try again ({n} try left).",
        "That code is not right. Check it and try again ({n} tries left).",
        result.tries_left,
    )


async def _check_in(update: Update, context: BotContext, current: Turn, text: str) -> None:
    result = await attendance.check_in(
        current.db,
        current.learner,
        text,
        context.deps.clock.now(),
        late_after=context.deps.settings.late_after,
    )
    tr = current.tr
    keep = result.outcome in KEEP_WAITING
    if keep:
        await learners.await_input(current.db, current.learner, CHECKIN)
    elif current.learner.awaiting == CHECKIN:
        await learners.await_input(current.db, current.learner, None)
    await show(
        update, checkin_reply(tr, result), cancel_checkin_keyboard(tr) if keep else None, edit=False
    )


@on_command("checkin", roles=ANYONE)
async def checkin_command(update: Update, context: BotContext, current: Turn) -> None:
    code = " ".join(context.args or [])
    if code:
        await _check_in(update, context, current, code[:MAX_CODE_TEXT])
        return
    tr = current.tr
    await learners.await_input(current.db, current.learner, CHECKIN)
    await show(
        update,
        tr._("Send the check-in code the trainer shows (5 letters and digits)."),
        cancel_checkin_keyboard(tr),
    )


@on_text(CHECKIN, roles=ANYONE)
async def receive_checkin_code(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await _check_in(update, context, current, message.text[:MAX_CODE_TEXT])


@on_button(CancelCheckin, roles=ANYONE)
async def cancel_checkin(
    update: Update, context: BotContext, current: Turn, data: CancelCheckin
) -> None:
    if current.learner.awaiting == CHECKIN:
        await learners.await_input(current.db, current.learner, None)
    await answer_query(update)
    await show(update, current.tr._("All right."))
