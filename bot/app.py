"""Builds the PTB application: settings, database, content and translators wired in."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.catalogue import Catalogue, load_catalogue
from bot.db import Database
from bot.handlers import (
    account,
    announce,
    attendance,
    certificates,
    content,
    errors,
    exports,
    fallback,
    feedback,
    flood,
    groups,
    inbox,
    items,
    learning,
    menu,
    mysessions,
    nudges,
    onboarding,
    privacy_notice,
    problems,
    reminders,
    roles,
    sessions,
    stats,
    subscriptions,
    targets,
    translations,
    walk_in_data,
)
from bot.handlers.common import routes
from bot.handlers.common.deep_links import (
    CheckinLink,
    DeepLink,
    RoleInviteLink,
    SessionInviteLink,
    VerifyLink,
)
from bot.handlers.common.entry import TextStepRoute
from bot.handlers.common.menus import publish_default_commands, publish_description
from bot.handlers.common.routes import (
    PUBLIC_LINKS_GROUP,
    LinkOpener,
    LinkPreviewer,
    PublicLinkOpener,
    PublicLinkRoute,
    Routes,
)
from bot.handlers.content import refresh as content_refresh
from bot.i18n.translator import Translators
from bot.runtime import intake, jobs, outbox
from bot.runtime.application import KapacitetApplication
from bot.runtime.context import DEPS_KEY, BotApplication, BotContext, Deps
from bot.runtime.jobs import PeriodicTask
from bot.runtime.ops import OpsServer
from bot.runtime.ordering import PerChatProcessor
from bot.runtime.ratelimit import OVERALL_PER_SECOND, TelegramRateLimiter
from bot.runtime.request import telegram_requests

log = logging.getLogger(__name__)

OPS_SERVER_KEY = "ops_server"

FEATURES = (
    groups,
    onboarding,
    learning,
    menu,
    account,
    privacy_notice,
    feedback,
    roles,
    attendance,
    sessions,
    mysessions,
    certificates,
    stats,
    items,
    targets,
    subscriptions,
    problems,
    inbox,
    translations,
    nudges,
    announce,
    exports,
    walk_in_data,
    content,
)
"""Group 0, in this order (``groups`` first: it takes every update of a group chat).
PTB gives an update to the first handler of a group whose pattern
matches, so a command or a button prefix belongs to exactly one feature; the fallback comes
after all of them."""

TEXT_STEPS: tuple[TextStepRoute, ...] = (
    onboarding.receive_organisation,
    onboarding.receive_name,
    sessions.receive_new_session_text,
    sessions.receive_edit_text,
    attendance.receive_checkin_code,
    attendance.receive_walk_in_text,
    feedback.receive_comment,
    certificates.receive_name,
    certificates.receive_code,
    announce.receive_text,
    exports.receive_text,
    problems.receive_comment,
    problems.receive_answer,
    inbox.receive_reply,
)
"""Where typed text goes while ``learner.awaiting`` names a step (the part before any ':');
each is declared with its step, who may type it and how it ends for someone who may not."""

DEEP_LINKS: dict[type[DeepLink], LinkOpener] = {
    SessionInviteLink: mysessions.open_invitation,
    RoleInviteLink: roles.open_invite,
    CheckinLink: attendance.open_checkin_link,
}
"""``/start <payload>``: opened once the person is onboarded (``bot.handlers.onboarding``)."""

LINK_PREVIEWS: dict[type[DeepLink], LinkPreviewer] = {
    SessionInviteLink: mysessions.preview_invitation,
    RoleInviteLink: roles.preview_invite,
}
"""What someone new who opens a link sees first, before the questions of onboarding."""

PUBLIC_LINKS: dict[type[DeepLink], PublicLinkOpener] = {
    VerifyLink: certificates.open_verify_link,
}
"""``/start <payload>`` opened for anyone at once, before onboarding, storing nothing about
who opens it (``DeepLink.public``)."""

JOBS: tuple[PeriodicTask, ...] = (
    content_refresh.refresh_catalogue,
    intake.forget_old_updates,
    attendance.refresh_checkin_codes,
    feedback.send_feedback_questions,
    reminders.send_reminders,
    subscriptions.deliver_reports,
    nudges.send_nudges,
    reminders.send_trainer_reminders,
)
"""Run every tick (``bot.runtime.jobs``), in this order."""


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
    await publish_description(application.bot, deps.translators)
    # Announcements: delivers what a previous run left, then whatever is confirmed (by worker
    # 0 alone when there are several: the outbox sends each message at most once per process).
    if deps.settings.worker == 0:
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
    )
    requests, get_updates_requests = telegram_requests(deps.metrics)
    builder = builder.request(requests).get_updates_request(get_updates_requests)
    if settings.concurrent_chats > 1:
        builder = builder.concurrent_updates(PerChatProcessor(settings.concurrent_chats))
    if rate_limit:
        # Telegram's limit is the bot's, whatever the number of workers: each gets its part.
        limiter = TelegramRateLimiter(
            max_retries=3, overall_per_second=max(1, OVERALL_PER_SECOND // settings.workers)
        )
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application: BotApplication = builder.build()
    application.bot_data[DEPS_KEY] = deps
    if ops_server and settings.ops_port:
        application.bot_data[OPS_SERVER_KEY] = OpsServer(deps, settings.ops_host, settings.ops_port)
    wire(application, background_jobs=background_jobs)
    return application


def wire(application: BotApplication, *, background_jobs: bool = True) -> None:
    """Every handler, route and job of the bot, in order: order matters."""
    # Polling stores each update before acknowledging it; group 10000 marks it done.
    deps: Deps = application.bot_data[DEPS_KEY]
    settings = deps.settings
    shards = intake.Shards(settings.workers, settings.worker) if settings.workers > 1 else None
    intake.install(application, deps.database, deps.clock, shards)
    # Group -20: the catalogue follows what is published (a small query every few seconds).
    application.add_handlers(content_refresh.HANDLERS, group=content_refresh.GROUP)
    # Group -10: a person sending too much at once is paused before any feature runs.
    application.add_handlers(flood.HANDLERS, group=flood.GROUP)
    # A certificate's verification link: for anyone, before any onboarding.
    application.add_handler(PublicLinkRoute(PUBLIC_LINKS), group=PUBLIC_LINKS_GROUP)
    # Group 0: the features, then whatever none of them took.
    for feature in FEATURES:
        application.add_handlers(feature.HANDLERS)
    application.add_handlers(fallback.HANDLERS)
    application.add_error_handler(errors.on_error)
    routes.install(
        application,
        Routes(
            text_steps={step.step: step for step in TEXT_STEPS},
            deep_links=DEEP_LINKS,
            previews=LINK_PREVIEWS,
            free_text=inbox.receive_free_text,
        ),
    )
    jobs.install(application, JOBS)
    if background_jobs and settings.worker == 0:  # one worker runs them
        jobs.schedule(application)
