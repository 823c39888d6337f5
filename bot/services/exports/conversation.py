"""The ``/export`` conversation kept between taps and typed answers (a Draft of kind
``export``), so that it survives a restart; while a step waits for typed text, the learner
awaits the text step ``export``."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner
from bot.services import drafts, learners
from bot.services.indicators import period_between, period_named
from bot.services.scope import Filters, Period

KIND = "export"
"""The draft's kind and the text step of the conversation."""


class Step(StrEnum):
    PERIOD = "period"
    DATES = "dates"
    """Typed: the first and the last day."""
    FORMAT = "format"
    OPTIONS = "options"
    ORGANISATION = "organisation"
    """Typed: the organisation filter."""


TYPED = frozenset({Step.DATES, Step.ORGANISATION})

TYPED_DATES = "dates"
"""The answer "period" when two dates were typed (kept in "from" and "to")."""


def period_of(answers: dict[str, Any], now: datetime, zone: ZoneInfo) -> Period:
    """The period the answers name, on the coordinator's calendar, as of ``now``. Raises
    KeyError or ValueError when the answers hold none."""
    name = str(answers.get("period", ""))
    if name == TYPED_DATES:
        return period_between(
            date.fromisoformat(str(answers["from"])), date.fromisoformat(str(answers["to"])), zone
        )
    return period_named(name, now, zone)


def filters_of(answers: dict[str, Any]) -> Filters:
    def text(key: str) -> str | None:
        value = answers.get(key)
        return str(value) if value else None

    programme = answers.get("programme")
    return Filters(
        text("country"),
        text("organisation"),
        text("module"),
        int(programme) if isinstance(programme, int) and programme > 0 else None,
    )


async def current(db: AsyncSession, learner: Learner) -> tuple[str, dict[str, Any]] | None:
    """The step and the answers so far, or None when no export is under way."""
    draft = await drafts.get_draft(db, learner, KIND)
    return (draft.step, drafts.draft_data(draft)) if draft is not None else None


async def save(
    db: AsyncSession, learner: Learner, step: Step, data: dict[str, Any], now: datetime
) -> None:
    """Moves the conversation to ``step`` with the answers ``data``."""
    await drafts.save_draft(db, learner, KIND, step, data, now)
    await learners.await_input(db, learner, KIND if step in TYPED else None)


async def drop(db: AsyncSession, learner: Learner) -> None:
    """Ends the conversation (cancelled, or gone): nothing is kept, no text is awaited."""
    await drafts.drop_draft(db, learner, KIND)
    if learner.awaiting == KIND:
        await learners.await_input(db, learner, None)


async def close_for_making(db: AsyncSession, learner: Learner) -> None:
    """Ends the conversation before its file is made, committed at once.

    The file is made and sent in the background, after this request; if the request were
    handled again (the bot stopped before it was marked done), it must find no
    conversation left rather than make a second file."""
    await drop(db, learner)
    await db.commit()
