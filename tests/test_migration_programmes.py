"""Migration 0007_prog on a database that holds sessions: they all go to one default
programme, coordinators keep their scope (no programme limit), and going back and forth
keeps the sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from bot.db import Database, alembic_config

SESSION = (
    "INSERT INTO training_session (id, code, trainer_id, title, starts_at, duration_minutes,"
    " country, language, capacity, created_at, updated_at, version, checkin_secret)"
    " VALUES (:id, :code, 1, 'Old day', :starts, 60, 'RS', 'sr', 20, :starts, :starts, 1, 's')"
)


async def test_existing_sessions_go_to_the_default_programme(database_url: str):
    database = Database(database_url)
    try:

        def before(connection: sa.Connection) -> None:
            command.upgrade(alembic_config(connection), "0006_intake")
            connection.execute(
                sa.text(
                    "INSERT INTO learner (id, language, language_chosen, consent, source,"
                    " reachable, created_at) VALUES (1, 'en', true, 'given', 'telegram', true,"
                    " :now)"
                ),
                {"now": datetime(2025, 1, 1, tzinfo=UTC)},
            )
            for number, day in (
                (1, datetime(2025, 3, 4, 9, tzinfo=UTC)),
                (2, datetime(2026, 5, 6, 9, tzinfo=UTC)),
            ):
                connection.execute(
                    sa.text(SESSION), {"id": number, "code": f"C{number}", "starts": day}
                )
            command.upgrade(alembic_config(connection), "head")

        async with database.engine.begin() as connection:
            await connection.run_sync(before)
        async with database.engine.connect() as connection:
            programmes = (
                await connection.execute(
                    sa.text("SELECT id, name, starts_on, is_default FROM programme")
                )
            ).all()
            sessions = (
                await connection.execute(
                    sa.text("SELECT id, programme_id FROM training_session ORDER BY id")
                )
            ).all()
        [(number, name, starts_on, is_default)] = programmes
        assert (name, bool(is_default)) == ("Default programme", True)
        assert str(starts_on) == str(date(2025, 3, 4))
        assert [tuple(row) for row in sessions] == [(1, number), (2, number)]

        def back_and_forth(connection: sa.Connection) -> int:
            command.downgrade(alembic_config(connection), "0006_intake")
            command.upgrade(alembic_config(connection), "head")
            return int(
                connection.execute(sa.text("SELECT COUNT(*) FROM training_session")).scalar_one()
            )

        async with database.engine.begin() as connection:
            assert await connection.run_sync(back_and_forth) == 2
    finally:
        await database.dispose()
