"""UI text through gettext catalogs, with our own fallback chains and Babel formatting.

The ``.po`` files under ``locales/`` are compiled when the bot starts, so a catalog edit
needs no separate compile step. Untranslated and fuzzy entries are dropped before
compiling: otherwise gettext would answer with the English text and never reach the next
language in the chain.

What is compiled is kept under KAPACITET_CACHE_DIR (by default ``~/.cache/kapacitet``),
named by a hash of the ``.po`` files, and read from there at the next start: parsing the
catalogs with Babel left some 5 MiB in every bot's memory for good (the allocator keeps
what the parse freed), against 0.9 MiB of compiled catalogs. A catalog edit changes the
hash, so a stale cache is never read; a cache that can't be written is just skipped.
"""

from __future__ import annotations

import gettext
import hashlib
import html
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from bot.i18n.languages import LANGUAGES, SOURCE_LANGUAGE
from bot.i18n.translit import latin_to_cyrillic
from bot.paths import LOCALES_DIR

DOMAIN = "messages"
MACEDONIAN_PLURAL = "(n%10==1 && n%100!=11 ? 0 : 1)"
"""Babel writes ``n != 1`` for Macedonian, which is wrong for 21, 31, ..."""


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where it is shown."""
    return message


class Html(str):
    """A value that is already Telegram HTML and must not be escaped again."""

    __slots__ = ()


def set_plural_rule(catalog: Catalog, count: int, expression: str) -> None:
    """Babel takes the rule from the locale, which is wrong for Macedonian; we set our own."""
    vars(catalog).update(_num_plurals=count, _plural_expr=expression)


def po_path(catalog: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, language_code: str) -> Catalog:
    with path.open("rb") as handle:
        # Bound to a locale, or Babel would write no Plural-Forms header into the .mo.
        catalog = read_po(handle, locale=LANGUAGES[language_code].babel_locale, domain=DOMAIN)
    if language_code == "mk":
        set_plural_rule(catalog, 2, MACEDONIAN_PLURAL)
    return catalog


def translated_only(catalog: Catalog) -> Catalog:
    """A copy without fuzzy or empty entries, so that lookups fall through to the next language."""
    kept = Catalog(locale=catalog.locale, domain=DOMAIN, charset="utf-8")
    set_plural_rule(kept, catalog.num_plurals, catalog.plural_expr)
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            kept.add(message.id, message.string, context=message.context)
    return kept


def _cyrillic_from_latin(latin: Catalog, cyrillic: Catalog | None) -> Catalog:
    """Hand-written Serbian Cyrillic wins; anything missing is transliterated from Latin."""
    merged = translated_only(latin)
    for message in merged:
        if not message.id:
            continue
        if isinstance(message.string, tuple):
            message.string = tuple(latin_to_cyrillic(part) for part in message.string)
        else:
            message.string = latin_to_cyrillic(str(message.string))
    if cyrillic is not None:
        for message in translated_only(cyrillic):
            if message.id:
                merged.add(message.id, message.string, context=message.context)
    return merged


def _compile(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


CACHE_ENV = "KAPACITET_CACHE_DIR"
CACHE_FORMAT = "1"
"""Changes when what is compiled from the same files changes (a different rule here)."""


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "kapacitet"


def catalogs_key(locales_dir: Path) -> str:
    """A hash of every catalog file (and of this compiler's format): names the cache entry."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for code, language in LANGUAGES.items():
        path = po_path(language.catalog, locales_dir)
        if path.exists():
            digest.update(f"\0{code}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _read_cache(folder: Path) -> dict[str, bytes] | None:
    try:
        codes = json.loads((folder / "codes.json").read_text(encoding="utf-8"))
        return {str(code): (folder / f"{code}.mo").read_bytes() for code in codes}
    except (OSError, ValueError):
        return None


def _write_cache(folder: Path, compiled: Mapping[str, bytes]) -> None:
    """Written whole into a new folder, then renamed into place: a reader sees all or none."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".building-"))
    except OSError:
        return  # read-only: compiled in memory at every start
    try:
        for code, data in compiled.items():
            (building / f"{code}.mo").write_bytes(data)
        (building / "codes.json").write_text(json.dumps(sorted(compiled)), encoding="utf-8")
        building.replace(folder)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)  # e.g. another process wrote it first


@cache
def _compiled_catalogs(locales_dir: Path) -> Mapping[str, bytes]:
    folder = cache_dir() / "catalogs" / catalogs_key(locales_dir)
    cached = _read_cache(folder)
    if cached is not None:
        return cached
    compiled = compile_catalogs(locales_dir)
    _write_cache(folder, compiled)
    return compiled


def warm_cache(locales_dir: Path = LOCALES_DIR) -> Path:
    """Compiles the catalogs into the cache now (the image does at build); returns where."""
    _compiled_catalogs(locales_dir)
    return cache_dir() / "catalogs" / catalogs_key(locales_dir)


def compile_catalogs(locales_dir: Path) -> dict[str, bytes]:
    """Every language's catalog as ``.mo`` bytes, as the translators use them."""
    catalogs: dict[str, Catalog] = {}
    for code, language in LANGUAGES.items():
        path = po_path(language.catalog, locales_dir)
        if path.exists():
            catalogs[code] = read_catalog(path, code)
    if "sr-Latn" in catalogs:
        catalogs["sr-Cyrl"] = _cyrillic_from_latin(catalogs["sr-Latn"], catalogs.get("sr-Cyrl"))
    return {code: _compile(translated_only(catalog)) for code, catalog in catalogs.items()}


def _chain(language_code: str, locales_dir: Path) -> gettext.NullTranslations:
    compiled = _compiled_catalogs(locales_dir)
    language = LANGUAGES[language_code]
    chain: gettext.NullTranslations | None = None
    for code in (language_code, *language.fallbacks):
        if code == SOURCE_LANGUAGE or code not in compiled:
            continue
        # A fresh object per chain: add_fallback links objects, so sharing one
        # between chains would join the chains.
        link = gettext.GNUTranslations(io.BytesIO(compiled[code]))
        if chain is None:
            chain = link
        else:
            chain.add_fallback(link)
    return chain or gettext.NullTranslations()


class Translator:
    """Everything a handler needs to speak one language: text, plurals, dates and numbers."""

    def __init__(self, language_code: str, zone: ZoneInfo, locales_dir: Path = LOCALES_DIR):
        if language_code not in LANGUAGES:
            language_code = SOURCE_LANGUAGE
        self.language_code = language_code
        self.language = LANGUAGES[language_code]
        self.locale = Locale.parse(self.language.babel_locale)
        self.zone = zone
        self._translations = _chain(language_code, locales_dir)

    def _(self, message: str, /, **values: Any) -> str:
        """The translated text, with ``{name}`` values HTML-escaped and numbers localised."""
        text = self._translations.gettext(message)
        return self._fill(text, values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return self._fill(text, {"n": n, **values})

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, whole_percent: int) -> str:
        """``70`` as the locale writes it: "70%", "70 %", "%70"."""
        return format_percent(whole_percent / 100, locale=self.locale)

    def date(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone)
        return format_date(value, format="medium", locale=self.locale)

    def time(self, value: datetime) -> str:
        # A skeleton, not a pattern: Albanian's default time format is 12-hour.
        return format_skeleton("Hm", value.astimezone(self.zone), locale=self.locale)

    def date_time(self, value: datetime) -> str:
        local = value.astimezone(self.zone)
        return f"{self.date(local)} {format_skeleton('Hm', local, locale=self.locale)}"

    def datetime_numeric(self, value: datetime) -> str:
        return format_datetime(value.astimezone(self.zone), "short", locale=self.locale)

    def _fill(self, text: str, values: Mapping[str, Any]) -> str:
        rendered: dict[str, str] = {}
        for name, value in values.items():
            if isinstance(value, Html | bool):
                rendered[name] = str(value)
            elif isinstance(value, int | float):
                rendered[name] = self.number(value)
            else:
                rendered[name] = html.escape(str(value), quote=False)
            if rendered[name].endswith("."):
                # A value that ends a sentence with its own full stop (a Macedonian date:
                # "7.12.2026 г.") takes the place of the sentence's: no "г..".
                text = text.replace(f"{{{name}}}.", f"{{{name}}}")
        return text.format(**rendered)


class Translators:
    """One translator per language, built once."""

    def __init__(self, zone: ZoneInfo, locales_dir: Path = LOCALES_DIR) -> None:
        self._zone = zone
        self._locales_dir = locales_dir
        self._cache: dict[str, Translator] = {}

    def __call__(self, language_code: str | None, zone: ZoneInfo | None = None) -> Translator:
        code = language_code if language_code in LANGUAGES else SOURCE_LANGUAGE
        assert code is not None
        zone = zone or self._zone
        key = f"{code}|{zone.key}"
        if key not in self._cache:
            self._cache[key] = Translator(code, zone, self._locales_dir)
        return self._cache[key]
