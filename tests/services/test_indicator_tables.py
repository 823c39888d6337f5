"""The workbook's Indicators and Definitions sheets and the tidy CSV, read back as a donor's
auditor would (openpyxl, csv) on a generated programme (tests/support/programme_world.py):
every table adds up to its headline, column by column, or says why not; numbers are
numbers; the CSV holds the sheet's figures; the same report in two languages has the same
codes and numbers; the Definitions sheet is the registry."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.db import Database
from bot.i18n.translator import Translator
from bot.services import exports
from bot.services.exports import ExportFormat, ExportRequest
from bot.services.indicators import Filters, period_between, registry
from bot.services.indicators.registry import DEFINITIONS, Kind
from bot.services.roles import FULL_SCOPE, Scope
from tests.support.disclosure_attack import IndicatorSheet, read_indicators, read_tidy
from tests.support.programme_world import build_programme

NOW = datetime(2026, 12, 20, 12, tzinfo=UTC)
YEAR = period_between(date(2026, 1, 1), date(2026, 12, 31), "Europe/Belgrade")
SCOPES = {
    "full": FULL_SCOPE,
    "serbia": Scope(countries=frozenset({"RS"})),
    "balkans": Scope(countries=frozenset({"AL", "BA", "XK"})),
    "organisation": Scope(organisations=frozenset({"Forum"})),
}
ZONE = ZoneInfo("Europe/Belgrade")
COUNTS = [d.code for d in DEFINITIONS if d.kind is not Kind.AVERAGE]


async def files(
    database: Database, scope: Scope, tr: Translator, filters: Filters | None = None
) -> tuple[openpyxl.Workbook, list[dict[str, str]]]:
    request = ExportRequest(scope, YEAR, filters or Filters())
    book, tidy = io.BytesIO(), io.BytesIO()
    async with database.session() as db:
        await exports.make(db, book, request, ExportFormat.XLSX, tr=tr, now=NOW, threshold=5)
        made = await exports.make_indicators_csv(db, tidy, request, tr=tr, now=NOW, threshold=5)
    assert made.name == "kapacitet-2026-01-01-2026-12-31-indicators.csv"
    lines = list(csv.DictReader(io.StringIO(tidy.getvalue().decode("utf-8-sig"))))
    return openpyxl.load_workbook(io.BytesIO(book.getvalue())), lines


def rows_of(book: openpyxl.Workbook, name: str) -> list[list[Any]]:
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def check_adds_up(sheet: IndicatorSheet) -> None:
    assert set(sheet.totals) == {d.value for d in registry.Dimension} | {"session-country"}
    for dimension, total in sheet.totals.items():
        rows = sheet.tables.get(dimension, {})
        for measure, value in total.items():
            if measure in COUNTS:
                shown = sum(cells[measure] for cells in rows.values())
                # The rows add up to the total row, which is the headline.
                assert shown == value == sheet.headline[measure], (dimension, measure)
            else:
                assert value == sheet.headline[measure], (dimension, measure)
        assert "add up to the total" in sheet.notes[dimension], dimension


@pytest.mark.parametrize("who", list(SCOPES))
async def test_every_table_adds_up_to_its_headline(database: Database, who: str):
    await build_programme(database)
    scope = SCOPES[who]
    book, tidy = await files(database, scope, Translator("en", ZONE))
    rows = rows_of(book, "Indicators")
    sheet = read_indicators(rows)
    check_adds_up(sheet)
    assert sheet.headline["people-trained"] > 0
    # People at sessions abroad are still one row each: the country table adds up.
    assert len(sheet.tables["country"]) >= 2
    # Numbers are numbers: every figure a number or an empty cell, never text like "<5";
    # an empty average is flagged.
    for (dimension, codes), flagged in sheet.suppressed.items():
        for measure, value in sheet.tables[dimension][codes].items():
            assert value is None or isinstance(value, int | float), (dimension, codes, value)
            if measure in COUNTS:
                assert isinstance(value, int)
                # Sessions are not people: exact, unless they count an organisation's.
                people = measure != "sessions-held" or scope.organisations is not None
                if not scope.is_full and people:
                    assert value % 5 == 0
            elif value is None and not scope.is_full:
                assert measure in flagged
        if scope.is_full:
            assert flagged == []
    for row in rows:
        for cell in row[5:-1]:
            assert not isinstance(cell, str) or row[0] in ("Table", None) or cell == row[0], row
    # The tidy CSV holds the same figures, one a line.
    from_csv = read_tidy(tidy)
    assert from_csv.headline == sheet.headline
    assert from_csv.tables == sheet.tables
    assert {line["period"] for line in tidy} == {"2026-01-01/2026-12-31"}
    assert all(line["rounded"] == ("0" if scope.is_full else line["rounded"]) for line in tidy)
    assert all(line["value"] == "" for line in tidy if line["suppressed"] == "1")


async def test_the_same_report_in_two_languages_has_the_same_codes_and_numbers(database: Database):
    await build_programme(database)
    sq, _ = await files(database, FULL_SCOPE, Translator("sq", ZONE))
    mk, _ = await files(database, FULL_SCOPE, Translator("mk", ZONE))
    in_sq, in_mk = sq.worksheets[-2], mk.worksheets[-2]
    rows_sq = [list(row) for row in in_sq.iter_rows(values_only=True)]
    rows_mk = [list(row) for row in in_mk.iter_rows(values_only=True)]
    assert len(rows_sq) == len(rows_mk)
    data = 0
    for one, other in zip(rows_sq, rows_mk, strict=True):
        if one and one[0] in {d.value for d in registry.Dimension} | {"session-country"}:
            # table, codes, then the numbers (the labels between are translated)
            assert one[:3] == other[:3] and one[5:-1] == other[5:-1]
            data += 1
    assert data > 20


async def test_the_definitions_sheet_is_the_registry(database: Database):
    await build_programme(database, people=20)
    book, _ = await files(database, SCOPES["serbia"], Translator("en", ZONE))
    rows = rows_of(book, "Definitions")
    assert rows[0] == [
        "Code",
        "Indicator",
        "Definition",
        "Counts by",
        "Source view",
        "Suppression rule",
        "SQL",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert list(by_code) == [definition.code for definition in DEFINITIONS]
    trained = by_code["people-trained"]
    assert trained[1] == "People trained"
    assert trained[3] == "the person's own country"
    assert trained[4] == "trained_view"
    assert "rounded to a multiple of 5" in trained[5]
    assert by_code["sessions-held"][3] == "the session's country"
    assert "at least 5" in by_code["satisfaction"][5]
    assert by_code["knowledge-gain"][4] == "knowledge_gain_view"
