"""The ``/export`` conversation: the period (a named one, or two typed dates), the format,
then optional filters (a country within the scope, a typed organisation, a module) until
"Make the file". Every step re-checks the role and reads the scope afresh."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.handlers.common.entry import Stale, on_button, on_command, on_text
from bot.handlers.common.keyboards import markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.exports.data import (
    ALL,
    Action,
    ExportAction,
    ExportCountry,
    ExportFilter,
    ExportFormatPick,
    ExportModule,
    ExportPeriod,
    FilterField,
    PeriodChoice,
)
from bot.handlers.exports.making import start_making
from bot.handlers.exports.screens import checked_filters, ended, save, scope_of, show_options
from bot.handlers.exports.texts import (
    cancel_row,
    country_keyboard,
    dates_question,
    error_text,
    format_question,
    module_keyboard,
    organisation_question,
    period_question,
)
from bot.models import Role
from bot.runtime.context import BotContext
from bot.services import exports
from bot.services.exports import ExportError, conversation
from bot.services.exports.conversation import Step

EXPORTERS = (Role.COORDINATOR, Role.ADMIN)


@on_command("export", roles=EXPORTERS)
async def export_command(update: Update, context: BotContext, current: Turn) -> None:
    await save(context, current, Step.PERIOD, {})
    text, keyboard = period_question(current.tr)
    await show(update, text, keyboard)


@on_button(ExportPeriod, roles=EXPORTERS)
async def pick_period(
    update: Update, context: BotContext, current: Turn, data: ExportPeriod
) -> None:
    draft = await conversation.current(current.db, current.learner)
    if draft is None:
        await ended(update, current)
        return
    answers = draft[1]
    await answer_query(update)
    if data.period is PeriodChoice.DATES:
        await save(context, current, Step.DATES, answers)
        text, keyboard = dates_question(current.tr)
        await show(update, text, keyboard)
        return
    answers.update(period=data.period.value)
    answers.pop("from", None)
    answers.pop("to", None)
    await _ask_format(update, context, current, answers)


async def _ask_format(
    update: Update,
    context: BotContext,
    current: Turn,
    answers: dict[str, Any],
    *,
    edit: bool = True,
) -> None:
    scope = await scope_of(context, current)
    if "format" in answers:
        await show_options(update, context, current, answers, edit=edit)
        return
    await save(context, current, Step.FORMAT, answers)
    text, keyboard = format_question(current.tr, scope)
    await show(update, text, keyboard, edit=edit)


@on_button(ExportFormatPick, roles=EXPORTERS)
async def pick_format(
    update: Update, context: BotContext, current: Turn, data: ExportFormatPick
) -> None:
    draft = await conversation.current(current.db, current.learner)
    if draft is None or "period" not in draft[1]:
        await ended(update, current)
        return
    scope = await scope_of(context, current)
    try:
        exports.check_allowed(scope, data.export_format)
    except ExportError as error:
        await answer_query(update, error_text(current.tr, error, scope), alert=True)
        return
    await answer_query(update)
    answers = draft[1]
    answers["format"] = data.export_format.value
    await show_options(update, context, current, answers)


@on_button(ExportFilter, roles=EXPORTERS)
async def open_filter(
    update: Update, context: BotContext, current: Turn, data: ExportFilter
) -> None:
    draft = await conversation.current(current.db, current.learner)
    if draft is None or "format" not in draft[1]:
        await ended(update, current)
        return
    tr, answers = current.tr, draft[1]
    scope = await scope_of(context, current)
    await answer_query(update)
    if data.field is FilterField.COUNTRY:
        await show(update, tr._("Which country?"), country_keyboard(tr, scope))
    elif data.field is FilterField.MODULE:
        await show(update, tr._("Which module?"), module_keyboard(tr, context.deps.catalogue))
    else:
        await save(context, current, Step.ORGANISATION, answers)
        text, keyboard = organisation_question(tr, scope)
        await show(update, text, keyboard)


async def apply_filter(
    update: Update,
    context: BotContext,
    current: Turn,
    field: FilterField,
    value: str | int | None,
) -> None:
    """Sets one filter after checking it against the scope and the catalogue."""
    draft = await conversation.current(current.db, current.learner)
    if draft is None or "format" not in draft[1]:
        await ended(update, current)
        return
    answers = draft[1]
    scope = await scope_of(context, current)
    try:
        checked = checked_filters(context, scope, {**answers, field.value: value})
    except ExportError as error:
        problem = error_text(current.tr, error, scope)
        if update.callback_query is not None:
            await answer_query(update, problem, alert=True)
            return
        text, keyboard = organisation_question(current.tr, scope)
        await show(update, f"{problem}\n\n{text}", keyboard)
        return
    await answer_query(update)
    answers[field.value] = getattr(checked, field.value)
    await show_options(update, context, current, answers, edit=update.callback_query is not None)


@on_button(ExportCountry, roles=EXPORTERS)
async def pick_country(
    update: Update, context: BotContext, current: Turn, data: ExportCountry
) -> None:
    country = None if data.country == ALL else data.country
    await apply_filter(update, context, current, FilterField.COUNTRY, country)


@on_button(ExportModule, roles=EXPORTERS)
async def pick_module(
    update: Update, context: BotContext, current: Turn, data: ExportModule
) -> None:
    module = None if data.module == ALL else data.module
    await apply_filter(update, context, current, FilterField.MODULE, module)


@on_button(ExportAction, roles=EXPORTERS)
async def export_action(
    update: Update, context: BotContext, current: Turn, data: ExportAction
) -> None:
    tr = current.tr
    draft = await conversation.current(current.db, current.learner)
    if draft is None:
        await ended(update, current)
        return
    step, answers = draft
    if data.action is Action.CANCEL:
        await conversation.drop(current.db, current.learner)
        await answer_query(update)
        await show(update, tr._("Cancelled. No file was made."))
        return
    if "format" not in answers:
        # Back from the typed dates: the period again.
        await answer_query(update)
        await save(context, current, Step.PERIOD, {})
        text, keyboard = period_question(tr)
        await show(update, text, keyboard)
        return
    if data.action is Action.CLEAR:
        await apply_filter(update, context, current, FilterField.ORGANISATION, None)
        return
    if data.action is Action.BACK:
        await answer_query(update)
        await show_options(update, context, current, answers)
        return
    if step != Step.OPTIONS:
        raise Stale
    await start_making(update, context, current, answers)


async def leave(current: Turn) -> None:
    await conversation.drop(current.db, current.learner)


@on_text(conversation.KIND, roles=EXPORTERS, leave=leave)
async def receive_text(update: Update, context: BotContext, current: Turn) -> None:
    """Typed text while the conversation waits for it: two dates, or an organisation."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    draft = await conversation.current(current.db, current.learner)
    if draft is None:
        await conversation.drop(current.db, current.learner)
        await show(update, tr._("That export has ended. /export starts a new one."))
        return
    step, answers = draft
    if step == Step.DATES:
        try:
            first, last = exports.parse_two_dates(message.text)
        except ExportError as error:
            scope = await scope_of(context, current)
            await show(update, error_text(tr, error, scope), markup([cancel_row(tr)]))
            return
        answers.update(
            period=PeriodChoice.DATES.value, **{"from": first.isoformat(), "to": last.isoformat()}
        )
        await _ask_format(update, context, current, answers, edit=False)
        return
    if step == Step.ORGANISATION:
        await apply_filter(update, context, current, FilterField.ORGANISATION, message.text)
        return
    await show(update, tr._("Please tap one of the buttons."))
