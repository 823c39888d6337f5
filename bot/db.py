"""The database: one async engine, async sessions everywhere, migrations on start."""

from __future__ import annotations

import ast
import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.paths import ALEMBIC_INI, MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both SQLite (which keeps no zone) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def async_url(url: str) -> str:
    """Pick the async driver for a plain ``sqlite://`` or ``postgresql://`` address."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def shown(url: str) -> str:
    """The address without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _prepare_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _prepare_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, and the write-ahead log: a commit then syncs one file once instead of
    the rollback journal and the database several times (synchronous stays FULL, so a
    committed update survives a power cut), and readers no longer wait for a writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


SQLITE_BUSY_SECONDS = 30.0
"""How long a write on SQLite (which locks the whole file) waits for another transaction
before failing with "database is locked". A handler's unit of work stays open while it
answers through Telegram, which can take a read timeout (5 s) and retries: the default of
5 s made the outbox and the periodic tasks fail whenever a reply timed out."""


PING_AFTER_IDLE_SECONDS = 5.0
"""A PostgreSQL connection idle in the pool for longer than this is pinged before it is handed
out (a server restart or an idle timeout may have closed it meanwhile); one used more recently
is handed out as it is. SQLAlchemy's ``pool_pre_ping`` pings at every checkout: with asyncpg
that is three round trips (BEGIN, a no-op, ROLLBACK), and the bot checks out a connection
twice a tap (the intake's store, the handler's unit of work), so six of a tap's thirteen
round trips were pings. Should the server close a connection that was used within the last
few seconds, the one statement on it fails, SQLAlchemy drops every pooled connection, and
the next ones connect afresh; a statement in flight when the server goes down fails anyway."""

_LAST_USED = "kapacitet_last_used"


def _note_last_used(_dbapi_connection: Any, record: Any) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _ping_if_idle(engine: AsyncEngine, idle_seconds: float) -> Any:
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is not None and time.monotonic() - last_used < idle_seconds:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:  # as pool_pre_ping tells them apart
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # The pool discards this connection and checks out another (a new one if need be).
            raise sa.exc.DisconnectionError("the pooled connection was closed by the server")

    return checkout


def create_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> AsyncEngine:
    _prepare_sqlite_folder(url)
    sqlite_file = make_url(url).get_backend_name() == "sqlite"
    # hide_parameters: error messages would otherwise carry the values, personal data included.
    # pool_use_lifo: the connection used last is handed out first, so that under load the
    # same few stay busy (and unpinged) and the others idle out.
    engine = create_async_engine(
        async_url(url),
        hide_parameters=True,
        connect_args={"timeout": SQLITE_BUSY_SECONDS} if sqlite_file else {},
        **({} if sqlite_file else {"pool_use_lifo": True}),
    )
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine.sync_engine, "connect", _prepare_sqlite_connection)
    else:
        # A SQLite file cannot go away under an open connection; a PostgreSQL server can
        # restart (PING_AFTER_IDLE_SECONDS).
        pool = engine.sync_engine.pool
        sa.event.listen(pool, "checkout", _ping_if_idle(engine, ping_after_idle))
        sa.event.listen(pool, "connect", _note_last_used)
        sa.event.listen(pool, "checkin", _note_last_used)
    return engine


class Database:
    """The engine and a session factory, passed down to handlers through the context."""

    def __init__(self, url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> None:
        self.url = url
        self.engine = create_engine(url, ping_after_idle)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back on error."""
        async with self._sessions() as db:
            try:
                yield db
                await db.commit()
            except BaseException:
                await db.rollback()
                raise

    async def migrate(self) -> None:
        async with self.engine.begin() as connection:
            if await connection.run_sync(at_head):
                return  # nothing to do, and Alembic (some 11 MiB) stays unimported
            await connection.run_sync(run_migrations)

    async def dispose(self) -> None:
        await self.engine.dispose()


def head_revisions() -> set[str]:
    """The heads of the migration scripts, read from their ``revision`` and ``down_revision``
    without importing Alembic (empty when they cannot be read: Alembic decides then)."""
    revisions: set[str] = set()
    below: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision"):
                continue
            try:
                found = ast.literal_eval(value)
            except ValueError:
                return set()
            names = {found} if isinstance(found, str) else set(found or ())
            if target.id == "revision":
                revisions |= names
            elif target.id == "down_revision":
                below |= names
    return revisions - below


def at_head(connection: Connection) -> bool:
    """Whether the database is at the head of the migrations already."""
    heads = head_revisions()
    if not heads or not sa.inspect(connection).has_table("alembic_version"):
        return False
    stored = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
    return set(stored) == heads


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def run_migrations(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def migrate_url(url: str) -> None:
    """``python -m bot migrate``: apply every migration to the database at ``url``."""

    async def _run() -> None:
        database = Database(url)
        try:
            await database.migrate()
        finally:
            await database.dispose()

    asyncio.run(_run())
