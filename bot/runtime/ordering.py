"""Several updates at once, each chat's one at a time and in order (``CONCURRENT_CHATS``).

python-telegram-bot handles one update at a time by default, which keeps every person's
updates in order but makes each tap wait for every tap before it, round trips to Telegram and
to the database included. Its ``concurrent_updates`` runs updates side by side but lets two
taps of one person overtake each other. :class:`PerChatProcessor` runs up to
``max_concurrent_updates`` at once, and the updates of one chat (or of one person, without a
chat) one after the other, in the order they came: each waits on its chat's lock, and tasks
reach it in the order the application created them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int:
    """The chat of an update (its sender's id without a chat; 0 for neither)."""
    if not isinstance(update, Update):
        return 0
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else 0


class PerChatProcessor(BaseUpdateProcessor):
    """See the module's description."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
