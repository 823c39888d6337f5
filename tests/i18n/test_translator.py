from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.languages import guess_language
from bot.i18n.translator import Html, Translator

BELGRADE = ZoneInfo("Europe/Belgrade")

PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: {plural}\\n"

"""
SLAVIC = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)


def write_po(root: Path, catalog: str, body: str, plural: str = SLAVIC) -> None:
    folder = root / catalog / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(PO_HEADER.format(plural=plural) + body, encoding="utf-8")


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    write_po(
        tmp_path,
        "bs",
        """
msgid "Hello"
msgstr "Zdravo"

msgid "Only in Bosnian"
msgstr "Samo na bosanskom"

msgid "{n} card"
msgid_plural "{n} cards"
msgstr[0] "{n} kartica"
msgstr[1] "{n} kartice"
msgstr[2] "{n} kartica"
""",
    )
    write_po(
        tmp_path,
        "sr_Latn",
        """
msgid "Hello"
msgstr "Zdravo, {name}"

msgid "Only in Serbian"
msgstr "Nadživeti ljude <b>{name}</b>"

#, fuzzy
msgid "Fuzzy one"
msgstr "Nesigurno"

msgid "{n} card"
msgid_plural "{n} cards"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""
""",
    )
    write_po(
        tmp_path,
        "cnr",
        """
msgid "Hello"
msgstr "Đe si"
""",
    )
    # Babel would write "n != 1" here; the loader must use the Macedonian rule anyway.
    write_po(
        tmp_path,
        "mk",
        """
msgid "{n} card"
msgid_plural "{n} cards"
msgstr[0] "{n} картичка"
msgstr[1] "{n} картички"
""",
        plural="nplurals=2; plural=(n != 1);",
    )
    return tmp_path


def test_montenegrin_falls_back_to_bosnian_before_serbian(locales: Path):
    tr = Translator("cnr", BELGRADE, locales)
    assert tr._("Hello") == "Đe si"
    assert tr._("Only in Bosnian") == "Samo na bosanskom"
    assert tr._("Only in Serbian", name="x") == "Nadživeti ljude <b>x</b>"
    assert tr._("Nowhere at all") == "Nowhere at all"


def test_untranslated_and_fuzzy_entries_fall_through(locales: Path):
    tr = Translator("sr-Latn", BELGRADE, locales)
    assert tr._("Fuzzy one") == "Fuzzy one"
    # The empty Serbian plural falls to Bosnian, the next in the chain.
    assert tr.ngettext("{n} card", "{n} cards", 3) == "3 kartice"


def test_serbian_cyrillic_is_transliterated_with_markup_and_values_intact(locales: Path):
    tr = Translator("sr-Cyrl", BELGRADE, locales)
    assert tr._("Hello", name="Ljiljana <3") == "Здраво, Ljiljana &lt;3"
    assert tr._("Only in Serbian", name="Ana") == "Надживети људе <b>Ana</b>"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 картичка"),
        (2, "2 картички"),
        (11, "11 картички"),
        (21, "21 картичка"),
        (111, "111 картички"),
    ],
)
def test_macedonian_plurals_use_the_right_rule(locales: Path, n: int, expected: str):
    assert Translator("mk", BELGRADE, locales).ngettext("{n} card", "{n} cards", n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 kartica"),
        (3, "3 kartice"),
        (5, "5 kartica"),
        (21, "21 kartica"),
        (1620, "1.620 kartica"),
    ],
)
def test_bosnian_plurals_and_numbers(locales: Path, n: int, expected: str):
    assert Translator("bs", BELGRADE, locales).ngettext("{n} card", "{n} cards", n) == expected


def test_values_are_escaped_unless_marked_html(locales: Path):
    tr = Translator("en", BELGRADE, locales)
    assert tr._("Hi {name}", name="<b>&") == "Hi &lt;b&gt;&amp;"
    assert tr._("Hi {name}", name=Html("<b>x</b>")) == "Hi <b>x</b>"


def test_times_are_24_hour_in_every_language_and_in_local_time(locales: Path):
    evening = datetime(2026, 12, 11, 21, 5, tzinfo=UTC)  # 22:05 in Belgrade
    for code in ("en", "sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "cnr", "mk"):
        assert Translator(code, BELGRADE, locales).time(evening) == "22:05", code
    assert Translator("sq", BELGRADE, locales).date(evening) == "11 dhj 2026"
    assert Translator("sr-Cyrl", BELGRADE, locales).date(evening) == "11. 12. 2026."


def test_the_shipped_catalogs_pass_the_check():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "i18n", "check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(
    ("telegram_code", "expected"),
    [
        ("sr", "sr-Cyrl"),
        ("sr-RS", "sr-Cyrl"),
        ("sr-Cyrl", "sr-Cyrl"),
        ("sr-Latn", "sr-Latn"),
        ("sr_Latn_RS", "sr-Latn"),
        ("mk", "mk"),
        ("de", "en"),
    ],
)
def test_telegram_serbian_is_guessed_as_cyrillic_unless_it_says_latin(
    telegram_code: str, expected: str
):
    assert guess_language(telegram_code, "en") == expected


def test_a_value_ending_in_a_full_stop_ends_the_sentence_alone(locales: Path):
    tr = Translator("mk", ZoneInfo("Europe/Skopje"), locales)
    day = tr.date(date(2026, 12, 7))
    assert day.endswith("г.")
    assert tr._("It was revoked on {date}. Done.", date=day) == f"It was revoked on {day} Done."
    assert tr._("On {date}, then.", date=day) == f"On {day}, then."
