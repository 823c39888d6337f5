"""``python -m bot copy-db``: a SQLite database copied into an empty one (PostgreSQL when
TEST_DATABASE_URL is set, else another SQLite file), every row and timestamp intact."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.cli.copy_db import CopyError, copy_database
from bot.cli.main import main
from bot.db import Database
from bot.models import (
    Announcement,
    AuditEntry,
    Delivery,
    Learner,
    OutboxMessage,
)
from tests.factories import (
    make_learner,
    make_training,
    make_walk_in,
    record_attendance,
    register,
)

STARTS = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)


@pytest.fixture
async def source_url(tmp_path: Path) -> str:
    """A SQLite database as a bot leaves it: learners, a session, attendance, an outbox."""
    url = f"sqlite:///{tmp_path / 'old' / 'kapacitet.sqlite3'}"
    database = Database(url)
    await database.migrate()
    try:
        async with database.session() as db:
            # Added by a trainer who got a higher id: the self-reference points forward.
            walk_in = await make_walk_in(db, "Јелена Јовановић")
            trainer = await make_learner(db, telegram_id=5001, language="sr-Cyrl")
            walk_in.added_by = trainer.id
            db.add(walk_in)
            others = [await make_learner(db, country="AL", gender="female") for _ in range(5)]
            others[0].reachable = False
            training = await make_training(db, trainer, STARTS, title="EU & CSOs")
            assert training.id is not None and walk_in.id is not None
            for person in [walk_in, *others]:
                await register(db, training, person)
                await record_attendance(
                    db,
                    training,
                    person,
                    method="trainer",
                    marked_by=trainer.id,
                    marked_at=STARTS + timedelta(minutes=5),
                )
            db.add(
                Delivery(
                    session_id=training.id,
                    learner_id=others[1].id,
                    kind="reminder-60",
                    session_start=STARTS,
                    status="sent",
                    sent_at=STARTS - timedelta(minutes=59, seconds=30),
                )
            )
            db.add(AuditEntry(actor_id=trainer.id, action="x", subject_type="y", subject_id=1))
            assert trainer.id is not None
            announcement = Announcement(created_by=trainer.id, text="<b>Hi</b>", status="done")
            db.add(announcement)
            await db.flush()
            assert announcement.id is not None
            for person in others:
                assert person.id is not None
                db.add(OutboxMessage(announcement_id=announcement.id, learner_id=person.id))
    finally:
        await database.dispose()
    return url


async def all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = {}
            for table in SQLModel.metadata.sorted_tables:
                keys = list(table.primary_key.columns)
                result = await connection.execute(sa.select(table).order_by(*keys))
                rows[table.name] = [tuple(row) for row in result]
            return rows
    finally:
        await database.dispose()


async def test_copy_keeps_every_row_and_moves_the_sequences(source_url: str, database_url: str):
    reported: list[str] = []
    counts = await copy_database(source_url, database_url, batch_size=2, report=reported.append)
    assert counts["learner"] == 7 and counts["attendance"] == 6 and counts["outbox"] == 5
    assert counts["delivery"] == 1 and "alembic_version" not in counts
    assert "  learner: 7 rows" in reported
    assert reported[-1] == f"Copied {sum(counts.values())} rows in {len(counts)} tables."

    source, target = await all_rows(source_url), await all_rows(database_url)
    assert source == target
    assert {name: len(rows) for name, rows in target.items()} == counts

    copied = Database(database_url)
    try:
        async with copied.session() as db:
            walk_in = (
                await db.exec(sa.select(Learner).where(Learner.source == "walk_in"))  # type: ignore[call-overload]
            ).scalar_one()
            assert walk_in.display_name == "Јелена Јовановић" and walk_in.added_by is not None
            delivery = (await db.exec(sa.select(Delivery))).scalar_one()  # type: ignore[call-overload]
            assert delivery.sent_at == STARTS - timedelta(minutes=59, seconds=30)
            assert delivery.sent_at.tzinfo is not None
            # New rows get new ids: the sequences were moved past the copied ones.
            newcomer = await make_learner(db)
            assert newcomer.id == max(row[0] for row in target["learner"]) + 1
    finally:
        await copied.dispose()


async def test_a_target_with_data_is_refused_unless_forced(source_url: str, database_url: str):
    await copy_database(source_url, database_url, report=lambda _: None)
    with pytest.raises(CopyError, match=r"already holds data: learner \(7 rows\)"):
        await copy_database(source_url, database_url, report=lambda _: None)
    counts = await copy_database(source_url, database_url, force=True, report=lambda _: None)
    assert counts["learner"] == 7
    assert await all_rows(source_url) == await all_rows(database_url)


async def test_the_command_prints_the_counts(
    source_url: str, database_url: str, capsys: pytest.CaptureFixture[str]
):
    # The command calls asyncio.run, which cannot run inside the test's loop: a thread.
    code = await asyncio.to_thread(
        main, ["copy-db", "--from", source_url, "--to", database_url, "--batch-size", "3"]
    )
    output = capsys.readouterr()
    assert code == 0, output.err
    assert "  registration: 6 rows" in output.out and "Copied " in output.out
    password = make_url(database_url).password
    assert not password or password not in output.out


async def test_what_cannot_be_copied_is_refused_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    target = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    missing = f"sqlite:///{tmp_path / 'nothing.sqlite3'}"
    code = await asyncio.to_thread(main, ["copy-db", "--from", missing, "--to", target])
    assert code == 1
    assert "there is no SQLite file" in capsys.readouterr().err
    assert not (tmp_path / "nothing.sqlite3").exists()

    unmigrated = tmp_path / "unmigrated.sqlite3"
    sqlite3.connect(unmigrated).close()
    with pytest.raises(CopyError, match=r"the source is at migration \(none\), this bot.s newest"):
        await copy_database(f"sqlite:///{unmigrated}", target, report=lambda _: None)
    with pytest.raises(CopyError, match="the same database"):
        await copy_database(target, target, report=lambda _: None)
