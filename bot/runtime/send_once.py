"""Messages the bot sends on its own (reminders, notices, questions): each exactly once at most.

A delivery row is committed before the message goes out. If the bot dies in
between, that one message is lost rather than sent twice; a unique constraint
on (session, learner, kind, session start) stops a second sender. When Telegram
certainly did not take the message (429, a 502 from its front end, no connection),
the row is removed again, so the next round of background work sends it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.models import Delivery, Learner
from bot.runtime.context import Deps
from bot.runtime.outbox import certainly_not_sent
from bot.services import learners

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


async def _release(deps: Deps, delivery_id: int) -> None:
    """Forgets a claim whose message certainly did not go out: it is tried again later."""
    async with deps.database.session() as db:
        await db.exec(delete(Delivery).where(Delivery.id == delivery_id))  # type: ignore[arg-type]


async def _finish(deps: Deps, delivery_id: int, status: str, learner_id: int) -> None:
    async with deps.database.session() as db:
        delivery = await db.get(Delivery, delivery_id)
        if delivery is not None:
            delivery.status = status
            if status == "sent":
                delivery.sent_at = deps.clock.now()
            db.add(delivery)
        if status == "unreachable":
            await learners.mark_unreachable(db, learner_id=learner_id)


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
    except (RetryAfter, NetworkError) as error:
        if isinstance(error, RetryAfter) or certainly_not_sent(error):
            log.info(
                "%s not sent (delivery %s, %s); trying again later",
                kind,
                delivery_id,
                type(error).__name__,
            )
            await _release(deps, delivery_id)
            return False
        log.warning("%s may not have arrived (delivery %s): %s", kind, delivery_id, error)
        return False
    except TelegramError as error:
        # Network trouble after the claim: we cannot know whether it arrived; keep
        # "sending" so it is never repeated, and say so in the log.
        log.warning("%s may not have arrived (delivery %s): %s", kind, delivery_id, error)
        return False
    await _finish(deps, delivery_id, "sent", learner.id)
    return True
