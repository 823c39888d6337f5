"""PTB's Application, plus what operators need to see: each update is counted by type, and
everything logged while it is processed carries its id and type (see :mod:`bot.runtime.logs`)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ExtBot

from bot.runtime.context import DEPS_KEY, BotContext, Deps
from bot.runtime.logs import UpdateRef, current_update, update_type


class KapacitetApplication(
    Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
):
    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        kind = update_type(update)
        token = current_update.set(UpdateRef(update.update_id, kind))
        try:
            await super().process_update(update)
        finally:
            current_update.reset(token)
            deps: Deps | None = self.bot_data.get(DEPS_KEY)
            if deps is not None:
                deps.metrics.updates.labels(kind).inc()
