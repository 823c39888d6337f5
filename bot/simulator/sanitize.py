"""The bot's Telegram HTML made safe for the simulator's page.

:func:`sanitize_html` keeps only the tags Telegram shows as formatting and links that open an
http(s) address in a new tab; everything else becomes escaped text.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and line breaks: never part of a name, text or link."""

_ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "s", "code", "pre", "a", "blockquote"})


def safe_link(url: str | None) -> str | None:
    """An http(s) address without spaces or control characters, else ``None``."""
    if not url or any(ch.isspace() for ch in url) or CONTROL_CHARACTERS.search(url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, written to the output)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        written = False
        if tag == "a":
            href = safe_link(dict(attrs).get("href"))
            if href is not None:
                self.parts.append(
                    f'<a href="{html.escape(href, quote=True)}" target="_blank" '
                    'rel="noopener noreferrer">'
                )
                written = True
        elif tag in _ALLOWED_TAGS:
            self.parts.append(f"<{tag}>")
            written = True
        self.open.append((tag, written))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <img/>, ...: nothing Telegram sends

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if not any(name == tag for name, _ in self.open):
            return
        while self.open:
            name, written = self.open.pop()
            if written:
                self.parts.append(f"</{name}>")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            name, written = self.open.pop()
            if written:
                self.parts.append(f"</{name}>")
        return "".join(self.parts)


def sanitize_html(fragment: str) -> str:
    """Telegram HTML reduced to b/strong/i/em/u/s/code/pre/a/blockquote; links open in a new tab
    (``rel=noopener``) and only for http(s); everything else is text, escaped."""
    sanitizer = _Sanitizer()
    sanitizer.feed(fragment)
    return sanitizer.result()
