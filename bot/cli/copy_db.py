"""``python -m bot copy-db``: copy every row from one database to another.

Made for moving from the default SQLite file to PostgreSQL, but works between any
two supported databases:

1. the source must be at the newest migration (run the bot, or ``python -m bot migrate``,
   on it first); it is only read;
2. the target is migrated to the newest revision; if it already holds rows the copy
   stops, unless ``force`` (then those rows are deleted first);
3. tables are copied parent before child (foreign-key order), in batches, all in one
   transaction on the target: a failure leaves the target as it was;
4. columns that point into their own table (``learner.added_by``) are filled in after
   the table's rows, so the order of rows does not matter;
5. PostgreSQL's id sequences are moved past the copied ids, so new rows get new ids;
6. the number of rows of each table is checked on the target and reported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.db import Database, alembic_config, shown

DEFAULT_BATCH_SIZE = 1000
SKIPPED_TABLES = frozenset({"alembic_version"})
SEEDED_ROWS = {"programme": "is_default"}
"""Rows a fresh migration writes (the default programme): not data of the target's own;
they are replaced by the source's."""


class CopyError(Exception):
    """The copy cannot go ahead; the message says why, for the operator."""


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def _same_database(first: str, second: str) -> bool:
    one, two = _sqlite_file(first), _sqlite_file(second)
    if one is not None or two is not None:
        return one == two
    a, b = make_url(first), make_url(second)
    return (a.host, a.port, a.database) == (b.host, b.port, b.database)


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _table_names(connection: Connection) -> list[str]:
    return [name for name in sa.inspect(connection).get_table_names() if name not in SKIPPED_TABLES]


def _reflect(connection: Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    return metadata


def _tables_in_order(target_meta: sa.MetaData) -> list[tuple[sa.Table, sa.Table]]:
    """(table to read the source with, table to write the target with), parents first.

    The bot's own table definitions are used where they exist: they carry the column
    types that convert values between SQLite and PostgreSQL (timestamps in UTC).
    """
    models = SQLModel.metadata.tables
    ordered: list[tuple[sa.Table, sa.Table]] = []
    for reflected in target_meta.sorted_tables:
        if reflected.name in SKIPPED_TABLES:
            continue
        model = models.get(reflected.name)
        ordered.append((model, model) if model is not None else (reflected, reflected))
    return ordered


def _self_references(table: sa.Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == table.name]


async def _own_rows(connection: AsyncConnection, table: sa.Table) -> int:
    """The rows of ``table`` that are not :data:`SEEDED_ROWS`."""
    seeded = SEEDED_ROWS.get(table.name)
    if seeded is None:
        return await _count(connection, table)
    query = sa.select(sa.func.count()).select_from(table).where(sa.not_(table.c[seeded]))
    return int((await connection.execute(query)).scalar_one())


async def _count(connection: AsyncConnection, table: sa.Table) -> int:
    result = await connection.execute(sa.select(sa.func.count()).select_from(table))
    return int(result.scalar_one())


async def _copy_table(
    source: AsyncConnection,
    target: AsyncConnection,
    read: sa.Table,
    write: sa.Table,
    batch_size: int,
) -> int:
    primary_key = list(write.primary_key.columns)
    self_refs = _self_references(write)
    if self_refs and len(primary_key) != 1:
        raise CopyError(f"{write.name}: cannot copy a self-reference without a one-column key")
    later: list[dict[str, object]] = []
    target_columns = {column.name for column in write.columns}
    order = [read.columns[column.name] for column in primary_key if column.name in read.columns]
    copied = 0
    result = await source.stream(sa.select(read).order_by(*order))
    async for rows in result.partitions(batch_size):
        batch = []
        for row in rows:
            values = {key: value for key, value in row._mapping.items() if key in target_columns}
            if self_refs:
                pointers = {
                    name: values[name] for name in self_refs if values.get(name) is not None
                }
                if pointers:
                    later.append({"_key": values[primary_key[0].name], **pointers})
                    values.update(dict.fromkeys(pointers))
            batch.append(values)
        await target.execute(sa.insert(write), batch)
        copied += len(batch)
    if later:
        key = primary_key[0]
        for name in self_refs:
            pending = [
                {"_key": item["_key"], f"_{name}": item[name]} for item in later if name in item
            ]
            statement = (
                sa.update(write)
                .where(key == sa.bindparam("_key"))
                .values({name: sa.bindparam(f"_{name}")})
            )
            for start in range(0, len(pending), batch_size):
                await target.execute(statement, pending[start : start + batch_size])
    return copied


async def _reset_sequences(target: AsyncConnection, tables: list[sa.Table]) -> None:
    """PostgreSQL: the next id of every serial or identity key comes after the copied ones."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        quoted = target.dialect.identifier_preparer.quote(table.name)
        column = target.dialect.identifier_preparer.quote(keys[0].name)
        await target.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({column}) FROM {quoted}), 0) + 1, false)"
            ),
            {"table": quoted, "column": keys[0].name},
        )


async def copy_database(
    source_url: str,
    target_url: str,
    *,
    force: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[str], object] = print,
) -> dict[str, int]:
    """Copies every row from ``source_url`` to ``target_url``; returns the rows per table."""
    if batch_size < 1:
        raise CopyError("the batch size must be at least 1")
    if _same_database(source_url, target_url):
        raise CopyError("the source and the target are the same database")
    source_file = _sqlite_file(source_url)
    if source_file is not None and not source_file.is_file():
        raise CopyError(f"there is no SQLite file {source_file}")

    source = Database(source_url)
    target = Database(target_url)
    try:
        async with source.engine.connect() as connection:
            revision = await connection.run_sync(_current_revision)
        head = _head_revision()
        if revision != head:
            raise CopyError(
                f"the source is at migration {revision or '(none)'}, this bot's newest is "
                f"{head}: run `DATABASE_URL={shown(source_url)} python -m bot migrate` "
                "(or start the old bot once with this version) first"
            )
        report(f"Migrating the target {shown(target_url)} ...")
        await target.migrate()
        counts: dict[str, int] = {}
        async with source.engine.connect() as src, target.engine.begin() as dst:
            if dst.dialect.name == "postgresql":
                # Timestamps without a zone (other tools' tables) are UTC, as in SQLite.
                await dst.execute(sa.text("SET LOCAL TIME ZONE 'UTC'"))
            target_meta = await dst.run_sync(_reflect)
            pairs = _tables_in_order(target_meta)
            source_tables = set(await src.run_sync(_table_names))
            missing = [write.name for _, write in pairs if write.name not in source_tables]
            if missing:
                raise CopyError(f"the source has no table {', '.join(missing)}")
            filled = {write.name: n for _, write in pairs if (n := await _own_rows(dst, write))}
            if filled and not force:
                listed = ", ".join(f"{name} ({n} rows)" for name, n in filled.items())
                raise CopyError(
                    f"the target already holds data: {listed}; use --force to replace it"
                )
            for _, write in reversed(pairs):
                if write.name in filled or write.name in SEEDED_ROWS:
                    await dst.execute(sa.delete(write))
            for read, write in pairs:
                copied = await _copy_table(src, dst, read, write, batch_size)
                stored = await _count(dst, write)
                if stored != copied:
                    raise CopyError(f"{write.name}: copied {copied} rows but {stored} arrived")
                counts[write.name] = copied
                report(f"  {write.name}: {copied} rows")
            if dst.dialect.name == "postgresql":
                await _reset_sequences(dst, [write for _, write in pairs])
        report(f"Copied {sum(counts.values())} rows in {len(counts)} tables.")
        return counts
    finally:
        await source.dispose()
        await target.dispose()
