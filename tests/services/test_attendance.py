"""Attendance: the check-in window, the rotating code, marks with their audit trail, walk-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import (
    Attendance,
    AuditEntry,
    CheckinGuard,
    Consent,
    Draft,
    Learner,
    Registration,
    RegistrationStatus,
    TrainingSession,
)
from bot.services import attendance, audit, roster, sessions
from bot.services.attendance import AttendanceError, CheckinOutcome, WalkInStep
from bot.services.codes import typed_code
from tests.factories import make_learner, make_trainer, make_training, register
from tests.support.rows import count

START = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
"""A Thursday morning in Belgrade (10:00 local)."""


async def attendance_rows(db: AsyncSession) -> list[Attendance]:
    return list((await db.exec(select(Attendance))).all())


def at(minutes: float) -> datetime:
    """``minutes`` after the start (negative: before)."""
    return START + timedelta(minutes=minutes)


# -- the window --------------------------------------------------------------------------------


async def test_check_in_opens_30_minutes_before_and_closes_30_minutes_after_the_end(
    database: Database,
):
    async with database.session() as db:
        trainer = await make_trainer(db)
        training = await make_training(db, trainer, START, duration_minutes=90)
        assert training.id is not None
        with pytest.raises(AttendanceError) as early:
            await attendance.open_checkin(db, trainer, training.id, at(-30) - timedelta(seconds=1))
        assert early.value.reason == "too-early"
        await attendance.open_checkin(db, trainer, training.id, at(-30))
        assert attendance.is_open(training, at(-30))
        assert attendance.is_open(training, at(90 + 30))
        assert not attendance.is_open(training, at(90 + 30) + timedelta(seconds=1))
        await attendance.close_checkin(db, trainer, training.id, at(0))
        assert not attendance.is_open(training, at(1))
        with pytest.raises(AttendanceError) as over:
            await attendance.open_checkin(db, trainer, training.id, at(121))
        assert over.value.reason == "over"
        reopened = await attendance.open_checkin(db, trainer, training.id, at(120))
        assert reopened.checkin_opened_at == at(120) and reopened.checkin_closed_at is None


async def test_a_cancelled_session_refuses_check_in(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        await register(db, training, learner)
        await attendance.open_checkin(db, trainer, training.id, at(-10))
        code = attendance.current_code(training, at(-5))
        training.cancelled_at = at(-6)
        db.add(training)
        result = await attendance.check_in(db, learner, code, at(-5))
        assert result.outcome == CheckinOutcome.NO_OPEN_CHECKIN
        with pytest.raises(AttendanceError) as error:
            await attendance.open_checkin(db, trainer, training.id, at(-4))
        assert error.value.reason == "cancelled"
        with pytest.raises(AttendanceError):
            await attendance.mark(db, trainer, training.id, learner.id or 0, "present", at(0))
        assert await attendance_rows(db) == []


# -- the code ----------------------------------------------------------------------------------


def test_the_code_is_five_unambiguous_characters_and_changes_every_minute():
    codes = {attendance.code_for_minute("secret", minute) for minute in range(1000, 1200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 5
        # Digits are shown, never the letters that look like one (typed, those count as
        # the digit: attendance.normalise_code).
        assert set(code) <= set(attendance.CODE_ALPHABET)
        assert not set(code) & set("OILSBZ")
    assert attendance.code_for_minute("secret", 5) == attendance.code_for_minute("secret", 5)
    assert attendance.code_for_minute("secret", 5) != attendance.code_for_minute("other", 5)


async def test_the_code_rotates_on_the_minute_and_depends_on_the_session(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        first = await make_training(db, trainer, START)
        second = await make_training(db, trainer, START)
    minute = at(0)
    assert attendance.current_code(first, minute) == attendance.current_code(
        first, minute + timedelta(seconds=59)
    )
    assert attendance.current_code(first, minute) != attendance.current_code(
        first, minute + timedelta(seconds=60)
    )
    assert attendance.current_code(first, minute) != attendance.current_code(second, minute)
    assert attendance.minute_of(minute) == int(minute.timestamp()) // 60


def test_check_in_codes_read_look_alikes_as_the_digit_shown():
    assert attendance.normalise_code("o1l5 S8b-z") == "01155882"
    assert attendance.normalise_code("OIL") == "011"
    assert attendance.looks_like_code(attendance.normalise_code("hello"))
    assert not attendance.looks_like_code(attendance.normalise_code("hi there"))


def test_typed_codes_are_normalised():
    assert typed_code(" ab c-de ") == "ABCDE"
    # Cyrillic look-alikes typed on a Serbian or Macedonian keyboard.
    assert typed_code("АВСЕК") == "ABCEK"
    assert typed_code("ркмнт") == "PKMHT"


async def test_current_and_previous_codes_check_in_older_ones_are_expired(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        ana, boris, vesna = [await make_learner(db) for _ in range(3)]
        training = await make_training(db, trainer, START)
        assert training.id is not None
        for person in (ana, boris, vesna):
            await register(db, training, person)
        await attendance.open_checkin(db, trainer, training.id, at(-10))

        code = attendance.current_code(training, at(-10))
        result = await attendance.check_in(db, ana, code.lower(), at(-10) + timedelta(seconds=5))
        assert (result.outcome, result.training) == (CheckinOutcome.CHECKED_IN, training)
        # One minute later the code shown has changed; the old one still works (grace minute).
        assert attendance.current_code(training, at(-9)) != code
        result = await attendance.check_in(db, boris, code, at(-9) + timedelta(seconds=30))
        assert result.outcome == CheckinOutcome.CHECKED_IN
        # Two minutes later it is expired.
        result = await attendance.check_in(db, vesna, code, at(-8))
        assert result.outcome == CheckinOutcome.EXPIRED
        # The same code again for someone already in: reused, nothing changes.
        result = await attendance.check_in(
            db, ana, attendance.current_code(training, at(-8)), at(-8)
        )
        assert result.outcome == CheckinOutcome.REUSED

        rows = {row.learner_id: row for row in await attendance_rows(db)}
        assert set(rows) == {ana.id, boris.id}
        assert {(row.status, row.method) for row in rows.values()} == {("present", "code")}
        entries = await audit.entries(db, "attendance")
        assert [audit.details_of(e)["new"] for e in entries] == ["present", "present"]
        assert {e.actor_id for e in entries} == {ana.id, boris.id}


async def test_wrong_malformed_and_no_open_checkin(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        result = await attendance.check_in(db, learner, "ABCDE", at(0))
        assert result.outcome == CheckinOutcome.NO_OPEN_CHECKIN
        await attendance.open_checkin(db, trainer, training.id, at(0))
        assert (await attendance.check_in(db, learner, "hello there", at(0))).outcome == (
            CheckinOutcome.MALFORMED
        )
        wrong = "22222" if attendance.current_code(training, at(0)) != "22222" else "33333"
        result = await attendance.check_in(db, learner, wrong, at(0))
        assert (result.outcome, result.tries_left) == (CheckinOutcome.WRONG, 4)
        assert await attendance_rows(db) == []


async def test_five_wrong_codes_in_a_row_lock_check_in_for_ten_minutes(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        await register(db, training, learner)
        await attendance.open_checkin(db, trainer, training.id, at(-20))
        now = at(-20)
        wrong = "WXYZ2"
        assert attendance.code_age(training, wrong, now) is None
        # A success resets the count of wrong tries ...
        for _ in range(4):
            assert (
                await attendance.check_in(db, learner, wrong, now)
            ).outcome == CheckinOutcome.WRONG
        guard = await attendance.guard_of(db, learner.id or 0)
        assert guard is not None and guard.failures == 4
        other = await make_learner(db)
        other_guard = CheckinGuard(learner_id=other.id or 0, failures=4)
        db.add(other_guard)
        assert (
            await attendance.check_in(db, other, attendance.current_code(training, now), now)
        ).outcome == CheckinOutcome.CHECKED_IN
        assert other_guard.failures == 0
        # ... and the fifth wrong one in a row locks.
        result = await attendance.check_in(db, learner, wrong, now)
        assert result.outcome == CheckinOutcome.LOCKED
        assert result.locked_until == now + timedelta(minutes=10)
        right = attendance.current_code(training, at(-15))
        assert (
            await attendance.check_in(db, learner, right, at(-15))
        ).outcome == CheckinOutcome.LOCKED

    # The lock is in the database: a new unit of work (a restarted bot) still sees it.
    async with database.session() as db:
        learner = await db.get(Learner, learner.id)
        training = await db.get(TrainingSession, training.id)
        assert learner is not None and training is not None
        now = at(-10) - timedelta(seconds=1)
        result = await attendance.check_in(db, learner, attendance.current_code(training, now), now)
        assert result.outcome == CheckinOutcome.LOCKED
        now = at(-10)
        result = await attendance.check_in(db, learner, attendance.current_code(training, now), now)
        assert result.outcome == CheckinOutcome.CHECKED_IN
        guard = await attendance.guard_of(db, learner.id or 0)
        assert guard is not None and (guard.failures, guard.locked_until) == (0, None)


async def test_an_unregistered_learner_in_the_room_is_registered_on_the_fly(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        guest = await make_learner(db)
        apologised = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        await register(
            db, training, apologised, RegistrationStatus.APOLOGISED, apologised_at=at(-60)
        )
        await attendance.open_checkin(db, trainer, training.id, at(0))
        code = attendance.current_code(training, at(0))
        assert (
            await attendance.check_in(db, guest, code, at(0))
        ).outcome == CheckinOutcome.CHECKED_IN
        assert (
            await attendance.check_in(db, apologised, code, at(0))
        ).outcome == CheckinOutcome.CHECKED_IN
        registrations = (await db.exec(select(Registration))).all()
        assert {(r.learner_id, r.status) for r in registrations} == {
            (guest.id, "registered"),
            (apologised.id, "registered"),
        }
        counts = await roster.counts(db, training.id)
        assert (counts.registered, counts.present, counts.attended) == (2, 2, 2)


async def test_without_consent_the_right_code_records_nothing(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db, consent=Consent.DECLINED)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        await attendance.open_checkin(db, trainer, training.id, at(0))
        result = await attendance.check_in(
            db, learner, attendance.current_code(training, at(0)), at(0)
        )
        assert result.outcome == CheckinOutcome.NO_CONSENT
        assert await attendance_rows(db) == []
        assert await count(db, Registration) == 0


async def test_with_two_open_sessions_the_code_picks_the_session(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        first = await make_training(db, trainer, START)
        second = await make_training(db, trainer, START)
        assert first.id is not None and second.id is not None
        await attendance.open_checkin(db, trainer, first.id, at(0))
        await attendance.open_checkin(db, trainer, second.id, at(0))
        result = await attendance.check_in(
            db, learner, attendance.current_code(second, at(0)), at(0)
        )
        assert (result.outcome, result.training) == (CheckinOutcome.CHECKED_IN, second)
        assert [row.session_id for row in await attendance_rows(db)] == [second.id]


# -- marks -------------------------------------------------------------------------------------


async def test_marks_update_the_one_row_and_audit_old_and_new(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None and learner.id is not None
        await register(db, training, learner)
        first = await attendance.mark(db, trainer, training.id, learner.id, "late", at(10))
        assert (first.old, first.new, first.changed) == (None, "late", True)
        again = await attendance.mark(db, trainer, training.id, learner.id, "late", at(11))
        assert not again.changed
        second = await attendance.mark(db, trainer, training.id, learner.id, "excused", at(12))
        assert (second.old, second.new) == ("late", "excused")

        rows = await attendance_rows(db)
        assert len(rows) == 1
        assert (rows[0].status, rows[0].method, rows[0].marked_by, rows[0].marked_at) == (
            "excused",
            "trainer",
            trainer.id,
            at(12),
        )
        entries = await audit.entries(db, "attendance", rows[0].id)
        assert [(e.action, e.actor_id, e.at) for e in entries] == [
            ("attendance.mark", trainer.id, at(10)),
            ("attendance.mark", trainer.id, at(12)),
        ]
        assert [(audit.details_of(e)["old"], audit.details_of(e)["new"]) for e in entries] == [
            (None, "late"),
            ("late", "excused"),
        ]


async def test_marks_refuse_bad_input(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        stranger = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None and learner.id is not None and stranger.id is not None
        await register(db, training, learner)
        cases = [
            (training.id, learner.id, "sleeping", at(0), "unknown-status"),
            (training.id + 100, learner.id, "present", at(0), "not-found"),
            (training.id, stranger.id, "present", at(0), "not-on-roster"),
            (training.id, learner.id, "present", at(-31), "too-early"),
        ]
        for session_id, learner_id, status, now, reason in cases:
            with pytest.raises(AttendanceError) as error:
                await attendance.mark(db, trainer, session_id, learner_id, status, now)
            assert error.value.reason == reason
        # Excused is fine before the session: the learner said so in advance.
        await attendance.mark(db, trainer, training.id, learner.id, "excused", at(-600))
        assert [row.status for row in await attendance_rows(db)] == ["excused"]


async def test_a_learner_marked_absent_who_then_checks_in_is_present(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        learner = await make_learner(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None and learner.id is not None
        await register(db, training, learner)
        await attendance.mark(db, trainer, training.id, learner.id, "absent", at(5))
        await attendance.open_checkin(db, trainer, training.id, at(6))
        result = await attendance.check_in(
            db, learner, attendance.current_code(training, at(6)), at(6)
        )
        assert result.outcome == CheckinOutcome.CHECKED_IN
        row = (await attendance_rows(db))[0]
        assert (row.status, row.method) == ("present", "code")


# -- walk-ins ----------------------------------------------------------------------------------


async def test_a_walk_in_counts_as_a_learner_with_attendance(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        person = await attendance.add_walk_in(
            db, trainer, training.id, "  Ana   Petrović ", None, "RS", "female", "25-34", at(5)
        )
        assert (
            person.telegram_id,
            person.source,
            person.consent,
            person.display_name,
            person.organisation,
            person.country,
            person.gender,
            person.age_band,
            person.added_by,
        ) == (
            None,
            "walk_in",
            "given",
            "Ana Petrović",
            "undisclosed",
            "RS",
            "female",
            "25-34",
            trainer.id,
        )
        row = (await attendance_rows(db))[0]
        assert (row.learner_id, row.status, row.method, row.marked_by) == (
            person.id,
            "present",
            "walk_in",
            trainer.id,
        )
        registration = (await db.exec(select(Registration))).one()
        assert registration.learner_id == person.id
        entries = await audit.entries(db, "attendance")
        assert [(e.actor_id, audit.details_of(e)["new"]) for e in entries] == [
            (trainer.id, "present")
        ]
        entries = await roster.roster(db, await sessions.seen(db, trainer, training.id))
        assert [(e.name, e.country, e.status, e.walk_in) for e in entries] == [
            ("Ana Petrović", "RS", "present", True)
        ]
        counts = await roster.counts(db, training.id)
        assert (counts.registered, counts.attended) == (1, 1)


async def test_walk_in_answers_are_checked(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None
        bad = [
            ("", None, "RS", "female", "25-34", "empty"),
            ("x" * 121, None, "RS", "female", "25-34", "too-long"),
            ("Ana", None, "FR", "female", "25-34", "unknown-choice"),
            ("Ana", None, "RS", "robot", "25-34", "unknown-choice"),
            ("Ana", None, "RS", "female", "100", "unknown-choice"),
        ]
        for name, organisation, country, gender, age, reason in bad:
            with pytest.raises(AttendanceError) as error:
                await attendance.add_walk_in(
                    db, trainer, training.id, name, organisation, country, gender, age, at(0)
                )
            assert error.value.reason == reason
        assert await count(db, Learner) == 1
        assert await attendance_rows(db) == []


async def test_the_walk_in_conversation_keeps_its_state_in_a_draft(database: Database):
    async with database.session() as db:
        trainer = await make_trainer(db)
        training = await make_training(db, trainer, START)
        assert training.id is not None and trainer.id is not None
        draft = await attendance.begin_walk_in(db, trainer, training.id, at(0))
        assert (draft.step, trainer.awaiting) == ("name", "walkin")
        with pytest.raises(AttendanceError) as stale:
            await attendance.walk_in_answer(db, trainer, WalkInStep.COUNTRY, "RS", at(0))
        assert stale.value.reason == "stale"
        step = await attendance.walk_in_answer(
            db, trainer, WalkInStep.NAME, "Marko Marković", at(0)
        )
        assert isinstance(step, attendance.WalkInDraft) and step.step == "organisation"

    async with database.session() as db:  # a restart in between
        trainer = await db.get(Learner, trainer.id)
        assert trainer is not None
        draft = await attendance.walk_in_draft(db, trainer)
        assert draft is not None and (draft.step, draft.name) == ("organisation", "Marko Marković")
        await attendance.walk_in_answer(
            db, trainer, WalkInStep.ORGANISATION, "Civic Initiatives", at(1)
        )
        await attendance.walk_in_answer(db, trainer, WalkInStep.COUNTRY, "ME", at(1))
        await attendance.walk_in_answer(db, trainer, WalkInStep.GENDER, None, at(1))
        person = await attendance.walk_in_answer(db, trainer, WalkInStep.AGE, "35-44", at(1))
        assert isinstance(person, Learner)
        assert (person.organisation, person.country, person.gender, person.age_band) == (
            "Civic Initiatives",
            "ME",
            "undisclosed",
            "35-44",
        )
        assert trainer.awaiting is None
        assert await count(db, Draft) == 0
        with pytest.raises(AttendanceError) as gone:
            await attendance.walk_in_answer(db, trainer, WalkInStep.AGE, "35-44", at(1))
        assert gone.value.reason == "no-draft"
        assert await count(db, Attendance) == 1
        assert await count(db, AuditEntry) == 1
