"""Feedback after a session: who is asked, ratings stored once, the optional comment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.db import Database
from bot.models import Delivery, Draft, Feedback, Learner, TrainingSession
from bot.services import feedback
from bot.services.feedback import Commented, Rated
from tests.factories import make_learner, make_training, make_walk_in, record_attendance
from tests.support.trainings import attended_session

START = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
END = START + timedelta(minutes=120)


async def due_at(database: Database, now: datetime) -> list[tuple[int, int]]:
    async with database.session() as db:
        due = await feedback.due_questions(db, now)
    return [(d.training.id or 0, d.learner.id or 0) for d in due]


async def learner(database: Database, learner_id: int) -> Learner:
    async with database.session() as db:
        found = await db.get(Learner, learner_id)
        assert found is not None
        return found


async def test_present_and_late_are_asked_after_the_end_for_a_week(database: Database):
    session_id, [present, late, _excused, _absent] = await attended_session(
        database, START, "present", "late", "excused", "absent"
    )
    assert await due_at(database, END - timedelta(seconds=1)) == []
    assert await due_at(database, END) == [(session_id, present), (session_id, late)]
    assert await due_at(database, END + timedelta(days=6)) == [
        (session_id, present),
        (session_id, late),
    ]
    assert await due_at(database, END + timedelta(days=7)) == []


async def test_asked_once(database: Database):
    session_id, [present] = await attended_session(database, START, "present")
    async with database.session() as db:
        db.add(
            Delivery(
                session_id=session_id,
                learner_id=present,
                kind=feedback.KIND,
                session_start=START,
                status="sent",
            )
        )
    assert await due_at(database, END + timedelta(hours=1)) == []


async def test_cancelled_sessions_walk_ins_and_unreachable_people_are_not_asked(
    database: Database,
):
    async with database.session() as db:
        trainer = await make_learner(db)
        cancelled = await make_training(db, trainer, START, cancelled_at=START - timedelta(days=1))
        held = await make_training(db, trainer, START)
        walk_in = await make_walk_in(db, "Ana")
        blocked = await make_learner(db, reachable=False)
        keen = await make_learner(db)
        for training, person in ((cancelled, keen), (held, walk_in), (held, blocked)):
            await record_attendance(db, training, person, "present", method="code")
    assert await due_at(database, END + timedelta(hours=1)) == []


async def test_a_rating_is_stored_once_then_a_comment_is_awaited(database: Database):
    session_id, [present] = await attended_session(database, START, "present")
    now = END + timedelta(hours=1)
    async with database.session() as db:
        person = await db.get(Learner, present)
        assert person is not None
        result = await feedback.record_rating(db, person, session_id, 4, now)
        assert result.outcome == Rated.STORED and result.comment_asked
        assert person.awaiting == feedback.KIND
    async with database.session() as db:
        person = await db.get(Learner, present)
        assert person is not None
        again = await feedback.record_rating(db, person, session_id, 1, now)
        assert again.outcome == Rated.ALREADY
        assert await feedback.awaited_comment(db, person) == session_id
        # A typed e + combining diaeresis is stored as ë.
        stored = await feedback.record_comment(
            db, person, "  Shume e dobishme\u0308!\r\nFaleminderit  "
        )
        assert stored == Commented.STORED
        assert person.awaiting is None
    async with database.session() as db:
        row = (await db.exec(select(Feedback))).one()
        assert (row.rating, row.comment) == (4, "Shume e dobishmë!\nFaleminderit")
        assert (await db.exec(select(Draft))).first() is None
        assert await due_at(database, now) == []


async def test_bad_ratings_and_people_who_were_not_there_change_nothing(database: Database):
    session_id, [present, absent] = await attended_session(database, START, "present", "absent")
    async with database.session() as db:
        stranger = await make_learner(db)
        stranger_id = stranger.id
    assert stranger_id is not None
    now = END + timedelta(hours=1)
    cases = [
        (present, session_id, 0, now, Rated.INVALID),
        (present, session_id, 6, now, Rated.INVALID),
        (present, session_id, 3, END - timedelta(minutes=1), Rated.NOT_ATTENDED),
        (present, session_id + 100, 3, now, Rated.NOT_ATTENDED),
        (absent, session_id, 3, now, Rated.NOT_ATTENDED),
        (stranger_id, session_id, 3, now, Rated.NOT_ATTENDED),
    ]
    for learner_id, target, rating, at, expected in cases:
        async with database.session() as db:
            person = await db.get(Learner, learner_id)
            assert person is not None
            result = await feedback.record_rating(db, person, target, rating, at)
            assert result.outcome == expected, (learner_id, target, rating)
            assert person.awaiting is None
    async with database.session() as db:
        assert (await db.exec(select(Feedback))).first() is None
        assert (await db.exec(select(Draft))).first() is None


async def test_a_cancelled_session_cannot_be_rated(database: Database):
    session_id, [present] = await attended_session(database, START, "present")
    async with database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        training.cancelled_at = START
        db.add(training)
        person = await db.get(Learner, present)
        assert person is not None
        result = await feedback.record_rating(db, person, session_id, 5, END + timedelta(hours=1))
        assert result.outcome == Rated.NOT_ATTENDED


async def test_comments_too_long_or_empty_are_asked_again(database: Database):
    session_id, [present] = await attended_session(database, START, "present")
    async with database.session() as db:
        person = await db.get(Learner, present)
        assert person is not None
        await feedback.record_rating(db, person, session_id, 5, END + timedelta(hours=1))
        assert await feedback.record_comment(db, person, "x" * 1001) == Commented.TOO_LONG
        assert await feedback.record_comment(db, person, " \n\u200b ") == Commented.EMPTY
        assert person.awaiting == feedback.KIND
        assert await feedback.record_comment(db, person, "x" * 1000) == Commented.STORED
        assert await feedback.record_comment(db, person, "more") == Commented.NOT_AWAITED
    async with database.session() as db:
        row = (await db.exec(select(Feedback))).one()
        assert row.comment == "x" * 1000


async def test_skip_ends_the_comment_and_only_for_that_session(database: Database):
    session_id, [present] = await attended_session(database, START, "present")
    async with database.session() as db:
        person = await db.get(Learner, present)
        assert person is not None
        await feedback.record_rating(db, person, session_id, 2, END + timedelta(hours=1))
        assert not await feedback.skip_comment(db, person, session_id + 1)
        assert await feedback.skip_comment(db, person, session_id)
        assert not await feedback.skip_comment(db, person, session_id)
        assert person.awaiting is None
    async with database.session() as db:
        row = (await db.exec(select(Feedback))).one()
        assert (row.rating, row.comment) == (2, None)


async def test_another_conversation_in_progress_is_not_disturbed(database: Database):
    session_id, [present] = await attended_session(database, START, "present")
    async with database.session() as db:
        db.add(Draft(learner_id=present, kind="newsession", step="title", data='{"x": 1}'))
        person = await db.get(Learner, present)
        assert person is not None
        person.awaiting = "newsession"
        db.add(person)
    async with database.session() as db:
        person = await db.get(Learner, present)
        assert person is not None
        result = await feedback.record_rating(db, person, session_id, 5, END + timedelta(hours=1))
        assert result.outcome == Rated.STORED and not result.comment_asked
        assert person.awaiting == "newsession"
    async with database.session() as db:
        draft = await db.get(Draft, present)
        assert draft is not None and (draft.kind, draft.data) == ("newsession", '{"x": 1}')
