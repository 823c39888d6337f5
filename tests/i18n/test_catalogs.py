from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.i18n import catalogs
from bot.paths import LOCALES_DIR


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_catalogs_have_no_problems():
    assert catalogs.problems() == []


def test_a_missing_translation_a_broken_placeholder_and_fuzzy_entries_are_found(locales: Path):
    sq = locales / "sq" / "LC_MESSAGES" / "messages.po"
    bs = locales / "bs" / "LC_MESSAGES" / "messages.po"
    mk = locales / "mk" / "LC_MESSAGES" / "messages.po"
    text = sq.read_text(encoding="utf-8")
    start = text.index('msgid "Pass mark: {percent}."')
    line_end = text.index("\n", text.index("msgstr", start))
    sq.write_text(
        text[:start] + 'msgid "Pass mark: {percent}."\nmsgstr ""' + text[line_end:],
        encoding="utf-8",
    )
    edit(bs, "{percent}", "{procenat}")
    edit(mk, 'msgid "Help"', '#, fuzzy\nmsgid "Help"')
    found = catalogs.problems(locales)
    assert f"{sq}: 'Pass mark: {{percent}}.': not translated" in found
    assert any(line.startswith(f"{bs}:") and "placeholders differ" in line for line in found)
    assert f"{mk}: 'Help': fuzzy" in found


def test_a_stale_template_and_an_out_of_date_catalog_are_found(locales: Path):
    template = locales / "messages.pot"
    hr = locales / "hr" / "LC_MESSAGES" / "messages.po"
    template.write_text(
        template.read_text(encoding="utf-8") + '\nmsgid "Gone"\nmsgstr ""\n', encoding="utf-8"
    )
    hr.write_text(
        hr.read_text(encoding="utf-8") + '\nmsgid "Gone"\nmsgstr "Nema"\n', encoding="utf-8"
    )
    found = catalogs.problems(locales)
    assert f"{template}: stale; run `python -m bot i18n extract` and `update`" in found
    assert f"{hr}: out of date; run `python -m bot i18n update`" in found


def test_macedonian_keeps_its_own_plural_rule_in_the_file():
    text = (LOCALES_DIR / "mk" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=2; plural=(n%10==1 && n%100!=11 ? 0 : 1);" in text
