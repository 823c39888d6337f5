"""The trainer's attendance panel: ``/attendance`` (today's sessions), the panel of one
session, and opening and closing check-in."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import NetworkError

from bot.handlers.attendance.data import CloseCheckin, OpenAttendance, OpenCheckin
from bot.handlers.attendance.keyboards import closed_keyboard, code_keyboard, panel_keyboard
from bot.handlers.attendance.qr import checkin_link, qr_png
from bot.handlers.attendance.refresh import edit_quietly, remember_shown
from bot.handlers.attendance.texts import closed_text, code_text, error_text, panel_text
from bot.handlers.common.entry import on_button, on_command
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, managed_training
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import attendance, roster, sessions
from bot.services.attendance import AttendanceError

log = logging.getLogger(__name__)


async def show_panel(
    update: Update, context: BotContext, current: Turn, training: TrainingSession, *, edit: bool
) -> None:
    assert training.id is not None
    now = context.deps.clock.now()
    tr = current.tr
    counts = await roster.counts(current.db, training.id)
    await show(
        update, panel_text(tr, training, counts, now), panel_keyboard(tr, training, now), edit=edit
    )


async def send_code_message(
    context: BotContext,
    update: Update,
    caption: str,
    keyboard: InlineKeyboardMarkup,
    png: bytes,
) -> Message | None:
    """The code message: the QR code as a photo, the typed code in its caption. Network
    trouble after the retries is logged (it may have arrived: not sent again)."""
    chat = update.effective_chat
    assert chat is not None
    try:
        return await context.bot.send_photo(
            chat.id, png, caption=caption, reply_markup=keyboard, filename="checkin.png"
        )
    except NetworkError as error:
        log.warning("check-in code message may not have arrived: %s", error)
        return None


@on_command("attendance", roles=MANAGERS)
async def attendance_command(update: Update, context: BotContext, current: Turn) -> None:
    """``/attendance``: today's sessions of the user (and any whose check-in window is now)."""
    tr = current.tr
    now = context.deps.clock.now()
    today = now.astimezone(tr.zone).date()
    day_start = datetime.combine(today, time(0), tzinfo=tr.zone)
    day_end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tr.zone)
    admin_ids = context.deps.settings.admin_telegram_ids
    found = [
        training
        for training in await attendance.sessions_around(current.db, day_start, day_end, now)
        if await sessions.may_manage(current.db, current.learner, admin_ids, training)
    ]
    if not found:
        await show(update, tr._("You have no sessions today. /sessions lists all of them."))
        return
    grid = [
        [
            button(
                tr._("{time} · {title}", time=tr.time(training.starts_at), title=training.title),
                OpenAttendance(training.id),
            )
        ]
        for training in found
        if training.id is not None
    ]
    await show(update, tr._("<b>Attendance</b>\nChoose a session:"), markup(grid))


@on_button(OpenAttendance, roles=MANAGERS)
async def open_attendance(
    update: Update, context: BotContext, current: Turn, data: OpenAttendance
) -> None:
    training = await managed_training(context, current, data.session_id)
    await answer_query(update)
    await show_panel(update, context, current, training, edit=True)


@on_button(OpenCheckin, roles=MANAGERS)
async def open_checkin(
    update: Update, context: BotContext, current: Turn, data: OpenCheckin
) -> None:
    training = await managed_training(context, current, data.session_id)
    tr, now = current.tr, context.deps.clock.now()
    try:
        await attendance.open_checkin(
            current.db,
            current.learner,
            data.session_id,
            now,
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except AttendanceError as error:
        await answer_query(update, error_text(tr, error, training), alert=True)
        return
    await answer_query(update)
    old_chat, old_message = training.checkin_chat_id, training.checkin_message_id
    counts = await roster.counts(current.db, data.session_id)
    caption, link = code_text(tr, training, counts.attended, now), checkin_link(training, now)
    sent = await send_code_message(
        context,
        update,
        caption,
        code_keyboard(tr, data.session_id),
        qr_png(link.url(context.bot.username)),
    )
    if sent is not None:
        remember_shown(sent.chat_id, sent.message_id, link.payload(), caption)
        await attendance.set_code_message(
            current.db, data.session_id, sent.chat_id, sent.message_id
        )
    query = update.callback_query
    if query is not None and query.message is not None:
        # Tapped on the panel: it now offers "Show the code" and "Close check-in".
        await show_panel(update, context, current, training, edit=True)
    if old_chat is not None and old_message is not None:
        await edit_quietly(
            context.bot,
            old_chat,
            old_message,
            tr._("The check-in code is shown in a newer message."),
            None,
        )


@on_button(CloseCheckin, roles=MANAGERS)
async def close_checkin(
    update: Update, context: BotContext, current: Turn, data: CloseCheckin
) -> None:
    training = await managed_training(context, current, data.session_id)
    tr, now = current.tr, context.deps.clock.now()
    await attendance.close_checkin(
        current.db,
        current.learner,
        data.session_id,
        now,
        admin_ids=context.deps.settings.admin_telegram_ids,
    )
    counts = await roster.counts(current.db, data.session_id)
    await answer_query(update, tr._("Check-in closed."))
    chat, message = training.checkin_chat_id, training.checkin_message_id
    query_message = update.callback_query.message if update.callback_query else None
    if chat is not None and message is not None:
        await edit_quietly(
            context.bot,
            chat,
            message,
            closed_text(tr, training, counts.attended),
            closed_keyboard(tr, data.session_id),
        )
    if query_message is None or query_message.message_id != message:
        await show_panel(update, context, current, training, edit=True)
