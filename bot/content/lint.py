"""The quiz lint and the staleness check of ``python -m bot content check``.

The loader (:mod:`bot.content.catalogue`) checks that a module can be shown at all; this
lint checks that its quiz can measure learning (issue 16) and that its facts are fresh:

- **bank**: 12 to 16 questions, each with an ``objective``; each objective has exactly 2
  questions (parallel forms: the pre-test asks one, the quiz after the lessons the other).
- **longest**: in each language, the correct option is strictly the longest in at most a
  third of the questions (else "pick the longest" passes the quiz).
- **position**: no option key holds more than 40 % of the module's correct answers (in
  ``module.yaml``, before the options are shuffled).
- **ratio**: in each language, every option is at most twice as long as the shortest
  option of its question.
- **count**: every language file has exactly the questions of ``module.yaml``, with the
  same option keys (so every language asks the same number of questions).
- **facts checked**: ``as_of`` older than 12 months is a warning, older than 18 an error.

Lengths are of the visible text: tags stripped, as a reader sees it. The rules are those of
the content team's stand-alone lint, so that both say the same about a module.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from bot.content import yaml_text

BANK_MIN = 12
BANK_MAX = 16
FORMS = 2
"""Questions per objective: the pre-test's and the quiz's."""
POSITION_SHARE = 0.40
LONGEST_PARTS = 3
"""At most one question in this many may have the correct option strictly the longest."""
RATIO = 2.0
STALE_WARNING_MONTHS = 12
STALE_ERROR_MONTHS = 18
_TAG = re.compile(r"<[^>]+>")


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    level: Level
    where: str
    """``module``, ``module/language`` or ``module/language/question``."""
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def visible_length(text: str) -> int:
    return len(_TAG.sub("", text).strip())


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def staleness(module_id: str, as_of: object, today: date) -> list[Finding]:
    if not isinstance(as_of, date):
        return []  # the loader reports a missing or malformed date
    if add_months(as_of, STALE_ERROR_MONTHS) < today:
        return [
            Finding(
                Level.ERROR,
                module_id,
                f"facts checked on {as_of.isoformat()}, more than {STALE_ERROR_MONTHS} months"
                " ago: check them against the sources and update as_of",
            )
        ]
    if add_months(as_of, STALE_WARNING_MONTHS) < today:
        return [
            Finding(
                Level.WARNING,
                module_id,
                f"facts checked on {as_of.isoformat()}, more than {STALE_WARNING_MONTHS} months"
                " ago: due for a check",
            )
        ]
    return []


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml_text.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # the loader names the problem
    return data if isinstance(data, dict) else None


def lint_module(folder: Path, today: date) -> list[Finding]:
    """Every finding of one module folder (a malformed file is left to the loader)."""
    meta = _read(folder / "module.yaml")
    if meta is None:
        return []
    languages = {
        path.stem: _read(path)
        for path in sorted(folder.glob("*.yaml"))
        if path.name != "module.yaml"
    }
    return lint_files(folder.name, meta, languages, today)


def lint_files(
    name: str, meta: dict[str, Any], languages: Mapping[str, dict[str, Any] | None], today: date
) -> list[Finding]:
    """Every finding of one module held as data: module.yaml's mapping and each language's
    (a version stored in the database, a workbook sent back)."""
    raw = meta.get("questions")
    questions = [
        q
        for q in (raw if isinstance(raw, list) else [])
        if isinstance(q, dict) and isinstance(q.get("id"), str)
    ]
    found = staleness(name, meta.get("as_of"), today)

    def error(where: str, message: str) -> None:
        found.append(Finding(Level.ERROR, where, message))

    total = len(questions)
    if not BANK_MIN <= total <= BANK_MAX:
        error(name, f"the bank has {total} questions (want {BANK_MIN}-{BANK_MAX})")
    objectives = Counter(q.get("objective") for q in questions)
    for objective, count in objectives.items():
        if objective is None:
            missing = sum(1 for q in questions if q.get("objective") is None)
            error(name, f"{missing} of {total} questions have no objective")
        elif count != FORMS:
            error(name, f"objective {objective} has {count} questions (want {FORMS})")
    positions = Counter(str(q.get("correct")) for q in questions)
    for key, count in sorted(positions.items()):
        if total and count / total > POSITION_SHARE:
            error(
                name,
                f"option {key} is correct in {count}/{total} questions"
                f" (more than {round(POSITION_SHARE * 100)} %)",
            )
    ids = {q["id"] for q in questions}
    for language, data in languages.items():
        texts = data.get("questions") if data is not None else None
        if not isinstance(texts, dict):
            continue  # the loader reports it
        if set(texts) != ids:
            error(
                f"{name}/{language}",
                f"{len(texts)} questions where module.yaml has {total}: missing"
                f" {sorted(ids - set(texts))}, extra {sorted(set(texts) - ids)}",
            )
            continue
        longest = 0
        for question in questions:
            entry = texts[question["id"]]
            options = entry.get("options") if isinstance(entry, dict) else None
            keys = question.get("options")
            if not isinstance(options, dict) or not isinstance(keys, list):
                continue
            where = f"{name}/{language}/{question['id']}"
            if set(options) != set(keys):
                error(where, f"option keys {sorted(options)} differ from module.yaml's {keys}")
                continue
            lengths = {key: visible_length(str(value)) for key, value in options.items()}
            correct = lengths.get(str(question.get("correct")))
            if correct is not None and all(
                correct > length
                for key, length in lengths.items()
                if key != question.get("correct")
            ):
                longest += 1
            low, high = min(lengths.values()), max(lengths.values())
            if high > RATIO * low:
                error(
                    where,
                    f"options of {low} to {high} characters (the longest is more than"
                    f" {RATIO:g}x the shortest)",
                )
        if total and longest * LONGEST_PARTS > total:
            error(
                f"{name}/{language}",
                f"the correct option is strictly the longest in {longest}/{total} questions"
                " (more than a third)",
            )
    return found


def lint(root: Path, today: date) -> list[Finding]:
    """Every finding of every module under ``root``, module by module."""
    if not root.is_dir():
        return []
    return [
        finding
        for folder in sorted(path for path in root.iterdir() if path.is_dir())
        if (folder / "module.yaml").exists()
        for finding in lint_module(folder, today)
    ]
