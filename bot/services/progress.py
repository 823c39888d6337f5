"""Where each learner is in each module: the current card, finished lessons, quiz results."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Catalogue, Module
from bot.db import utcnow
from bot.models import Learner, ModuleProgress, QuizAttempt, QuizKind
from bot.services.learners import records_allowed


@dataclass(frozen=True)
class ModuleStatus:
    module_id: str
    current_card: int
    cards_total: int
    lessons_done: bool
    pretest_percent: int | None
    best_percent: int | None
    passed: bool

    @property
    def started(self) -> bool:
        return self.current_card > 0 or self.lessons_done or self.pretest_percent is not None


def clamp_card(module: Module, index: int) -> int:
    return max(0, min(index, module.card_count - 1))


_ROW = select(ModuleProgress).where(
    ModuleProgress.learner_id == sa.bindparam("learner_id"),
    ModuleProgress.module_id == sa.bindparam("module_id"),
)
"""Built once: every lesson card looks it up."""


_CACHE = "progress_rows"
"""Rows looked up in this unit of work (``db.info``): choosing the learner's version of a
module and then showing its card read the row once."""


async def _progress_row(db: AsyncSession, learner_id: int, module_id: str) -> ModuleProgress | None:
    cache: dict[tuple[int, str], ModuleProgress | None] = db.info.setdefault(_CACHE, {})
    key = (learner_id, module_id)
    if key not in cache:
        result = await db.exec(_ROW, params={"learner_id": learner_id, "module_id": module_id})
        cache[key] = result.first()
    return cache[key]


def _remember(db: AsyncSession, row: ModuleProgress) -> None:
    db.info.setdefault(_CACHE, {})[(row.learner_id, row.module_id)] = row


async def learner_module(
    db: AsyncSession, learner: Learner, catalogue: Catalogue, module_id: str
) -> Module | None:
    """The module as this learner reads it: the version they started on until they pass it
    (so a card they are on never disappears), else the published one; None when neither is
    known (a retired module never started, a forged button)."""
    if records_allowed(learner) and learner.id is not None:
        row = await _progress_row(db, learner.id, module_id)
        if row is not None and row.passed_at is None and row.module_version is not None:
            pinned = catalogue.version(module_id, row.module_version)
            if pinned is not None:
                return pinned
    return catalogue.get(module_id)


async def resume_card(db: AsyncSession, learner: Learner, module: Module) -> int:
    """The card to show when the learner opens the module: where they left off."""
    if not records_allowed(learner) or learner.id is None:
        return 0
    row = await _progress_row(db, learner.id, module.id)
    return 0 if row is None else clamp_card(module, row.current_card)


async def show_card(db: AsyncSession, learner: Learner, module: Module, index: int) -> int:
    """Records that the learner is on card ``index`` (clamped); returns the card to show."""
    index = clamp_card(module, index)
    if not records_allowed(learner) or learner.id is None:
        return index
    row = await _progress_row(db, learner.id, module.id)
    now = utcnow()
    if row is None:
        row = ModuleProgress(
            learner_id=learner.id,
            module_id=module.id,
            cards_total=module.card_count,
            module_version=module.version or None,
        )
        _remember(db, row)
    row.current_card = index
    row.cards_total = module.card_count
    row.updated_at = now
    seen = set(json.loads(row.cards_seen)) if row.cards_seen else set()
    seen.add(module.card_ids[index])
    row.cards_seen = json.dumps(sorted(seen))
    if row.lessons_done_at is None and seen >= set(module.card_ids):
        row.lessons_done_at = now  # every card seen: the quiz after the lessons opens
    db.add(row)
    await db.flush()
    return index


async def lessons_read(db: AsyncSession, learner: Learner, module: Module) -> bool:
    """Whether the learner has seen every card of the module (False without consent: nothing
    is kept to tell)."""
    if not records_allowed(learner) or learner.id is None:
        return False
    row = await _progress_row(db, learner.id, module.id)
    return row is not None and row.lessons_done_at is not None


async def mark_passed(db: AsyncSession, learner: Learner, module: Module) -> None:
    if not records_allowed(learner) or learner.id is None:
        return
    row = await _progress_row(db, learner.id, module.id)
    if row is None:
        row = ModuleProgress(
            learner_id=learner.id,
            module_id=module.id,
            cards_total=module.card_count,
            module_version=module.version or None,
        )
        _remember(db, row)
    if row.passed_at is None:
        row.passed_at = utcnow()
    row.updated_at = utcnow()
    db.add(row)


async def statuses(
    db: AsyncSession, learner: Learner, catalogue: Catalogue
) -> dict[str, ModuleStatus]:
    """Every module the learner has touched, by module id (empty without consent)."""
    if not records_allowed(learner) or learner.id is None:
        return {}
    rows = (
        await db.exec(select(ModuleProgress).where(ModuleProgress.learner_id == learner.id))
    ).all()
    attempts = (
        await db.exec(
            select(QuizAttempt).where(
                QuizAttempt.learner_id == learner.id,
                QuizAttempt.finished_at.is_not(None),  # type: ignore[union-attr]
            )
        )
    ).all()
    result: dict[str, ModuleStatus] = {}
    module_ids = {row.module_id for row in rows} | {attempt.module_id for attempt in attempts}
    by_module = {row.module_id: row for row in rows}
    for module_id in module_ids:
        row = by_module.get(module_id)
        pinned = row.module_version if row and row.passed_at is None else None
        module = catalogue.version(module_id, pinned) or catalogue.get(module_id)
        if module is None:
            continue
        finished = [attempt for attempt in attempts if attempt.module_id == module_id]
        pre = [a for a in finished if a.kind == QuizKind.PRE]
        post = [a for a in finished if a.kind == QuizKind.POST]
        result[module_id] = ModuleStatus(
            module_id=module_id,
            current_card=row.current_card if row else 0,
            cards_total=module.card_count,
            lessons_done=bool(row and row.lessons_done_at),
            pretest_percent=min(pre, key=lambda a: a.started_at).score_percent if pre else None,
            best_percent=max(a.score_percent for a in post) if post else None,
            passed=bool(row and row.passed_at) or any(a.passed for a in post),
        )
    return result
