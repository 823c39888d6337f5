"""Group chats: the bot answers once per group (a note and a link to its private chat) and
otherwise stays silent there. Only the group's chat id is kept, and when it was answered;
nothing about its members."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import GroupGreeting


async def greet_once(db: AsyncSession, chat_id: int, now: datetime) -> bool:
    """True the first time for this group (since the bot was last added to it): the caller
    answers; the row is written in the caller's transaction."""
    if await db.get(GroupGreeting, chat_id) is not None:
        return False
    db.add(GroupGreeting(chat_id=chat_id, greeted_at=now))
    await db.flush()
    return True


async def forget(db: AsyncSession, chat_id: int) -> None:
    """The bot left the group (or was removed): if it is added again, it answers again."""
    await db.exec(sa.delete(GroupGreeting).where(col(GroupGreeting.chat_id) == chat_id))
