"""``python -m bot programmes …`` and ``python -m bot targets …`` in a subprocess: a
programme is created and listed, a targets file with mistakes is refused with every line
named and nothing stored, a good one is loaded twice with the same result, and the export
can be limited to a programme."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
from sqlmodel import select

from bot.db import Database
from bot.models import Programme, Target
from tests.test_cli_export import export_env


def run(database: Database, folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        env=export_env(database),
    )


async def test_programmes_and_targets_from_the_command_line(database: Database, tmp_path: Path):
    made = run(
        database,
        tmp_path,
        "programmes",
        "create",
        "--name",
        "SOE-3",
        "--donor",
        "German Federal Foreign Office",
        "--from",
        "2026-01-01",
        "--to",
        "2027-06-30",
        "--countries",
        "BA,XK,RS",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Created programme ")
    again = run(
        database,
        tmp_path,
        "programmes",
        "create",
        "--name",
        "soe-3",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-01",
    )
    assert again.returncode == 2
    assert (
        again.stderr.strip() == "Cannot create: --name: a programme called 'soe-3' exists already"
    )
    listed = run(database, tmp_path, "programmes", "list")
    lines = listed.stdout.splitlines()
    assert "Default programme (default)" in lines[0]
    assert "\tSOE-3\tGerman Federal Foreign Office\t2026-01-01 – 2027-06-30\tBA,RS,XK\t" in lines[1]

    bad = tmp_path / "targets.csv"
    bad.write_text(
        "programme,indicator,country,due,value\n"
        "SOE-3,people-trained,,2027-06-30,1620\n"
        "SOE-3,people-trained,AL,2027-06-30,270\n"
        "SOE-3,people-trained,BA,30.06.2027,540\n",
        encoding="utf-8",
    )
    refused = run(database, tmp_path, "targets", "load", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"Cannot load {bad}: nothing was changed.",
        f"  {bad}:line 3: AL is not a country of 'SOE-3' (BA, RS, XK)",
        f"  {bad}:line 4: `due` must be a date like 2027-06-30, not '30.06.2027'",
    ]
    good = tmp_path / "targets.yaml"
    good.write_text(
        "# SOE-3 logframe: at least 1620 people trained (BA, XK, RS)\n"
        "targets:\n"
        "  - {programme: SOE-3, indicator: people-trained, due: 2027-06-30, value: 1620}\n"
        "  - {programme: SOE-3, indicator: people-trained, country: BA, due: 2027-06-30,"
        " value: 540}\n",
        encoding="utf-8",
    )
    first = run(database, tmp_path, "targets", "load", str(good))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["SOE-3: 2 target(s) (before: 0)"]
    second = run(database, tmp_path, "targets", "load", str(good))
    assert second.stdout.splitlines() == [
        "SOE-3: 2 target(s) (unchanged)",
        "Nothing changed: the targets were already as in the file.",
    ]
    progress = run(database, tmp_path, "targets", "list", "--programme", "SOE-3")
    assert progress.stdout.splitlines()[0].startswith(
        "SOE-3\tpeople-trained\tall\t2026-01-01 – 2027-06-30\t0/1620 (0%)"
    )
    async with database.session() as db:
        stored = (await db.exec(select(Target))).all()
        programmes = (await db.exec(select(Programme))).all()
    assert sorted((t.country, t.value) for t in stored) == [("", 1620), ("BA", 540)]
    assert len(programmes) == 2

    out = tmp_path / "soe.xlsx"
    exported = run(database, tmp_path, "export", "--programme", "SOE-3", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    book = openpyxl.load_workbook(out)
    rows = list(book["Targets"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Programme", "Indicator code", "Indicator", "Country code")
    assert [row[:2] + row[3:4] + row[7:9] for row in rows[1:3]] == [
        ("SOE-3", "people-trained", "", 1620, 0),
        ("SOE-3", "people-trained", "BA", 540, 0),
    ]
