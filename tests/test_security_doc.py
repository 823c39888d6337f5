"""docs/security.md names the tests that prove each line: every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "security.md"


def test_every_test_the_page_names_exists():
    text = PAGE.read_text(encoding="utf-8")
    named = re.findall(r"`?([\w/]+\.py)::([a-z_]+)", text)
    files = set(re.findall(r"`((?:handlers|services|simulator)/test_\w+\.py|test_\w+\.py)", text))
    assert named and files, "the page names no tests: the check read nothing"
    missing = []
    for path, name in named:
        where = ROOT / "tests" / path if "test_" in path else ROOT / "bot" / path
        if f"def {name}" not in where.read_text(encoding="utf-8"):
            missing.append(f"{path}::{name}")
    missing += [path for path in files if not (ROOT / "tests" / path).exists()]
    assert missing == []
