"""The read-only PostgreSQL role for BI tools (Metabase, Power BI, Excel's PostgreSQL
connector): it may log in and read the reporting views (``registry.REPORTING_VIEWS``), and
nothing else: no table (where the Telegram ids, comments and answers are), no writing.

Made by ``python -m bot reporting-role`` (bot/cli/main.py) with the password from the
settings (``REPORTING_PASSWORD``, never in the repository); running it again sets the
password again and re-grants the views (after a migration that added one). The views are
owned by the bot's own user and run with its rights, so reading them needs no right on the
tables beneath. SQLite has no users: see docs/reporting.md.
"""

from __future__ import annotations

import re
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.services.errors import ServiceError
from bot.services.indicators.registry import REPORTING_VIEWS

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
MIN_PASSWORD = 12


class Reason(StrEnum):
    NOT_POSTGRESQL = "not-postgresql"
    BAD_NAME = "bad-name"
    WEAK_PASSWORD = "weak-password"


class ReportingRoleError(ServiceError):
    reason: Reason


async def _quoted(connection: AsyncConnection, template: str, *values: str) -> str:
    """``template`` with ``values`` quoted by the server itself (``format`` with ``%I`` for
    names and ``%L`` for literals), so that no name or password is pasted into SQL."""
    names = ", ".join(f"CAST(:v{index} AS text)" for index in range(len(values)))
    statement = sa.text(f"SELECT format(CAST(:template AS text), {names})")
    params = {"template": template, **{f"v{index}": value for index, value in enumerate(values)}}
    result = (await connection.execute(statement, params)).scalar_one()
    return str(result)


def _check(engine: AsyncEngine, role: str) -> None:
    if engine.dialect.name != "postgresql":
        raise ReportingRoleError(Reason.NOT_POSTGRESQL)
    if not ROLE_NAME.fullmatch(role):
        raise ReportingRoleError(Reason.BAD_NAME)


async def grant_reporting_role(engine: AsyncEngine, role: str, password: str) -> list[str]:
    """Creates (or updates) ``role``: it logs in with ``password``, reads the reporting
    views and nothing else, and its transactions are read-only. Returns the views granted.
    Raises ReportingRoleError for SQLite, a bad role name or a short password."""
    _check(engine, role)
    if len(password) < MIN_PASSWORD:
        raise ReportingRoleError(Reason.WEAK_PASSWORD)
    async with engine.begin() as connection:
        exists = (
            await connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            )
        ).first()
        verb = "ALTER" if exists else "CREATE"
        statements = [
            await _quoted(
                connection,
                f"{verb} ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE "
                "NOREPLICATION NOBYPASSRLS",
                role,
                password,
            ),
            await _quoted(connection, "ALTER ROLE %I SET default_transaction_read_only = on", role),
            await _quoted(
                connection,
                "GRANT CONNECT ON DATABASE %I TO %I",
                str((await connection.execute(sa.text("SELECT current_database()"))).scalar()),
                role,
            ),
            await _quoted(connection, "GRANT USAGE ON SCHEMA public TO %I", role),
            await _quoted(connection, "REVOKE CREATE ON SCHEMA public FROM %I", role),
            await _quoted(connection, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I", role),
            await _quoted(connection, "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I", role),
        ]
        views = await _existing_views(connection)
        for view in views:
            statements.append(await _quoted(connection, "GRANT SELECT ON %I TO %I", view, role))
        for statement in statements:
            await connection.execute(sa.text(statement))
    return views


async def drop_reporting_role(engine: AsyncEngine, role: str) -> None:
    """Takes the role's rights in this database away and drops it (a role that has rights
    in other databases of the server stays; PostgreSQL says so)."""
    _check(engine, role)
    async with engine.begin() as connection:
        exists = (
            await connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            )
        ).first()
        if not exists:
            return
        for template in ("DROP OWNED BY %I", "DROP ROLE %I"):
            await connection.execute(sa.text(await _quoted(connection, template, role)))


async def _existing_views(connection: AsyncConnection) -> list[str]:
    found = await connection.execute(
        sa.text("SELECT viewname FROM pg_views WHERE schemaname = 'public'")
    )
    present = {name for (name,) in found}
    return [view for view in REPORTING_VIEWS if view in present]
