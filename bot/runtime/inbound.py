"""The intake's database side: each update read and stored on its own, and queued only by the
run that claimed it (docs/architecture.md, "The durable intake").

*Read on its own.* An update PTB cannot read (a malformed one) is stored as ``failed``, and
an update the database cannot take (a lone surrogate in a text) is stored as ``failed``
without its payload: neither keeps the updates after it from being handled, and neither is
logged with what it says (its id and the error's type only).

*Claimed by one run.* Every run of the bot has a random id. An update is put into a run's
queue only once that run has claimed its row: inserting it (new rows come in claimed), or a
compare-and-set ``UPDATE … WHERE claimed_by IS NULL``, which one run wins. So two runs on one
database (the single-instance lock of :mod:`bot.runtime.instance` refuses to start a second
one; this is the line behind it) never handle one update twice. At start, a run holding that
lock takes over what a previous run claimed and did not finish (that run is gone).
"""

from __future__ import annotations

import datetime as dtm
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel import delete as sql_delete
from sqlmodel import update as sql_update
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.clock import Clock
from bot.db import Database
from bot.models import InboundUpdate
from bot.runtime.context import Deps

log = logging.getLogger("bot.runtime.intake")

PENDING = "pending"
DONE = "done"
FAILED = "failed"
MAX_ATTEMPTS = 3
KEEP_DONE = dtm.timedelta(days=2)
"""Telegram resends an update for at most a day; a done row only has to outlive that."""
KEEP_FAILED = dtm.timedelta(days=14)
"""Failed updates keep their payload for an operator to look into, then go."""


class IntakeStorageError(TelegramError):
    """The database refused a batch: PTB's retry loop backs off and polls the same batch again
    (the offset did not move, so Telegram sends it again)."""


@dataclass(frozen=True)
class Incoming:
    """One update as Telegram sent it; ``update`` is None when PTB could not read it."""

    update_id: int
    payload: str
    update: Update | None


@dataclass(frozen=True)
class Shards:
    """Several workers on one database (``WORKERS``): each chat belongs to one of them, which
    handles its updates one after the other, in order. Worker 0 polls Telegram and stores
    each update claimed by the worker of its chat (``claimed_by`` is the worker's stable name,
    :meth:`name`, not a run's random id: a worker that restarts takes its share over)."""

    count: int
    index: int

    def of(self, update: Update | None) -> int:
        """The worker of ``update``: by its chat (or its sender), else worker 0."""
        if update is None:
            return 0
        chat = update.effective_chat
        user = update.effective_user
        key = chat.id if chat is not None else user.id if user is not None else 0
        return key % self.count

    def name(self, index: int | None = None) -> str:
        return f"worker-{self.index if index is None else index}-of-{self.count}"


def read(raw: object, bot: Bot) -> Incoming | None:
    """Reads one update; None when it has not even an id (nothing can be stored of it)."""
    if not isinstance(raw, dict):
        return None
    update_id = raw.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    payload = json.dumps(raw, ensure_ascii=False)
    try:
        update: Update | None = Update.de_json(raw, bot)
    except Exception as error:  # a malformed update: set aside, the others go on
        log.warning(
            "Update %d could not be read (%s); set aside as failed",
            update_id,
            type(error).__name__,
        )
        update = None
    return Incoming(update_id, payload, update)


_TABLE = InboundUpdate.__table__  # type: ignore[attr-defined]
"""The table itself: the statements of every update go through SQLAlchemy Core, built once
(no ORM bulk path, no session synchronisation, a compiled form cached under one key)."""

_MARK_DONE = (
    sa.update(_TABLE)
    .where(_TABLE.c.update_id == sa.bindparam("done_id"), _TABLE.c.status != DONE)
    # The update's text and sender are personal data, no longer needed once handled.
    .values(status=DONE, processed_at=sa.bindparam("done_at"), payload="{}")
)

_SHARE = (
    sa.select(_TABLE.c.update_id, _TABLE.c.payload)
    .where(
        _TABLE.c.claimed_by == sa.bindparam("worker"),
        _TABLE.c.status == sa.bindparam("pending"),
        _TABLE.c.update_id > sa.bindparam("after"),
    )
    .order_by(_TABLE.c.update_id)
    .limit(500)
)


async def mark_done_in(db: AsyncSession, update_id: int, now: dtm.datetime) -> None:
    """Marks a stored update done within ``db``'s transaction (no-op for updates that were not
    stored): with a handler's own writes, so both are kept or neither."""
    connection = await db.connection()
    await connection.execute(_MARK_DONE, {"done_id": update_id, "done_at": now})


async def mark_done(database: Database, update_id: int, now: dtm.datetime) -> None:
    """Marks a stored update done (no-op for updates that were not stored)."""
    async with database.session() as db:
        await mark_done_in(db, update_id, now)


class Inbound:
    """The stored updates, as one run of the bot (``run_id``) sees them."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        run_id: str,
        bot: Bot,
        shards: Shards | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.shards = shards
        self.run_id = shards.name() if shards is not None else run_id
        """This run's claim: its random id, or with shards the worker's stable name."""
        self.bot = bot
        self._inserts: dict[tuple[Any, tuple[str, ...]], Any] = {}

    async def store(self, batch: Sequence[Incoming]) -> list[Update]:
        """Stores the batch; returns the updates this run claimed, to queue now, in order.

        Usually every id is new and one statement does it all (new rows come in claimed). An
        id stored before (Telegram resending after a restart, or the webhook's retry) is
        queued only if its row is pending and nobody claimed it. Raises
        :class:`IntakeStorageError` when the database itself refuses.
        """
        now = self.clock.now()
        try:
            inserted = await self._insert([self._row(item, now) for item in batch])
        except Exception:
            inserted = await self._insert_one_by_one(batch, now)
        stored_before = [item.update_id for item in batch if item.update_id not in inserted]
        claimed = await self._claim(stored_before, now) if stored_before else set()
        return [
            item.update
            for item in sorted(batch, key=lambda item: item.update_id)
            if item.update is not None
            and item.update_id in inserted | claimed
            and (self.shards is None or self.shards.of(item.update) == self.shards.index)
        ]

    async def claim_unfinished(self, *, take_over: bool) -> list[Update]:
        """Claims what a previous run stored but did not finish (a crash or a hard stop); an
        update queued :data:`MAX_ATTEMPTS` times without being done is set aside as failed
        instead (one that kills the bot every time must not keep it from starting).

        Rows another run claimed are taken over only with ``take_over``: when this run holds
        the single-instance lock, so that the other run is gone. Without it (the simulator,
        tests) only rows nobody claimed are taken, and a live run keeps its own."""
        now = self.clock.now()
        mine: sa.ColumnElement[bool] = (
            sa.true() if take_over else col(InboundUpdate.claimed_by).is_(None)
        )
        if self.shards is not None:  # a worker takes over its own share only
            mine = col(InboundUpdate.claimed_by) == self.run_id
        async with self.database.session() as db:
            given_up = await db.exec(
                sql_update(InboundUpdate)
                .where(col(InboundUpdate.status) == PENDING, mine)
                .where(col(InboundUpdate.attempts) >= MAX_ATTEMPTS)
                .values(status=FAILED, processed_at=now)
                .returning(col(InboundUpdate.update_id), col(InboundUpdate.attempts))
            )
            for update_id, attempts in given_up.all():
                log.warning(
                    "Update %d was queued %d times without being handled; left as failed",
                    update_id,
                    attempts,
                )
            taken = await db.exec(
                sql_update(InboundUpdate)
                .where(col(InboundUpdate.status) == PENDING, mine)
                .values(
                    claimed_by=self.run_id,
                    claimed_at=now,
                    attempts=col(InboundUpdate.attempts) + 1,
                )
                .returning(col(InboundUpdate.update_id), col(InboundUpdate.payload))
            )
            rows = sorted(taken.all())
        again: list[Update] = []
        unreadable: list[int] = []
        for update_id, payload in rows:
            try:
                again.append(Update.de_json(json.loads(payload), self.bot))
            except Exception as error:
                log.warning(
                    "Update %d could not be read (%s); set aside as failed",
                    update_id,
                    type(error).__name__,
                )
                unreadable.append(update_id)
        if unreadable:
            async with self.database.session() as db:
                await db.exec(
                    sql_update(InboundUpdate)
                    .where(col(InboundUpdate.update_id).in_(unreadable))
                    .values(status=FAILED, processed_at=now)
                )
        if again:
            log.info("Handling %d updates left unfinished by the previous run", len(again))
        return again

    def _row(self, item: Incoming, now: dtm.datetime) -> dict[str, Any]:
        if item.update is None:
            return {
                "update_id": item.update_id,
                "payload": item.payload,
                "received_at": now,
                "status": FAILED,
                "processed_at": now,
                "attempts": 0,
            }
        return {
            "update_id": item.update_id,
            "payload": item.payload,
            "received_at": now,
            "status": PENDING,
            "attempts": 1,
            "claimed_by": self.run_id
            if self.shards is None
            else self.shards.name(self.shards.of(item.update)),
            "claimed_at": now,
        }

    async def _insert(self, rows: list[dict[str, Any]]) -> set[int]:
        """Inserts the rows whose ids are new; returns the ids of the pending ones inserted."""
        if not rows:
            return set()
        insert = (
            postgresql.insert
            if self.database.engine.dialect.name == "postgresql"
            else sqlite.insert
        )
        # Rows of different shapes (pending, failed) go in separate statements.
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(sorted(row)), []).append(row)
        if len(shapes) == 1 and self.database.engine.dialect.name == "postgresql":
            # One statement is atomic by itself: no BEGIN and COMMIT round trips (the
            # usual case: every update of the batch readable).
            async with self.database.engine.connect() as plain:
                connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
                return await self._insert_shapes(connection, insert, shapes)
        async with self.database.engine.begin() as connection:
            return await self._insert_shapes(connection, insert, shapes)

    async def _insert_shapes(
        self,
        connection: AsyncConnection,
        insert: Any,
        shapes: dict[tuple[str, ...], list[dict[str, Any]]],
    ) -> set[int]:
        inserted: set[int] = set()
        for shape, same in shapes.items():
            # One statement a shape, built and compiled once; the rows as parameters.
            statement = self._inserts.get((insert, shape))
            if statement is None:
                statement = (
                    insert(_TABLE)
                    .on_conflict_do_nothing(index_elements=["update_id"])
                    .returning(_TABLE.c.update_id, _TABLE.c.status)
                )
                self._inserts[(insert, shape)] = statement
            result = await connection.execute(statement, same)
            inserted.update(update_id for update_id, status in result.all() if status == PENDING)
        return inserted

    async def _insert_one_by_one(self, batch: Sequence[Incoming], now: dtm.datetime) -> set[int]:
        """The batch was refused: each update on its own (twice, should the database have
        been in trouble for a moment). One the database cannot take even so is stored
        without its payload, as failed; if even that is refused, the database is what
        fails, and nothing is acknowledged."""
        inserted: set[int] = set()
        for item in batch:
            problem = ""
            for _ in range(2):
                try:
                    inserted |= await self._insert([self._row(item, now)])
                    break
                except Exception as error:
                    problem = type(error).__name__
            else:
                await self._set_aside(item, problem, now)
        return inserted

    async def _set_aside(self, item: Incoming, problem: str, now: dtm.datetime) -> None:
        bare = Incoming(item.update_id, "{}", None)
        try:
            await self._insert([self._row(bare, now)])
        except Exception as error:
            raise IntakeStorageError(f"could not store updates: {type(error).__name__}") from error
        log.warning(
            "Update %d could not be stored (%s); set aside as failed", item.update_id, problem
        )

    async def share_after(self, update_id: int) -> list[Update]:
        """A worker's share stored after ``update_id`` and not done yet, in order (the
        workers other than 0 read their updates here)."""
        async with self.database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    _SHARE, {"worker": self.run_id, "after": update_id, "pending": PENDING}
                )
            ).all()
        updates = []
        for found, payload in rows:
            try:
                updates.append(Update.de_json(json.loads(payload), self.bot))
            except Exception as error:
                log.warning("Update %d could not be read (%s)", found, type(error).__name__)
        return updates

    async def _claim(self, update_ids: list[int], now: dtm.datetime) -> set[int]:
        """Compare-and-set: the pending rows among ``update_ids`` that nobody claimed yet."""
        async with self.database.session() as db:
            result = await db.exec(
                sql_update(InboundUpdate)
                .where(col(InboundUpdate.update_id).in_(update_ids))
                .where(col(InboundUpdate.status) == PENDING)
                .where(col(InboundUpdate.claimed_by).is_(None))
                .values(
                    claimed_by=self.run_id,
                    claimed_at=now,
                    attempts=col(InboundUpdate.attempts) + 1,
                )
                .returning(col(InboundUpdate.update_id))
            )
            return set(result.scalars().all())


async def forget_old_updates(deps: Deps, bot: Bot) -> None:
    """Deletes handled updates once Telegram can no longer resend them, and any other after
    two weeks (failed ones, and pending ones no run took over): nothing of a person's
    messages is kept longer than that."""
    now = deps.clock.now()
    async with deps.database.session() as db:
        await db.exec(
            sql_delete(InboundUpdate)
            .where(col(InboundUpdate.status) == DONE)
            .where(col(InboundUpdate.processed_at) < now - KEEP_DONE)
        )
        await db.exec(
            sql_delete(InboundUpdate)
            .where(col(InboundUpdate.status) == FAILED)
            .where(col(InboundUpdate.processed_at) < now - KEEP_FAILED)
        )
        await db.exec(
            sql_delete(InboundUpdate)
            .where(col(InboundUpdate.status) == PENDING)
            .where(col(InboundUpdate.received_at) < now - KEEP_FAILED)
        )
