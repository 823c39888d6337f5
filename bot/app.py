"""Builds the PTB application: settings, database, content and translators wired in."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot import intake, jobs, outbox
from bot.application import KapacitetApplication
from bot.clock import Clock, SystemClock
from bot.commands import publish_default_commands
from bot.config import Settings
from bot.content.catalogue import Catalogue, load_catalogue
from bot.context import DEPS_KEY, BotApplication, BotContext, Deps
from bot.db import Database
from bot.handlers import (
    account,
    announce,
    attendance,
    certificates,
    errors,
    exports,
    fallback,
    feedback,
    flood,
    lessons,
    mysessions,
    onboarding,
    quizzes,
    reminders,
    roles,
    sessions,
    stats,
)
from bot.i18n.translator import Translators
from bot.ops import OpsServer
from bot.request import BotRequest

log = logging.getLogger(__name__)

OPS_SERVER_KEY = "ops_server"

FEATURES = (
    onboarding,
    lessons,
    quizzes,
    account,
    reminders,
    feedback,
    roles,
    attendance,
    sessions,
    mysessions,
    certificates,
    stats,
    announce,
    exports,
)


def build_deps(
    settings: Settings, catalogue: Catalogue | None = None, clock: Clock | None = None
) -> Deps:
    return Deps(
        settings=settings,
        database=Database(settings.database_url),
        catalogue=catalogue or load_catalogue(),
        translators=Translators(settings.zone),
        clock=clock or SystemClock(),
    )


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    deps: Deps = application.bot_data[DEPS_KEY]
    ops: OpsServer | None = application.bot_data.get(OPS_SERVER_KEY)
    if ops is not None:
        await ops.start()
    await publish_default_commands(application.bot, deps.translators)
    # Announcements: delivers what a previous run left, then whatever is confirmed.
    outbox.start_worker(application)


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await outbox.stop_worker(application)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    deps: Deps = application.bot_data[DEPS_KEY]
    ops: OpsServer | None = application.bot_data.get(OPS_SERVER_KEY)
    if ops is not None:
        await ops.stop()
    await deps.database.dispose()


def build_application(
    deps: Deps, *, rate_limit: bool = True, background_jobs: bool = True, ops_server: bool = False
) -> BotApplication:
    """The bot; ``background_jobs=False`` leaves ``jobs.tick`` to the caller (tests);
    ``ops_server=True`` serves /health and /metrics on OPS_HOST:OPS_PORT (``python -m bot run``).
    """
    settings = deps.settings
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is needed to build the application")
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.zone,
            )
        )
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .application_class(KapacitetApplication)
        .request(BotRequest(deps.metrics))
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    application: BotApplication = builder.build()
    application.bot_data[DEPS_KEY] = deps
    if ops_server and settings.ops_port:
        application.bot_data[OPS_SERVER_KEY] = OpsServer(deps, settings.ops_host, settings.ops_port)
    # Polling stores each update before acknowledging it, and marks it done once handled.
    intake.install(application, deps.database, deps.clock)
    # Group -10: a person sending too much at once is paused before any feature runs.
    flood.register(application)
    for feature in FEATURES:
        feature.register(application)
    # Last: they take whatever the features above did not.
    fallback.register(application)
    errors.register(application)
    if background_jobs:
        jobs.schedule(application)
    return application
