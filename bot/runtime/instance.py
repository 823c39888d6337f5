"""One bot process per database: the single-instance lock, taken before anything else at
``python -m bot run`` and held for the life of the process.

Two processes on one database would both poll Telegram and both handle every update (each
person answered twice, an invite redeemed twice). The lock is one the operating system or
the database server lets go of when the process dies, however it dies, so a crash never
leaves the bot unable to start:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its
  own, outside the pool; the server releases it when that connection closes (the process
  ended, was killed, or lost the server). :meth:`InstanceLock.check` takes it again after
  the connection was lost, and says so when another process took it meanwhile.
- SQLite: an exclusive ``flock`` on ``<database file>.lock`` beside the database; the kernel
  releases it when the process ends.

The second process stops with one line (:class:`InstanceLocked`). Behind the lock, each
stored update is claimed by one run (:mod:`bot.runtime.inbound`) and each outbox row by one
message (:mod:`bot.runtime.outbox.rows`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.db import async_url

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x4B61_7061_6369_7465
"""The advisory lock's key ("Kapacite" in ASCII): advisory locks are per database."""


class InstanceLocked(Exception):
    """Another bot process holds the lock of this database."""


class InstanceLock:
    """Held from :meth:`acquire` to :meth:`release`; see the module's description."""

    def __init__(self, url: str, slot: int = 0) -> None:
        self.url = url
        self.slot = slot
        """With several workers (PostgreSQL): each number is one process's alone."""
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._fd: int | None = None
        self.lost = False
        """Set when another process took the lock while this one's connection was lost."""

    @classmethod
    async def acquire(cls, url: str, slot: int = 0) -> InstanceLock:
        """Takes the lock of the database at ``url`` (of worker ``slot``), or raises
        :class:`InstanceLocked`."""
        lock = cls(url, slot)
        backend = make_url(url).get_backend_name()
        if backend in ("postgresql", "postgres"):
            await lock._take_advisory()
        elif backend == "sqlite":
            lock._take_file()
        return lock

    async def check(self) -> None:
        """Still held? After the PostgreSQL connection was lost (the server restarted), takes
        the lock again; raises :class:`InstanceLocked` when another process took it."""
        if self._engine is None:
            return
        try:
            assert self._connection is not None
            await self._connection.execute(sa.text("SELECT 1"))
            await self._connection.commit()
            return
        except Exception as error:
            log.warning("the single-instance lock's connection was lost (%s)", type(error).__name__)
        await self._close_connection()
        try:
            await self._take_advisory()
        except InstanceLocked:
            self.lost = True
            raise
        log.info("the single-instance lock is held again")

    async def release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY + self.slot}
                )
                await self._connection.commit()
            except Exception:  # closing the connection releases it all the same
                pass
        await self._close_connection()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._fd is not None:
            os.close(self._fd)  # releases the flock
            self._fd = None

    async def _take_advisory(self) -> None:
        if self._engine is None:
            # A pool of none: the connection is the lock's alone, never reused or recycled.
            self._engine = create_async_engine(async_url(self.url), poolclass=NullPool)
        connection = await self._engine.connect()
        try:
            taken = await connection.scalar(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY + self.slot}
            )
            # Session-level: it outlives this transaction; none stays open meanwhile.
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            raise InstanceLocked("another bot process is running on this database")
        self._connection = connection

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                await connection.invalidate()

    def _take_file(self) -> None:
        database = str(make_url(self.url).database or "")
        if database.startswith("file:"):  # an SQLite URI (``file:/path?mode=ro&uri=true``)
            database = urlsplit(database).path
        if database in ("", ":memory:"):
            return
        path = Path(database).with_name(Path(database).name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_exclusively(fd)
        except OSError:
            os.close(fd)
            raise InstanceLocked("another bot process is running on this database") from None
        # For an operator who looks: which process holds it.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd


def _lock_exclusively(fd: int) -> None:
    """An exclusive lock the kernel drops with the process; OSError when someone holds it."""
    if sys.platform == "win32":  # a lock on the file's first byte, dropped with the process
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
