"""What ``/export`` says and which buttons it shows, step by step; the one place where the
reasons of an ExportError become text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.catalogue import Catalogue
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.texts import scope_text
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
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.translator import N_, Html, Translator
from bot.services import exports, learners
from bot.services.exports import ExportError, ExportFormat, ExportRequest, Reason
from bot.services.exports.conversation import filters_of, period_of
from bot.services.roles import Scope

MAX_CAPTION = 1024
EXAMPLE_DATES = "01.01.2026 31.12.2026"

PERIOD_BUTTONS = {
    PeriodChoice.THIS_MONTH: N_("This month"),
    PeriodChoice.LAST_MONTH: N_("Last month"),
    PeriodChoice.THIS_QUARTER: N_("This quarter"),
    PeriodChoice.THIS_YEAR: N_("This year"),
    PeriodChoice.ALL_TIME: N_("All time"),
}
FORMAT_NAMES = {ExportFormat.XLSX: N_("Excel (XLSX)"), ExportFormat.CSV: N_("CSV")}


def error_text(tr: Translator, error: ExportError, scope: Scope) -> str:
    """Why a typed period, a filter or a format was refused, and what to do."""
    example = EXAMPLE_DATES
    match error.reason:
        case Reason.IMPOSSIBLE:
            return tr._(
                "There is no {date}. Please check the days and the months, for example "
                "<code>{example}</code>",
                date=error.value or "",
                example=example,
            )
        case Reason.END_BEFORE_START:
            return tr._(
                "The last day comes before the first. Please type the first day first, for "
                "example <code>{example}</code>",
                example=example,
            )
        case Reason.OUT_OF_RANGE:
            return tr._(
                "Please type dates between the years {low} and {high}, for example "
                "<code>{example}</code>",
                low=str(exports.MIN_PERIOD_YEAR),
                high=str(exports.MAX_PERIOD_YEAR),
                example=example,
            )
        case Reason.MALFORMED:
            return tr._(
                "I could not read two dates. Please type the first and the last day like "
                "this: <code>{example}</code>",
                example=example,
            )
        case Reason.PROGRAMME_OUTSIDE_SCOPE:
            return tr._("That programme is outside your scope.")
        case Reason.ORGANISATION_OUTSIDE_SCOPE:
            return tr._(
                "You may only export these organisations: {names}. Please type one of them.",
                names=", ".join(sorted(scope.organisations or ())),
            )
        case Reason.ORGANISATION_TOO_LONG:
            return tr._(
                "That is longer than {limit} characters. Please type a shorter name.",
                limit=learners.MAX_ORGANISATION,
            )
        case Reason.EMPTY_ORGANISATION:
            return tr._("Please type the organisation's name.")
        case Reason.COUNTRY_OUTSIDE_SCOPE:
            return tr._("That country is outside your scope.")
        case Reason.FORMAT_NOT_ALLOWED:
            return csv_refusal(tr)
    return tr._("That filter is no longer valid; please choose again.")


def csv_refusal(tr: Translator) -> str:
    return tr._(
        "CSV holds one row per person; only coordinators without a country or organisation "
        "limit may export it. Your workbook has the Sessions and Indicators sheets."
    )


def cancel_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("✖️ Cancel"), ExportAction(Action.CANCEL))]


def period_question(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [button(tr._(label), ExportPeriod(name)) for name, label in PERIOD_BUTTONS.items()]
    buttons.append(button(tr._("📅 Two dates…"), ExportPeriod(PeriodChoice.DATES)))
    text = tr._("<b>Export</b>\n\nWhich period should the file cover?")
    return text, markup([*rows(buttons, 2), cancel_row(tr)])


def dates_question(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    return (
        tr._(
            "Type the first and the last day of the period, for example <code>{example}</code>",
            example=EXAMPLE_DATES,
        ),
        markup([cancel_row(tr)]),
    )


def format_question(tr: Translator, scope: Scope) -> tuple[str, InlineKeyboardMarkup]:
    lines = [tr._("Which format?")]
    if ExportFormat.CSV not in exports.formats_for(scope):
        lines += ["", csv_refusal(tr)]
    buttons = [
        [button(tr._(FORMAT_NAMES[fmt]), ExportFormatPick(fmt))]
        for fmt in exports.formats_for(scope)
    ]
    return "\n".join(lines), markup([*buttons, cancel_row(tr)])


def _period_text(tr: Translator, answers: dict[str, Any], now: datetime) -> str:
    try:
        period = period_of(answers, now, tr.zone)
    except (KeyError, ValueError):
        return "–"
    name = str(answers.get("period"))
    described = exports.describe_period(tr, period)
    if name in PERIOD_BUTTONS and name != PeriodChoice.ALL_TIME:
        return tr._(
            "{name} ({dates})", name=tr._(PERIOD_BUTTONS[PeriodChoice(name)]), dates=Html(described)
        )
    return described


def options_text(
    tr: Translator, catalogue: Catalogue, answers: dict[str, Any], scope: Scope, now: datetime
) -> str:
    filters = filters_of(answers)
    titles = exports.module_titles(catalogue, tr.language_code)
    export_format = ExportFormat(str(answers.get("format", ExportFormat.XLSX.value)))
    country = (
        tr._(COUNTRY_NAMES.get(filters.country, filters.country))
        if filters.country
        else tr._("all")
    )
    module = titles.get(filters.module, filters.module) if filters.module else tr._("all")
    lines = [
        tr._("<b>Export</b>"),
        "",
        tr._("🗓 Period: {period}", period=Html(_period_text(tr, answers, now))),
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
                button(tr._("🌍 Country"), ExportFilter(FilterField.COUNTRY)),
                button(tr._("🏢 Organisation"), ExportFilter(FilterField.ORGANISATION)),
                button(tr._("📘 Module"), ExportFilter(FilterField.MODULE)),
            ],
            [button(tr._("📥 Make the file"), ExportAction(Action.MAKE))],
            cancel_row(tr),
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
            [button(tr._("« Back"), ExportAction(Action.BACK))],
        ]
    )


def module_keyboard(tr: Translator, catalogue: Catalogue) -> InlineKeyboardMarkup:
    grid = [
        [button(module.text(tr.language_code).button_title, ExportModule(module.id))]
        for module in catalogue.modules
    ]
    grid.append([button(tr._("All modules"), ExportModule(ALL))])
    grid.append([button(tr._("« Back"), ExportAction(Action.BACK))])
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
            [button(tr._("All organisations"), ExportAction(Action.CLEAR))],
            [button(tr._("« Back"), ExportAction(Action.BACK))],
        ]
    )


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
