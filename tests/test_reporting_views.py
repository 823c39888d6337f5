"""The SQL views for BI tools (migration 0004) on SQLite and PostgreSQL: they exist after
migrating, hold the expected rows of tests/support/export_world.py, keep personal data out
where it must stay out, agree with the export, and go away on downgrade."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from bot.db import Database, alembic_config
from bot.models import Programme
from bot.services import exports
from bot.services import programmes as programme_service
from bot.services.exports import ExportRequest
from bot.services.indicators.registry import REPORTING_VIEWS
from bot.services.roles import FULL_SCOPE
from tests.factories import make_feedback, make_learner, make_training, record_attendance
from tests.support.export_world import World, build_world
from tests.support.reporting import EU, PW, utc

VIEWS = set(REPORTING_VIEWS)


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


def moment(value: Any) -> datetime | None:
    """A timestamp as the view gives it: a string on SQLite, a datetime on PostgreSQL."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def number(value: Any) -> float | None:
    return None if value is None else float(value) if isinstance(value, Decimal | float) else value


async def rows(database: Database, sql: str) -> list[dict[str, Any]]:
    async with database.engine.connect() as connection:
        result = await connection.execute(sa.text(sql))
        return [dict(row._mapping) for row in result]


async def test_the_views_exist_and_go_away_on_downgrade(database: Database):
    def views(connection: sa.Connection) -> set[str]:
        return set(sa.inspect(connection).get_view_names())

    async with database.engine.connect() as connection:
        assert await connection.run_sync(views) == VIEWS

    def downgrade(connection: sa.Connection) -> set[str]:
        command.downgrade(alembic_config(connection), "0003")
        return views(connection)

    async with database.engine.begin() as connection:
        assert await connection.run_sync(downgrade) == set()


async def test_attendance_view(database: Database, world: World):
    found = await rows(
        database,
        "SELECT session_id, learner_id, registration_status, attendance_status, attended, "
        "erased, name, organisation, country, gender, age_band, session_title, "
        "session_country, module_id, session_cancelled_at, session_starts_at, learner_source "
        "FROM attendance_view ORDER BY session_id, learner_id",
    )
    p, s = world.people, world.sessions
    ana = ("Ana Hoxhë", "Civic Lab", "XK", "female", "25-34")
    boris = ("Boris Petrović", "Forum", "RS", "male", "35-44")
    vesna = ("Vesna", "Civic Lab", "XK", "female", "45-54")
    nobody = (None, None, None, None, None)
    jelena = ("Јелена Јовановић", "Forum", "RS", "female", "18-24")
    old = ("Old Timer", "Civic Lab", "XK", "male", "55-64")
    expected = [
        (s["xk"], p["ana"], "registered", "present", 1, 0, *ana),
        (s["xk"], p["boris"], "apologised", None, 0, 0, *boris),
        (s["xk"], p["erased"], "registered", "present", 1, 1, *nobody),
        (s["xk"], p["vesna"], "registered", "present", 1, 0, *vesna),
        (s["xk"], p["nocon"], None, "present", 1, 0, *nobody),
        (s["rs"], p["ana"], "registered", "late", 1, 0, *ana),
        (s["rs"], p["boris"], "registered", "absent", 0, 0, *boris),
        (s["rs"], p["jelena"], "registered", "present", 1, 0, *jelena),
        (s["al"], p["dora"], "registered", None, 0, 0, "Dora", "Forum", "AL", "female", "25-34"),
        (s["old"], p["old"], "registered", "present", 1, 0, *old),
        (s["future"], p["vesna"], "registered", None, 0, 0, *vesna),
    ]
    assert [tuple(row.values())[:11] for row in found] == expected
    first = found[0]
    assert (first["session_title"], first["session_country"], first["module_id"]) == (
        "Siguria digjitale",
        "XK",
        PW,
    )
    assert moment(first["session_starts_at"]) == utc(2026, 3, 10)
    assert moment(found[8]["session_cancelled_at"]) == utc(2026, 5, 20)
    assert found[7]["learner_source"] == "walk_in"


async def test_participants_view(database: Database, world: World):
    found = await rows(
        database,
        "SELECT learner_id, erased, name, organisation, vulnerable_group, "
        "sessions_registered, sessions_attended, modules_started, modules_completed, source "
        "FROM participants_view ORDER BY learner_id",
    )
    p = world.people
    # The trainer took part in nothing and is not a participant.
    assert [tuple(row.values())[:9] for row in found] == [
        (p["ana"], 0, "Ana Hoxhë", "Civic Lab", None, 2, 2, 1, 1),
        (p["boris"], 0, "Boris Petrović", "Forum", None, 1, 0, 1, 0),
        (p["jelena"], 0, "Јелена Јовановић", "Forum", None, 1, 1, 0, 0),
        (p["erased"], 1, None, None, None, 1, 1, 0, 0),
        (p["vesna"], 0, "Vesna", "Civic Lab", "roma-egyptian-ashkali", 2, 1, 0, 0),
        (p["old"], 0, "Old Timer", "Civic Lab", None, 1, 1, 1, 1),
        (p["dora"], 0, "Dora", "Forum", None, 1, 0, 0, 0),
        (p["nocon"], 0, None, None, None, 0, 1, 0, 0),
    ]
    assert found[2]["source"] == "walk_in"


async def test_learning_view(database: Database, world: World):
    found = await rows(
        database,
        "SELECT learner_id, module_id, started_at, completed_at, completed, pre_correct, "
        "pre_questions, pre_percent, post_attempts, best_post_correct, best_post_percent, "
        "gain_points FROM learning_view ORDER BY learner_id, module_id",
    )
    p = world.people
    normalised = [
        (
            row["learner_id"],
            row["module_id"],
            moment(row["started_at"]),
            moment(row["completed_at"]),
            row["completed"],
            row["pre_correct"],
            row["pre_questions"],
            number(row["pre_percent"]),
            row["post_attempts"],
            row["best_post_correct"],
            number(row["best_post_percent"]),
            number(row["gain_points"]),
        )
        for row in found
    ]
    nothing = (None, None, None, 0, None, None, None)
    assert normalised == [
        # The pre-test (08:00) came before the first card (10:00).
        (p["ana"], PW, utc(2026, 2, 1, 8), utc(2026, 2, 3), 1, 2, 5, 40.0, 2, 5, 100.0, 60.0),
        (p["boris"], EU, utc(2026, 4, 1), None, 0, 1, 5, 20.0, 0, None, None, None),
        (p["old"], PW, utc(2025, 11, 1), utc(2025, 11, 2), 1, *nothing),
    ]


async def test_the_attendance_view_agrees_with_the_export(database: Database, world: World):
    async with database.session() as db:
        exported = [
            (row.training.id, row.learner_id, row.name, row.organisation, row.status)
            async for chunk in exports.attendance_rows(db, ExportRequest(FULL_SCOPE))
            for row in chunk
        ]
    found = await rows(
        database,
        "SELECT session_id, learner_id, name, organisation, "
        "COALESCE(attendance_status, registration_status) AS status "
        "FROM attendance_view WHERE session_cancelled_at IS NULL",
    )
    assert sorted(exported) == sorted(tuple(row.values()) for row in found)


async def test_a_sessions_rows_carry_its_programme(database: Database):
    """attendance_view, trained_view and satisfaction_view say which programme a session
    is in, so that a BI tool can filter by programme: a session of a programme made for it,
    and one that went to the default programme."""
    async with database.session() as db:
        trainer = await make_learner(db)
        person = await make_learner(db, country="RS")
        programme = Programme(
            name="SOE-3",
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 6, 30),
            is_default=False,
            created_at=utc(2026, 1, 1),
        )
        db.add(programme)
        await db.flush()
        ours = await make_training(db, trainer, utc(2026, 3, 10), programme_id=programme.id)
        other = await make_training(db, trainer, utc(2026, 4, 10))
        for training in (ours, other):
            await record_attendance(db, training, person)
            await make_feedback(db, training, person, 4)
        default = await programme_service.default_programme(db, utc(2026, 4, 10))
        expected = [
            (ours.id, programme.id, "SOE-3"),
            (other.id, default.id, default.name),
        ]
    for view in ("attendance_view", "trained_view", "satisfaction_view"):
        found = await rows(
            database,
            f"SELECT session_id, programme_id, programme_name FROM {view} ORDER BY session_id",
        )
        assert [tuple(row.values()) for row in found] == expected, view
    assert default.name == "Default programme" and default.id != programme.id
