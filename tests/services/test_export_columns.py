"""The export's columns on a generated programme (tests/support/pivot_world.py), files read
back with openpyxl: the same export in Albanian and Macedonian pivots identically (codes,
ids and numbers equal, labels translated); ids join across sheets; numbers are numbers,
with flags where the small-number rule left a cell empty; names only where people agreed."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.i18n.translator import Translator
from bot.services import exports
from bot.services.exports import ExportRequest, sheets_for
from bot.services.indicators import period_between
from bot.services.roles import FULL_SCOPE, Scope
from tests.support.pivot_world import PivotWorld, build_pivot_world

ZONE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
YEAR = period_between(date(2026, 1, 1), date(2026, 12, 31), ZONE)
ROW_SHEETS = ("Attendance", "Participants", "Sessions", "Learning")
"""In English; the same sheets are found by position in the other languages."""


@pytest.fixture
async def world(database: Database) -> PivotWorld:
    return await build_pivot_world(database)


async def book_of(
    database: Database, catalogue: Catalogue, language: str, scope: Scope = FULL_SCOPE
) -> openpyxl.Workbook:
    tr = Translator(language, ZONE)
    buffer = io.BytesIO()
    async with database.session() as db:
        await exports.write_xlsx(
            db,
            buffer,
            request=ExportRequest(scope, YEAR),
            tr=tr,
            now=NOW,
            threshold=5,
            module_titles=exports.module_titles(catalogue, language),
        )
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def rows_of(book: openpyxl.Workbook, index: int) -> list[list[Any]]:
    return [list(row) for row in book.worksheets[index].iter_rows(values_only=True)]


def table(book: openpyxl.Workbook, name: str) -> list[dict[str, Any]]:
    """An English workbook's sheet as records by header."""
    rows = [list(row) for row in book[name].iter_rows(values_only=True)]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def is_code(header: str) -> bool:
    return header.isascii() and header == header.lower() and " " not in header


async def test_the_same_export_in_albanian_and_macedonian_pivots_identically(
    database: Database, world: PivotWorld, catalogue: Catalogue
):
    albanian = await book_of(database, catalogue, "sq")
    macedonian = await book_of(database, catalogue, "mk")
    english = await book_of(database, catalogue, "en")
    assert len(albanian.worksheets) == len(macedonian.worksheets) == len(sheets_for(FULL_SCOPE))
    label_columns_that_differ = 0
    for index, name in enumerate(english.sheetnames):
        if name not in ROW_SHEETS:
            continue
        sq, mk = rows_of(albanian, index), rows_of(macedonian, index)
        headers = rows_of(english, index)[0]
        assert len(sq) == len(mk) > 1, name
        assert albanian.worksheets[index].title != macedonian.worksheets[index].title
        for column, header in enumerate(headers):
            sq_values = [row[column] for row in sq[1:]]
            mk_values = [row[column] for row in mk[1:]]
            if is_code(header):
                # A code column: the same header and the same values in every language.
                assert sq[0][column] == mk[0][column] == header, (name, header)
                assert sq_values == mk_values, (name, header)
                continue
            texts = [v for v in sq_values + mk_values if isinstance(v, str)]
            if not texts:
                # Numbers and dates: identical.
                assert sq_values == mk_values, (name, header)
            elif sq_values != mk_values:
                label_columns_that_differ += 1
        # Every label has its code beside it: a pivot on codes adds up the same.
        codes = [header for header in headers if is_code(header)]
        assert "person_id" in codes or "session_id" in codes, name
    # Countries, genders, age bands, statuses, modules, languages, states, sources...
    assert label_columns_that_differ >= 10

    # The pivot a coordinator makes: people present or late by the session's country.
    def pivot(book: openpyxl.Workbook) -> Counter[str]:
        rows = rows_of(book, 1)
        header = rows[0]
        country, attended = header.index("session_country"), header.index("attended")
        counted: Counter[str] = Counter()
        for row in rows[1:]:
            counted[row[country]] += row[attended]
        return counted

    assert pivot(albanian) == pivot(macedonian) == pivot(english)
    assert sum(pivot(albanian).values()) > 0


async def test_ids_join_across_sheets_and_agree_with_the_counts(
    database: Database, world: PivotWorld, catalogue: Catalogue
):
    book = await book_of(database, catalogue, "en")
    attendance = table(book, "Attendance")
    participants = table(book, "Participants")
    sessions = table(book, "Sessions")
    learning = table(book, "Learning")
    assert attendance and participants and sessions and learning

    people = [row["person_id"] for row in participants]
    assert len(people) == len(set(people)) and all(p.startswith("P-") for p in people)
    assert {row["person_id"] for row in attendance} | {row["person_id"] for row in learning} == (
        set(people)
    )
    assert {row["session_id"] for row in attendance} <= {row["session_id"] for row in sessions}
    module_ids = {module.id for module in catalogue.modules}
    for rows in (attendance, sessions, learning):
        assert {row["module_id"] for row in rows} - {None} <= module_ids

    # Sessions attended per person, and attended per session, from the Attendance rows.
    by_person: Counter[str] = Counter()
    by_session: Counter[int] = Counter()
    for row in attendance:
        assert row["attended"] == (1 if row["status"] in ("present", "late") else 0)
        by_person[row["person_id"]] += row["attended"]
        by_session[row["session_id"]] += row["attended"]
    for row in participants:
        assert row["Sessions attended"] == by_person[row["person_id"]]
    for row in sessions:
        if row["state"] != "cancelled":  # not in the Attendance sheet
            assert row["Attended"] == by_session[row["session_id"]], row["session_id"]
    # A session's country and trainer are the same wherever the session appears.
    facts = {row["session_id"]: (row["session_country"], row["trainer_id"]) for row in sessions}
    for row in attendance:
        assert (row["session_country"], row["trainer_id"]) == facts[row["session_id"]]
    # A person's profile codes are the same in Attendance and Participants.
    profile = {row["person_id"]: (row["person_country"], row["gender"]) for row in participants}
    for row in attendance:
        assert (row["person_country"], row["gender"]) == profile[row["person_id"]]

    # Trainers: named where they agreed, else shown by their person id.
    for row in sessions:
        named = world.trainer_names[row["trainer_id"]]
        assert row["Trainer"] == (named or row["trainer_id"])
    # People: names only where they agreed (a certificate's name stays hidden otherwise).
    shown = {row["Name"] for row in participants} - {None}
    assert shown and shown <= world.shown_names
    text = " ".join(str(cell) for sheet in book.worksheets for row in sheet.values for cell in row)
    for hidden in world.hidden_names | {"Hidden Trainer", "Refusing Trainer"}:
        assert hidden not in text


async def test_numbers_are_numbers_and_suppressed_cells_are_flagged(
    database: Database, world: PivotWorld, catalogue: Catalogue
):
    for scope in (FULL_SCOPE, Scope(countries=frozenset({"AL", "XK", "RS"}))):
        book = await book_of(database, catalogue, "en", scope)
        for name in ROW_SHEETS:
            if name not in book.sheetnames:
                continue
            rows = rows_of(book, book.sheetnames.index(name))
            for column, header in enumerate(rows[0]):
                kinds = {type(row[column]) for row in rows[1:] if row[column] is not None}
                # No column mixes text and numbers ("<5" beside figures).
                assert not (str in kinds and kinds & {int, float}), (name, header, kinds)
        sessions = table(book, "Sessions")
        limited = not scope.is_full
        for row in sessions:
            assert row["counts_rounded"] == (1 if limited else 0)
            assert row["average_suppressed"] in (0, 1)
            if row["average_suppressed"]:
                assert row["Average feedback"] is None and (limited and row["Ratings"] >= 0)
            if limited:
                for count in ("Registered", "Apologised", "Attended", "Ratings"):
                    assert row[count] % 5 == 0
        if limited:
            # Some averages of few ratings are left empty, and the flag says so.
            assert any(row["average_suppressed"] for row in sessions)
