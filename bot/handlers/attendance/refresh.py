"""The code message in the trainer's chat, refreshed by a periodic task every tick (the code
changes every minute), and turned into a summary when the check-in window ends. The code
goes on being shown only to someone who still manages the session (``sessions.access``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.handlers.attendance.keyboards import closed_keyboard, code_keyboard
from bot.handlers.attendance.texts import closed_text, code_text
from bot.runtime.context import Deps
from bot.services import attendance, learners, roster, sessions

log = logging.getLogger(__name__)


async def edit_quietly(
    bot: Bot, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None
) -> bool:
    """Edits a message the bot sent earlier; "not modified", a deleted message or a blocked
    bot are not errors here."""
    try:
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            # The message only: a chat id is the trainer's Telegram id.
            log.info("check-in message %s not edited: %s", message_id, error.message)
        return False
    except Forbidden as error:
        log.info("check-in message %s not edited: %s", message_id, error.message)
        return False
    except TelegramError as error:
        log.warning("check-in message %s not edited: %s", message_id, error)
        return False
    return True


@dataclass(frozen=True)
class _Refresh:
    chat_id: int
    message_id: int
    text: str
    keyboard: InlineKeyboardMarkup | None


async def refresh_checkin_codes(deps: Deps, bot: Bot) -> None:
    """Shows the current code in every open check-in's message; closes those whose window
    ended (or whose session was cancelled) and says so in their message."""
    now = deps.clock.now()
    edits: list[_Refresh] = []
    async with deps.database.session() as db:
        for training in await attendance.sessions_to_refresh(db):
            assert training.id is not None
            still_open = attendance.is_open(training, now)
            if not still_open:
                await attendance.close_checkin(db, None, training.id, now)
            chat_id, message_id = training.checkin_chat_id, training.checkin_message_id
            if chat_id is None or message_id is None:
                continue
            viewer = await learners.find(db, chat_id)
            tr = deps.translator_for(viewer)
            attended = (await roster.counts(db, training.id)).attended
            keyboard: InlineKeyboardMarkup | None
            if viewer is None or not await sessions.may_manage(
                db, viewer, deps.settings.admin_telegram_ids, training
            ):
                # Whoever opened check-in lost the session (a role or a scope taken away):
                # the code is no longer theirs to see.
                await attendance.set_code_message(db, training.id, None, None)
                text = tr._("You no longer manage this session; its check-in code is not shown.")
                keyboard = None
            elif still_open:
                text = code_text(tr, training, attended, now)
                keyboard = code_keyboard(tr, training.id)
            else:
                text = closed_text(tr, training, attended)
                keyboard = closed_keyboard(tr, training.id)
            edits.append(_Refresh(chat_id, message_id, text, keyboard))
    for edit in edits:
        await edit_quietly(bot, edit.chat_id, edit.message_id, edit.text, edit.keyboard)
