"""Messages the bot sends on its own (reminders, notices, questions): each exactly once at most.

A delivery row is committed before the message goes out. If the bot dies in
between, that one message is lost rather than sent twice; a unique constraint
on (session, learner, kind, session start) stops a second sender.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import Deps
from bot.models import Delivery, Learner

log = logging.getLogger(__name__)


async def claim(
    deps: Deps, session_id: int, learner_id: int, kind: str, session_start: datetime
) -> int | None:
    """Records the intent to send; None when this message was already claimed or sent."""
    try:
        async with deps.database.session() as db:
            delivery = Delivery(
                session_id=session_id,
                learner_id=learner_id,
                kind=kind,
                session_start=session_start,
                created_at=deps.clock.now(),
            )
            db.add(delivery)
            await db.flush()
            return delivery.id
    except IntegrityError:
        return None


async def _finish(deps: Deps, delivery_id: int, status: str, learner_id: int) -> None:
    async with deps.database.session() as db:
        delivery = await db.get(Delivery, delivery_id)
        if delivery is not None:
            delivery.status = status
            if status == "sent":
                delivery.sent_at = deps.clock.now()
            db.add(delivery)
        if status == "unreachable":
            learner = await db.get(Learner, learner_id)
            if learner is not None:
                learner.reachable = False
                db.add(learner)


async def send_once(
    deps: Deps,
    bot: Bot,
    *,
    session_id: int,
    learner: Learner,
    kind: str,
    session_start: datetime,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> bool:
    """Sends ``text`` to the learner unless this (session, learner, kind, start) was sent.

    Returns True when the message went out. Learners without Telegram (walk-ins),
    erased ones and those who blocked the bot are skipped.
    """
    if learner.id is None or learner.telegram_id is None or not learner.reachable:
        return False
    delivery_id = await claim(deps, session_id, learner.id, kind, session_start)
    if delivery_id is None:
        return False
    try:
        await bot.send_message(learner.telegram_id, text, reply_markup=keyboard)
    except Forbidden:
        await _finish(deps, delivery_id, "unreachable", learner.id)
        return False
    except BadRequest as error:
        log.warning("%s not delivered (delivery %s): %s", kind, delivery_id, error.message)
        await _finish(deps, delivery_id, "failed", learner.id)
        return False
    except TelegramError as error:
        # Network trouble after the claim: we cannot know whether it arrived; keep
        # "sending" so it is never repeated, and say so in the log.
        log.warning("%s may not have arrived (delivery %s): %s", kind, delivery_id, error)
        return False
    await _finish(deps, delivery_id, "sent", learner.id)
    return True
