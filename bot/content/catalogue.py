"""Lessons and quizzes: loaded from ``bot/content/modules/`` and checked before use.

The structure (ids, order, correct answers, pass mark) lives once per module in
``module.yaml``; each language has its own text file under the same ids, so
correctness can never differ between languages. See ``docs/content.md``.

The parts: ``rules`` (what a text must keep), ``model`` (a module once loaded, the
catalogue), ``loader`` (from a folder, or from the same files held as data: a version
stored in the database). This module is what the rest of the bot imports.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from bot.content import yaml_text
from bot.content.loader import MODULE_KEY, Files, Loader
from bot.content.model import (
    Catalogue,
    ContentError,
    Module,
    ModuleText,
    Problem,
    Question,
    QuestionText,
    Source,
)
from bot.content.rules import CYRILLIC_LANGUAGES, check_html, script_errors
from bot.i18n.languages import LANGUAGE_CODES
from bot.paths import CONTENT_DIR

__all__ = [
    "CYRILLIC_LANGUAGES",
    "MODULE_KEY",
    "Catalogue",
    "ContentError",
    "Files",
    "Module",
    "ModuleText",
    "Problem",
    "Question",
    "QuestionText",
    "Source",
    "check_html",
    "load_catalogue",
    "module_folders",
    "module_from_files",
    "plain_text",
    "problems_in",
    "read_files",
    "script_errors",
]


def load_catalogue(root: Path = CONTENT_DIR) -> Catalogue:
    """Every module under ``root``; raises ContentError naming each problem found."""
    loader = Loader(root)
    modules = loader.load()
    if loader.problems:
        raise ContentError(loader.problems)
    return Catalogue(modules)


def problems_in(root: Path) -> list[Problem]:
    """What the loader finds wrong under ``root`` (a check of files not yet published)."""
    loader = Loader(root)
    loader.load()
    return loader.problems


def module_from_files(files: Files, module_id: str, version: int = 0) -> Module:
    """A module held as data (``Files``), checked by the same rules as the folders; raises
    ContentError whose problems name the file key (``module``, ``sq``) and the field."""
    loader = Loader()
    module = loader.load_files(files, module_id, version)
    if loader.problems or module is None:
        raise ContentError(loader.problems)
    return module


def module_folders(root: Path = CONTENT_DIR) -> list[Path]:
    return sorted(
        path for path in root.iterdir() if path.is_dir() and (path / "module.yaml").exists()
    )


def read_files(folder: Path) -> Files:
    """A module folder as data, file by file as YAML reads it (checked later, when loaded)."""
    files: Files = {}
    for key in (MODULE_KEY, *LANGUAGE_CODES):
        path = folder / f"{key}.yaml"
        if path.exists():
            data: Any = yaml_text.load(path.read_text(encoding="utf-8"))
            files[key] = data if isinstance(data, dict) else {}
    return files


def plain_text(fragment: str) -> str:
    """Telegram HTML to what the reader sees (for button labels, which take no markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))
