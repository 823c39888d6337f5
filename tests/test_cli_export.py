"""``python -m bot export`` in a subprocess: the file is written and read back; bad input
stops it with one line and exit status 2; a SIGTERM leaves no file behind."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from bot.db import Database
from bot.i18n.translator import Translator
from bot.services.indicators.output import TIDY_COLUMNS
from tests.support.databases import writes_held
from tests.support.export_world import build_world
from tests.support.processes import ROOT, python_bot
from tests.support.reporting import export_entries
from tests.support.waiting import wait_until


def export_env(database: Database) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BOT_TOKEN", "ADMIN_TELEGRAM_IDS", "TEST_DATABASE_URL")
    }
    env["DATABASE_URL"] = database.url
    env["TIMEZONE"] = "Europe/Belgrade"
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_export(
    database: Database, folder: Path, *arguments: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        env=export_env(database),
    )


def output_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_export_writes_a_workbook_that_reads_back(database: Database, tmp_path: Path):
    world = await build_world(database)
    out = output_folder(tmp_path)
    result = run_export(
        database,
        out,
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "xlsx",
        "--out",
        "report.xlsx",
        "--country",
        "XK",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote report.xlsx (xlsx; rows: attendance 5,")
    assert names(out) == ["report-indicators.csv", "report.xlsx"]
    assert "Wrote report-indicators.csv" in result.stdout

    book = openpyxl.load_workbook(out / "report.xlsx")
    # Beside it, the indicators one value a line, read back as a BI tool would.
    with (out / "report-indicators.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert list(lines[0]) == list(TIDY_COLUMNS)
    trained = {
        line["dimension_code"]: int(line["value"])
        for line in lines
        if line["indicator"] == "people-trained" and line["dimension"] == "country"
    }
    total = next(
        line
        for line in lines
        if line["indicator"] == "people-trained" and line["dimension"] == "total"
    )
    assert total["period"] == "2026-01-01/2026-12-31" and total["suppressed"] == "0"
    assert sum(trained.values()) == int(total["value"]) == 4  # at the session in Kosovo
    assert book.sheetnames == [
        "About",
        "Attendance",
        "Participants",
        "Sessions",
        "Learning",
        "Indicators",
        "Definitions",
    ]
    rows = list(book["Attendance"].iter_rows(values_only=True))
    assert [row[5] for row in rows[1:]] == sorted(
        world.people[name] for name in ("ana", "boris", "erased", "vesna", "nocon")
    )
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Filters"] == "Country: Kosovo"
    assert about["Scope"] == "All countries and organisations"
    entries = await export_entries(database)
    assert len(entries) == 1 and entries[0].actor_id is None


async def test_export_writes_csv_in_albanian(database: Database, tmp_path: Path):
    await build_world(database)
    out = output_folder(tmp_path)
    result = run_export(
        database,
        out,
        "--out",
        "attendance.csv",
        "--language",
        "sq",
        "--module",
        "eu-accession",
    )
    assert result.returncode == 0, result.stderr
    data = (out / "attendance.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sq = Translator("sq", ZoneInfo("Europe/Belgrade"))
    assert rows[0][0] == sq._("Session")
    assert {row[0] for row in rows[1:]} == {"Дигитална безбедност", "Next month"}
    assert "Prani" in {row[10] for row in rows[1:]}  # "Present" in Albanian
    assert "Јелена Јовановић" in {row[6] for row in rows[1:]}


async def test_bad_input_stops_with_one_line_and_writes_nothing(database: Database, tmp_path: Path):
    await build_world(database)
    out = output_folder(tmp_path)
    for arguments, message in (
        (
            ("--from", "2026-13-01", "--out", "r.xlsx"),
            "Cannot export: --from: expected a date like 2026-01-01, got '2026-13-01'",
        ),
        (
            ("--from", "2026-12-31", "--to", "2026-01-01", "--out", "r.xlsx"),
            "Cannot export: --to: 2026-01-01 is before --from 2026-12-31",
        ),
        (
            ("--out", "r.xlsx", "--country", "FR"),
            "Cannot export: --country: expected a country code: AL, BA, XK, ME, MK, RS or "
            "other, got 'FR'",
        ),
        (("--out", "r.pdf"), "Cannot export: --format: expected xlsx or csv, got 'pdf'"),
        (
            ("--out", "missing/r.xlsx"),
            "Cannot export: --out: the folder 'missing' does not exist",
        ),
    ):
        result = run_export(database, out, *arguments)
        assert result.returncode == 2, (arguments, result.stderr)
        assert result.stderr.splitlines() == [message]
    assert names(out) == []
    assert await export_entries(database) == []


async def test_a_sigterm_during_the_export_leaves_no_file_of_names(
    database: Database, tmp_path: Path
):
    """``docker stop`` or ``kill`` while the export runs: it used to leave its ``.part``
    file, names and all, beside the report. Here the export is held at its audit entry (the
    last step before the file is renamed into place) until it has been told to stop."""
    await build_world(database)
    out = output_folder(tmp_path)
    async with writes_held(database.url):
        process = await python_bot(
            "export", "--out", "report.xlsx", cwd=out, env=export_env(database)
        )

        async def writing() -> bool:
            return any(name.endswith(".part") for name in names(out))

        await wait_until(writing, 60, "the export to start writing", process)
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1, stderr.decode()
    assert stderr.decode().splitlines()[-1] == "Export interrupted; nothing was written."
    assert names(out) == []
