"""Answering a person: edit the message whose button was pressed or send a new one, answer
the button's spinner, and the two refusals every feature shares."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, NetworkError

log = logging.getLogger(__name__)


NOT_EDITABLE = (
    "message to edit not found",
    "can't be edited",
    "there is no text in the message to edit",
)
"""Telegram's refusals to edit the message of a button, answered with a new message."""


async def show(
    update: Update,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Edits the message whose button was pressed, or sends a new message.

    Network trouble that outlasted the retries of ``bot.runtime.request`` (a timeout: the message
    may well have arrived) is logged and the handler goes on, so that what it records is
    kept; the message is not sent again (it could arrive twice). Returns None then.
    """
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            edited = await query.edit_message_text(text, reply_markup=keyboard)
        except BadRequest as error:
            reason = str(error).lower()
            # Pressing the same button twice asks for the same content again.
            if "not modified" in reason:
                return None
            # The message is gone (the person deleted it), can no longer be edited, or has
            # no text (a file: only forged button data points there): the answer comes as a
            # new message instead.
            if not any(phrase in reason for phrase in NOT_EDITABLE):
                raise
            log.info("message of the button not edited (%s); sending a new one", error.message)
        except NetworkError as error:
            log.warning("edit not confirmed (%s); going on", type(error).__name__)
            return None
        else:
            return edited if isinstance(edited, Message) else None
    chat = update.effective_chat
    assert chat is not None
    try:
        return await chat.send_message(text, reply_markup=keyboard)
    except BadRequest:
        raise
    except NetworkError as error:
        log.warning("message not confirmed (%s); going on", type(error).__name__)
        return None


async def answer_query(update: Update, text: str | None = None, alert: bool = False) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        # An old query (for example after a restart) cannot be answered any more.
        log.debug("callback answer refused: %s", error.message)
    except NetworkError as error:
        # It may have arrived; the spinner stops by itself anyway.
        log.info("callback answer not confirmed (%s)", type(error).__name__)


async def drop_keyboard(update: Update) -> None:
    """Removes the buttons of the message whose button was pressed (they no longer fit)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        # Already without buttons, gone, or too old to edit: nothing more to remove.
        log.info("keyboard of the button not removed (%s)", error.message)
    except NetworkError as error:
        log.info("keyboard removal not confirmed (%s)", type(error).__name__)
