"""The rules a text of a module keeps: Telegram HTML, lengths, the script of its language.

Shared by the loader of the module files and of the drafts the programme edits in the bot
(``bot.content.loader``), so both say the same about a text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

TOPICS = ("eu_integration", "security", "digital_literacy")
OPTION_IDS = ("a", "b", "c", "d")
GENERATED_LANGUAGES = frozenset({"sr-Cyrl"})
"""Languages whose file may be missing: their text is made from another language's."""

MAX_TITLE = 80
MAX_SHORT_TITLE = 32
"""Characters of a module's title on a button (the lessons, a session's module, exports,
certificates): Telegram shows an inline button on one line and cuts the rest. A full-width
button on a 360-dp phone (Telegram for Android: about 300 dp of text at 15 dp medium; iOS at
375 pt much the same) holds about 36 average letters, Cyrillic ones being wider, and the
lessons put a 2-letter mark (✅, ▶️) before the title: 32 is what stays whole. A longer title
needs a ``short_title`` within it."""
MAX_SUMMARY = 200
MAX_CARD = 700
"""Characters a reader sees on one card: about a phone screen without scrolling."""
MAX_QUESTION = 300
MAX_OPTION = 120
MAX_EXPLANATION = 600
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "blockquote", "a"}
MODULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")
BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")
CYRILLIC_LANGUAGES = frozenset({"mk", "sr-Cyrl"})
WORD = re.compile(r"[^\W\d_]+")
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u052F]")
WEB_ADDRESS = re.compile(r"(?:https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/\S*)?")


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self.stack: list[str] = []
        self.hrefs: list[str] = []
        self.plain: list[str] = []
        self.prose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}> is not allowed")
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith("https://"):
                self.errors.append('a link needs href="https://..."')
            self.hrefs.append(href)
        elif attrs:
            self.errors.append(f"tag <{tag}> takes no attributes")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close the open tag")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)
        if "code" not in self.stack:
            self.prose.append(data)


@dataclass
class _Checked:
    plain: str
    hrefs: list[str]
    placeholders: set[str]
    prose: str = ""
    """The visible text outside <code>, whose script must match the language."""


def check_html(text: str) -> tuple[_Checked, list[str]]:
    errors: list[str] = []
    if BARE_AMPERSAND.search(text):
        errors.append("a bare '&' must be written &amp;")
    if re.search(r"<(?![a-zA-Z/])", text):
        errors.append("a bare '<' must be written &lt;")
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    errors.extend(checker.errors)
    if checker.stack:
        errors.append(f"<{checker.stack[-1]}> is never closed")
    plain = "".join(checker.plain)
    prose = PLACEHOLDER.sub(" ", "".join(checker.prose))
    return _Checked(plain, checker.hrefs, set(PLACEHOLDER.findall(text)), prose), errors


def script_errors(prose: str, language_code: str, latin_terms: frozenset[str]) -> list[str]:
    """Words written in the wrong script for the language.

    In Cyrillic languages a Latin word passes only as an acronym or Roman numeral
    (all capitals: EU, NIST, IV), as part of a web address, or as a name the
    module lists under ``latin_terms``; text in <code> is not checked. In Latin languages no
    Cyrillic letter passes. A word mixing both scripts (a Latin "a" in a
    Cyrillic word, which looks the same) never passes.
    """
    errors: list[str] = []
    cyrillic_language = language_code in CYRILLIC_LANGUAGES
    for word in dict.fromkeys(WORD.findall(WEB_ADDRESS.sub(" ", prose))):
        latin = LATIN_LETTER.search(word) is not None
        cyrillic = CYRILLIC_LETTER.search(word) is not None
        if latin and cyrillic:
            errors.append(f"'{word}' mixes Latin and Cyrillic letters")
        elif cyrillic_language and latin and not word.isupper() and word not in latin_terms:
            errors.append(
                f"Latin word '{word}' in Cyrillic text (write it in Cyrillic, put it in"
                " <code>, or list it under latin_terms in module.yaml)"
            )
        elif not cyrillic_language and cyrillic:
            errors.append(f"Cyrillic word '{word}' in Latin-script text")
    return errors
