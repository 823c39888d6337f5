"""Telegram's HTML parse mode, as the Bot API applies it to a message's text.

:func:`parse_html` turns Telegram-flavoured HTML into plain text and message entities the way
tdlib does (same checks, same error wording), :func:`entities_to_html` renders them back, and
:func:`trim` strips whitespace around a text as Telegram does. Entity offsets and lengths are
in UTF-16 code units (:func:`utf16_len`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.simulator.fake_bot_api.protocol import JSONDict


class EntityParseError(ValueError):
    """Telegram's HTML parser rejected the text; the message is Telegram's own wording."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _is_space(byte: int) -> bool:
    # tdlib's is_space(), which also treats the terminating NUL as a space.
    return byte in b" \t\r\n\0\v\f"


def _is_alpha(byte: int) -> bool:
    return 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _is_digit(byte: int) -> bool:
    return 0x30 <= byte <= 0x39


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode ``&...;`` at ``pos``; returns (code point, next position) or (0, pos)."""

    def at(i: int) -> int:
        return data[i] if i < len(data) else 0

    end = pos + 1
    code = 0
    if at(end) == ord("#"):
        end += 1
        if at(end) == ord("x"):
            end += 1
            while _is_digit(at(end)) or at(end) in b"abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
                if code >= 0x10FFFF:
                    return 0, pos
        else:
            while _is_digit(at(end)):
                code = code * 10 + at(end) - 0x30
                end += 1
                if code >= 0x10FFFF:
                    return 0, pos
        if code == 0 or 0xD800 <= code <= 0xDFFF:
            return 0, pos
    else:
        while _is_alpha(at(end)):
            end += 1
        named = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
        code = named.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    if at(end) == ord(";"):
        end += 1
    return code, end


_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# tdlib orders entities by offset, then longer first, then by this priority.
_TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
}


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    byte_offset: int


def check_link(url: str) -> str | None:
    """Validate and normalise a link the way Telegram does; ``None`` drops the entity."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return None
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*)://", url)
    if match is None:
        if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", url) and not re.match(r"[^:]+:\d", url):
            return None  # some other scheme such as mailto: or javascript:
        url = "http://" + url
        scheme = "http"
    else:
        scheme = match.group(1).lower()
        url = scheme + url[len(scheme) :]
    if scheme in ("tg", "ton"):
        return url if len(url) > len(scheme) + 3 else None
    if scheme not in ("http", "https"):
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or not re.fullmatch(r"[\w.\-]+", host):
        return None
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return None
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host + port
    result = f"{scheme}://{netloc}{parts.path or '/'}"
    if parts.query:
        result += "?" + parts.query
    if parts.fragment:
        result += "#" + parts.fragment
    return result


def parse_html(
    text: str, user_lookup: Callable[[int], JSONDict | None] | None = None
) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into plain text and message entities.

    This follows tdlib's ``parse_html`` step by step, including its error messages (which quote
    byte offsets into the UTF-8 text).  Entities are returned sorted as Telegram returns them,
    with offsets and lengths in UTF-16 code units.  ``user_lookup`` resolves ``tg://user?id=``
    links to text mentions; unknown users drop the link.

    Raises:
        EntityParseError: with Telegram's wording, e.g. ``Unsupported start tag "br" at byte
            offset 5``.
    """
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)

    def at(i: int) -> int:
        return data[i] if i < size else 0

    out = bytearray()
    utf16 = 0
    raw: list[tuple[str, int, int, str]] = []  # (type, offset, length, argument)
    stack: list[_OpenTag] = []
    i = 0
    while i < size:
        c = data[i]
        if c == ord("&"):
            code, after = _decode_html_entity(data, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8")
                i = after
                continue
        if c != ord("<"):
            out.append(c)
            if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                utf16 += 2 if c >= 0xF0 else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != ord("/"):
            name_begin = i
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[name_begin:i].lower().decode("utf-8", "replace")
            if tag not in _SUPPORTED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != ord(">"):
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == ord(">"):
                    break
                attribute_begin = i
                while not _is_space(at(i)) and at(i) not in b"=>":
                    i += 1
                attribute = data[attribute_begin:i]
                if not attribute:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != ord("="):
                    if tag == "blockquote" and attribute == b"expandable":
                        argument = "1"
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value = bytearray()
                if at(i) not in b"'\"":
                    token_begin = i
                    while _is_alpha(at(i)) or _is_digit(at(i)) or at(i) in b".-":
                        i += 1
                    value += data[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ord(">"):
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            code, after = _decode_html_entity(data, i)
                            if code:
                                value += chr(code).encode("utf-8")
                                i = after
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                decoded = value.decode("utf-8", "replace")
                if tag == "a" and attribute == b"href":
                    argument = decoded
                elif tag == "code" and attribute == b"class" and decoded.startswith("language-"):
                    argument = decoded[len("language-") :]
                elif tag == "span" and attribute == b"class" and decoded.startswith("tg-"):
                    argument = decoded[len("tg-") :]
                elif tag == "tg-emoji" and attribute == b"emoji-id":
                    argument = decoded
                elif tag == "blockquote" and attribute == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # An end tag.
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        i += 1
        name_begin = i
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        end_name = data[name_begin:i].decode("utf-8", "replace")
        while _is_space(at(i)) and at(i) != 0:
            i += 1
        if at(i) != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        open_tag = stack.pop()
        if end_name and end_name != open_tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        if utf16 <= open_tag.utf16_offset:
            continue  # empty entities are dropped
        offset, length, name = open_tag.utf16_offset, utf16 - open_tag.utf16_offset, open_tag.name
        if name in _SIMPLE_TAG_TYPES:
            raw.append((_SIMPLE_TAG_TYPES[name], offset, length, ""))
        elif name == "tg-emoji":
            if open_tag.argument.isdigit():
                raw.append(("custom_emoji", offset, length, open_tag.argument))
        elif name == "a":
            url = open_tag.argument or out[open_tag.byte_offset :].decode("utf-8", "replace")
            mention = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
            if mention:
                raw.append(("text_mention", offset, length, mention.group(1)))
            else:
                checked = check_link(url)
                if checked is not None:
                    raw.append(("text_link", offset, length, checked))
        elif name == "pre":
            last = raw[-1] if raw else None
            if last and last[0] == "code" and last[1:3] == (offset, length) and last[3]:
                raw[-1] = ("pre", offset, length, last[3])
            else:
                raw.append(("pre", offset, length, ""))
        elif name == "code":
            last = raw[-1] if raw else None
            if last and last[0] == "pre" and last[1:3] == (offset, length) and open_tag.argument:
                raw[-1] = ("pre", offset, length, open_tag.argument)
            else:
                raw.append(("code", offset, length, open_tag.argument))
        elif name == "blockquote":
            kind = "expandable_blockquote" if open_tag.argument else "blockquote"
            raw.append((kind, offset, length, ""))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')

    entities: list[JSONDict] = []
    for kind, offset, length, argument in raw:
        entity: JSONDict = {"offset": offset, "length": length, "type": kind}
        if kind == "text_link":
            entity["url"] = argument
        elif kind == "pre" and argument:
            entity["language"] = argument
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = argument
        elif kind == "text_mention":
            user = user_lookup(int(argument)) if user_lookup else None
            if user is None:
                continue
            entity["user"] = user
        entities.append(entity)
    return out.decode("utf-8", "surrogatepass"), sort_entities(entities)


def sort_entities(entities: list[JSONDict]) -> list[JSONDict]:
    """Order entities as Telegram does: by offset, longer first, then by type priority."""
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _TYPE_PRIORITY.get(e["type"], 50)),
    )


def trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip leading and trailing whitespace like Telegram, moving and clipping entities."""
    whitespace = " \t\n\r\v\f"
    stripped = text.strip(whitespace)
    if stripped == text:
        return text, entities
    shift = len(text) - len(text.lstrip(whitespace))  # whitespace is BMP: chars == units
    limit = utf16_len(stripped)
    fixed: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return stripped, fixed


_HTML_TAG_OF_TYPE = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "blockquote": "blockquote",
}


def _entity_tags(entity: JSONDict) -> tuple[str, str]:
    """The (start tag, end tag) for one entity; empty strings for entities without markup."""
    kind = entity["type"]
    if kind in _HTML_TAG_OF_TYPE:
        tag = _HTML_TAG_OF_TYPE[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "expandable_blockquote":
        return "<blockquote expandable>", "</blockquote>"
    if kind == "pre":
        if entity.get("language"):
            language = html.escape(entity["language"])
            return f'<pre><code class="language-{language}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return f'<a href="{html.escape(entity["url"])}">', "</a>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={entity["user"]["id"]}">', "</a>"
    if kind == "custom_emoji":
        return f'<tg-emoji emoji-id="{entity["custom_emoji_id"]}">', "</tg-emoji>"
    return "", ""


def entities_to_html(text: str, entities: list[JSONDict]) -> str:
    """Render text with entities back to Telegram HTML (inverse of :func:`parse_html`)."""
    opening = sort_entities(entities)
    parts: list[str] = []
    stack: list[tuple[int, str]] = []  # (end offset, end tag)
    next_entity = 0
    position = 0
    for char in [*text, ""]:
        while stack and stack[-1][0] <= position:
            parts.append(stack.pop()[1])
        while next_entity < len(opening) and opening[next_entity]["offset"] <= position:
            entity = opening[next_entity]
            start, end = _entity_tags(entity)
            parts.append(start)
            stack.append((entity["offset"] + entity["length"], end))
            next_entity += 1
        parts.append(html.escape(char, quote=False))
        position += utf16_len(char)
    while stack:
        parts.append(stack.pop()[1])
    return "".join(parts)
