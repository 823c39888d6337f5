"""The coordinator's summary: once nothing of an announcement is pending or on its way, the
announcement is done and its author hears how it went."""

from __future__ import annotations

import html
import logging

import sqlalchemy as sa
from sqlmodel import col, select
from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from bot.models import Announcement, Learner, OutboxMessage
from bot.runtime.context import Deps
from bot.runtime.outbox.pacing import Pacer, retry_seconds
from bot.runtime.outbox.sending import DrainReport, send
from bot.services.announcements import DONE, PENDING, SENDING, DeliveryCounts, delivery_counts

log = logging.getLogger("bot.runtime.outbox")

SUMMARY_RETRIES = 3
SNIPPET = 60
"""Characters of the announcement quoted in the summary."""


def summary_text(
    deps: Deps, author: Learner, announcement: Announcement, counts: DeliveryCounts
) -> str:
    tr = deps.translator_for(author)
    snippet = html.unescape(announcement.text).replace("\n", " ")
    if len(snippet) > SNIPPET:
        snippet = snippet[: SNIPPET - 1] + "…"
    lines = [
        tr._("📣 <b>Your announcement has been sent.</b>"),
        tr._("“{snippet}”", snippet=snippet),
        "",
        tr._("✅ Delivered: {count}", count=counts.sent),
        tr._("🚫 Not reachable (blocked the bot or left): {count}", count=counts.unreachable),
        tr._("⚠️ Failed: {count}", count=counts.failed),
    ]
    if counts.unknown:
        lines.append(
            tr._(
                "❔ Not confirmed (the bot restarted while sending; not sent again): {count}",
                count=counts.unknown,
            )
        )
    return "\n".join(lines)


async def send_summary(deps: Deps, bot: Bot, pacer: Pacer, announcement_id: int) -> None:
    async with deps.database.session() as db:
        announcement = await db.get(Announcement, announcement_id)
        if announcement is None or announcement.report_chat_id is None:
            return
        author = await db.get(Learner, announcement.created_by)
        if author is None or author.erased_at is not None or author.telegram_id is None:
            return
        counts = await delivery_counts(db, announcement_id)
        text = summary_text(deps, author, announcement, counts)
        chat_id = announcement.report_chat_id
    for _ in range(SUMMARY_RETRIES):
        await pacer.slot(chat_id)
        await pacer.gate(chat_id)
        try:
            await send(bot, chat_id, text)
        except RetryAfter as error:
            pacer.pause(retry_seconds(error))
            continue
        except TelegramError as error:
            log.info(
                "outbox: summary of announcement %d not delivered: %s",
                announcement_id,
                type(error).__name__,
            )
        return


async def finish_announcements(deps: Deps, bot: Bot, pacer: Pacer, report: DrainReport) -> None:
    """Announcements with nothing pending or on its way: done, and the summary goes out
    (once: the announcement is marked done before the summary is sent)."""
    open_rows = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.announcement_id) == col(Announcement.id),
            col(OutboxMessage.status).in_((PENDING, SENDING)),
        )
        .exists()
    )
    async with deps.database.session() as db:
        result = await db.exec(
            select(col(Announcement.id)).where(col(Announcement.status) == SENDING, ~open_rows)
        )
        candidates = [announcement_id for announcement_id in result.all() if announcement_id]
    for announcement_id in candidates:
        async with deps.database.session() as db:
            claimed = await db.exec(
                sa.update(Announcement)
                .where(col(Announcement.id) == announcement_id, col(Announcement.status) == SENDING)
                .values(status=DONE, finished_at=deps.clock.now())
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                continue
        report.finished.append(announcement_id)
        await send_summary(deps, bot, pacer, announcement_id)
