"""The workbook's Targets sheet: every target the reader sees, with achieved / target,
percent, the straight line's value today and the pace (``bot.services.targets``), as of the
moment the file is made (targets have their own periods, not the export's). Codes beside
labels, numbers as numbers; achieved figures rounded for a limited scope like every other
figure."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.translator import Translator
from bot.services import targets
from bot.services.exports.labels import plain
from bot.services.exports.request import ExportRequest
from bot.services.targets import texts

if TYPE_CHECKING:
    # XlsxWriter is imported by the export that writes the sheet, not when the bot starts.
    import xlsxwriter  # type: ignore[import-untyped]

_EXCEL_EPOCH = datetime(1899, 12, 30).date()


def headers(tr: Translator) -> list[str]:
    return [
        plain(tr._("Programme")),
        plain(tr._("Indicator code")),
        plain(tr._("Indicator")),
        plain(tr._("Country code")),
        plain(tr._("Country")),
        plain(tr._("Counted from")),
        plain(tr._("Due")),
        plain(tr._("Target")),
        plain(tr._("Achieved")),
        plain(tr._("Percent of target")),
        plain(tr._("Expected by now")),
        plain(tr._("Pace code")),
        plain(tr._("Pace")),
    ]


async def write_targets(
    db: AsyncSession,
    workbook: xlsxwriter.Workbook,
    name: str,
    request: ExportRequest,
    tr: Translator,
    now: datetime,
    threshold: int,
) -> int:
    """Writes the sheet; returns its number of target rows."""
    items = await targets.progress(
        db, scope=request.scope, filters=request.filters, now=now, zone=tr.zone, threshold=threshold
    )
    sheet = workbook.add_worksheet(name)
    header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF7"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    names = headers(tr)
    for column, text in enumerate(names):
        sheet.write_string(0, column, text, header)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, len(names) - 1, 15)
    sheet.freeze_panes(1, 0)
    for row, item in enumerate(items, start=1):
        sheet.write_string(row, 0, item.programme)
        sheet.write_string(row, 1, item.indicator.value)
        sheet.write_string(row, 2, plain(texts.indicator_name(tr, item.indicator)))
        sheet.write_string(row, 3, item.country)
        sheet.write_string(row, 4, plain(texts.where(tr, item.country)))
        sheet.write_number(row, 5, (item.starts_on - _EXCEL_EPOCH).days, day)
        sheet.write_number(row, 6, (item.due_on - _EXCEL_EPOCH).days, day)
        sheet.write_number(row, 7, item.target)
        sheet.write_number(row, 8, item.achieved)
        sheet.write_number(row, 9, item.percent)
        sheet.write_number(row, 10, item.expected)
        sheet.write_string(row, 11, item.pace.value)
        sheet.write_string(row, 12, plain(texts.pace_name(tr, item.pace)))
    notes = [
        plain(tr._("As of {moment}.", moment=tr.date_time(now))),
        plain(texts.pace_rule(tr, targets.TOLERANCE)),
    ]
    if not targets.shows_targets(request.scope) or request.filters.organisation is not None:
        notes.append(
            plain(
                tr._(
                    "Targets are set for whole programmes and countries: not shown for a "
                    "scope or filter limited to organisations."
                )
            )
        )
    elif not items:
        notes.append(plain(tr._("No targets are set for these programmes.")))
    if not request.scope.is_full:
        notes.append(plain(tr._("Achieved figures are rounded as your other figures are.")))
    for offset, note in enumerate(notes):
        sheet.write_string(len(items) + 2 + offset, 0, note)
    return len(items)
