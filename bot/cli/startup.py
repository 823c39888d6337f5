"""Start-up failures the operator can fix, as one line each (not a traceback of 100 lines).

``python -m bot run`` (and ``migrate``) print ``Cannot start: <what>`` and exit with status
:data:`EXIT_CANNOT_START` when the database cannot be reached, refuses writes, was made by a
newer version of the bot, or is in use by another bot process; or when a port is taken or
Telegram refuses the token. Anything else is a fault of the bot and keeps its traceback.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from telegram.error import InvalidToken

from bot.db import shown
from bot.runtime.instance import InstanceLocked
from bot.runtime.ops import CannotListen

EXIT_CANNOT_START = 1

_UNREACHABLE = frozenset(
    {
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "InvalidAuthorizationSpecificationError",
        "InvalidCatalogNameError",
        "InvalidPasswordError",
        "TooManyConnectionsError",
    }
)
"""asyncpg's errors of a server that cannot be used (named: asyncpg is imported lazily)."""
_READ_ONLY = re.compile(r"read-only|readonly", re.IGNORECASE)
_NEWER = re.compile(r"Can't locate revision identified by '([^']+)'")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _alembic_error(error: BaseException) -> bool:
    """Whether ``error`` is Alembic's CommandError. Alembic (some 11 MiB) is imported only when
    there are migrations to apply, so only then can one be raised: not imported here."""
    alembic_errors = sys.modules.get("alembic.util.exc")
    return alembic_errors is not None and isinstance(error, alembic_errors.CommandError)


def explain(error: BaseException, database_url: str) -> str | None:
    """One line for a failure the operator can fix; None for anything else."""
    where = shown(database_url)
    chain = list(_chain(error))
    for link in chain:
        if isinstance(link, InstanceLocked):
            return (
                f"another Kapacitet bot is already running on the database {where}; "
                "only one may run at a time (stop the other one first)"
            )
        if _alembic_error(link) and (newer := _NEWER.search(str(link))):
            return (
                f"the database {where} was made by a newer version of Kapacitet (its schema "
                f"is at revision {newer.group(1)}, unknown to this one); run that version or "
                "a later one, or restore a backup made for this one"
            )
        if isinstance(link, InvalidToken):
            return "Telegram refused BOT_TOKEN; check it with @BotFather"
    for link in chain:
        name = type(link).__name__
        if name == "ReadOnlySQLTransactionError" or _READ_ONLY.search(str(link)):
            return (
                f"the database {where} refuses writes (read-only); check the file's "
                "permissions, or that DATABASE_URL names the primary server, not a replica"
            )
    for link in chain:
        name = type(link).__name__
        if isinstance(link, CannotListen):
            return str(link)  # names the address and the setting to change
        if (
            name in _UNREACHABLE
            or isinstance(link, OSError)  # refused, no such host, timed out
            or "unable to open database file" in str(link)
        ):
            return (
                f"the database {where} cannot be reached ({name}); check DATABASE_URL and "
                "that the database server is running"
            )
    return None
