"""The runtime's marks (:class:`bot.models.RuntimeMark`): a name and when it was last set.

- ``health``: written by every ``GET /health`` (:mod:`bot.runtime.ops`): a database that
  answers reads but refuses writes is not healthy;
- ``bot_started``: written by every start of the real bot (``python -m bot run`` with a
  token), which also proves the database takes writes before anything else runs; the
  simulator refuses a database with this mark (``bot.simulator.simulator``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import RuntimeMark

HEALTH = "health"
BOT_STARTED = "bot_started"


async def note(db: AsyncSession, name: str, now: datetime) -> None:
    """Sets the mark ``name`` to ``now`` (a real write, committed with ``db``)."""
    bind = db.get_bind()
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(RuntimeMark).values(name=name, at=now)
    await db.exec(
        statement.on_conflict_do_update(index_elements=["name"], set_={"at": statement.excluded.at})
    )


async def when(db: AsyncSession, name: str) -> datetime | None:
    """When the mark ``name`` was last set; None if never."""
    return (await db.exec(select(RuntimeMark.at).where(RuntimeMark.name == name))).first()
