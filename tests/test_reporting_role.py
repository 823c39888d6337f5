"""The read-only role for BI tools, made by ``python -m bot reporting-role`` as an operator
would: on PostgreSQL it logs in with the password of the environment, reads every
reporting view, and is refused the tables, writing and creating; SQLite is refused with one
line."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.db import Database, alembic_config
from bot.services.indicators.registry import REPORTING_VIEWS
from tests.support.indicator_world import build_world
from tests.support.processes import bot_env

ROOT = Path(__file__).resolve().parents[1]


def reporting_role(
    database: Database, *arguments: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "reporting-role", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=bot_env(DATABASE_URL=database.url, **env),
    )


async def test_the_role_reads_the_views_and_nothing_else(database: Database):
    if database.engine.dialect.name != "postgresql":
        result = reporting_role(database, REPORTING_PASSWORD="a-long-enough-password")
        assert result.returncode == 2
        assert result.stderr.strip() == (
            "Cannot make the reporting role: SQLite has no users; see docs/reporting.md for "
            "a read-only copy."
        )
        return
    await build_world(database)
    role = f"kapacitet_bi_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    # No password, no role.
    refused = reporting_role(database, REPORTING_ROLE=role)
    assert refused.returncode == 2 and "REPORTING_PASSWORD" in refused.stderr
    made = reporting_role(database, REPORTING_ROLE=role, REPORTING_PASSWORD=password)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == (
        f"The role {role} may log in and read only: {', '.join(REPORTING_VIEWS)}."
    )
    assert password not in made.stdout + made.stderr
    async with database.engine.connect() as connection:
        owner_sees = (
            await connection.execute(sa.text("SELECT COUNT(*) FROM trained_view"))
        ).scalar()
    url = make_url(database.url).set(username=role, password=password)
    reader = Database(url.render_as_string(hide_password=False))
    try:
        async with reader.engine.connect() as connection:
            trained = await connection.execute(sa.text("SELECT COUNT(*) FROM trained_view"))
            assert trained.scalar() == owner_sees == 8  # every counted attendance
            for view in REPORTING_VIEWS:
                await connection.execute(sa.text(f"SELECT * FROM {view} LIMIT 1"))
        for forbidden in (
            "SELECT telegram_id FROM learner",
            "SELECT comment FROM feedback",
            "SELECT * FROM alembic_version",
            "DELETE FROM learner",
            "DELETE FROM trained_view",
            "CREATE TABLE mine (id integer)",
            "SET default_transaction_read_only = off; CREATE TABLE mine (id integer)",
        ):
            async with reader.engine.connect() as connection:
                with pytest.raises(DBAPIError) as refusal:
                    for statement in forbidden.split("; "):
                        await connection.execute(sa.text(statement))
            message = str(refusal.value.orig)
            refused = ("permission denied", "read-only", "cannot delete from view")
            assert any(reason in message for reason in refused), message
        # Running it again (a new password, a view added by a migration) keeps it working.
        again = reporting_role(database, REPORTING_ROLE=role, REPORTING_PASSWORD=password + "x")
        assert again.returncode == 0, again.stderr
    finally:
        await reader.dispose()
        dropped = reporting_role(database, "--drop", REPORTING_ROLE=role)
        assert dropped.returncode == 0, dropped.stderr
    async with database.engine.connect() as connection:
        left = await connection.execute(
            sa.text("SELECT COUNT(*) FROM pg_roles WHERE rolname = :role"), {"role": role}
        )
        assert left.scalar() == 0


async def test_the_role_still_reads_the_views_a_migration_makes_again(database: Database):
    """Migration 0008 drops and makes views again (PostgreSQL forgets their grants): down
    and up again, the role reads every view without running the command again."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no users")
    await build_world(database)
    role = f"kapacitet_bi_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    made = reporting_role(database, REPORTING_ROLE=role, REPORTING_PASSWORD=password)
    assert made.returncode == 0, made.stderr

    def down_and_up(connection: sa.Connection) -> None:
        command.downgrade(alembic_config(connection), "0007_learn2")
        command.upgrade(alembic_config(connection), "head")

    url = make_url(database.url).set(username=role, password=password)
    reader = Database(url.render_as_string(hide_password=False))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(down_and_up)
        async with reader.engine.connect() as connection:
            for view in REPORTING_VIEWS:
                await connection.execute(sa.text(f"SELECT * FROM {view} LIMIT 1"))
            trained = await connection.execute(sa.text("SELECT COUNT(*) FROM trained_view"))
            assert trained.scalar() == 8
            with pytest.raises(DBAPIError):
                await connection.execute(sa.text("SELECT telegram_id FROM learner"))
    finally:
        await reader.dispose()
        dropped = reporting_role(database, "--drop", REPORTING_ROLE=role)
        assert dropped.returncode == 0, dropped.stderr
