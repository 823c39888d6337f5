"""Where typed text and deep links go: the tables that ``bot.app`` fills in.

A feature that asks for typed text sets ``learner.awaiting`` to ``<step>`` or
``<step>:<state>``; the next text message goes to the step's handler. A ``/start`` with a
deep link goes to the handler of the link's kind, once the person is onboarded; before
that, someone new sees the link's preview where its kind has one. A public
link (``DeepLink.public``: a certificate's verification) is opened at once by
:class:`PublicLinkRoute`, before anything else, for anyone: it opens no unit of work, so no
person is recorded, and reads only. The tables are written in ``bot.app`` in one place, so
a reader sees every route there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, CommandHandler
from telegram.ext.filters import MessageFilter

from bot.handlers.common.deep_links import DeepLink, parse
from bot.handlers.common.entry import PRIVATE, TextStepRoute
from bot.handlers.common.turn import Turn
from bot.i18n.languages import guess_language
from bot.i18n.translator import Translator
from bot.runtime import intake
from bot.runtime.context import BotApplication, BotContext
from bot.services import learners

log = logging.getLogger(__name__)

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
PUBLIC_LINKS_GROUP = -5
"""After the flood control (-10), before the features (0); -1 stays free."""


@dataclass(frozen=True)
class Visitor:
    """Whoever opens a public link: the database to read, and their language (their own if
    the bot knows them, else their Telegram app's guess). Nothing about them is stored."""

    db: AsyncSession
    tr: Translator


PublicLinkOpener = Callable[[Update, BotContext, Visitor, Any], Awaitable[None]]
"""Opens a public deep link of one kind; its last argument is that kind's :class:`DeepLink`."""


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


class _PublicPayload(MessageFilter):
    """``/start <payload>`` whose payload is a public link of the table."""

    def __init__(self, kinds: frozenset[type[DeepLink]]) -> None:
        super().__init__(name="public-link")
        self.kinds = kinds

    def filter(self, message: Message) -> bool:
        words = (message.text or "").split()
        link = parse(words[1]) if len(words) == 2 else None
        return link is not None and link.public and type(link) in self.kinds


class PublicLinkRoute(CommandHandler[BotContext, None]):
    """``/start <public link>``: opened for anyone, at once, in group
    :data:`PUBLIC_LINKS_GROUP`; the later groups are skipped and the update is marked done
    here."""

    def __init__(self, openers: Mapping[type[DeepLink], PublicLinkOpener]) -> None:
        for kind in openers:
            if not kind.public:
                raise TypeError(f"{kind.__name__} is not a public link")
        self.openers = dict(openers)
        super().__init__(
            "start", self._run, filters=PRIVATE & _PublicPayload(frozenset(self.openers))
        )

    async def _run(self, update: Update, context: BotContext) -> None:
        deps = context.deps
        user = update.effective_user
        link = parse(context.args[0]) if context.args else None
        opener = self.openers.get(type(link)) if link is not None else None
        if user is not None and link is not None and opener is not None:
            async with deps.database.session() as db:
                known = await learners.find(db, user.id)
                if known is not None:
                    tr = deps.translator_for(known)
                else:
                    guess = guess_language(user.language_code, deps.settings.default_language)
                    tr = deps.translators(guess)
                await opener(update, context, Visitor(db, tr), link)
        await intake.mark_done(deps.database, update.update_id, deps.clock.now())
        raise ApplicationHandlerStop
