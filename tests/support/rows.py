"""What the database holds, read back for the tests' assertions."""

from __future__ import annotations

from sqlmodel import SQLModel, func, select
from sqlmodel.ext.asyncio.session import AsyncSession


async def count(db: AsyncSession, model: type[SQLModel]) -> int:
    """How many rows the table of ``model`` holds."""
    return int((await db.exec(select(func.count()).select_from(model))).one())
