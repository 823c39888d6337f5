"""Per-person flood control: more than FLOOD_MAX_UPDATES (20) updates from one person within
FLOOD_WINDOW_SECONDS (10) get one polite notice, then their updates are dropped until the window
clears (a few seconds without writing). In memory: a restart forgets, which is harmless.

Registered in group -10, before the features; dropped updates are marked done in the
durable intake here, since ``ApplicationHandlerStop`` skips the later groups.
"""

from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.i18n.languages import guess_language
from bot.runtime import intake
from bot.runtime.context import BotContext

GROUP = -10
"""Before the features (0) and before group -1, which stays free for other early handlers (a
TypeHandler takes every update, and PTB runs one handler per group)."""
STATE_KEY = "flood"


@dataclass
class FloodState:
    max_updates: int
    window: timedelta
    recent: dict[int, deque[datetime]] = field(default_factory=dict)
    """Per person: when their last updates came (at most max_updates + 1)."""
    warned: set[int] = field(default_factory=set)
    """People told to wait, and not yet past the window."""

    def over(self, user_id: int, now: datetime) -> bool:
        times = self.recent.setdefault(user_id, deque(maxlen=self.max_updates + 1))
        times.append(now)
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) > self.max_updates:
            return True
        self.warned.discard(user_id)
        if len(times) == 1 and len(self.recent) > 10_000:
            self._forget_quiet(now)
        return False

    def _forget_quiet(self, now: datetime) -> None:
        for user_id in [u for u, t in self.recent.items() if not t or now - t[-1] > self.window]:
            del self.recent[user_id]


async def check(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    deps = context.deps
    state: FloodState | None = context.bot_data.get(STATE_KEY)
    if state is None:
        state = context.bot_data[STATE_KEY] = FloodState(
            deps.settings.flood_max_updates, timedelta(seconds=deps.settings.flood_window_seconds)
        )
    now = deps.clock.now()
    if not state.over(user.id, now):
        return
    if user.id not in state.warned:
        state.warned.add(user.id)
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            tr = deps.translator_for(
                None, guess_language(user.language_code, deps.settings.default_language)
            )
            # The notice is a courtesy; the pause holds anyway.
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(
                    chat.id, tr._("You are sending a lot at once; please wait a few seconds.")
                )
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    await intake.mark_done(deps.database, update.update_id, now)
    raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, check, block=True)]
