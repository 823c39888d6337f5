"""``python -m bot content sync|export|import|publish|retire`` in a subprocess, against a
real database: the workbook is written, edited with openpyxl, imported with its problems
named by cell, and published."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.db import Database
from bot.models import VersionState
from bot.services import content_versions
from tests.factories import make_learner
from tests.support.content_versions import edit_workbook, row_of
from tests.test_cli_export import export_env

MODULE = "online-scams"


def content(database: Database, folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "content", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        env=export_env(database),
    )


async def test_export_import_and_publish_from_the_command_line(database: Database, tmp_path: Path):
    await database.migrate()
    async with database.session() as db:
        editor = await make_learner(db)
    synced = content(database, tmp_path, "sync")
    assert synced.returncode == 0, synced.stderr
    assert f"{MODULE}: added from the files" in synced.stdout
    assert content(database, tmp_path, "sync").stdout == ""  # once per change

    exported = content(database, tmp_path, "export", MODULE, "--out", "scams.xlsx")
    assert exported.returncode == 0, exported.stderr
    workbook = (tmp_path / "scams.xlsx").read_bytes()
    row = row_of(workbook, "hr", "title")
    (tmp_path / "long.xlsx").write_bytes(edit_workbook(workbook, {f"hr!C{row}": "Prijevare " * 10}))
    refused = content(database, tmp_path, "import", "long.xlsx", "--editor", str(editor.id))
    assert refused.returncode == 1
    assert f"hr!C{row}: title: 99 characters, at most 80" in refused.stderr

    (tmp_path / "fixed.xlsx").write_bytes(
        edit_workbook(workbook, {f"hr!C{row}": "Internetske prijevare"})
    )
    imported = content(database, tmp_path, "import", "fixed.xlsx", "--editor", str(editor.id))
    assert imported.returncode == 0, imported.stderr
    assert f"Draft ready: {MODULE}, version 2" in imported.stdout
    published = content(database, tmp_path, "publish", MODULE)
    assert published.returncode == 0, published.stderr
    async with database.session() as db:
        rows = await content_versions.versions_of(db, MODULE)
        assert [(r.number, r.state) for r in rows] == [
            (1, VersionState.SUPERSEDED),
            (2, VersionState.PUBLISHED),
        ]
        files = content_versions.files_of(rows[-1])
    assert files["hr"]["title"] == "Internetske prijevare"
