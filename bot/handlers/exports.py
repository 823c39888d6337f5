"""``/export``: a coordinator's file of attendance, participants, sessions, learning and
indicators, as XLSX (or CSV: the Attendance sheet), sent as a document.

The conversation: a period (this month, last month, this quarter, this year, all time, or
two typed dates), a format, then optional filters (country within the scope, organisation
typed, module) and "Make the file". It is kept in the Draft table (kind "export"), so it
survives a restart; typed answers reach the text step "export". Every command and button
re-checks the role (coordinator or admin) and reads the scope afresh; a country or module
outside the scope is refused. The file is made in the background (the bot keeps answering
others meanwhile) and its caption says which period, filters and scope were applied.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, require_role
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import answer_query, button_data, refuse_invalid, show
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn, turn
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.translator import N_, Html, Translator
from bot.models import Role
from bot.runtime.context import BotContext, Deps
from bot.services import exports, learners, roles, sessions
from bot.services.exports import ExportError, ExportFormat, ExportRequest
from bot.services.indicators import Filters, Period, PeriodName, period_between, period_named
from bot.services.roles import Scope

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
EXPORTERS = (Role.COORDINATOR, Role.ADMIN)
KIND = "export"
"""Draft kind and text step of the conversation."""
DATES = "dates"
ALL = "all"
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
"""Telegram's limit for a document a bot sends."""
MAX_CAPTION = 1024
EXAMPLE_DATES = "01.01.2026 31.12.2026"

PERIOD_BUTTONS = {
    PeriodName.THIS_MONTH.value: N_("This month"),
    PeriodName.LAST_MONTH.value: N_("Last month"),
    PeriodName.THIS_QUARTER.value: N_("This quarter"),
    PeriodName.THIS_YEAR.value: N_("This year"),
    PeriodName.ALL_TIME.value: N_("All time"),
}
FORMAT_NAMES = {ExportFormat.XLSX: N_("Excel (XLSX)"), ExportFormat.CSV: N_("CSV")}

FILTER_OF_PROBLEM = {
    "unknown-country": "country",
    "country-outside-scope": "country",
    "empty-organisation": "organisation",
    "organisation-too-long": "organisation",
    "organisation-outside-scope": "organisation",
    "unknown-module": "module",
}

_running: set[int] = set()
"""Learners whose file is being made now: one export at a time each."""


# -- button data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPeriod(CallbackData):
    """A named period (``PERIOD_BUTTONS``) or ``dates`` (then typed)."""

    prefix = "xp"
    period: str


@dataclass(frozen=True)
class ExportFormatPick(CallbackData):
    prefix = "xf"
    export_format: str


@dataclass(frozen=True)
class ExportFilter(CallbackData):
    """Open a filter: ``country``, ``organisation`` or ``module``."""

    prefix = "xk"
    field: str


@dataclass(frozen=True)
class ExportCountry(CallbackData):
    """A country code within the scope, or ``all``."""

    prefix = "xc"
    country: str


@dataclass(frozen=True)
class ExportModule(CallbackData):
    """A module id, or ``all``."""

    prefix = "xm"
    module: str


@dataclass(frozen=True)
class ExportAction(CallbackData):
    """``make`` the file, go ``back`` to the summary, ``clear`` the organisation, ``cancel``."""

    prefix = "xa"
    action: str


# -- the draft ------------------------------------------------------------------------------


async def _draft(current: Turn) -> tuple[str, dict[str, Any]] | None:
    draft = await sessions.get_draft(current.db, current.learner, KIND)
    return (draft.step, sessions.draft_data(draft)) if draft is not None else None


async def _save(current: Turn, context: BotContext, step: str, data: dict[str, Any]) -> None:
    await sessions.save_draft(
        current.db, current.learner, KIND, step, data, context.deps.clock.now()
    )
    await learners.await_input(
        current.db, current.learner, KIND if step in (DATES, "organisation") else None
    )


async def _clear(current: Turn) -> None:
    await sessions.drop_draft(current.db, current.learner, KIND)
    if current.learner.awaiting == KIND:
        await learners.await_input(current.db, current.learner, None)


def period_of(data: dict[str, Any], now: datetime, tr: Translator) -> Period:
    """The period the draft names, on the coordinator's calendar, as of ``now``."""
    name = str(data.get("period", ""))
    if name == DATES:
        return period_between(
            date.fromisoformat(str(data["from"])), date.fromisoformat(str(data["to"])), tr.zone
        )
    return period_named(name, now, tr.zone)


def filters_of(data: dict[str, Any]) -> Filters:
    def text(key: str) -> str | None:
        value = data.get(key)
        return str(value) if value else None

    return Filters(text("country"), text("organisation"), text("module"))


def _module_titles(deps: Deps, tr: Translator) -> dict[str, str]:
    return {module.id: module.text(tr.language_code).title for module in deps.catalogue.modules}


async def _scope(context: BotContext, current: Turn) -> Scope:
    return await roles.scope_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )


# -- texts and keyboards --------------------------------------------------------------------


def _cancel_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("✖️ Cancel"), ExportAction("cancel"))]


def period_question(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [button(tr._(label), ExportPeriod(name)) for name, label in PERIOD_BUTTONS.items()]
    buttons.append(button(tr._("📅 Two dates…"), ExportPeriod(DATES)))
    text = tr._("<b>Export</b>\n\nWhich period should the file cover?")
    return text, markup([*rows(buttons, 2), _cancel_row(tr)])


def dates_question(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    return (
        tr._(
            "Type the first and the last day of the period, for example <code>{example}</code>",
            example=EXAMPLE_DATES,
        ),
        markup([_cancel_row(tr)]),
    )


def dates_problem(tr: Translator, error: ExportError) -> str:
    example = EXAMPLE_DATES
    if error.reason == "impossible":
        return tr._(
            "There is no {date}. Please check the days and the months, for example "
            "<code>{example}</code>",
            date=error.value or "",
            example=example,
        )
    if error.reason == "end-before-start":
        return tr._(
            "The last day comes before the first. Please type the first day first, for "
            "example <code>{example}</code>",
            example=example,
        )
    if error.reason == "out-of-range":
        return tr._(
            "Please type dates between the years {low} and {high}, for example "
            "<code>{example}</code>",
            low=str(exports.MIN_PERIOD_YEAR),
            high=str(exports.MAX_PERIOD_YEAR),
            example=example,
        )
    return tr._(
        "I could not read two dates. Please type the first and the last day like this: "
        "<code>{example}</code>",
        example=example,
    )


def format_question(tr: Translator, scope: Scope) -> tuple[str, InlineKeyboardMarkup]:
    lines = [tr._("Which format?")]
    if ExportFormat.CSV not in exports.formats_for(scope):
        lines += ["", _csv_refusal(tr)]
    buttons = [
        [button(tr._(FORMAT_NAMES[fmt]), ExportFormatPick(fmt.value))]
        for fmt in exports.formats_for(scope)
    ]
    return "\n".join(lines), markup([*buttons, _cancel_row(tr)])


def _csv_refusal(tr: Translator) -> str:
    return tr._(
        "CSV holds one row per person; only coordinators without a country or organisation "
        "limit may export it. Your workbook has the Sessions and Indicators sheets."
    )


def _period_text(tr: Translator, data: dict[str, Any], now: datetime) -> str:
    try:
        period = period_of(data, now, tr)
    except (KeyError, ValueError):
        return "–"
    name = str(data.get("period"))
    described = exports.describe_period(tr, period)
    if name in PERIOD_BUTTONS and name != PeriodName.ALL_TIME.value:
        return tr._("{name} ({dates})", name=tr._(PERIOD_BUTTONS[name]), dates=Html(described))
    return described


def options_text(
    tr: Translator, deps: Deps, data: dict[str, Any], scope: Scope, now: datetime
) -> str:
    filters = filters_of(data)
    titles = _module_titles(deps, tr)
    export_format = ExportFormat(str(data.get("format", ExportFormat.XLSX.value)))
    country = (
        tr._(COUNTRY_NAMES.get(filters.country, filters.country))
        if filters.country
        else tr._("all")
    )
    module = titles.get(filters.module, filters.module) if filters.module else tr._("all")
    lines = [
        tr._("<b>Export</b>"),
        "",
        tr._("🗓 Period: {period}", period=Html(_period_text(tr, data, now))),
        tr._("📄 Format: {format}", format=tr._(FORMAT_NAMES[export_format])),
        tr._("🌍 Country: {country}", country=country),
        tr._("🏢 Organisation: {organisation}", organisation=filters.organisation or tr._("all")),
        tr._("📘 Module: {module}", module=module),
        tr._("🔒 Your scope: {scope}", scope=scope_text(tr, scope)),
        "",
        tr._("Add a filter, or make the file."),
    ]
    return "\n".join(lines)


def options_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(tr._("🌍 Country"), ExportFilter("country")),
                button(tr._("🏢 Organisation"), ExportFilter("organisation")),
                button(tr._("📘 Module"), ExportFilter("module")),
            ],
            [button(tr._("📥 Make the file"), ExportAction("make"))],
            _cancel_row(tr),
        ]
    )


def _countries(scope: Scope) -> list[str]:
    known = [code for code in COUNTRY_NAMES if code != "other"]
    return [code for code in known if scope.countries is None or code in scope.countries]


def country_keyboard(tr: Translator, scope: Scope) -> InlineKeyboardMarkup:
    buttons = [button(tr._(COUNTRY_NAMES[code]), ExportCountry(code)) for code in _countries(scope)]
    return markup(
        [
            *rows(buttons, 2),
            [button(tr._("All countries of my scope"), ExportCountry(ALL))],
            [button(tr._("« Back"), ExportAction("back"))],
        ]
    )


def module_keyboard(tr: Translator, deps: Deps) -> InlineKeyboardMarkup:
    grid = [
        [button(module.text(tr.language_code).title, ExportModule(module.id))]
        for module in deps.catalogue.modules
    ]
    grid.append([button(tr._("All modules"), ExportModule(ALL))])
    grid.append([button(tr._("« Back"), ExportAction("back"))])
    return markup(grid)


def organisation_question(tr: Translator, scope: Scope) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "Type the organisation's name as the participants gave it. Only their rows will "
        "be in the file."
    )
    if scope.organisations is not None:
        text += "\n\n" + tr._("Your scope: {names}", names=", ".join(sorted(scope.organisations)))
    return text, markup(
        [
            [button(tr._("All organisations"), ExportAction("clear"))],
            [button(tr._("« Back"), ExportAction("back"))],
        ]
    )


def filter_problem(tr: Translator, error: ExportError, scope: Scope) -> str:
    if error.reason == "organisation-outside-scope":
        return tr._(
            "You may only export these organisations: {names}. Please type one of them.",
            names=", ".join(sorted(scope.organisations or ())),
        )
    if error.reason == "organisation-too-long":
        return tr._(
            "That is longer than {limit} characters. Please type a shorter name.",
            limit=learners.MAX_ORGANISATION,
        )
    if error.reason == "empty-organisation":
        return tr._("Please type the organisation's name.")
    if error.reason == "country-outside-scope":
        return tr._("That country is outside your scope.")
    if error.reason == "format-not-allowed":
        return _csv_refusal(tr)
    return tr._("That filter is no longer valid; please choose again.")


def caption_text(
    tr: Translator,
    request: ExportRequest,
    export_format: ExportFormat,
    summary: exports.ExportSummary,
    titles: dict[str, str],
) -> str:
    labels = exports.Labels(tr, titles)
    lines = [
        tr._(
            "📊 <b>Export</b> · {period} · {format}",
            period=Html(exports.describe_period(tr, request.period)),
            format=tr._(FORMAT_NAMES[export_format]),
        ),
        tr._(
            "Filters: {filters}",
            filters=Html(exports.describe_filters(tr, request.filters, labels)),
        ),
        tr._("Scope: {scope}", scope=scope_text(tr, request.scope)),
    ]
    attendance = summary.rows.get(exports.Sheet.ATTENDANCE)
    if attendance is not None:
        lines.append(tr.ngettext("{n} attendance row", "{n} attendance rows", attendance))
    text = "\n".join(lines)
    if len(text) > MAX_CAPTION:
        text = "\n".join(lines[:2])
    return text


# -- showing the steps ----------------------------------------------------------------------


async def show_options(
    update: Update,
    context: BotContext,
    current: Turn,
    data: dict[str, Any],
    *,
    notice: str | None = None,
    edit: bool = True,
) -> None:
    await _save(current, context, "options", data)
    scope = await _scope(context, current)
    text = options_text(current.tr, context.deps, data, scope, context.deps.clock.now())
    if notice:
        text = f"{notice}\n\n{text}"
    await show(update, text, options_keyboard(current.tr), edit=edit)


async def _ended(update: Update, current: Turn) -> None:
    await answer_query(update)
    await show(update, current.tr._("That export has ended. /export starts a new one."))


# -- handlers -------------------------------------------------------------------------------


async def export_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if not await require_role(update, context, current, *EXPORTERS):
            return
        await _save(current, context, "period", {})
        text, keyboard = period_question(current.tr)
        await show(update, text, keyboard)


async def pick_period(update: Update, context: BotContext) -> None:
    data = ExportPeriod.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None or (data.period not in PERIOD_BUTTONS and data.period != DATES):
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *EXPORTERS):
            return
        draft = await _draft(current)
        if draft is None:
            await _ended(update, current)
            return
        values = draft[1]
        await answer_query(update)
        if data.period == DATES:
            await _save(current, context, DATES, values)
            text, keyboard = dates_question(current.tr)
            await show(update, text, keyboard)
            return
        values.update(period=data.period)
        values.pop("from", None)
        values.pop("to", None)
        await _ask_format(update, context, current, values)


async def _ask_format(
    update: Update,
    context: BotContext,
    current: Turn,
    values: dict[str, Any],
    *,
    edit: bool = True,
) -> None:
    scope = await _scope(context, current)
    if "format" in values:
        await show_options(update, context, current, values, edit=edit)
        return
    await _save(current, context, "format", values)
    text, keyboard = format_question(current.tr, scope)
    await show(update, text, keyboard, edit=edit)


async def pick_format(update: Update, context: BotContext) -> None:
    data = ExportFormatPick.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None or data.export_format not in {fmt.value for fmt in ExportFormat}:
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *EXPORTERS):
            return
        draft = await _draft(current)
        if draft is None or "period" not in draft[1]:
            await _ended(update, current)
            return
        scope = await _scope(context, current)
        try:
            exports.check_allowed(scope, ExportFormat(data.export_format))
        except ExportError:
            await answer_query(update, _csv_refusal(current.tr), alert=True)
            return
        await answer_query(update)
        values = draft[1]
        values["format"] = data.export_format
        await show_options(update, context, current, values)


async def open_filter(update: Update, context: BotContext) -> None:
    data = ExportFilter.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None or data.field not in ("country", "organisation", "module"):
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *EXPORTERS):
            return
        draft = await _draft(current)
        if draft is None or "format" not in draft[1]:
            await _ended(update, current)
            return
        tr, values = current.tr, draft[1]
        scope = await _scope(context, current)
        await answer_query(update)
        if data.field == "country":
            await show(update, tr._("Which country?"), country_keyboard(tr, scope))
        elif data.field == "module":
            await show(update, tr._("Which module?"), module_keyboard(tr, context.deps))
        else:
            await _save(current, context, "organisation", values)
            text, keyboard = organisation_question(tr, scope)
            await show(update, text, keyboard)


async def _apply_filter(
    update: Update, context: BotContext, current: Turn, field: str, value: str | None
) -> None:
    """Sets one filter after checking it against the scope and the catalogue."""
    draft = await _draft(current)
    if draft is None or "format" not in draft[1]:
        await _ended(update, current)
        return
    values = draft[1]
    scope = await _scope(context, current)
    known = [module.id for module in context.deps.catalogue.modules]
    candidate = {**values, field: value}
    try:
        checked = exports.check_filters(scope, filters_of(candidate), known)
    except ExportError as error:
        if update.callback_query is not None:
            await answer_query(update, filter_problem(current.tr, error, scope), alert=True)
            return
        text, keyboard = organisation_question(current.tr, scope)
        await show(update, f"{filter_problem(current.tr, error, scope)}\n\n{text}", keyboard)
        return
    await answer_query(update)
    values[field] = getattr(checked, field)
    await show_options(update, context, current, values, edit=update.callback_query is not None)


async def pick_country(update: Update, context: BotContext) -> None:
    data = ExportCountry.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *EXPORTERS):
            return
        await _apply_filter(
            update, context, current, "country", None if data.country == ALL else data.country
        )


async def pick_module(update: Update, context: BotContext) -> None:
    data = ExportModule.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *EXPORTERS):
            return
        await _apply_filter(
            update, context, current, "module", None if data.module == ALL else data.module
        )


async def export_action(update: Update, context: BotContext) -> None:
    data = ExportAction.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None or data.action not in ("make", "back", "clear", "cancel"):
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *EXPORTERS):
            return
        draft = await _draft(current)
        if draft is None:
            await _ended(update, current)
            return
        step, values = draft
        if data.action == "cancel":
            await _clear(current)
            await answer_query(update)
            await show(update, tr._("Cancelled. No file was made."))
            return
        if "format" not in values:
            # Back from the typed dates: the period again.
            await answer_query(update)
            await _save(current, context, "period", {})
            text, keyboard = period_question(tr)
            await show(update, text, keyboard)
            return
        if data.action == "clear":
            await _apply_filter(update, context, current, "organisation", None)
            return
        if data.action == "back":
            await answer_query(update)
            await show_options(update, context, current, values)
            return
        if step != "options":
            await refuse_invalid(update, current)
            return
        await make(update, context, current, values)


async def receive_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    if not await require_role(update, context, current, *EXPORTERS):
        await _clear(current)
        return
    draft = await _draft(current)
    if draft is None:
        await learners.await_input(current.db, current.learner, None)
        await show(update, tr._("That export has ended. /export starts a new one."))
        return
    step, values = draft
    if step == DATES:
        try:
            first, last = exports.parse_two_dates(message.text)
        except ExportError as error:
            await show(update, dates_problem(tr, error), markup([_cancel_row(tr)]))
            return
        values.update(period=DATES, **{"from": first.isoformat(), "to": last.isoformat()})
        await _ask_format(update, context, current, values, edit=False)
        return
    if step == "organisation":
        await _apply_filter(update, context, current, "organisation", message.text)
        return
    await show(update, tr._("Please tap one of the buttons."))


# -- making the file ------------------------------------------------------------------------


async def make(update: Update, context: BotContext, current: Turn, values: dict[str, Any]) -> None:
    """Checks the request once more against the scope, then makes and sends the file in the
    background."""
    tr, deps = current.tr, context.deps
    learner = current.learner
    assert learner.id is not None
    scope = await _scope(context, current)
    now = deps.clock.now()
    known = [module.id for module in deps.catalogue.modules]
    try:
        export_format = ExportFormat(str(values.get("format")))
        exports.check_allowed(scope, export_format)
        checked = exports.check_filters(scope, filters_of(values), known)
        period = period_of(values, now, tr)
    except ExportError as error:
        # The scope changed since the choice was made: drop what no longer fits.
        await answer_query(update)
        field = FILTER_OF_PROBLEM.get(error.reason)
        if field is not None:
            values[field] = None
        if error.reason == "format-not-allowed":
            values["format"] = ExportFormat.XLSX.value
        await show_options(
            update, context, current, values, notice=filter_problem(tr, error, scope)
        )
        return
    except (KeyError, ValueError):
        await _clear(current)
        await answer_query(update)
        await show(update, tr._("That export has ended. /export starts a new one."))
        return
    if learner.id in _running:
        await answer_query(update, tr._("Your previous file is still being made."), alert=True)
        return
    await _clear(current)
    await answer_query(update)
    await show(update, tr._("⏳ Making the file…"))
    # The draft is gone for good before the work starts.
    await current.db.commit()
    request = ExportRequest(scope, period, checked)
    chat = update.effective_chat
    assert chat is not None
    _running.add(learner.id)
    context.application.create_task(
        _make_and_send(context, chat.id, learner.id, tr, request, export_format),
        update=update,
        name=f"export-{learner.id}",
    )


async def _make_and_send(
    context: BotContext,
    chat_id: int,
    learner_id: int,
    tr: Translator,
    request: ExportRequest,
    export_format: ExportFormat,
) -> None:
    deps = context.deps
    titles = _module_titles(deps, tr)
    now = deps.clock.now()
    try:
        with tempfile.TemporaryFile() as handle:
            async with deps.database.session() as db:
                if export_format is ExportFormat.CSV:
                    summary = await exports.write_csv(
                        db, handle, request=request, tr=tr, module_titles=titles
                    )
                else:
                    summary = await exports.write_xlsx(
                        db,
                        handle,
                        request=request,
                        tr=tr,
                        now=now,
                        threshold=deps.settings.indicator_threshold,
                        module_titles=titles,
                    )
            size = handle.tell()
            if size > MAX_DOCUMENT_BYTES:
                await context.bot.send_message(
                    chat_id,
                    tr._(
                        "The file is larger than Telegram allows (50 MB). Please choose a "
                        "shorter period or a filter, or ask the operator for "
                        "<code>python -m bot export</code>."
                    ),
                )
                return
            handle.seek(0)
            content = handle.read()
        name = exports.filename(request, export_format, now, tr)
        await context.bot.send_document(
            chat_id,
            InputFile(content, filename=name),
            caption=caption_text(tr, request, export_format, summary, titles),
        )
        async with deps.database.session() as db:
            await exports.record_export(
                db, actor_id=learner_id, request=request, summary=summary, now=now
            )
    except TelegramError as error:
        log.warning("export not delivered: %s", type(error).__name__)
    except Exception:
        log.exception("export failed")
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                chat_id, tr._("Sorry, the file could not be made. Please try again later.")
            )
    finally:
        _running.discard(learner_id)


HANDLERS: Handlers = [
    CommandHandler("export", export_command, filters=PRIVATE),
    CallbackQueryHandler(pick_period, pattern=ExportPeriod.pattern()),
    CallbackQueryHandler(pick_format, pattern=ExportFormatPick.pattern()),
    CallbackQueryHandler(open_filter, pattern=ExportFilter.pattern()),
    CallbackQueryHandler(pick_country, pattern=ExportCountry.pattern()),
    CallbackQueryHandler(pick_module, pattern=ExportModule.pattern()),
    CallbackQueryHandler(export_action, pattern=ExportAction.pattern()),
]
