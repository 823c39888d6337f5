"""Donors' targets from a file (YAML or CSV), checked row by row and stored per programme.

``python -m bot targets load FILE`` reads it. Each row is one target::

    programme, indicator, country (empty: the whole programme), from (optional), due, value

Every problem is reported with its line, and nothing is stored unless the whole file is
right. Loading replaces the targets of every programme the file names (and leaves the
others alone), so loading the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import MAX_ID, Programme, Target
from bot.services import audit, learners, programmes
from bot.services.errors import ServiceError


class Indicator(StrEnum):
    """The indicators a target can be set for: numbers that grow over a programme."""

    PEOPLE_TRAINED = "people-trained"
    ATTENDANCES = "attendances"
    SESSIONS_HELD = "sessions-held"
    PEOPLE_COMPLETED = "people-completed"


FIELDS = ("programme", "indicator", "country", "from", "due", "value")
REQUIRED = ("programme", "indicator", "due", "value")
ALL_COUNTRIES = ""
"""``Target.country`` of a target for the whole programme."""


class Reason(StrEnum):
    UNREADABLE = "unreadable"
    BAD_FILE = "bad-file"


class TargetFileError(ServiceError):
    """A file that cannot be loaded; ``problems`` lists every one, by line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(Reason.BAD_FILE, f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    line: int
    """1-based; 0 for the file as a whole."""
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Row:
    """One target as read, with its line."""

    line: int
    programme_id: int
    programme: str
    indicator: Indicator
    country: str
    counts_from: date | None
    due_on: date
    value: int


@dataclass(frozen=True)
class Loaded:
    """What a load did, per programme: how many targets it had before and has now."""

    counts: dict[str, tuple[int, int]]
    changed: list[str]
    """The programmes whose targets the file changed."""


# -- reading ----------------------------------------------------------------------------------


def _yaml_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(line, mapping) per target: a list, or a mapping with ``targets:`` holding one."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise TargetFileError([Problem(line, f"not valid YAML ({error})")]) from None
    if root is None:
        raise TargetFileError([Problem(0, "the file is empty")])
    if isinstance(root, yaml.MappingNode):
        found = [value for key, value in root.value if key.value == "targets"]
        if not found:
            raise TargetFileError([Problem(root.start_mark.line + 1, "expected `targets:`")])
        root = found[0]
    if not isinstance(root, yaml.SequenceNode):
        raise TargetFileError([Problem(root.start_mark.line + 1, "expected a list of targets")])
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for node in root.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(Problem(line, "expected `key: value` pairs"))
            continue
        value = yaml.SafeLoader(io.StringIO()).construct_document(node)
        rows.append((line, value))
    if problems:
        raise TargetFileError(problems)
    return rows


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not header:
        raise TargetFileError([Problem(0, "the file is empty")])
    unknown = [name for name in header if name not in FIELDS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append("unknown column(s): " + ", ".join(unknown))
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        raise TargetFileError([Problem(1, "; ".join(parts))])
    reader.fieldnames = header
    rows = []
    for record in reader:
        line = reader.line_num
        if None in record:
            raise TargetFileError([Problem(line, "more values than columns")])
        if all(not (value or "").strip() for value in record.values()):
            continue
        rows.append((line, {key: value for key, value in record.items() if value != ""}))
    return rows


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The raw rows of ``path`` (``.yaml``/``.yml`` or ``.csv``), with their lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TargetFileError([Problem(0, f"cannot read {path}: {error}")]) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(text)
    if path.suffix.lower() == ".csv":
        return _csv_rows(text)
    raise TargetFileError([Problem(0, "expected a .yaml, .yml or .csv file")])


# -- checking ---------------------------------------------------------------------------------


def _day(value: Any, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"`{name}` must be a date like 2027-06-30, not {value!r}") from None


def _value(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"`value` must be a whole number, not {value!r}")
    text = str(value).strip().replace("_", "")
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise ValueError(f"`value` must be a whole number from 1 up, not {value!r}")
    return int(text)


def check_rows(
    raw: Iterable[tuple[int, dict[str, Any]]], known: Collection[Programme]
) -> list[Row]:
    """Every raw row checked against the programmes; TargetFileError lists all problems."""
    by_name = {programme.name.casefold(): programme for programme in known}
    rows: list[Row] = []
    problems: list[Problem] = []
    seen: dict[tuple[int, str, str, date], int] = {}
    for line, record in raw:
        fields = {str(key).strip().lower(): value for key, value in record.items()}
        try:
            unknown = sorted(set(fields) - set(FIELDS))
            if unknown:
                raise ValueError("unknown field(s): " + ", ".join(unknown))
            missing = [name for name in REQUIRED if fields.get(name) in (None, "")]
            if missing:
                raise ValueError("missing: " + ", ".join(missing))
            name = learners.clean_text(str(fields["programme"]))
            programme = by_name.get(name.casefold())
            if programme is None or programme.id is None:
                raise ValueError(f"no programme is called {name!r} (python -m bot programmes list)")
            try:
                indicator = Indicator(str(fields["indicator"]).strip().lower())
            except ValueError:
                choices = ", ".join(item.value for item in Indicator)
                raise ValueError(
                    f"unknown indicator {fields['indicator']!r} (one of: {choices})"
                ) from None
            country = str(fields.get("country") or "").strip().upper()
            if country and country not in learners.COUNTRIES:
                raise ValueError(
                    f"unknown country {country!r} (one of: {', '.join(learners.COUNTRIES)})"
                )
            allowed = programmes.countries_of(programme)
            if country and allowed and country not in allowed:
                raise ValueError(
                    f"{country} is not a country of {programme.name!r} ({', '.join(allowed)})"
                )
            due_on = _day(fields["due"], "due")
            counts_from = _day(fields["from"], "from") if fields.get("from") else None
            start = counts_from or programme.starts_on
            if due_on <= start:
                raise ValueError(f"`due` ({due_on}) must come after the start ({start})")
            if counts_from is not None and counts_from < programme.starts_on:
                raise ValueError(
                    f"`from` ({counts_from}) is before the programme starts ({programme.starts_on})"
                )
            if due_on > programme.ends_on:
                raise ValueError(
                    f"`due` ({due_on}) is after the programme ends ({programme.ends_on})"
                )
            value = _value(fields["value"])
        except ValueError as error:
            problems.append(Problem(line, str(error)))
            continue
        key = (programme.id, indicator.value, country, due_on)
        if key in seen:
            problems.append(Problem(line, f"the same target as on line {seen[key]}"))
            continue
        seen[key] = line
        rows.append(
            Row(line, programme.id, programme.name, indicator, country, counts_from, due_on, value)
        )
    if problems:
        raise TargetFileError(problems)
    if not rows:
        raise TargetFileError([Problem(0, "the file holds no targets")])
    return rows


# -- storing ----------------------------------------------------------------------------------


async def store(db: AsyncSession, rows: list[Row], *, now: datetime) -> Loaded:
    """The targets of every programme in ``rows`` become exactly ``rows`` (audited)."""
    counts: dict[str, tuple[int, int]] = {}
    changed: list[str] = []
    for programme_id in sorted({row.programme_id for row in rows}):
        mine = [row for row in rows if row.programme_id == programme_id]
        before = list(
            (await db.exec(select(Target).where(Target.programme_id == programme_id))).all()
        )
        old = sorted(_key(t.indicator, t.country, t.counts_from, t.due_on, t.value) for t in before)
        new = sorted(_key(r.indicator, r.country, r.counts_from, r.due_on, r.value) for r in mine)
        counts[mine[0].programme] = (len(before), len(mine))
        if old == new:
            continue
        changed.append(mine[0].programme)
        await db.exec(delete(Target).where(col(Target.programme_id) == programme_id))
        for row in mine:
            db.add(
                Target(
                    programme_id=programme_id,
                    indicator=row.indicator.value,
                    country=row.country,
                    counts_from=row.counts_from,
                    due_on=row.due_on,
                    value=row.value,
                    loaded_at=now,
                )
            )
        await db.flush()
        await audit.record(
            db,
            actor_id=None,
            action="targets.load",
            subject_type="programme",
            subject_id=programme_id,
            details={"before": len(before), "after": len(mine)},
            now=now,
        )
    return Loaded(counts, changed)


def _key(
    indicator: str, country: str, counts_from: date | None, due_on: date, value: int
) -> tuple[str, str, str, str, int]:
    return (indicator, country, counts_from.isoformat() if counts_from else "", str(due_on), value)


async def load(db: AsyncSession, path: Path, *, now: datetime) -> Loaded:
    """Reads, checks and stores the targets of ``path``; TargetFileError changes nothing."""
    raw = read_rows(path)
    rows = check_rows(raw, await programmes.all_programmes(db))
    return await store(db, rows, now=now)
