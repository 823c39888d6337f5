from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.catalogue import ContentError, load_catalogue
from bot.content.rules import MAX_SHORT_TITLE
from bot.i18n.languages import LANGUAGE_CODES
from tests.support.content import module_files, write_module


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
    files["hr.yaml"]["cards"]["card-2"] = "x" * 701
    files["mk.yaml"]["cards"]["card-3"] = "<script>alert(1)</script> & more"
    for code in ("en", "sq", "bs", "hr", "sr-Latn", "mk"):
        files[f"{code}.yaml"]["cards"]["card-1"] = "Hello {name}"
    files["cnr.yaml"]["cards"]["card-1"] = "Zdravo {ime}"
    files["sr-Latn.yaml"]["cards"]["card-3"] = "<b>open"
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    assert "sample/sq.yaml: cards.card-2: the text is missing" in found
    assert "sample/bs.yaml: cards.card-9: no such card in module.yaml" in found
    assert "sample/hr.yaml: cards.card-2: 701 characters, at most 700" in found
    assert "sample/mk.yaml: cards.card-3: tag <script> is not allowed" in found
    assert "sample/mk.yaml: cards.card-3: a bare '&' must be written &amp;" in found
    assert "sample/cnr.yaml: cards.card-1: placeholders differ from the English text" in found
    assert "sample/sr-Latn.yaml: cards.card-3: <b> is never closed" in found


def test_a_card_is_measured_as_the_reader_sees_it(tmp_path: Path):
    files = module_files()
    link = '<a href="https://enlargement.ec.europa.eu/">'
    for code in ("en", "sq", "bs", "hr", "sr-Latn", "cnr", "mk"):
        letter = "ж" if code == "mk" else "z"
        # 700 letters the reader sees; the tags and the address do not count.
        files[f"{code}.yaml"]["cards"]["card-1"] = f"<b>{letter}</b>{link}{letter * 699}</a>"
    write_module(tmp_path, files)
    assert load_catalogue(tmp_path).get("sample") is not None


def test_text_in_the_wrong_script_is_reported(tmp_path: Path):
    files = module_files()
    files["module.yaml"]["latin_terms"] = ["Signal"]
    files["mk.yaml"]["cards"]["card-1"] = "Користете Signal, не WhatsApp, за ЕУ и NATO"
    files["mk.yaml"]["cards"]["card-2"] = "Ова е сè"  # a Latin è in a Cyrillic word
    files["mk.yaml"]["cards"]["card-3"] = "Видете europa.eu и <code>ping example</code>"
    files["hr.yaml"]["cards"]["card-1"] = "Pristupanje Европској uniji"
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    latin = "in Cyrillic text (write it in Cyrillic, put it in <code>, or list it under"
    assert (
        f"sample/mk.yaml: cards.card-1: Latin word 'WhatsApp' {latin} latin_terms in module.yaml)"
        in found
    )
    assert not any("'Signal'" in line or "'NATO'" in line for line in found)
    assert "sample/mk.yaml: cards.card-2: 'сè' mixes Latin and Cyrillic letters" in found
    assert not any("card-3" in line for line in found)  # a web address and <code> pass
    assert "sample/hr.yaml: cards.card-1: Cyrillic word 'Европској' in Latin-script text" in found


def test_an_english_word_in_serbian_latin_is_reported_in_the_generated_cyrillic(tmp_path: Path):
    files = module_files()
    files["sr-Latn.yaml"]["cards"]["card-2"] = "Podesite Wi-Fi"
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    latin = "in Cyrillic text (write it in Cyrillic, put it in <code>, or list it under"
    # Transliteration keeps a word with w, q, x or y in Latin letters: half a word each.
    assert (
        f"sample/sr-Cyrl.yaml: cards.card-2: Latin word 'Wi' {latin} latin_terms in"
        " module.yaml) (generated from sr-Latn.yaml)"
    ) in found


def test_names_the_module_keeps_in_latin_stay_latin_in_the_generated_cyrillic(tmp_path: Path):
    files = module_files()
    files["module.yaml"]["latin_terms"] = ["e-Albania", "Google Authenticator"]
    files["sr-Latn.yaml"]["cards"]["card-2"] = (
        "Portal e-Albania i aplikacija Google Authenticator; eUprava i e-pošta"
    )
    write_module(tmp_path, files)
    module = load_catalogue(tmp_path).get("sample")
    assert module is not None
    # Serbia's own eUprava is written in Cyrillic ("еУправа"); e-Albania is not.
    assert module.text("sr-Cyrl").cards["card-2"] == (
        "Портал e-Albania и апликација Google Authenticator; еУправа и е-пошта"
    )


def test_a_question_added_to_module_yaml_but_not_translated_is_reported(tmp_path: Path):
    files = module_files()
    files["module.yaml"]["questions"].append({"id": "q-new", "options": ["a", "b"], "correct": "a"})
    files["en.yaml"]["questions"]["q-new"] = {
        "text": "New?",
        "options": {"a": "Yes", "b": "No"},
        "explanation": "Zato.",
    }
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    assert "sample/sq.yaml: questions.q-new: the question is missing" in found
    assert "sample/mk.yaml: questions.q-new: the question is missing" in found


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
    # The quiz lint included: every module in parallel forms, balanced options (issue 16).
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
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "sample/module.yaml: pass_mark: expected a whole number from 1 to 100" in result.stdout


def test_a_title_too_long_for_a_button_needs_a_short_title_within_the_limit(tmp_path: Path):
    files = module_files()
    files["sq.yaml"]["title"] = "Fjalëkalimet dhe vërtetimi me dy faktorë"
    files["mk.yaml"]["title"] = "Лозинки и двофакторска автентикација"
    files["mk.yaml"]["short_title"] = "Лозинки и двофакторска автентикација"
    files["hr.yaml"]["short_title"] = "Zaporke"
    write_module(tmp_path, files)
    found = problems_of(tmp_path)
    assert (
        f"sample/sq.yaml: short_title: the title has 40 characters, more than a button shows "
        f"({MAX_SHORT_TITLE}): add a short_title"
    ) in found
    assert f"sample/mk.yaml: short_title: 36 characters, at most {MAX_SHORT_TITLE}" in found
    assert not [problem for problem in found if problem.startswith("sample/hr.yaml")]


def test_a_short_title_is_on_buttons_and_transliterated_for_serbian_cyrillic(tmp_path: Path):
    files = module_files()
    files["sr-Latn.yaml"]["short_title"] = "Lozinke i prijava"
    write_module(tmp_path, files)
    module = load_catalogue(tmp_path).get("sample")
    assert module is not None
    assert module.text("sr-Cyrl").button_title == "Лозинке и пријава"
    assert module.text("en").button_title == module.text("en").title


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_shipped_module_fits_a_button_in_every_language(language: str):
    for module in load_catalogue().modules:
        label = module.text(language).button_title
        assert len(label) <= MAX_SHORT_TITLE, (module.id, language, label)
