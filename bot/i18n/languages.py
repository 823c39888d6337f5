"""The eight languages Kapacitet speaks, and how Telegram's hints map to them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    """Our own id, stored with the learner and used in content file names."""
    native_name: str
    babel_locale: str
    """Babel has no Montenegrin locale; Montenegrin dates use sr_Latn_ME."""
    catalog: str
    """Folder under ``locales/``."""
    fallbacks: tuple[str, ...]
    """Where a missing text is looked up next, in order (English always last)."""


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "en", "en", ()),
        Language("sq", "Shqip", "sq", "sq", ("en",)),
        Language("bs", "Bosanski", "bs", "bs", ("hr", "cnr", "sr-Latn", "en")),
        Language("hr", "Hrvatski", "hr", "hr", ("bs", "cnr", "sr-Latn", "en")),
        Language("sr-Latn", "Srpski (latinica)", "sr_Latn", "sr_Latn", ("bs", "cnr", "hr", "en")),
        # Serbian Cyrillic falls back to the transliterated Serbian Latin text,
        # which the translator adds itself, before any other language.
        Language("sr-Cyrl", "Српски (ћирилица)", "sr_Cyrl", "sr_Cyrl", ("en",)),
        # Ijekavian like Bosnian, so Bosnian comes before (ekavian) Serbian.
        Language("cnr", "Crnogorski", "sr_Latn_ME", "cnr", ("bs", "sr-Latn", "hr", "en")),
        Language("mk", "Македонски", "mk", "mk", ("en",)),
    )
}

LANGUAGE_CODES: tuple[str, ...] = tuple(LANGUAGES)
SOURCE_LANGUAGE = "en"

# Telegram's language_code is only a first guess: often a bare "sr" or a region
# tag, practically never "cnr". A bare "sr" carries no script; we guess Cyrillic,
# Serbia's official script and the script of Telegram's own Serbian interface.
# It is only a guess: the picker is shown anyway, and the learner's choice is
# stored and wins over it (a person erased by /forget is guessed afresh).
_TELEGRAM_HINTS: dict[str, str] = {
    "en": "en",
    "sq": "sq",
    "bs": "bs",
    "hr": "hr",
    "sr": "sr-Cyrl",
    "sr-latn": "sr-Latn",
    "sr-cyrl": "sr-Cyrl",
    "cnr": "cnr",
    "me": "cnr",
    "mk": "mk",
}


def guess_language(telegram_code: str | None, default: str) -> str:
    """Best first guess from Telegram's ``language_code`` (junk or None gives ``default``)."""
    if not telegram_code:
        return default
    hint = telegram_code.strip().lower().replace("_", "-")
    if hint in _TELEGRAM_HINTS:
        return _TELEGRAM_HINTS[hint]
    if hint.startswith("sr-") and "latn" in hint.split("-"):
        return "sr-Latn"
    primary = hint.split("-", 1)[0]
    return _TELEGRAM_HINTS.get(primary, default)


def is_language(code: str | None) -> bool:
    return code in LANGUAGES
