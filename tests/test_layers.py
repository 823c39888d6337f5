"""The import rule of docs/architecture.md: every import in ``bot/`` points down the layers.

    cli, simulator → app → handlers → runtime → services → models, db → i18n, content, config

A module may import its own layer and the layers below it, never one above. Services never
import ``telegram``; only the adapter ``bot/runtime/ptb.py`` imports python-telegram-bot's
private modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundations", ("bot", "bot.paths", "bot.clock", "bot.config", "bot.i18n", "bot.content")),
    ("data", ("bot.db", "bot.models")),
    ("services", ("bot.services",)),
    ("runtime", ("bot.runtime",)),
    ("handlers", ("bot.handlers",)),
    ("app", ("bot.app",)),
    ("entry points", ("bot.cli", "bot.simulator", "bot.__main__")),
]
"""Bottom first. A module belongs to the layer whose prefix matches it longest."""

PTB_ADAPTER = "bot.runtime.ptb"


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS"
    return rank


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str, bool]]:
    """Every module ``path`` imports (at any depth of the file, lazy imports too), and whether
    it is a name that a ``from`` import takes (which may be a module or not)."""
    found: list[tuple[int, str, bool]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, False) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = (package or module_name(path)).split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base, False))
            # ``from bot.runtime import outbox`` imports bot.runtime.outbox
            found.extend((node.lineno, f"{base}.{alias.name}", True) for alias in node.names)
    return found


def sources() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def violations() -> list[str]:
    found: list[str] = []
    for path in sources():
        own = module_name(path)
        own_layer = layer_of(own)
        for line, imported, from_name in imports_of(path):
            where = f"{path.relative_to(BOT.parent)}:{line}"
            if from_name and not imported.startswith("bot."):
                continue
            if imported.startswith("telegram") and own.startswith("bot.services"):
                found.append(f"{where}: services never import telegram ({imported})")
            if imported.startswith(("telegram._", "telegram.ext._")) and own != PTB_ADAPTER:
                found.append(f"{where}: PTB's private {imported}; go through {PTB_ADAPTER}")
            if not (imported == "bot" or imported.startswith("bot.")):
                continue
            if not _is_module(imported):
                continue  # a name imported from a module: its module was checked
            if layer_of(imported) > own_layer:
                found.append(
                    f"{where}: {own} ({LAYERS[own_layer][0]}) imports {imported} "
                    f"({LAYERS[layer_of(imported)][0]}), a layer above it"
                )
    return found


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split("."))
    root = BOT.parent
    return (root / relative).with_suffix(".py").exists() or (root / relative).is_dir()


def test_every_import_points_down_the_layers():
    assert violations() == []


def test_every_module_is_in_a_layer():
    for path in sources():
        layer_of(module_name(path))


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("bot/services/sessions/schedule.py", "from telegram import Bot"),
        ("bot/services/sessions/schedule.py", "from bot.handlers.common.turn import Turn"),
        ("bot/runtime/outbox/worker.py", "from bot.handlers import announce"),
        ("bot/models/people.py", "from bot.services import roles"),
        ("bot/i18n/labels.py", "from bot.models import Role"),
        ("bot/handlers/learning/lessons.py", "from bot.app import build_application"),
        ("bot/handlers/learning/lessons.py", "from telegram.ext._utils.networkloop import x"),
    ],
)
def test_the_rule_catches_an_import_that_points_up(
    source: str, line: str, monkeypatch: pytest.MonkeyPatch
):
    """The check itself fails on a bad import (so that it cannot pass by reading nothing)."""
    target = BOT.parent / source
    original = target.read_text(encoding="utf-8")
    real_read = Path.read_text

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if self == target:
            return original + "\n" + line + "\n"
        return real_read(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", read_text)
    assert any(source in problem for problem in violations())
