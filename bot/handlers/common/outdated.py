"""Buttons about a training session shown before the session changed: what is true now.

A button's data says which session it is about and what it does with it
(:meth:`~bot.handlers.common.callback_data.CallbackData.about_training`); the declaration of
every button (``bot.handlers.common.entry``) asks :func:`outdated_text` before the feature
runs, and answers a tap on an outdated button with this text instead, removing its keyboard.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.handlers.common.callback_data import AboutTraining, CallbackData
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import session_state, sessions
from bot.services.session_state import Outdated, Why


async def outdated_text(context: BotContext, current: Turn, about: AboutTraining) -> str | None:
    """What is true now of the session of a button that no longer fits it; None while it
    does. Raises the service's ``not-found`` / ``not-allowed`` for a session the person does
    not manage (the declaration refuses those), so nothing is told about others' sessions."""
    # Every use is a manager's (attendance, check-in, changes): someone who only sees the
    # session, e.g. a coordinator of another organisation, is refused before anything about
    # it (that it started, moved or was cancelled) is told.
    training = await sessions.managed(
        current.db,
        current.learner,
        about.session_id,
        admin_ids=context.deps.settings.admin_telegram_ids,
    )
    state = await session_state.outdated(
        current.db, training, about.use, context.deps.clock.now(), about.shown_version
    )
    return None if state is None else why_text(current.tr, state)


def why_text(tr: Translator, state: Outdated) -> str:
    training = state.training
    if state.why == Why.CANCELLED:
        assert training.cancelled_at is not None
        return tr._("This session was cancelled on {date}.", date=tr.date(training.cancelled_at))
    if state.why == Why.MOVED:
        return tr._("This session was moved to {when}.", when=tr.date_time(training.starts_at))
    if state.why == Why.STARTED:
        return tr._("This session has already started.")
    return tr._("This session has ended.")


def keyboard_only_about(update: Update, session_id: int) -> bool:
    """Whether the buttons of the tapped message are about no other session than
    ``session_id``: those go with it; a list of several sessions (``/attendance``) stays."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    registered = CallbackData.registered()
    for row in message.reply_markup.inline_keyboard:
        for key in row:
            data = key.callback_data if isinstance(key.callback_data, str) else ""
            kind = registered.get(data.partition(":")[0])
            decoded = kind.decode(data) if kind is not None else None
            about = decoded.about_training() if decoded is not None else None
            if about is not None and about.session_id != session_id:
                return False
    return True
