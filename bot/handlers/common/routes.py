"""Where typed text and deep links go: the tables that ``bot.app`` fills in.

A feature that asks for typed text sets ``learner.awaiting`` to ``<step>`` or
``<step>:<state>``; the next text message goes to the step's handler. A ``/start`` with a
deep link goes to the handler of the link's kind, once the person is onboarded; before
that, someone new sees the link's preview where its kind has one. Both tables
are written in ``bot.app`` in one place, so a reader sees every route there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.handlers.common.deep_links import DeepLink
from bot.handlers.common.entry import TextStepRoute
from bot.handlers.common.turn import Turn
from bot.runtime.context import BotApplication, BotContext

FreeText = Callable[[Update, BotContext, Turn], Awaitable[None]]
"""What typed text does when no step awaits it (the offer to send it to a person)."""
LinkOpener = Callable[[Update, BotContext, Turn, Any], Awaitable[None]]
"""Opens a deep link of one kind; its last argument is that kind's :class:`DeepLink`."""


@dataclass(frozen=True)
class LinkPreview:
    """The first reply to someone new who opened a deep link, before onboarding: what the
    link offers, and whether it can still be used (else onboarding goes on without it)."""

    text: str
    usable: bool


LinkPreviewer = Callable[[Update, BotContext, Turn, Any], Awaitable[LinkPreview]]
"""Looks at a deep link of one kind without acting on it."""

ROUTES_KEY = "routes"


@dataclass(frozen=True)
class Routes:
    text_steps: Mapping[str, TextStepRoute] = field(default_factory=dict)
    """By the part of ``learner.awaiting`` before any ``:``."""
    deep_links: Mapping[type[DeepLink], LinkOpener] = field(default_factory=dict)
    previews: Mapping[type[DeepLink], LinkPreviewer] = field(default_factory=dict)
    """What someone new sees first when they open a link of the kind (optional per kind)."""
    free_text: FreeText | None = None


def install(application: BotApplication, routes: Routes) -> None:
    application.bot_data[ROUTES_KEY] = routes


def routes_of(context: BotContext) -> Routes:
    found: Routes = context.application.bot_data[ROUTES_KEY]
    return found


def text_step_for(context: BotContext, awaiting: str | None) -> TextStepRoute | None:
    if not awaiting:
        return None
    return routes_of(context).text_steps.get(awaiting.split(":", 1)[0])


def free_text_for(context: BotContext) -> FreeText | None:
    return routes_of(context).free_text


def opener_for(context: BotContext, link: DeepLink) -> LinkOpener | None:
    return routes_of(context).deep_links.get(type(link))


def previewer_for(context: BotContext, link: DeepLink) -> LinkPreviewer | None:
    return routes_of(context).previews.get(type(link))
