"""``python -m bot i18n extract|update|compile|check``: the gettext catalogs under ``locales/``.

- extract: collect the UI strings from the code into ``locales/messages.pot``;
- update: bring every language's ``messages.po`` in line with the template
  (creating missing ones), keeping translations and marking changed ones fuzzy;
- compile: write ``messages.mo`` beside each ``.po`` (the bot itself compiles
  in memory at start, so this is for other gettext tools);
- check: fail when the template is stale, a catalog is out of date, or a
  translation is missing, fuzzy, or breaks a placeholder, a tag or a plural.
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n.languages import LANGUAGES, SOURCE_LANGUAGE
from bot.i18n.translator import (
    DOMAIN,
    MACEDONIAN_PLURAL,
    po_path,
    read_catalog,
    set_plural_rule,
)
from bot.i18n.translit import latin_to_cyrillic
from bot.paths import LOCALES_DIR, PACKAGE_DIR

TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
GENERATED = {"sr-Cyrl"}
"""Catalogs whose empty entries are filled by transliteration at start."""
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")
HEADER = {
    "project": "Kapacitet",
    "copyright_holder": "Kapacitet",
    "msgid_bugs_address": "",
}


def extract() -> Catalog:
    catalog = Catalog(
        domain=DOMAIN,
        project=HEADER["project"],
        fuzzy=False,
        copyright_holder=HEADER["copyright_holder"],
    )
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR),
        method_map=method_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(
            message, None, [(f"bot/{filename}", lineno)], auto_comments=comments, context=context
        )
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False, include_lineno=False)
    path.write_bytes(buffer.getvalue())


def _messages(catalog: Catalog) -> set[tuple[object, str | None]]:
    return {(message.id, message.context) for message in catalog if message.id}


def language_codes() -> list[str]:
    return [code for code in LANGUAGES if code != SOURCE_LANGUAGE]


def _new_catalog(code: str) -> Catalog:
    locale = Locale.parse(LANGUAGES[code].babel_locale)
    catalog = Catalog(
        locale=locale,
        domain=DOMAIN,
        project=HEADER["project"],
        copyright_holder=HEADER["copyright_holder"],
        fuzzy=False,
    )
    return catalog


def _fix_plurals(catalog: Catalog, code: str) -> None:
    if code == "mk":
        set_plural_rule(catalog, 2, MACEDONIAN_PLURAL)


def cmd_extract() -> int:
    _write(extract(), TEMPLATE)
    print(f"Wrote {TEMPLATE}")
    return 0


def cmd_update() -> int:
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    for code in language_codes():
        path = po_path(LANGUAGES[code].catalog)
        catalog = read_catalog(path, code) if path.exists() else _new_catalog(code)
        # Generated catalogs hold only hand-written overrides: no guessed entries.
        catalog.update(template, no_fuzzy_matching=code in GENERATED)
        _fix_plurals(catalog, code)
        _write(catalog, path)
        print(f"Updated {path}")
    return 0


def cmd_compile() -> int:
    for code in language_codes():
        path = po_path(LANGUAGES[code].catalog)
        catalog = read_catalog(path, code)
        if code == "sr-Cyrl":
            latin = read_catalog(po_path(LANGUAGES["sr-Latn"].catalog), "sr-Latn")
            for message in catalog:
                if message.id and not _complete(message.string):
                    source = latin.get(message.id, message.context)
                    if source is not None and _complete(source.string):
                        message.string = (
                            tuple(latin_to_cyrillic(s) for s in source.string)
                            if isinstance(source.string, tuple)
                            else latin_to_cyrillic(str(source.string))
                        )
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
        print(f"Compiled {path.with_suffix('.mo')}")
    return 0


def _babel_plurals(code: str) -> int:
    catalog = Catalog(locale=Locale.parse(LANGUAGES[code].babel_locale))
    return catalog.num_plurals


def _complete(string: object) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


def problems(locales_dir: Path = LOCALES_DIR) -> list[str]:
    found: list[str] = []
    fresh = extract()
    template_path = locales_dir / TEMPLATE.name
    if not template_path.exists():
        return [f"{template_path}: missing; run `python -m bot i18n extract`"]
    with template_path.open("rb") as handle:
        template = read_po(handle)
    if _messages(fresh) != _messages(template):
        found.append(f"{template_path}: stale; run `python -m bot i18n extract` and `update`")
    for code in language_codes():
        path = po_path(LANGUAGES[code].catalog, locales_dir)
        if not path.exists():
            found.append(f"{path}: missing; run `python -m bot i18n update`")
            continue
        catalog = read_catalog(path, code)
        if _messages(catalog) != _messages(fresh):
            found.append(f"{path}: out of date; run `python -m bot i18n update`")
        expected_plurals = 2 if code == "mk" else _babel_plurals(code)
        if catalog.num_plurals != expected_plurals:
            found.append(f"{path}: {catalog.num_plurals} plural forms, expected {expected_plurals}")
        for message in catalog:
            if not message.id:
                continue
            label = f"{path}: {message.id if isinstance(message.id, str) else message.id[0]!r}"
            if message.fuzzy:
                found.append(f"{label}: fuzzy")
                continue
            if not _complete(message.string):
                if code not in GENERATED:
                    found.append(f"{label}: not translated")
                continue
            sources = [
                str(s) for s in (message.id if isinstance(message.id, tuple) else (message.id,))
            ]
            strings = [
                str(s)
                for s in (
                    message.string if isinstance(message.string, tuple) else (message.string,)
                )
            ]
            if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
                found.append(
                    f"{label}: {len(strings)} plural forms, expected {catalog.num_plurals}"
                )
            wanted_placeholders = set(PLACEHOLDER.findall(sources[-1]))
            wanted_tags = Counter(TAG.findall(sources[-1]))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != wanted_placeholders:
                    found.append(f"{label}: placeholders differ from the source")
                if Counter(TAG.findall(string)) != wanted_tags:
                    found.append(f"{label}: markup differs from the source")
    return found


def cmd_check() -> int:
    found = problems()
    for problem in found:
        print(problem)
    if found:
        print(f"{len(found)} problem(s) in the catalogs.", file=sys.stderr)
        return 1
    print("The catalogs are complete and up to date.")
    return 0


def main(action: str) -> int:
    return {
        "extract": cmd_extract,
        "update": cmd_update,
        "compile": cmd_compile,
        "check": cmd_check,
    }[action]()
