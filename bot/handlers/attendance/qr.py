"""The check-in QR code: the trainer's code message shows it (a PNG made with segno) with the
typed code under it; a phone camera opens its deep link (:class:`CheckinLink`), which checks
the person in. The link changes with the typed code, every minute; each stays good for
``attendance.LINK_VALID_MINUTES``."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import Update

from bot.handlers.attendance.checkin import CHECKIN, checkin_reply
from bot.handlers.common.deep_links import CheckinLink
from bot.handlers.common.replies import show
from bot.handlers.common.turn import Turn
from bot.models import TrainingSession
from bot.runtime.context import BotContext
from bot.services import attendance, learners

if TYPE_CHECKING:
    import segno

QR_SCALE = 10
"""Pixels per module: the link makes a version-5 code (37 modules), 450 pixels wide with its
border (a PNG of about 0.7 KB): sharp on a projector, within what Telegram keeps of a photo."""


def checkin_link(training: TrainingSession, now: datetime) -> CheckinLink:
    """The link of the current minute."""
    assert training.id is not None
    minute = attendance.minute_of(now)
    return CheckinLink.of(training.id, minute, attendance.link_token(training, minute))


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M, for a camera at a distance)."""
    import segno  # on first use: not every run shows a QR code (tests/test_startup_imports.py)

    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=QR_SCALE, border=4)
    return out.getvalue()


async def open_checkin_link(
    update: Update, context: BotContext, current: Turn, link: CheckinLink
) -> None:
    """``/start c_…``: someone scanned the QR code (and, if new, was onboarded first)."""
    tr = current.tr
    parts = link.parts()
    if parts is None:
        await show(update, tr._("This link is not valid."), edit=False)
        return
    session_id, minute, token = parts
    result = await attendance.check_in_by_link(
        current.db,
        current.learner,
        session_id,
        minute,
        token,
        context.deps.clock.now(),
        late_after=context.deps.settings.late_after,
    )
    if current.learner.awaiting == CHECKIN:
        await learners.await_input(current.db, current.learner, None)
    await show(update, checkin_reply(tr, result), edit=False)
