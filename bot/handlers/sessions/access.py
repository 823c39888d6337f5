"""Who may see and manage a session: the trainer's screens (sessions, attendance) ask the one
rule of the services (:mod:`bot.services.sessions.access`) through these helpers."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common.entry import NotAllowed, holds, refusal_of, refuse
from bot.handlers.common.turn import Turn
from bot.models import Role, TrainingSession
from bot.runtime.context import BotContext
from bot.services import drafts, sessions
from bot.services.sessions import SessionAccess, SessionError

MANAGERS = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
"""Who may schedule sessions and take attendance (for their own sessions, or in their scope)."""


async def managed_training(context: BotContext, current: Turn, training_id: int) -> TrainingSession:
    """The session, if the person may manage it; else raises :class:`Stale` (there is no
    such session) or :class:`NotAllowed`, which the declared handlers answer."""
    return (await managed_access(context, current, training_id)).training


async def managed_access(context: BotContext, current: Turn, training_id: int) -> SessionAccess:
    """As :func:`managed_training`, with the access (for the roster)."""
    found = await seen_training(context, current, training_id)
    if not found.manages:
        raise NotAllowed
    return found


async def seen_training(context: BotContext, current: Turn, training_id: int) -> SessionAccess:
    """The session and how far the person reaches into it, if they see it at all; else
    raises :class:`Stale` or :class:`NotAllowed`."""
    try:
        return await sessions.seen(
            current.db,
            current.learner,
            training_id,
            admin_ids=context.deps.settings.admin_telegram_ids,
        )
    except SessionError as error:
        refusal = refusal_of(error)
        if refusal is None:
            raise
        raise refusal from None


async def end_conversation(current: Turn, conversation: str) -> None:
    """How a trainer's conversation ends for someone who may no longer be in it."""
    await drafts.end_conversation(current.db, current.learner, conversation)


async def keeps_role(update: Update, context: BotContext, current: Turn, conversation: str) -> bool:
    """For a typed answer in a trainer's conversation: True while the person holds a trainer's
    role; else the conversation ends and they are told that they may not."""
    if await holds(context, current, MANAGERS):
        return True
    await end_conversation(current, conversation)
    await refuse(update, current, NotAllowed())
    return False
