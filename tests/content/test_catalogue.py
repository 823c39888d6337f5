from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.catalogue import ContentError, load_catalogue
from tests.factories import module_files, write_module


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_catalogue(root)
    return [str(problem) for problem in caught.value.problems]


def test_a_complete_module_loads_with_transliterated_serbian_cyrillic(tmp_path: Path):
    write_module(tmp_path, module_files())
    module = load_catalogue(tmp_path).get("sample")
    assert module is not None and module.card_count == 3
    assert module.text("sr-Cyrl").cards["card-1"] == "<b>Лекција</b> број 1"
    assert module.text("sr-Cyrl").questions["q-1"].options["b"] == "Бета"


def test_each_problem_names_file_field_and_problem(tmp_path: Path):
    files = module_files()
    files["module.yaml"]["questions"][0]["correct"] = "d"
    files["module.yaml"]["questions"][1]["correct"] = ["a", "b"]
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    assert (
        "sample/module.yaml: questions.q-1.correct: exactly one correct option, among options"
        in found
    )
    assert "sample/module.yaml: questions.q-2.correct: exactly one option must be correct" in found


def test_missing_ids_long_cards_bad_tags_and_placeholders_are_reported(tmp_path: Path):
    files = module_files()
    del files["sq.yaml"]["cards"]["card-2"]
    files["bs.yaml"]["cards"]["card-9"] = "extra"
    files["hr.yaml"]["cards"]["card-2"] = "x" * 1001
    files["mk.yaml"]["cards"]["card-3"] = "<script>alert(1)</script> & more"
    for code in ("en", "sq", "bs", "hr", "sr-Latn", "mk"):
        files[f"{code}.yaml"]["cards"]["card-1"] = "Hello {name}"
    files["cnr.yaml"]["cards"]["card-1"] = "Zdravo {ime}"
    files["sr-Latn.yaml"]["cards"]["card-3"] = "<b>open"
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    assert "sample/sq.yaml: cards.card-2: the text is missing" in found
    assert "sample/bs.yaml: cards.card-9: no such card in module.yaml" in found
    assert "sample/hr.yaml: cards.card-2: 1001 characters, at most 1000" in found
    assert "sample/mk.yaml: cards.card-3: tag <script> is not allowed" in found
    assert "sample/mk.yaml: cards.card-3: a bare '&' must be written &amp;" in found
    assert "sample/cnr.yaml: cards.card-1: placeholders differ from the English text" in found
    assert "sample/sr-Latn.yaml: cards.card-3: <b> is never closed" in found


def test_a_missing_translation_file_and_broken_yaml_are_reported(tmp_path: Path):
    files = module_files()
    del files["mk.yaml"]
    folder = write_module(tmp_path, files)
    (folder / "sq.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    found = problems_of(tmp_path)
    assert "sample/mk.yaml: -: the translation file is missing" in found
    assert any(
        line.startswith("sample/sq.yaml: line ") and "not valid YAML" in line for line in found
    )


def test_the_shipped_content_is_valid_and_the_command_says_so():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "modules, all complete and valid" in result.stdout


def test_the_command_exits_1_on_broken_content(tmp_path: Path):
    files = module_files()
    files["module.yaml"]["pass_mark"] = 150
    write_module(tmp_path, files)
    code = (
        "import sys; from pathlib import Path; import bot.content.catalogue as c; "
        f"c.CONTENT_DIR = Path({str(tmp_path)!r}); "
        "import bot.cli as cli; cli.load_catalogue = lambda: c.load_catalogue(c.CONTENT_DIR); "
        "sys.exit(cli.main(['content', 'check']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "sample/module.yaml: pass_mark: expected a whole number from 1 to 100" in result.stdout
