"""The quiz lint and the staleness of ``python -m bot content check``: one line per problem,
the same rules as the content team's stand-alone lint."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.content.lint import Level, add_months, lint
from tests.support.content import module_files, write_module

TODAY = date(2026, 12, 7)


def forms_module(**shape: Any) -> dict[str, dict[str, Any]]:
    """12 questions in 6 objectives, correct answers spread over a, b, c, options alike."""
    files = module_files(questions=12, forms=True, **shape)
    files["module.yaml"]["as_of"] = date(2026, 11, 1)
    return files


def lines(root: Path, today: date = TODAY) -> list[str]:
    return [str(finding) for finding in lint(root, today)]


def test_a_module_in_parallel_forms_passes(tmp_path: Path):
    write_module(tmp_path, forms_module())
    assert lines(tmp_path) == []


def test_a_module_not_yet_in_forms_is_reported(tmp_path: Path):
    files = module_files()  # 4 questions, no objectives
    files["module.yaml"]["as_of"] = date(2026, 11, 1)
    write_module(tmp_path, files)
    assert lines(tmp_path) == [
        "error: sample: the bank has 4 questions (want 12-16)",
        "error: sample: 4 of 4 questions have no objective",
        "error: sample: option b is correct in 2/4 questions (more than 40 %)",
    ]


def test_every_rule_names_the_module_language_and_question(tmp_path: Path):
    files = forms_module()
    questions = files["module.yaml"]["questions"]
    questions[2]["objective"] = "objective-1"  # three questions for objective-1, one for -2
    for question in questions[:6]:
        question["correct"] = "a"  # a: these 6, and q-9 and q-12 as before
    en = files["en.yaml"]["questions"]
    for question in questions[:5]:  # the correct option strictly the longest, 5 of 12
        en[question["id"]]["options"]["a"] = "Alfa, the longest"
    en["q-7"]["options"] = {"a": "A", "b": "Beta", "c": "Gama"}
    del files["sq.yaml"]["questions"]["q-12"]
    write_module(tmp_path, files)
    found = lines(tmp_path)
    assert "error: sample: objective objective-1 has 3 questions (want 2)" in found
    assert "error: sample: objective objective-2 has 1 questions (want 2)" in found
    assert "error: sample: option a is correct in 8/12 questions (more than 40 %)" in found
    assert (
        "error: sample/en: the correct option is strictly the longest in 5/12 questions"
        " (more than a third)" in found
    )
    assert (
        "error: sample/en/q-1: options of 4 to 17 characters (the longest is more than 2x the"
        " shortest)" in found
    )
    assert (
        "error: sample/en/q-7: options of 1 to 4 characters (the longest is more than 2x the"
        " shortest)" in found
    )
    assert (
        "error: sample/sq: 11 questions where module.yaml has 12: missing ['q-12'], extra []"
        in found
    )


def test_facts_checked_12_months_ago_warn_and_18_months_ago_fail(tmp_path: Path):
    files = forms_module()
    files["module.yaml"]["as_of"] = date(2025, 12, 6)
    write_module(tmp_path, files)
    assert lines(tmp_path) == [
        "warning: sample: facts checked on 2025-12-06, more than 12 months ago: due for a check"
    ]
    assert lines(tmp_path, date(2025, 12, 6)) == lines(tmp_path, date(2026, 12, 6)) == []
    assert [f.level for f in lint(tmp_path, date(2027, 6, 7))] == [Level.ERROR]
    assert lines(tmp_path, date(2027, 6, 6)) == [
        "warning: sample: facts checked on 2025-12-06, more than 12 months ago: due for a check"
    ]
    assert add_months(date(2025, 8, 31), 18) == date(2027, 2, 28)


def check(root: Path, today: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--root", str(root), "--today", today],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_warns_but_passes_then_fails_on_stale_facts(tmp_path: Path):
    files = forms_module()
    files["module.yaml"]["as_of"] = date(2025, 6, 1)
    write_module(tmp_path, files)
    result = check(tmp_path, "2026-07-01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "warning: sample: facts checked on 2025-06-01, more than 12 months ago: due for a check",
        "1 modules, all complete and valid; 1 warning(s).",
    ]
    result = check(tmp_path, "2026-12-07")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "error: sample: facts checked on 2025-06-01, more than 18 months ago: check them against"
        " the sources and update as_of"
    ]
    assert "1 problem(s) and 0 warning(s) found." in result.stderr
