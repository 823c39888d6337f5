"""Moving the ``/export`` conversation to a step and showing it; shared by the steps and the
making of the file."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.exports import programme_filter
from bot.handlers.exports.texts import options_keyboard, options_text
from bot.runtime.context import BotContext
from bot.services import exports, roles
from bot.services.exports import conversation
from bot.services.exports.conversation import Step
from bot.services.roles import Scope
from bot.services.scope import Filters


async def scope_of(context: BotContext, current: Turn) -> Scope:
    """The coordinator's scope, read afresh for every step."""
    return await roles.scope_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )


def known_modules(context: BotContext) -> list[str]:
    return [module.id for module in context.deps.catalogue.modules]


def checked_filters(context: BotContext, scope: Scope, answers: dict[str, Any]) -> Filters:
    """The filters of the answers, checked against the scope and the catalogue; raises
    ExportError."""
    return exports.check_filters(scope, conversation.filters_of(answers), known_modules(context))


async def save(context: BotContext, current: Turn, step: Step, answers: dict[str, Any]) -> None:
    await conversation.save(current.db, current.learner, step, answers, context.deps.clock.now())


async def show_options(
    update: Update,
    context: BotContext,
    current: Turn,
    answers: dict[str, Any],
    *,
    notice: str | None = None,
    edit: bool = True,
) -> None:
    """The summary of the choices so far, with the filters and "Make the file"."""
    await save(context, current, Step.OPTIONS, answers)
    scope = await scope_of(context, current)
    text = options_text(
        current.tr, context.deps.catalogue, answers, scope, context.deps.clock.now()
    )
    keyboard = options_keyboard(current.tr)
    # The programme filter, when the reader sees more than one programme.
    text, keyboard = await programme_filter.with_programmes(
        current.db, current.tr, scope, answers, text, keyboard
    )
    if notice:
        text = f"{notice}\n\n{text}"
    await show(update, text, keyboard, edit=edit)


async def ended(update: Update, current: Turn) -> None:
    """A button of an export that is no longer under way."""
    await answer_query(update)
    await show(update, current.tr._("That export has ended. /export starts a new one."))
