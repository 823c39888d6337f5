"""The code message in the trainer's chat, refreshed by a periodic task every tick (the code
changes every minute), and turned into a summary when the check-in window ends. The code
goes on being shown only to someone who still manages the session (``sessions.access``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.handlers.attendance.keyboards import closed_keyboard, code_keyboard
from bot.handlers.attendance.qr import checkin_link, qr_png
from bot.handlers.attendance.texts import closed_text, code_text
from bot.runtime.context import Deps
from bot.services import attendance, learners, roster, sessions

log = logging.getLogger(__name__)


async def edit_quietly(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    *,
    photo: bytes | None = None,
) -> bool:
    """Edits the code message the bot sent earlier: its QR code (``photo``: a new one) and
    caption, or its caption alone (a text message of an older version: its text); "not
    modified", a deleted message or a blocked bot are not errors here."""
    try:
        if photo is not None:
            await bot.edit_message_media(
                InputMediaPhoto(photo, caption=text, parse_mode=ParseMode.HTML),
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=keyboard,
            )
        else:
            try:
                await bot.edit_message_caption(
                    chat_id=chat_id, message_id=message_id, caption=text, reply_markup=keyboard
                )
            except BadRequest as error:
                if "no caption" not in error.message.lower():
                    raise
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
    photo: bytes | None = None
    replace: bool = False
    """The QR code must go: the message is deleted and the text sent anew."""
    shown: tuple[str, str] | None = None
    """What the message shows once edited: (the QR link's payload, the caption)."""


_SHOWN: dict[tuple[int, int], tuple[str, str]] = {}
"""What each open code message was last edited to show, in this process: a tick within the
same minute edits only a changed caption, and nothing when nothing changed, instead of
uploading the same QR code again (the trainer's screen would flicker). After a restart the
first tick replaces the photo once."""


def remember_shown(chat_id: int, message_id: int, payload: str, caption: str) -> None:
    """A code message just sent shows this QR link and caption."""
    _SHOWN[(chat_id, message_id)] = (payload, caption)


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
            photo: bytes | None = None
            replace = False
            if viewer is None or not await sessions.may_manage(
                db, viewer, deps.settings.admin_telegram_ids, training
            ):
                # Whoever opened check-in lost the session (a role or a scope taken away):
                # the code is no longer theirs to see.
                await attendance.set_code_message(db, training.id, None, None)
                text = tr._("You no longer manage this session; its check-in code is not shown.")
                keyboard = None
                replace = True
            elif still_open:
                text = code_text(tr, training, attended, now)
                keyboard = code_keyboard(tr, training.id)
                link = checkin_link(training, now)
                shown = _SHOWN.get((chat_id, message_id))
                if shown == (link.payload(), text):
                    continue
                if shown is None or shown[0] != link.payload():
                    photo = qr_png(link.url(bot.username))
                edits.append(
                    _Refresh(
                        chat_id, message_id, text, keyboard, photo, shown=(link.payload(), text)
                    )
                )
                continue
            else:
                text = closed_text(tr, training, attended)
                keyboard = closed_keyboard(tr, training.id)
            _SHOWN.pop((chat_id, message_id), None)
            edits.append(_Refresh(chat_id, message_id, text, keyboard, photo, replace))
    for edit in edits:
        if edit.replace:
            await _replace(bot, edit)
            continue
        done = await edit_quietly(
            bot, edit.chat_id, edit.message_id, edit.text, edit.keyboard, photo=edit.photo
        )
        if done and edit.shown is not None:
            _SHOWN[(edit.chat_id, edit.message_id)] = edit.shown


async def _replace(bot: Bot, edit: _Refresh) -> None:
    """Deletes a code message whose QR code may no longer be shown, and says why."""
    try:
        await bot.delete_message(edit.chat_id, edit.message_id)
        await bot.send_message(edit.chat_id, edit.text)
    except TelegramError as error:
        log.info("check-in message %s not replaced: %s", edit.message_id, error)
