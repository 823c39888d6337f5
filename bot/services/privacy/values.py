"""The values of the ``/mydata`` file: dates as ISO text, stored JSON read back, the rows of a
query, the sessions a section names."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.models import TrainingSession

Row = TypeVar("Row")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def parsed_json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


async def all_rows(db: AsyncSession, query: SelectOfScalar[Row]) -> Sequence[Row]:
    return (await db.exec(query)).all()


async def session_titles(db: AsyncSession, session_ids: set[int]) -> dict[int, TrainingSession]:
    if not session_ids:
        return {}
    found = await all_rows(
        db, select(TrainingSession).where(col(TrainingSession.id).in_(session_ids))
    )
    return {training.id or 0: training for training in found}
