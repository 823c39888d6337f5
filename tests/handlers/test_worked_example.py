"""The worked example of docs/architecture.md ("a command with a button") runs as written.

The feature module and its test are read from the page's code blocks, the feature is wired
in as step 2 says, and the page's test is run against the real bot: a newcomer who copies
the example gets code that works.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import app
from bot.handlers.common.callback_data import CallbackData
from tests.support.harness import Harness

PAGE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
MODULE = "docs_worked_example_ping"
"""Not under ``bot.``: the page's button class is not one of the bot's own."""


def code_blocks() -> list[str]:
    section = PAGE.read_text(encoding="utf-8").split("## Worked example", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    # The blocks are indented as part of a numbered list.
    return [re.sub(r"^   ", "", block, flags=re.M) for block in blocks]


@pytest.fixture
def ping_feature(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    feature_code, _ = code_blocks()
    module = types.ModuleType(MODULE)
    monkeypatch.setitem(sys.modules, MODULE, module)
    # The page's button class is registered in a copy of the registry, gone after the test.
    monkeypatch.setattr(CallbackData, "_registry", dict(CallbackData.registered()))
    exec(compile(feature_code, f"{PAGE}:feature", "exec"), module.__dict__)
    monkeypatch.setattr(app, "FEATURES", (*app.FEATURES, module))
    yield module


def test_the_page_has_the_feature_and_its_test():
    feature_code, test_code = code_blocks()
    assert "@on_command" in feature_code and "@on_button" in feature_code
    assert "HANDLERS" in feature_code and "async def test_" in test_code


async def test_the_example_runs_as_the_page_says(harness: Harness, ping_feature: object):
    _, test_code = code_blocks()
    namespace: dict[str, object] = {}
    exec(compile(test_code, f"{PAGE}:test", "exec"), namespace)
    [test] = [value for name, value in namespace.items() if name.startswith("test_")]
    async with harness.running():
        await test(harness)  # type: ignore[operator]
