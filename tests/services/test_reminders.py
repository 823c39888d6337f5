"""Which reminders are due at a given moment: offsets, the skip rule, who gets none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.db import Database
from bot.models import Delivery, TrainingSession
from bot.services.reminders import due_reminders, offset_of, reminder_kind
from tests.factories import make_learner, make_training, make_walk_in, register
from tests.support.trainings import registered_session

START = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
OFFSETS = (1440, 60)


async def due_at(database: Database, now: datetime) -> list[tuple[int, int, str, datetime]]:
    async with database.session() as db:
        due = await due_reminders(db, now, OFFSETS)
    return [(d.training.id or 0, d.learner.id or 0, d.kind, d.session_start) for d in due]


async def mark_sent(database: Database, due: list[tuple[int, int, str, datetime]]) -> None:
    """What ``send_once`` leaves behind."""
    async with database.session() as db:
        for session_id, learner_id, kind, start in due:
            db.add(
                Delivery(
                    session_id=session_id,
                    learner_id=learner_id,
                    kind=kind,
                    session_start=start,
                    status="sent",
                )
            )


async def deliveries(database: Database) -> list[tuple[str, str, datetime]]:
    async with database.session() as db:
        rows = await db.exec(select(Delivery).order_by(Delivery.id))  # type: ignore[arg-type]
        return [(row.kind, row.status, row.session_start) for row in rows.all()]


def test_kinds_carry_the_offset():
    assert reminder_kind(1440) == "reminder-1440"
    assert offset_of("reminder-60") == 60
    assert offset_of("feedback") is None and offset_of("reminder-x") is None


async def test_nothing_is_due_before_the_first_offset(database: Database):
    await registered_session(database, START)
    assert await due_at(database, START - timedelta(hours=24, seconds=1)) == []
    assert await deliveries(database) == []


async def test_the_24_hour_reminder_is_due_from_its_moment_until_sent(database: Database):
    session_id, [learner_id] = await registered_session(database, START)
    moment = START - timedelta(hours=24)
    due = await due_at(database, moment)
    assert due == [(session_id, learner_id, "reminder-1440", START)]
    # Not sent yet (say the send failed before the claim): still due a bit later.
    assert await due_at(database, moment + timedelta(minutes=5)) == due
    await mark_sent(database, due)
    assert await due_at(database, moment + timedelta(minutes=10)) == []
    assert await due_at(database, START - timedelta(hours=2)) == []


async def test_the_1_hour_reminder_follows_the_24_hour_one(database: Database):
    session_id, [learner_id] = await registered_session(database, START)
    await mark_sent(database, await due_at(database, START - timedelta(hours=24)))
    assert await due_at(database, START - timedelta(minutes=61)) == []
    due = await due_at(database, START - timedelta(minutes=60))
    assert due == [(session_id, learner_id, "reminder-60", START)]
    await mark_sent(database, due)
    assert await due_at(database, START - timedelta(minutes=1)) == []
    assert [kind for kind, _, _ in await deliveries(database)] == ["reminder-1440", "reminder-60"]


async def test_one_that_fell_due_while_down_is_sent_late_if_the_session_has_not_begun(
    database: Database,
):
    session_id, [learner_id] = await registered_session(database, START)
    # Down from 25 hours before to 5 hours before: the 24-hour reminder goes out now.
    due = await due_at(database, START - timedelta(hours=5))
    assert due == [(session_id, learner_id, "reminder-1440", START)]


async def test_when_several_fell_due_only_the_nearest_is_sent_the_rest_skipped(
    database: Database,
):
    session_id, [learner_id] = await registered_session(database, START)
    now = START - timedelta(minutes=30)
    due = await due_at(database, now)
    assert due == [(session_id, learner_id, "reminder-60", START)]
    assert await deliveries(database) == [("reminder-1440", "skipped", START)]
    # The skipped one never comes back, even while the 1-hour one is still unsent.
    assert await due_at(database, now + timedelta(minutes=1)) == due
    await mark_sent(database, due)
    assert await due_at(database, now + timedelta(minutes=2)) == []
    assert sorted(await deliveries(database)) == [
        ("reminder-1440", "skipped", START),
        ("reminder-60", "sent", START),
    ]


async def test_an_older_offset_is_skipped_when_a_nearer_one_was_already_sent(
    database: Database,
):
    session_id, [learner_id] = await registered_session(database, START)
    await mark_sent(database, [(session_id, learner_id, "reminder-60", START)])
    assert await due_at(database, START - timedelta(minutes=30)) == []
    assert ("reminder-1440", "skipped", START) in await deliveries(database)


async def test_none_once_the_session_has_begun(database: Database):
    await registered_session(database, START)
    assert await due_at(database, START) == []
    assert await due_at(database, START + timedelta(minutes=30)) == []
    assert await deliveries(database) == []


async def test_cancelled_sessions_get_no_reminders(database: Database):
    session_id, _ = await registered_session(database, START)
    async with database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        training.cancelled_at = START - timedelta(days=3)
        db.add(training)
    assert await due_at(database, START - timedelta(hours=24)) == []
    assert await due_at(database, START - timedelta(minutes=10)) == []


async def test_apologised_erased_unreachable_and_walk_in_learners_get_none(database: Database):
    async with database.session() as db:
        trainer = await make_learner(db)
        training = await make_training(db, trainer, START)
        keen = await make_learner(db, language="mk")
        sorry = await make_learner(db)
        blocked = await make_learner(db, reachable=False)
        erased = await make_learner(db, telegram_id=None, erased_at=START - timedelta(days=2))
        walk_in = await make_walk_in(db, "Ana")
        await register(db, training, keen)
        await register(db, training, sorry, status="apologised")
        for person in (blocked, erased, walk_in):
            await register(db, training, person)
        keen_id = keen.id
    due = await due_at(database, START - timedelta(hours=24))
    assert [learner_id for _, learner_id, _, _ in due] == [keen_id]


async def test_a_rescheduled_session_gets_its_reminders_again_for_the_new_start(
    database: Database,
):
    session_id, [learner_id] = await registered_session(database, START)
    await mark_sent(database, await due_at(database, START - timedelta(hours=24)))
    later = START + timedelta(days=2)
    async with database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        training.starts_at = later
        db.add(training)
    # The old start's moments mean nothing now.
    assert await due_at(database, START - timedelta(minutes=30)) == []
    due = await due_at(database, later - timedelta(hours=24))
    assert due == [(session_id, learner_id, "reminder-1440", later)]


async def test_sessions_and_learners_are_independent(database: Database):
    async with database.session() as db:
        trainer = await make_learner(db)
        soon = await make_training(db, trainer, START)
        later = await make_training(db, trainer, START + timedelta(hours=3))
        first = await make_learner(db)
        second = await make_learner(db)
        await register(db, soon, first)
        await register(db, soon, second)
        await register(db, later, first)
        ids = (soon.id, later.id, first.id, second.id)
    soon_id, later_id, first_id, second_id = ids
    due = await due_at(database, START - timedelta(minutes=30))
    assert due == [
        (soon_id, first_id, "reminder-60", START),
        (soon_id, second_id, "reminder-60", START),
        (later_id, first_id, "reminder-1440", START + timedelta(hours=3)),
    ]


async def test_configured_offsets(database: Database):
    _, [learner_id] = await registered_session(database, START)
    async with database.session() as db:
        assert await due_reminders(db, START - timedelta(hours=20), ()) == []
        due = await due_reminders(db, START - timedelta(hours=2), (180, 0, -5))
    assert [(d.kind, d.learner.id) for d in due] == [("reminder-180", learner_id)]
