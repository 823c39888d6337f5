"""Who may manage a session: the one check of the trainer's screens (sessions, attendance)."""

from __future__ import annotations

from bot.handlers.common.entry import refusal_of
from bot.handlers.common.turn import Turn
from bot.models import Role, TrainingSession
from bot.runtime.context import BotContext
from bot.services import sessions
from bot.services.sessions import SessionError

MANAGERS = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
"""Who may schedule sessions and take attendance (for their own sessions, or in their scope)."""


async def managed_training(context: BotContext, current: Turn, training_id: int) -> TrainingSession:
    """The session, if the person may manage it; else raises :class:`Stale` (there is no
    such session) or :class:`NotAllowed`, which the declared handlers answer."""
    try:
        return await sessions.managed(
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
