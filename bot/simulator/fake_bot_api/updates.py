"""How updates reach the bot: the queue of pending updates, the getUpdates long poll (with its
offset confirmation, limits, allowed kinds and the conflict between two polls) and the webhook
setting that excludes polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable

from bot.simulator.fake_bot_api.protocol import ApiError, JSONDict, MethodHandler

# Update kinds that Telegram leaves out unless they are asked for by name.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """The updates waiting for the bot, and the methods by which it fetches them."""

    def __init__(self) -> None:
        self.webhook_url = ""
        self._pending: list[JSONDict] = []
        self._next_update_id = 1
        self.confirmed_offset = 0  # every update below this id has been taken by the bot
        self._allowed_updates: list[str] = []
        self._new_update = asyncio.Event()
        self._confirmed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False

    def table(self) -> dict[str, MethodHandler]:
        return {
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }

    def open(self) -> None:
        self._closing = False

    def close(self) -> None:
        """Answers pending long polls at once (the server is stopping)."""
        self._closing = True
        self._wake_pollers()

    def push(self, update: JSONDict) -> int:
        """Queue a raw update; ``update_id`` is assigned unless given (it must then grow)."""
        update = dict(update)
        given = update.get("update_id")
        if given is None:
            update_id = self._next_update_id
        else:
            update_id = int(given)
            if update_id < self._next_update_id:
                raise ValueError(f"update_id {update_id} is not above the last one pushed")
        update["update_id"] = update_id
        self._next_update_id = update_id + 1
        self._pending.append(update)
        self._wake_pollers()
        return update_id

    async def wait_fetched(
        self,
        update_id: int,
        timeout: float,  # noqa: ASYNC109
        polled: Callable[[], str],
    ) -> None:
        """Wait until a getUpdates call confirmed ``update_id``; ``polled`` names the server."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.confirmed_offset <= update_id:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"update {update_id} was not fetched within {timeout} s (bot confirmed "
                    f"updates below {self.confirmed_offset}); is the application polling "
                    f"{polled()}?"
                )
            event = self._confirmed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    @property
    def pending(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot."""
        return copy.deepcopy(self._pending)

    def _wake_pollers(self) -> None:
        self._new_update.set()
        self._new_update = asyncio.Event()

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # -N keeps only the last N pending updates
            keep = self._pending[offset:]
            offset = keep[0]["update_id"] if keep else self._next_update_id
        offset = min(offset, self._next_update_id)
        if offset <= self.confirmed_offset:
            return
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self.confirmed_offset = offset
        self._confirmed.set()
        self._confirmed = asyncio.Event()

    def _drop_pending(self) -> None:
        self._confirm(self._next_update_id)

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = set(self._allowed_updates)
        selected: list[JSONDict] = []
        for update in self._pending:
            kind = next((key for key in update if key != "update_id"), "")
            if (kind in allowed) if allowed else (kind not in _OPT_IN_UPDATES):
                selected.append(update)
                if len(selected) >= limit:
                    break
        return selected

    # -- methods --------------------------------------------------------------------------------

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is terminated by this one
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            ready = self._deliverable(limit)
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return copy.deepcopy(ready)
            event = self._new_update
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(kind) for kind in params["allowed_updates"]]
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info
