"""Learning that sticks: a study nudge at a time the learner picks (daily or weekly, in a time
zone they pick, never in quiet hours unless they chose such a time), and the quiz questions
they missed, asked again a few days later (spaced review).

Not to be confused with ``reminders`` (before a training session).

*Once per due time.* Each tick asks which plans had a due time in the last
:data:`WINDOW` (and after the plan was made); a nudge is claimed by writing its
``nudge_delivery`` row (unique per learner and due time) before it is sent, so a restart or
a second tick never sends it again; a due time missed by more than the window is skipped.

*Reviews* are recorded in ``review_item``, never in quiz attempts: the knowledge gain and
the item analysis do not count them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Catalogue, Module, Question
from bot.models import Learner, ModuleProgress, NudgeDelivery, NudgePlan, ReviewItem
from bot.services import learners
from bot.services.errors import NOT_ALLOWED, NOT_FOUND, ServiceError

WINDOW = timedelta(hours=6)
"""A due time the bot missed by more than this (it was down) is skipped, not sent late."""
REVIEW_AFTER = timedelta(days=3)
REVIEW_BATCH = 3
QUIET_START, QUIET_END = 21 * 60, 8 * 60
"""Quiet hours, local minutes of the day: no nudge from 21:00 to 08:00 unless chosen."""
TIMES = (8 * 60, 12 * 60, 18 * 60, 20 * 60)
QUIET_TIMES = (7 * 60, 21 * 60 + 30)
"""The times offered; the second ones lie in quiet hours and are offered as such."""
COMMON_ZONES = ("Europe/London", "America/New_York")
OFFSETS = (0, 1, 2, 3)
"""Fixed UTC offsets offered (hours), for a learner whose zone is none of the above."""


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class Reason(StrEnum):
    NOT_FOUND = NOT_FOUND
    NOT_ALLOWED = NOT_ALLOWED
    NO_CONSENT = "no-consent"
    QUIET_HOURS = "quiet-hours"
    BAD_CHOICE = "bad-choice"


class NudgeError(ServiceError):
    reason: Reason


def in_quiet_hours(minute_of_day: int) -> bool:
    return minute_of_day >= QUIET_START or minute_of_day < QUIET_END


def offset_zone(hours: int) -> str:
    sign = "+" if hours >= 0 else "-"
    return f"UTC{sign}{abs(hours):02d}:00"


def zone_of(name: str) -> tzinfo:
    """An IANA zone, or a fixed offset written ``UTC+01:00``."""
    if name.startswith("UTC") and len(name) == 9:
        sign = 1 if name[3] == "+" else -1
        return timezone(sign * timedelta(hours=int(name[4:6]), minutes=int(name[7:9])))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_choices(learner: Learner, default_zone: str) -> tuple[str, ...]:
    """The learner's own zone (their country's, else the bot's) first, then common ones,
    then fixed offsets; each once."""
    own = learners.zone_name(learner, default_zone)
    found: list[str] = []
    for zone in (own, default_zone, *COMMON_ZONES, *(offset_zone(h) for h in OFFSETS)):
        if zone not in found:
            found.append(zone)
    return tuple(found)


def _require_consent(learner: Learner) -> None:
    if not learners.records_allowed(learner) or learner.id is None:
        raise NudgeError(Reason.NO_CONSENT)


async def plan_of(db: AsyncSession, learner: Learner) -> NudgePlan | None:
    if learner.id is None:
        return None
    found = await db.exec(select(NudgePlan).where(NudgePlan.learner_id == learner.id))
    return found.first()


async def choose(
    db: AsyncSession,
    learner: Learner,
    *,
    frequency: Frequency,
    weekday: int,
    minute_of_day: int,
    zone: str,
    quiet_chosen: bool,
    now: datetime,
) -> NudgePlan:
    """Starts (or changes) the learner's nudge. A time in quiet hours is taken only when the
    learner chose it as such (``quiet_chosen``)."""
    _require_consent(learner)
    if not 0 <= weekday <= 6 or not 0 <= minute_of_day < 24 * 60:
        raise NudgeError(Reason.BAD_CHOICE)
    if in_quiet_hours(minute_of_day) and not quiet_chosen:
        raise NudgeError(Reason.QUIET_HOURS)
    plan = await plan_of(db, learner)
    assert learner.id is not None
    if plan is None:
        plan = NudgePlan(learner_id=learner.id, zone=zone)
    plan.frequency, plan.weekday, plan.minute_of_day = frequency, weekday, minute_of_day
    plan.zone, plan.created_at, plan.stopped_at = zone, now, None
    db.add(plan)
    await db.flush()
    return plan


async def stop(db: AsyncSession, learner: Learner, now: datetime) -> bool:
    """No more nudges; True if there was one to stop."""
    plan = await plan_of(db, learner)
    if plan is None or plan.stopped_at is not None:
        return False
    plan.stopped_at = now
    db.add(plan)
    return True


def _local_due(plan: NudgePlan, day: date) -> datetime:
    clock = time(plan.minute_of_day // 60, plan.minute_of_day % 60)
    return datetime.combine(day, clock, tzinfo=zone_of(plan.zone)).astimezone(UTC)


def last_due(plan: NudgePlan, now: datetime) -> datetime | None:
    """The latest due time at or before ``now`` (UTC), or None within the first period."""
    today = now.astimezone(zone_of(plan.zone)).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if plan.frequency == Frequency.WEEKLY and day.weekday() != plan.weekday:
            continue
        due = _local_due(plan, day)
        if due <= now:
            return due
    return None


def next_due(plan: NudgePlan, now: datetime) -> datetime:
    today = now.astimezone(zone_of(plan.zone)).date()
    for ahead in range(9):
        day = today + timedelta(days=ahead)
        if plan.frequency == Frequency.WEEKLY and day.weekday() != plan.weekday:
            continue
        due = _local_due(plan, day)
        if due > now:
            return due
    raise AssertionError("a plan is due within a week")


@dataclass(frozen=True)
class DueNudge:
    learner: Learner
    due_at: datetime


async def due_nudges(db: AsyncSession, now: datetime) -> list[DueNudge]:
    """Active plans of reachable learners with a due time in the last :data:`WINDOW`, made
    before it, and not yet claimed."""
    found = await db.exec(
        select(NudgePlan, Learner)
        .join(Learner, col(Learner.id) == NudgePlan.learner_id)
        .where(
            col(NudgePlan.stopped_at).is_(None),
            col(Learner.telegram_id).is_not(None),
            col(Learner.reachable).is_(True),
            col(Learner.erased_at).is_(None),
        )
        .order_by(col(NudgePlan.id))
    )
    due: list[DueNudge] = []
    for plan, learner in found.all():
        when = last_due(plan, now)
        if when is None or when <= plan.created_at or now - when > WINDOW:
            continue
        claimed = await db.exec(
            select(NudgeDelivery.id).where(
                NudgeDelivery.learner_id == learner.id, NudgeDelivery.due_at == when
            )
        )
        if claimed.first() is None:
            due.append(DueNudge(learner, when))
    return due


async def claim(db: AsyncSession, learner_id: int, due_at: datetime, now: datetime) -> int:
    """Writes the nudge's row, to be committed before it is sent. A second claim of the same
    (learner, due time) fails with the unique constraint's ``IntegrityError``."""
    row = NudgeDelivery(learner_id=learner_id, due_at=due_at, created_at=now)
    db.add(row)
    await db.flush()
    assert row.id is not None
    return row.id


async def finish(db: AsyncSession, delivery_id: int, status: str) -> None:
    row = await db.get(NudgeDelivery, delivery_id)
    if row is not None:
        row.status = status
        db.add(row)


@dataclass(frozen=True)
class Resume:
    module_id: str
    card: int


async def where_left_off(db: AsyncSession, learner: Learner, catalogue: Catalogue) -> Resume | None:
    """The module the learner touched last and has not passed, and its card."""
    if learner.id is None:
        return None
    found = await db.exec(
        select(ModuleProgress)
        .where(ModuleProgress.learner_id == learner.id, col(ModuleProgress.passed_at).is_(None))
        .order_by(col(ModuleProgress.updated_at).desc())
    )
    for row in found.all():
        module = catalogue.get(row.module_id)
        if module is not None:
            return Resume(module.id, max(0, min(row.current_card, module.card_count - 1)))
    return None


# -- spaced review ---------------------------------------------------------------------------


async def keep_missed(
    db: AsyncSession, learner: Learner, module_id: str, question_id: str, now: datetime
) -> None:
    """A question missed in the quiz comes back for review after :data:`REVIEW_AFTER` (once:
    a question already waiting is not added again). Only with consent."""
    if not learners.records_allowed(learner) or learner.id is None:
        return
    waiting = await db.exec(
        select(ReviewItem.id).where(
            ReviewItem.learner_id == learner.id,
            ReviewItem.module_id == module_id,
            ReviewItem.question_id == question_id,
            col(ReviewItem.answered_at).is_(None),
        )
    )
    if waiting.first() is None:
        db.add(
            ReviewItem(
                learner_id=learner.id,
                module_id=module_id,
                question_id=question_id,
                due_at=now + REVIEW_AFTER,
                created_at=now,
            )
        )


async def due_reviews(
    db: AsyncSession, learner: Learner, now: datetime, limit: int = REVIEW_BATCH
) -> list[ReviewItem]:
    if learner.id is None:
        return []
    found = await db.exec(
        select(ReviewItem)
        .where(
            ReviewItem.learner_id == learner.id,
            col(ReviewItem.answered_at).is_(None),
            col(ReviewItem.due_at) <= now,
        )
        .order_by(col(ReviewItem.due_at), col(ReviewItem.id))
        .limit(limit)
    )
    return list(found.all())


def option_order(item: ReviewItem, question: Question) -> tuple[str, ...]:
    """The options in an order of their own for this review (seeded by the review's id)."""
    order = list(question.options)
    random.Random(f"review-{item.id}").shuffle(order)
    return tuple(order)


def question_of(item: ReviewItem, catalogue: Catalogue) -> tuple[Module, Question] | None:
    module = catalogue.get(item.module_id)
    question = module.question_by_id(item.question_id) if module else None
    return (module, question) if module and question else None


async def review_item(db: AsyncSession, learner: Learner, review_id: int) -> ReviewItem:
    item = await db.get(ReviewItem, review_id)
    if item is None or item.learner_id != learner.id or item.answered_at is not None:
        raise NudgeError(Reason.NOT_FOUND)
    return item


async def answer_review(
    db: AsyncSession,
    learner: Learner,
    review_id: int,
    option: str,
    catalogue: Catalogue,
    now: datetime,
) -> tuple[ReviewItem, Module, Question, bool]:
    """Records the answer to a review; a question missed again comes back later again."""
    item = await review_item(db, learner, review_id)
    found = question_of(item, catalogue)
    if found is None or option not in found[1].options:
        raise NudgeError(Reason.NOT_FOUND)
    module, question = found
    correct = option == question.correct
    item.answered_at, item.correct = now, correct
    db.add(item)
    await db.flush()
    if not correct:
        await keep_missed(db, learner, item.module_id, item.question_id, now)
    return item, module, question, correct
