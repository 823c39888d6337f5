"""What every handler can reach: settings, database, content and translators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.i18n.translator import Translator, Translators
from bot.models import Learner
from bot.runtime.metrics import Metrics
from bot.services import learners

DEPS_KEY = "deps"


@dataclass(frozen=True)
class Deps:
    settings: Settings
    database: Database
    catalogue: Catalogue
    translators: Translators
    clock: Clock
    metrics: Metrics = field(default_factory=Metrics)
    """Prometheus counters of this bot (its own registry)."""

    def translator_for(self, learner: Learner | None, language: str | None = None) -> Translator:
        """How to speak to ``learner``: their language (or ``language``), with times in their
        country's time zone; the bot's default language and zone for nobody in particular."""
        if learner is None:
            return self.translators(language or self.settings.default_language)
        zone = ZoneInfo(learners.zone_name(learner, self.settings.timezone))
        return self.translators(language or learner.language, zone)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with typed access to our dependencies (one per update, for every group)."""

    update_done = False
    """Set once a unit of work (``bot.handlers.common.turn.turn``) has committed this update's done
    mark; the intake's own marking (``bot.runtime.intake``) then has nothing left to do."""

    @property
    def deps(self) -> Deps:
        deps: Deps = self.application.bot_data[DEPS_KEY]
        return deps


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
