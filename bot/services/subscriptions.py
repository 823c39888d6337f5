"""Scheduled reports: a coordinator's standing order for the workbook of their scope, every
week or month, delivered by the bot on the first working day of the period.

- A *period* is a calendar month (from the 1st) or a week (from Monday), on the local
  calendar of the bot's zone (``TIMEZONE``). The report delivered in a period covers the
  period before it (the month or week just ended).
- It is *due* from the first working day (Monday to Friday) of the period on, for
  subscriptions made by that day: a bot that was down that day delivers when it is back,
  within the period; a subscription made later waits for the next period.
- *Once.* A delivery row, unique per subscription and period, is written and committed
  before the file is made and sent (:func:`claim`): a second bot process, or the same one
  after a restart, finds it and does not send again. A delivery that certainly did not
  reach Telegram is released and tried again at the next tick; one that may have arrived
  stays as it is.
- *Scope.* The workbook is made with the scope the person holds when it is made: someone
  whose role was revoked gets nothing (the subscription ends), someone whose scope was
  narrowed gets the narrower one, and a programme they no longer see is not sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner, ReportDelivery, ReportSubscription, Role
from bot.services import audit, programmes, roles
from bot.services.errors import ServiceError
from bot.services.indicators import Period, period_between
from bot.services.roles import Scope

SUBSCRIBERS = (Role.COORDINATOR, Role.ADMIN)


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Reason(StrEnum):
    NOT_FOUND = "not-found"
    NOT_ALLOWED = "not-allowed"


class SubscriptionError(ServiceError):
    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


class Status(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    """Nothing to send: the role or the programme is gone."""
    FAILED = "failed"
    """Telegram refused it (blocked, a bad request)."""


# -- the calendar -----------------------------------------------------------------------------


def period_start(frequency: Frequency, today: date) -> date:
    """The first day of the period ``today`` is in."""
    if frequency is Frequency.MONTHLY:
        return today.replace(day=1)
    return today - timedelta(days=today.weekday())


def first_working_day(start: date) -> date:
    """The first Monday-to-Friday day from ``start`` on."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def covered_days(frequency: Frequency, start: date) -> tuple[date, date]:
    """The first and last day of the period before the one starting on ``start``."""
    last = start - timedelta(days=1)
    if frequency is Frequency.MONTHLY:
        return last.replace(day=1), last
    return start - timedelta(days=7), last


def covered_period(frequency: Frequency, start: date, zone: ZoneInfo) -> Period:
    first, last = covered_days(frequency, start)
    return period_between(first, last, zone)


# -- subscribing ------------------------------------------------------------------------------


async def _check_role(db: AsyncSession, learner: Learner, admin_ids: Iterable[int]) -> Scope:
    admin_ids = tuple(admin_ids)
    if learner.id is None or not await roles.roles_of(db, learner, admin_ids) & set(SUBSCRIBERS):
        raise SubscriptionError(Reason.NOT_ALLOWED)
    return await roles.scope_of(db, learner, admin_ids)


async def subscribe(
    db: AsyncSession,
    learner: Learner,
    frequency: Frequency,
    programme_id: int | None,
    *,
    admin_ids: Iterable[int],
    now: datetime,
) -> ReportSubscription:
    """Subscribes (or changes the programme of) ``learner``'s ``frequency`` report; only
    coordinators and admins, only a programme they see."""
    scope = await _check_role(db, learner, admin_ids)
    try:
        await programmes.check_filter(db, scope, programme_id)
    except programmes.ProgrammeError:
        raise SubscriptionError(Reason.NOT_ALLOWED) from None
    assert learner.id is not None
    found = await db.exec(
        select(ReportSubscription).where(
            ReportSubscription.learner_id == learner.id,
            ReportSubscription.frequency == frequency.value,
        )
    )
    subscription = found.first()
    if subscription is None:
        subscription = ReportSubscription(
            learner_id=learner.id, frequency=frequency.value, created_at=now
        )
    elif subscription.cancelled_at is not None:
        subscription.created_at = now
    subscription.programme_id = programme_id
    subscription.cancelled_at = None
    db.add(subscription)
    await db.flush()
    assert subscription.id is not None
    await audit.record(
        db,
        actor_id=learner.id,
        action="report.subscribe",
        subject_type="report_subscription",
        subject_id=subscription.id,
        details={"frequency": frequency.value, "programme_id": programme_id},
        now=now,
    )
    return subscription


async def unsubscribe(
    db: AsyncSession, learner: Learner, subscription_id: int, *, now: datetime
) -> ReportSubscription:
    """Ends one of ``learner``'s own subscriptions (anyone may end their own)."""
    subscription = await db.get(ReportSubscription, subscription_id)
    if subscription is None or subscription.learner_id != learner.id:
        raise SubscriptionError(Reason.NOT_FOUND)
    if subscription.cancelled_at is None:
        subscription.cancelled_at = now
        db.add(subscription)
        await audit.record(
            db,
            actor_id=learner.id,
            action="report.unsubscribe",
            subject_type="report_subscription",
            subject_id=subscription_id,
            details={"frequency": subscription.frequency},
            now=now,
        )
    return subscription


async def active_of(db: AsyncSession, learner: Learner) -> list[ReportSubscription]:
    found = await db.exec(
        select(ReportSubscription)
        .where(
            ReportSubscription.learner_id == learner.id,
            col(ReportSubscription.cancelled_at).is_(None),
        )
        .order_by(col(ReportSubscription.frequency))
    )
    return list(found.all())


# -- delivering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    subscription_id: int
    learner_id: int
    frequency: Frequency
    programme_id: int | None
    period_start: date


async def due(db: AsyncSession, now: datetime, zone: ZoneInfo) -> list[Due]:
    """The subscriptions whose report of the current period is due and not yet claimed."""
    today = now.astimezone(zone).date()
    found = await db.exec(
        select(ReportSubscription).where(col(ReportSubscription.cancelled_at).is_(None))
    )
    result: list[Due] = []
    for subscription in found.all():
        try:
            frequency = Frequency(subscription.frequency)
        except ValueError:
            continue
        start = period_start(frequency, today)
        working = first_working_day(start)
        if today < working or subscription.created_at.astimezone(zone).date() > working:
            continue
        claimed = await db.exec(
            select(ReportDelivery.id).where(
                ReportDelivery.subscription_id == subscription.id,
                ReportDelivery.period_start == start,
            )
        )
        if claimed.first() is not None:
            continue
        assert subscription.id is not None
        result.append(
            Due(
                subscription.id,
                subscription.learner_id,
                frequency,
                subscription.programme_id,
                start,
            )
        )
    return result


async def claim(db: AsyncSession, item: Due, now: datetime) -> int | None:
    """Writes the delivery row of ``item`` (the caller commits it before sending); None
    when another run claimed it first."""
    delivery = ReportDelivery(
        subscription_id=item.subscription_id, period_start=item.period_start, claimed_at=now
    )
    try:
        async with db.begin_nested():
            db.add(delivery)
            await db.flush()
    except IntegrityError:
        return None
    return delivery.id


async def finish(db: AsyncSession, delivery_id: int, status: Status, now: datetime) -> None:
    delivery = await db.get(ReportDelivery, delivery_id)
    if delivery is None:
        return
    delivery.status = status.value
    if status is Status.SENT:
        delivery.sent_at = now
    db.add(delivery)


async def release(db: AsyncSession, delivery_id: int) -> None:
    """Forgets a claim whose file certainly did not go out: tried again at the next tick."""
    await db.exec(delete(ReportDelivery).where(col(ReportDelivery.id) == delivery_id))


@dataclass(frozen=True)
class Recipient:
    """Whom to send a due report to, with what they may see now."""

    learner: Learner
    scope: Scope
    programme_id: int | None


async def recipient(
    db: AsyncSession, item: Due, *, admin_ids: Iterable[int], now: datetime
) -> Recipient | None:
    """The subscriber as they are now, or None (and the subscription ended, audited) when
    they may no longer have it: no coordinator's or admin's role, erased, or the programme
    outside their scope."""
    learner = await db.get(Learner, item.learner_id)
    reason: str | None = None
    scope = roles.FULL_SCOPE
    if learner is None or learner.erased_at is not None or learner.telegram_id is None:
        reason = "erased"
    else:
        try:
            scope = await _check_role(db, learner, admin_ids)
        except SubscriptionError:
            reason = "no-role"
        else:
            if item.programme_id is not None and (
                scope.programmes is not None and item.programme_id not in scope.programmes
            ):
                reason = "programme-outside-scope"
    if reason is None:
        assert learner is not None
        return Recipient(learner, scope, item.programme_id)
    subscription = await db.get(ReportSubscription, item.subscription_id)
    if subscription is not None and subscription.cancelled_at is None:
        subscription.cancelled_at = now
        db.add(subscription)
        await audit.record(
            db,
            actor_id=None,
            action="report.ended",
            subject_type="report_subscription",
            subject_id=item.subscription_id,
            details={"reason": reason},
            now=now,
        )
    return None
