"""The catalogue kept up to date with what is published, without a restart.

Before any feature handles an update, the catalogue is rebuilt from the stored versions when
a publish in this process marked it stale, or, at most every ``REFRESH_SECONDS``, when the
generation in the database changed (a publish by another worker or by the command line):
one small query per interval, none per tap. The tick does the same for an idle bot.
"""

from __future__ import annotations

import logging
import time

from telegram import Bot, Update
from telegram.ext import TypeHandler

from bot.runtime.context import BotContext, Deps
from bot.services import content_sync, content_versions, translation_review

log = logging.getLogger(__name__)

GROUP = -20
"""Before flood control (-10) and the features (0)."""
REFRESH_SECONDS = 10.0
_LAST = "content_checked_at"


async def refresh(deps: Deps) -> None:
    """The catalogue rebuilt from the stored versions when they changed, then shown as
    learners see it under the review settings (``UNREVIEWED_TEXT``,
    ``SHOW_UNREVIEWED_LANGUAGES``): a publish may have marked translations for review."""
    async with deps.database.session() as db:
        if await content_versions.load_into(db, deps.catalogue):
            await translation_review.apply_learner_view(
                db,
                deps.catalogue,
                deps.clock.now(),
                deps.settings.unreviewed_text,
                deps.settings.show_unreviewed_languages,
            )


async def prepare(deps: Deps) -> None:
    """At start (the bot and the simulator alike): the shipped files stored as versions
    (once per change), then the catalogue built from what is published."""
    async with deps.database.session() as db:
        synced = await content_sync.sync_shipped(db)
    for module_id in synced.kept:
        log.warning(
            "The files of module %s changed, but the programme edited it in the bot: the "
            "files are not applied (python -m bot content export %s to compare)",
            module_id,
            module_id,
        )
    # The modules read from the files that are their published versions are kept as they
    # are; whatever else is stored is built from the database.
    deps.catalogue.adopt(synced.as_shipped)
    deps.catalogue.generation = None
    await refresh(deps)


async def before_update(update: Update, context: BotContext) -> None:
    catalogue = context.deps.catalogue
    now = time.monotonic()
    last: float | None = context.bot_data.get(_LAST)
    if not catalogue.stale and last is not None and now - last < REFRESH_SECONDS:
        return
    context.bot_data[_LAST] = now
    try:
        await refresh(context.deps)
    except Exception:
        # The update goes on with the catalogue it has; the next interval tries again.
        log.exception("the catalogue could not be refreshed")


async def refresh_catalogue(deps: Deps, bot: Bot) -> None:
    """The periodic task (``bot.app.JOBS``)."""
    del bot
    await refresh(deps)


HANDLERS = (TypeHandler(Update, before_update),)
