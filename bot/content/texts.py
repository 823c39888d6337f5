"""A module's texts as a flat list of keyed entries: the unit of translation and review.

A module's "files" is a mapping like its folder in ``bot/content/modules/<id>/``:
``"module"`` → the mapping of ``module.yaml``, and each language code → the mapping of
that language's file. Each text has a stable key, the same that ``content check`` names in
its problems: ``title``, ``summary``, ``cards.<card>``, ``questions.<question>.text``,
``questions.<question>.options.<option>``, ``questions.<question>.explanation``. PO files,
review statuses and coverage are all keyed by it.

Everything here is pure: files in, values out; :func:`check_files` runs the same checks as
``content check`` on a files mapping.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content import catalogue, yaml_text
from bot.content.catalogue import Module, ModuleText, Problem
from bot.content.lint import Finding, Level, lint_files
from bot.content.rules import (
    GENERATED_LANGUAGES,
    MAX_CARD,
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_QUESTION,
    MAX_SHORT_TITLE,
    MAX_SUMMARY,
    MAX_TITLE,
    PLACEHOLDER,
)
from bot.i18n.languages import LANGUAGE_CODES, SOURCE_LANGUAGE
from bot.i18n.translit import latin_to_cyrillic

Files = dict[str, Any]
"""``"module"`` → module.yaml's mapping; a language code → that language file's mapping."""

MODULE_FILE = "module"
TRANSLATED_LANGUAGES: tuple[str, ...] = tuple(
    code for code in LANGUAGE_CODES if code != SOURCE_LANGUAGE
)
"""The languages translated from English (Serbian Cyrillic included: generated or not, a
reader checks it)."""
HASH_LENGTH = 16


@dataclass(frozen=True)
class Entry:
    key: str
    text: str
    limit: int
    """At most this many characters as the reader sees them (the check's limit)."""


def _question_options(question: dict[str, Any]) -> list[str]:
    options = question.get("options")
    return [str(option) for option in options] if isinstance(options, list) else []


def keys_with_limits(module: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """Every text key of a module, in the order a learner meets them."""
    yield "title", MAX_TITLE
    # Optional: the title on buttons, where the title is too long for one. A language may
    # need one where English does not (translations run longer).
    yield "short_title", MAX_SHORT_TITLE
    yield "summary", MAX_SUMMARY
    for card in module.get("cards") or []:
        yield f"cards.{card}", MAX_CARD
    for question in module.get("questions") or []:
        if not isinstance(question, dict):
            continue
        where = f"questions.{question.get('id')}"
        yield f"{where}.text", MAX_QUESTION
        for option in _question_options(question):
            yield f"{where}.options.{option}", MAX_OPTION
        yield f"{where}.explanation", MAX_EXPLANATION


def text_at(data: dict[str, Any] | None, key: str) -> str | None:
    """The text under a key in a language mapping (None when it is missing)."""
    value: Any = data
    for part in _parts(key):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value.strip() if isinstance(value, str) else None


def _parts(key: str) -> list[str]:
    # Ids hold no dots (catalogue.ITEM_ID), so the key splits cleanly.
    return key.split(".")


def with_text(data: dict[str, Any], key: str, text: str) -> dict[str, Any]:
    """A copy of a language mapping with ``text`` under ``key``."""
    result = copy.deepcopy(data)
    target = result
    parts = _parts(key)
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    target[parts[-1]] = text
    return result


def language_data(files: Files, language: str) -> dict[str, Any] | None:
    """A language's mapping; Serbian Cyrillic without its own file is made from sr-Latn, as
    the catalogue makes it."""
    data = files.get(language)
    if isinstance(data, dict):
        return data
    if language in GENERATED_LANGUAGES and isinstance(files.get("sr-Latn"), dict):
        keep = frozenset(
            token
            for term in files[MODULE_FILE].get("latin_terms", []) or []
            for token in str(term).split()
        )
        latin = files["sr-Latn"]
        made: dict[str, Any] = {}
        for key, _limit in keys_with_limits(files[MODULE_FILE]):
            text = text_at(latin, key)
            if text is not None:
                made = with_text(made, key, latin_to_cyrillic(text, keep))
        return made
    return None


def entries(files: Files, language: str) -> list[Entry]:
    """The texts of a language, key by key (a missing text is an empty one)."""
    data = language_data(files, language)
    return [
        Entry(key, text_at(data, key) or "", limit)
        for key, limit in keys_with_limits(files[MODULE_FILE])
    ]


def source_hash(text: str) -> str:
    """A short fingerprint of an English text: a translation made from another one needs a
    look."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:HASH_LENGTH]


def source_hashes(files: Files) -> dict[str, str]:
    """The fingerprint of each English text; an optional text English leaves empty (a
    ``short_title``) has nothing to translate from, and no status."""
    return {
        entry.key: source_hash(entry.text)
        for entry in entries(files, SOURCE_LANGUAGE)
        if entry.text
    }


def changed_keys(old: Files, new: Files) -> list[str]:
    """The keys whose English text differs (new keys included, removed ones not)."""
    before = source_hashes(old)
    return [key for key, digest in source_hashes(new).items() if before.get(key) != digest]


def placeholders(text: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(text)))


def markup(text: str) -> list[str]:
    """The tags and link addresses of a text (which a translation keeps)."""
    checked, _errors = catalogue.check_html(text)
    return sorted(checked.hrefs)


# -- files on disk and from the catalogue -------------------------------------------------


def load_files(folder: Path) -> Files:
    """A module folder as a files mapping (YAML as written; the check normalises it)."""
    files: Files = {MODULE_FILE: yaml_text.load((folder / "module.yaml").read_text("utf-8"))}
    for code in LANGUAGE_CODES:
        path = folder / f"{code}.yaml"
        if path.exists():
            files[code] = yaml_text.load(path.read_text(encoding="utf-8"))
    return files


class _Dumper(yaml.SafeDumper):
    """Writes a text of several lines as a block (``|``), as the authors write them."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def write_files(files: Files, folder: Path, names: Iterable[str] | None = None) -> None:
    """The files (or those ``names`` of them) into a module folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if names is not None and name not in names:
            continue
        path = folder / f"{'module' if name == MODULE_FILE else name}.yaml"
        path.write_text(dump_yaml(data), encoding="utf-8")


def files_from_module(module: Module) -> Files:
    """The texts of a loaded module as a files mapping (enough for keys, coverage and
    export; module.yaml's other fields are left out)."""
    structure = {
        "id": module.id,
        "cards": list(module.card_ids),
        "questions": [
            {"id": q.id, "objective": q.objective, "options": list(q.options), "correct": q.correct}
            for q in module.questions
        ],
    }
    files: Files = {MODULE_FILE: structure}
    for code in LANGUAGE_CODES:
        if code in module.texts:
            files[code] = _mapping(module.texts[code])
    return files


def _mapping(text: ModuleText) -> dict[str, Any]:
    found: dict[str, Any] = {"title": text.title}
    if text.short_title is not None:
        found["short_title"] = text.short_title
    return found | {
        "summary": text.summary,
        "cards": dict(text.cards),
        "questions": {
            key: {
                "text": question.text,
                "options": dict(question.options),
                "explanation": question.explanation,
            }
            for key, question in text.questions.items()
        },
    }


def check_files(files: Files, today: date) -> tuple[list[Problem], list[Finding]]:
    """``content check`` on one module's files: the loader's problems (``field`` is the
    text's key, ``file`` ends in ``<language>.yaml``) and the quiz lint's errors. The files
    are checked as data, as the database holds them (dates may be ISO strings there)."""
    module_id = str(files[MODULE_FILE].get("id") or "module")
    problems: list[Problem] = []
    try:
        catalogue.module_from_files(files, module_id)
    except catalogue.ContentError as error:
        problems = [
            Problem(f"{module_id}/{Path(problem.file).stem}.yaml", problem.field, problem.message)
            for problem in error.problems
        ]
    languages = {key: value for key, value in files.items() if key != MODULE_FILE}
    findings = [
        finding
        for finding in lint_files(module_id, dict(files[MODULE_FILE]), languages, today)
        if finding.level is Level.ERROR
    ]
    return problems, findings
