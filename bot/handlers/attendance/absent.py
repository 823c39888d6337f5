""" "Mark the rest absent": once the session has begun, everyone registered and not marked
yet becomes absent, after a confirmation that names how many. A confirmation tapped after
the roster changed (someone checked in meanwhile) asks again with the new number; tapped
again once done, it marks nobody and says so."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.handlers.attendance.data import AskRestAbsent, ConfirmRestAbsent, OpenAttendance
from bot.handlers.attendance.texts import error_text
from bot.handlers.common.entry import on_button
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, managed_training
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import attendance
from bot.services.attendance import AttendanceError, Reason


def confirm_keyboard(tr: Translator, session_id: int, count: int) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(
                    tr.ngettext(
                        "Yes, mark {n} person absent", "Yes, mark {n} people absent", count
                    ),
                    ConfirmRestAbsent(session_id, count),
                )
            ],
            [button(tr._("« Attendance"), OpenAttendance(session_id))],
        ]
    )


def back_keyboard(tr: Translator, session_id: int) -> InlineKeyboardMarkup:
    return markup([[button(tr._("« Attendance"), OpenAttendance(session_id))]])


async def _ask(
    update: Update, context: BotContext, current: Turn, session_id: int, changed: bool
) -> None:
    tr = current.tr
    training = await managed_training(context, current, session_id)
    now = context.deps.clock.now()
    if training.cancelled_at is not None or now < training.starts_at:
        reason = Reason.CANCELLED if training.cancelled_at is not None else Reason.NOT_STARTED
        await answer_query(update, error_text(tr, AttendanceError(reason), training), alert=True)
        return
    rest = len(await attendance.unmarked(current.db, session_id))
    await answer_query(update)
    if rest == 0:
        await show(
            update,
            tr._("Everyone registered for {title} is marked already.", title=training.title),
            back_keyboard(tr, session_id),
        )
        return
    question = tr.ngettext(
        "Mark the {n} registered person who is not marked yet as absent from {title}?",
        "Mark the {n} registered people who are not marked yet as absent from {title}?",
        rest,
        title=training.title,
    )
    if changed:
        question = tr._("The roster changed meanwhile.") + "\n" + question
    await show(update, question, confirm_keyboard(tr, session_id, rest))


@on_button(AskRestAbsent, roles=MANAGERS)
async def ask_rest_absent(
    update: Update, context: BotContext, current: Turn, data: AskRestAbsent
) -> None:
    await _ask(update, context, current, data.session_id, changed=False)


@on_button(ConfirmRestAbsent, roles=MANAGERS)
async def confirm_rest_absent(
    update: Update, context: BotContext, current: Turn, data: ConfirmRestAbsent
) -> None:
    training = await managed_training(context, current, data.session_id)
    tr = current.tr
    rest = len(await attendance.unmarked(current.db, data.session_id))
    if rest == 0:
        await answer_query(update, tr._("Nobody is left to mark."), alert=True)
        await show(
            update,
            tr._("Everyone registered for {title} is marked already.", title=training.title),
            back_keyboard(tr, data.session_id),
        )
        return
    if rest != data.count:
        await _ask(update, context, current, data.session_id, changed=True)
        return
    try:
        marked = await attendance.mark_rest_absent(
            current.db,
            current.learner,
            data.session_id,
            context.deps.clock.now(),
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except AttendanceError as error:
        await answer_query(update, error_text(tr, error, training), alert=True)
        return
    await answer_query(update)
    await show(
        update,
        tr.ngettext(
            "{n} person was marked absent from {title}.",
            "{n} people were marked absent from {title}.",
            marked,
            title=training.title,
        ),
        back_keyboard(tr, data.session_id),
    )
