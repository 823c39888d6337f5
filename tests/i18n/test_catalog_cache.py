"""The compiled catalogs kept between starts (KAPACITET_CACHE_DIR): read back as compiled,
never stale after a catalog edit, and a cache that can't be written changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from bot.i18n.translator import (
    CACHE_ENV,
    Translator,
    catalogs_key,
    compile_catalogs,
    po_path,
)
from bot.paths import LOCALES_DIR

ZONE = ZoneInfo("Europe/Belgrade")
ENGLISH = "Sorry, something went wrong on my side. Please try again."


@pytest.fixture
def locales(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    translator._compiled_catalogs.cache_clear()
    yield copy
    translator._compiled_catalogs.cache_clear()


def albanian(locales: Path) -> str:
    return Translator("sq", ZONE, locales)._(ENGLISH)


def test_the_cache_holds_what_is_compiled_and_is_read_at_the_next_start(
    locales: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    shown = albanian(locales)
    assert shown != ENGLISH
    folder = cache / "catalogs" / catalogs_key(locales)
    compiled = compile_catalogs(locales)
    assert {path.name for path in folder.iterdir()} == {"codes.json"} | {
        f"{code}.mo" for code in compiled
    }
    assert all((folder / f"{code}.mo").read_bytes() == data for code, data in compiled.items())

    # The next start reads the cache: a planted change there is what it shows.
    (folder / "sq.mo").write_bytes(
        compiled["sq"].replace(shown.encode(), b"X" * len(shown.encode()))
    )
    translator._compiled_catalogs.cache_clear()
    assert albanian(locales) == "X" * len(shown.encode())


def test_an_edited_catalog_is_compiled_again_not_read_from_the_cache(
    locales: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    before = albanian(locales)
    key = catalogs_key(locales)
    po = po_path("sq", locales)
    po.write_text(
        po.read_text(encoding="utf-8").replace(f'msgstr "{before}"', 'msgstr "Diçka e re."'),
        encoding="utf-8",
    )
    assert catalogs_key(locales) != key
    translator._compiled_catalogs.cache_clear()
    assert albanian(locales) == "Diçka e re."


def test_a_cache_that_cannot_be_written_is_skipped(
    locales: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    assert albanian(locales) != ENGLISH
    assert blocked.read_text() == "a file where the cache folder would go"
