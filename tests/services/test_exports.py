"""Exports: the rows of every sheet under scopes and filters, and the files read back
(XLSX with openpyxl, CSV with the csv module). The world is tests/support/export_world.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.i18n.translator import Translator
from bot.models import AuditEntry, TrainingSession
from bot.services import audit, exports
from bot.services.exports import (
    ExportError,
    ExportFormat,
    ExportRequest,
    Sheet,
    attendance_rows,
    learning_rows,
    participant_rows,
    session_rows,
)
from bot.services.indicators import Filters, period_between
from bot.services.roles import FULL_SCOPE, Scope
from tests.support.disclosure_attack import read_indicators
from tests.support.export_world import World, build_world
from tests.support.reporting import EU, PW

ZONE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
YEAR = period_between(date(2026, 1, 1), date(2026, 12, 31), ZONE)
EN = Translator("en", ZONE)
SQ = Translator("sq", ZONE)
XK_ONLY = Scope(countries=frozenset({"XK"}))
FORUM_ONLY = Scope(organisations=frozenset({"Forum"}))
THRESHOLD = 5


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


def titles(catalogue: Catalogue, language: str = "en") -> dict[str, str]:
    return exports.module_titles(catalogue, language)


async def collect(chunks: Any) -> list[Any]:
    return [row async for chunk in chunks for row in chunk]


async def workbook(
    database: Database,
    request: ExportRequest,
    tr: Translator = EN,
    catalogue: Catalogue | None = None,
) -> tuple[openpyxl.Workbook, exports.ExportSummary]:
    buffer = io.BytesIO()
    async with database.session() as db:
        summary = await exports.write_xlsx(
            db,
            buffer,
            request=request,
            tr=tr,
            now=NOW,
            threshold=THRESHOLD,
            module_titles=titles(catalogue, tr.language_code) if catalogue else None,
        )
    buffer.seek(0)
    return openpyxl.load_workbook(buffer), summary


def values(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def every_text(book: openpyxl.Workbook) -> str:
    return "\n".join(
        str(cell) for sheet in book.worksheets for row in values(sheet) for cell in row if cell
    )


# -- the full workbook -----------------------------------------------------------------------------


async def test_the_full_workbook_has_every_sheet_with_frozen_headers_and_real_dates(
    database: Database, world: World, catalogue: Catalogue
):
    book, summary = await workbook(database, ExportRequest(FULL_SCOPE, YEAR), catalogue=catalogue)

    assert book.sheetnames == [
        "About",
        "Attendance",
        "Participants",
        "Sessions",
        "Learning",
        "Indicators",
        "Definitions",
    ]
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "A2", name
    assert summary.rows[Sheet.ATTENDANCE] == 9

    sheet = book["Attendance"]
    rows = values(sheet)
    assert rows[0] == [
        "Session",
        "Date",
        "Country",
        "Module",
        "Trainer",
        "Person",
        "Name",
        "Organisation",
        "Gender",
        "Age band",
        "Status",
    ]
    ids = world.people
    trainer = f"#{world.trainer_id}"
    pw, eu = titles(catalogue)[PW], titles(catalogue)[EU]
    march, may, december = datetime(2026, 3, 10), datetime(2026, 5, 5), datetime(2026, 12, 10)
    xk = ["Siguria digjitale", march, "Kosovo", pw, trainer]
    rs = ["Дигитална безбедност", may, "Serbia", eu, trainer]
    future = ["Next month", december, "Serbia", eu, trainer]
    assert rows[1:] == [
        [*xk, ids["ana"], "Ana Hoxhë", "Civic Lab", "Woman", "25–34", "Present"],
        [*xk, ids["boris"], "Boris Petrović", "Forum", "Man", "35–44", "Apologised"],
        [*xk, ids["erased"], None, None, None, None, "Present"],
        [*xk, ids["vesna"], "Vesna", "Civic Lab", "Woman", "45–54", "Present"],
        [*xk, ids["nocon"], None, None, None, None, "Present"],
        [*rs, ids["ana"], "Ana Hoxhë", "Civic Lab", "Woman", "25–34", "Late"],
        [*rs, ids["boris"], "Boris Petrović", "Forum", "Man", "35–44", "Absent"],
        [*rs, ids["jelena"], "Јелена Јовановић", "Forum", "Woman", "18–24", "Present"],
        [*future, ids["vesna"], "Vesna", "Civic Lab", "Woman", "45–54", "Not marked"],
    ]
    date_cell = sheet["B2"]
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["A"].width >= 30
    assert sheet.auto_filter.ref == "A1:K10"

    about = {row[0]: row[1] for row in values(book["About"]) if row[0] and row[1]}
    assert about["Period"] == "Jan 1, 2026 – Dec 31, 2026"
    assert about["Scope"] == "All countries and organisations"
    assert about["Filters"] == "None"
    assert about["Made on"].startswith("Nov 23, 2026 13:00")


async def test_sessions_participants_and_learning_sheets(
    database: Database, world: World, catalogue: Catalogue
):
    book, _ = await workbook(database, ExportRequest(FULL_SCOPE, YEAR), catalogue=catalogue)
    ids = world.people

    sessions = values(book["Sessions"])
    assert sessions[0][9:] == [
        "State",
        "Registered",
        "Apologised",
        "Attended",
        "Ratings",
        "Average feedback",
    ]
    by_title = {row[0]: row for row in sessions[1:]}
    assert list(by_title) == [
        "Siguria digjitale",
        "Дигитална безбедност",
        "Cancelled in Albania",
        "Next month",
    ]
    xk = by_title["Siguria digjitale"]
    assert xk[1] == datetime(2026, 3, 10)
    assert xk[2] == time(10, 0)  # 09:00 UTC is 10:00 in Belgrade
    assert xk[9:] == ["Held", 3, 1, 4, 3, 4.0]
    assert by_title["Дигитална безбедност"][9:] == ["Held", 3, 0, 2, 0, None]
    assert by_title["Cancelled in Albania"][9:] == ["Cancelled", 1, 0, 0, 0, None]
    assert by_title["Next month"][9:] == ["Upcoming", 1, 0, 0, 0, None]

    participants = values(book["Participants"])
    assert participants[0] == [
        "Person",
        "Name",
        "Source",
        "Organisation",
        "Country",
        "Gender",
        "Age band",
        "Vulnerable group",
        "First seen",
        "Erased",
        "Sessions attended",
        "Modules completed",
    ]
    people = {row[0]: row for row in participants[1:]}
    assert sorted(people) == sorted(
        ids[name] for name in ("ana", "boris", "jelena", "erased", "vesna", "nocon")
    )
    assert people[ids["ana"]][1:8] == [
        "Ana Hoxhë",
        "Telegram",
        "Civic Lab",
        "Kosovo",
        "Woman",
        "25–34",
        None,
    ]
    assert people[ids["ana"]][10:] == [2, 1]
    assert people[ids["jelena"]][2] == "Walk-in"
    assert people[ids["vesna"]][7] == "Roma, Egyptian or Ashkali"
    assert people[ids["erased"]][1:8] == [None, "Telegram", None, None, None, None, None]
    assert people[ids["erased"]][9:] == ["Yes", 1, 0]
    assert isinstance(people[ids["ana"]][8], datetime)

    learning = values(book["Learning"])
    assert learning[0] == [
        "Person",
        "Module",
        "Started",
        "Completed",
        "Pre-test %",
        "Best post-test %",
        "Post-tests",
        "Gain (points)",
    ]
    scores = [40, 100, 2, 60]
    assert learning[1:] == [
        [ids["ana"], titles(catalogue)[PW], datetime(2026, 2, 1), datetime(2026, 2, 3), *scores],
        [ids["boris"], titles(catalogue)[EU], datetime(2026, 4, 1), None, 20, None, 0, None],
    ]


async def test_the_indicators_sheet_is_exact_for_full_scope(database: Database, world: World):
    # Full scope reads the rows about single people anyway; the About sheet says to round
    # before sharing (tests/handlers/test_small_numbers.py has the limited scopes).
    book, _ = await workbook(database, ExportRequest(FULL_SCOPE, YEAR))
    sheet = read_indicators(values(book["Indicators"]))
    # Trained in 2026: ana, erased, vesna, nocon (xk) and jelena (rs); ana twice.
    assert sheet.headline["people-trained"] == 5
    assert sheet.headline["attendances"] == 6
    assert sheet.headline["sessions-held"] == 2
    assert sheet.headline["completions"] == 1
    assert sheet.headline["satisfaction"] == 4  # 5, 4 and 3
    # Each under their own country: ana and vesna of Kosovo (ana at sessions in Kosovo
    # and Serbia), jelena of Serbia, the erased and the one without consent unknown.
    by_country = {
        codes: cells["people-trained"] for codes, cells in sheet.tables["country"].items()
    }
    assert by_country == {("RS",): 1, ("XK",): 2, ("unknown",): 2}
    assert sheet.tables["country"][("XK",)]["attendances"] == 3
    assert sheet.tables["country-gender"][("XK", "female")]["people-trained"] == 2
    assert sheet.totals["country"]["people-trained"] == 5
    labels = {row[3] for row in values(book["Indicators"]) if row[0] == "country"}
    assert labels == {"Kosovo", "Serbia", "Unknown", "Total"}
    assert "Roma, Egyptian or Ashkali" in every_text(book)
    assert book["Indicators"].freeze_panes == "A2"
    about = {row[0]: row[1] for row in values(book["About"]) if row[0] and row[1]}
    assert about["Small numbers"].startswith("The figures are exact (full scope).")


async def test_headers_and_labels_in_albanian(
    database: Database, world: World, catalogue: Catalogue
):
    book, _ = await workbook(database, ExportRequest(FULL_SCOPE, YEAR), SQ, catalogue)
    english = values((await workbook(database, ExportRequest(FULL_SCOPE, YEAR)))[0]["Attendance"])
    sheet = book.worksheets[1]
    assert sheet.title == exports.plain(SQ._("Attendance"))
    rows = values(sheet)
    assert rows[0] == [exports.plain(SQ._(header)) for header in english[0]]
    first = rows[1]
    assert first[2] == "Kosova"
    assert first[3] == titles(catalogue, "sq")[PW]
    assert first[8:] == ["Grua", "25–34", "Prani"]
    assert rows[2][10] == "Mungesë e njoftuar"


# -- scopes ----------------------------------------------------------------------------------------


async def test_a_country_coordinator_gets_only_sessions_and_indicators_of_their_country(
    database: Database, world: World
):
    book, summary = await workbook(database, ExportRequest(XK_ONLY, YEAR))
    assert book.sheetnames == ["About", "Sessions", "Indicators", "Definitions"]
    assert set(summary.rows) == {Sheet.SESSIONS, Sheet.INDICATORS, Sheet.DEFINITIONS}
    sessions = values(book["Sessions"])
    assert [row[0] for row in sessions[1:]] == ["Siguria digjitale"]
    # Registered 3, apologised 1, attended 4 and 3 ratings, rounded: 3 ratings give no
    # average.
    assert sessions[1][9:] == ["Held", 5, 0, 5, 5, None]
    indicators = read_indicators(values(book["Indicators"])).headline
    assert indicators["people-trained"] == 5  # 4
    assert indicators["sessions-held"] == 1  # sessions, not people: exact
    assert indicators["satisfaction"] is None
    text = every_text(book)
    for name in ("Ana Hoxhë", "Boris", "Јелена", "Vesna", "Дигитална", "Serbia"):
        assert name not in text
    about = {row[0]: row[1] for row in values(book["About"]) if row[0] and row[1]}
    assert about["Scope"] == "Countries: Kosovo"


async def test_rows_never_leave_the_scope(database: Database, world: World):
    async with database.session() as db:
        for scope in (XK_ONLY, FORUM_ONLY):
            request = ExportRequest(scope, YEAR)
            attendance = await collect(attendance_rows(db, request))
            sessions = await collect(session_rows(db, request, now=NOW))
            participants = await collect(participant_rows(db, request))
            learning = await collect(learning_rows(db, request))
            async with database.session() as other:
                stored = {row.id: row.country for row in (await other.exec(_all_sessions())).all()}
            if scope is XK_ONLY:
                assert attendance and {row.training.country for row in attendance} == {"XK"}
                assert {row.training.country for row in sessions} == {"XK"}
                # People are in scope through a Kosovo session (boris, from Serbia, too).
                assert {row.learner_id for row in participants} == {
                    row.learner_id for row in attendance
                } | {row.learner_id for row in learning}
                assert all(stored[row.training.id] == "XK" for row in attendance)
            else:
                assert {row.organisation for row in attendance} == {"Forum"}
                assert {row.learner_id for row in attendance} == {
                    world.people["boris"],
                    world.people["jelena"],
                }
                assert {row.organisation for row in participants} == {"Forum"}
                # Counts only of Forum people: boris apologised at xk; at rs boris was
                # absent and jelena present; dora registered for the cancelled one.
                counts = {
                    row.training.title: (row.registered, row.apologised, row.attended)
                    for row in sessions
                }
                assert counts == {
                    "Siguria digjitale": (0, 1, 0),
                    "Дигитална безбедност": (2, 0, 1),
                    "Cancelled in Albania": (1, 0, 0),
                }
            assert all(row.learner_id != world.people["erased"] for row in learning)

    # A coordinator without any scope (for example a revoked one) sees nothing at all.
    nothing = Scope(countries=frozenset(), organisations=frozenset())
    async with database.session() as db:
        request = ExportRequest(nothing, YEAR)
        assert await collect(attendance_rows(db, request)) == []
        assert await collect(session_rows(db, request, now=NOW)) == []
        assert await collect(participant_rows(db, request)) == []


def _all_sessions() -> Any:
    return select(TrainingSession)


async def test_raw_sheets_and_csv_are_refused_to_a_scoped_coordinator(
    database: Database, world: World
):
    async with database.session() as db:
        with pytest.raises(ExportError) as refused:
            await exports.write_xlsx(
                db,
                io.BytesIO(),
                request=ExportRequest(XK_ONLY, YEAR),
                tr=EN,
                now=NOW,
                threshold=THRESHOLD,
                sheets=[Sheet.ATTENDANCE],
            )
        assert refused.value.reason == "sheet-not-allowed"
        with pytest.raises(ExportError) as refused:
            await exports.write_csv(db, io.BytesIO(), request=ExportRequest(FORUM_ONLY), tr=EN)
        assert refused.value.reason == "format-not-allowed"
    assert exports.formats_for(XK_ONLY) == (ExportFormat.XLSX,)
    assert exports.formats_for(FULL_SCOPE) == (ExportFormat.XLSX, ExportFormat.CSV)


# -- filters ---------------------------------------------------------------------------------------


async def test_filters_narrow_every_sheet(database: Database, world: World):
    ids = world.people
    async with database.session() as db:
        serbia = ExportRequest(FULL_SCOPE, YEAR, Filters(country="RS"))
        rows = await collect(attendance_rows(db, serbia))
        assert {row.training.title for row in rows} == {"Дигитална безбедност", "Next month"}
        # Learning follows the person's country: boris (RS) yes, ana (XK) no.
        assert [row.learner_id for row in await collect(learning_rows(db, serbia))] == [
            ids["boris"]
        ]

        module = ExportRequest(FULL_SCOPE, YEAR, Filters(module=PW))
        rows = await collect(attendance_rows(db, module))
        assert {row.training.title for row in rows} == {"Siguria digjitale"}
        assert [(r.learner_id, r.module_id) for r in await collect(learning_rows(db, module))] == [
            (ids["ana"], PW)
        ]

        civic = ExportRequest(FULL_SCOPE, YEAR, Filters(organisation="Civic Lab"))
        rows = await collect(attendance_rows(db, civic))
        assert {row.learner_id for row in rows} == {ids["ana"], ids["vesna"]}
        people = await collect(participant_rows(db, civic))
        assert {row.learner_id for row in people} == {ids["ana"], ids["vesna"]}

        all_time = ExportRequest(FULL_SCOPE)
        rows = await collect(attendance_rows(db, all_time))
        assert len(rows) == 10  # + the old session of 2025
        learning = await collect(learning_rows(db, all_time))
        assert {row.learner_id for row in learning} == {ids["ana"], ids["boris"], ids["old"]}
        counts = await exports.count_rows(db, all_time)
        assert counts[Sheet.ATTENDANCE] == 10
        assert counts[Sheet.LEARNING] == 3
        assert counts[Sheet.PARTICIPANTS] == len(await collect(participant_rows(db, all_time)))


def test_filters_are_checked_against_the_scope_and_the_catalogue():
    modules = (PW, EU)
    assert exports.check_filters(XK_ONLY, Filters(country="xk"), modules) == Filters("XK")
    for scope, filters, reason in (
        (XK_ONLY, Filters(country="RS"), "country-outside-scope"),
        (FULL_SCOPE, Filters(country="FR"), "unknown-country"),
        (FORUM_ONLY, Filters(organisation="Civic Lab"), "organisation-outside-scope"),
        (FULL_SCOPE, Filters(organisation="   "), "empty-organisation"),
        (FULL_SCOPE, Filters(organisation="x" * 121), "organisation-too-long"),
        (FULL_SCOPE, Filters(module="nope"), "unknown-module"),
    ):
        with pytest.raises(ExportError) as refused:
            exports.check_filters(scope, filters, modules)
        assert refused.value.reason == reason
    assert exports.check_filters(FORUM_ONLY, Filters(organisation=" Forum "), modules) == Filters(
        organisation="Forum"
    )


def test_two_typed_dates():
    assert exports.parse_two_dates("01.01.2026 31.12.2026") == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert exports.parse_two_dates(" 1.3.2026 – 15.3.2026. ") == (
        date(2026, 3, 1),
        date(2026, 3, 15),
    )
    for text, reason in (
        ("last year", "malformed"),
        ("01.01.2026", "malformed"),
        ("31.02.2026 01.03.2026", "impossible"),
        ("01.01.2026 31.12.2025", "end-before-start"),
        ("01.01.1990 31.12.1990", "out-of-range"),
    ):
        with pytest.raises(ExportError) as refused:
            exports.parse_two_dates(text)
        assert refused.value.reason == reason, text


# -- CSV -------------------------------------------------------------------------------------------


async def test_csv_is_utf8_with_a_bom_and_round_trips_cyrillic_and_e_diaeresis(
    database: Database, world: World
):
    buffer = io.BytesIO()
    async with database.session() as db:
        summary = await exports.write_csv(
            db, buffer, request=ExportRequest(FULL_SCOPE, YEAR), tr=EN
        )
    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert summary.rows == {Sheet.ATTENDANCE: 9}
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Session", "Date", "Country"]
    assert len(rows) == 10
    assert rows[1][:3] == ["Siguria digjitale", "2026-03-10", "Kosovo"]
    assert rows[1][6] == "Ana Hoxhë"
    assert [rows[8][0], rows[8][6]] == ["Дигитална безбедност", "Јелена Јовановић"]
    assert "Hoxhë".encode() in data and "Јовановић".encode() in data


async def test_csv_neutralises_text_that_would_run_as_a_formula(database: Database, world: World):
    async with database.session() as db:
        training = await db.get(TrainingSession, world.sessions["xk"])
        assert training is not None
        training.title = '=HYPERLINK("http://evil.example","click")'
        db.add(training)
    buffer = io.BytesIO()
    async with database.session() as db:
        await exports.write_csv(db, buffer, request=ExportRequest(FULL_SCOPE, YEAR), tr=EN)
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","click")'
    # In XLSX the same title stays a plain string, never a formula.
    book, _ = await workbook(database, ExportRequest(FULL_SCOPE, YEAR))
    cell = book["Attendance"]["A2"]
    assert cell.data_type == "s" and cell.value == training.title


async def test_an_export_is_recorded_in_the_audit_log_without_personal_data(
    database: Database, world: World
):
    request = ExportRequest(FULL_SCOPE, YEAR, Filters(organisation="Forum"))
    async with database.session() as db:
        summary = await exports.write_csv(db, io.BytesIO(), request=request, tr=EN)
        await exports.record_export(db, actor_id=None, request=request, summary=summary, now=NOW)
    async with database.session() as db:
        entries = [e for e in await _entries(db) if e.action == "export.create"]
    assert len(entries) == 1
    details = audit.details_of(entries[0])
    assert details["format"] == "csv"
    assert details["rows"] == {"attendance": 3}
    assert details["filters"] == {"country": None, "organisation": "Forum", "module": None}
    assert "Petrović" not in entries[0].details


async def _entries(db: Any) -> list[AuditEntry]:
    return await audit.entries(db, "export")


def test_file_names_and_period_texts():
    request = ExportRequest(FULL_SCOPE, YEAR)
    assert exports.filename(request, ExportFormat.XLSX, NOW, EN) == (
        "kapacitet-2026-01-01-2026-12-31.xlsx"
    )
    assert exports.filename(ExportRequest(FULL_SCOPE), ExportFormat.CSV, NOW, EN) == (
        "kapacitet-all.csv"
    )
    assert exports.describe_period(EN, YEAR) == "Jan 1, 2026 – Dec 31, 2026"
    assert exports.describe_period(EN, ExportRequest(FULL_SCOPE).period) == "All time"
    taken: set[str] = set()
    assert exports.sheet_title(EN, Sheet.ATTENDANCE, taken) == "Attendance"
    assert exports.sheet_title(EN, Sheet.ATTENDANCE, taken) == "Attendance 2"
