"""The indicators written out: the workbook's Indicators and Definitions sheets, and the
long ("tidy") CSV of every value for BI tools, all from one :class:`~tables.Report`.

Numbers are numbers: a value not shown is an empty cell, with the measure's code in the
row's Suppressed column (the CSV: an empty ``value`` with ``suppressed`` 1). Each table's
rows carry the stored codes beside their labels, so the same report in two languages
pivots identically.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import IO, Any

from bot.i18n.labels import (
    AGE_BAND_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
    VULNERABLE_GROUP_NAMES,
)
from bot.i18n.translator import N_, Translator
from bot.services.indicators import registry
from bot.services.indicators.disclosure import Disclosure
from bot.services.indicators.queries import NOT_ASKED, UNKNOWN
from bot.services.indicators.registry import DIMENSION_TITLES, SESSION_COUNTRY, Dimension
from bot.services.indicators.tables import TOTAL, Report, Row, Table, period_code

UNKNOWN_NAME = N_("Unknown")
NOT_ASKED_NAME = N_("Not asked (no special consent)")
TOTAL_NAME = N_("Total")
CROSS_SEPARATOR = "|"
"""Between the codes of a cross in the CSV's dimension_code: ``AL|female``."""

TIDY_COLUMNS = (
    "indicator",
    "period",
    "dimension",
    "dimension_code",
    "value",
    "suppressed",
    "rounded",
)

_NAMES: Mapping[str, Mapping[str, str]] = {
    "country": COUNTRY_NAMES,
    "gender": GENDER_NAMES,
    "age-band": AGE_BAND_NAMES,
    "vulnerable-group": VULNERABLE_GROUP_NAMES,
}


def label(tr: Translator, part: str, code: str) -> str:
    """The name of a stored code in ``tr``'s language."""
    if code == UNKNOWN:
        return tr._(UNKNOWN_NAME)
    if code == NOT_ASKED:
        return tr._(NOT_ASKED_NAME)
    if code == TOTAL:
        return tr._(TOTAL_NAME)
    if code == "undisclosed":
        return tr._(PREFER_NOT_TO_SAY)
    names = _NAMES.get(part, {})
    if part == "age-band" and code in names and code not in TRANSLATED_AGE_BANDS:
        return names[code]
    return tr._(names[code]) if code in names else code


def table_title(tr: Translator, table: Table) -> str:
    if table.dimension == SESSION_COUNTRY:
        return tr._(registry.SESSION_COUNTRY_TITLE)
    return tr._(DIMENSION_TITLES[Dimension(table.dimension)])


def adds_up_note(tr: Translator, report: Report) -> str:
    if report.rounded:
        return tr._(
            "The rows add up to the total: each person is in one row, and the figures were "
            "rounded to multiples of {base} together with the total. Rows rounded to 0 are "
            "left out. Averages do not add up.",
            base=report.base,
        )
    return tr._(
        "The rows add up to the total: each person is in one row (their own country, "
        "gender, ...). Averages do not add up."
    )


# -- the Indicators sheet -------------------------------------------------------------------

Cell = str | int | float | None


def indicator_rows(tr: Translator, report: Report) -> list[tuple[str, list[Cell]]]:
    """The Indicators sheet as (style, cells) rows; style is ``header``, ``title``, ``note``
    or ``""``. Headline first (name, code, value, suppressed 0/1), then each table: its
    title, its header, a row per group (table, code, code 2, label, label 2, the measures,
    suppressed codes), its total and a note on how it adds up."""
    rows: list[tuple[str, list[Cell]]] = [
        ("header", [tr._("Indicator"), tr._("Code"), tr._("Value"), tr._("Suppressed")])
    ]
    for code, value in report.headline.items():
        name = tr._(registry.BY_CODE[code].name)
        rows.append(("", [name, code, value.value, int(value.suppressed)]))
    for table in report.tables:
        rows.append(("", []))
        rows.append(("title", [table_title(tr, table)]))
        measures = [tr._(registry.BY_CODE[code].name) for code in table.measures]
        rows.append(
            (
                "header",
                [
                    tr._("Table"),
                    tr._("Code"),
                    tr._("Code 2"),
                    tr._("Group"),
                    tr._("Group 2"),
                    *measures,
                    tr._("Suppressed"),
                ],
            )
        )
        for row in [*table.rows, table.total]:
            rows.append(("", _table_row(tr, table, row)))
        rows.append(("note", [adds_up_note(tr, report)]))
    return rows


def _table_row(tr: Translator, table: Table, row: Row) -> list[Cell]:
    codes: list[str | None] = list(row.codes) + [None] * (2 - len(row.codes))
    parts = table.parts if row.codes != (TOTAL,) else ("total",)
    names: list[str | None] = [
        label(tr, part, code) for part, code in zip(parts, row.codes, strict=True)
    ]
    names += [None] * (2 - len(names))
    return [
        table.dimension,
        *codes,
        *names,
        *(row.values[code].value for code in table.measures),
        " ".join(row.suppressed) or None,
    ]


def definition_rows(tr: Translator, disclosure: Disclosure) -> list[list[str]]:
    """The Definitions sheet: header, then one row per indicator of the registry."""
    rows = [
        [
            tr._("Code"),
            tr._("Indicator"),
            tr._("Definition"),
            tr._("Counts by"),
            tr._("Source view"),
            tr._("Suppression rule"),
            tr._("SQL"),
        ]
    ]
    for definition in registry.DEFINITIONS:
        rule = tr._(
            registry.SUPPRESSION_RULES[definition.kind],
            base=disclosure.threshold,
            threshold=disclosure.threshold,
        )
        rows.append(
            [
                definition.code,
                tr._(definition.name),
                tr._(definition.definition),
                tr._(registry.COUNTS_BY_NAMES[definition.counts_by]),
                definition.view,
                rule,
                registry.period_sql(definition, ""),
            ]
        )
    return rows


# -- the tidy CSV ---------------------------------------------------------------------------


def tidy_rows(report: Report, period: str) -> list[dict[str, Any]]:
    """Every value of ``report``, one line each (``period`` as :func:`period_code`)."""
    lines: list[dict[str, Any]] = []

    def line(indicator: str, dimension: str, code: str, value: Any) -> None:
        lines.append(
            {
                "indicator": indicator,
                "period": period,
                "dimension": dimension,
                "dimension_code": code,
                "value": "" if value.value is None else value.value,
                "suppressed": int(value.suppressed),
                "rounded": int(
                    report.rounded
                    and registry.BY_CODE[indicator].kind is not registry.Kind.AVERAGE
                    and (indicator != registry.SESSIONS_HELD or report.sessions_rounded)
                ),
            }
        )

    for code, value in report.headline.items():
        line(code, TOTAL, "", value)
    for table in report.tables:
        for row in table.rows:
            for code in table.measures:
                line(code, table.dimension, CROSS_SEPARATOR.join(row.codes), row.values[code])
    return lines


def write_tidy(target: IO[bytes], report: Report, period: str) -> int:
    """Writes the tidy CSV (UTF-8 with a byte order mark, comma-separated) to ``target``;
    returns the number of lines of values."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=TIDY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    lines = tidy_rows(report, period)
    writer.writerows(lines)
    target.write(text.getvalue().encode("utf-8-sig"))
    return len(lines)


__all__ = [
    "TIDY_COLUMNS",
    "definition_rows",
    "indicator_rows",
    "label",
    "period_code",
    "tidy_rows",
    "write_tidy",
]
