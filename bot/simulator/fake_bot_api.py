"""A fake Telegram Bot API server that runs in-process on 127.0.0.1.

It speaks the HTTP protocol of https://core.telegram.org/bots/api closely enough for
python-telegram-bot to run against it unchanged: point ``ApplicationBuilder().base_url()`` at
:attr:`FakeBotApi.base_url` and ``base_file_url()`` at :attr:`FakeBotApi.base_file_url`.

The server keeps a small model of users, chats and messages.  Tests push updates as if users
were typing (:meth:`FakeBotApi.push_message`, :meth:`FakeBotApi.push_callback`), the bot fetches
them with ``getUpdates`` and answers through the usual methods; the tests then inspect the
resulting chat (:meth:`FakeBotApi.messages`).  Errors are answered with the description strings
that Telegram itself uses, so error handling in the bot can be tested as well.

Parameters arrive the way PTB's ``HTTPXRequest`` sends them: a form (url-encoded, or multipart
when a file is uploaded) whose values are strings, with non-string values (numbers, booleans,
objects such as ``reply_markup``) JSON-encoded.  JSON bodies and query strings work too.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import inspect
import json
import logging
import math
import mimetypes
import random
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "EntityParseError",
    "FakeBotApi",
    "InjectedFault",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
    "entities_to_html",
    "parse_html",
    "sort_entities",
    "utf16_len",
]

_log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
ChangeListener = Callable[[JSONDict], object]
_MethodHandler = Callable[[JSONDict], Awaitable[Any]]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_NOT_FOUND = "Bad Request: chat not found"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
BAD_GATEWAY = "Bad Gateway"
FAULT_KINDS = frozenset({"429", "502", "timeout"})
"""What :meth:`FakeBotApi.random_faults` can inject (403 comes from :meth:`FakeBotApi.block`)."""

# Methods that send a message to a chat: what Telegram's flood limits count (see
# FakeBotApi(rate_limit_per_second=..., chat_rate_limit_per_second=...)).
_SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendlocation",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)

# Update kinds that Telegram leaves out unless they are asked for by name.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")

# Form values are strings; these names are decoded to the types Telegram expects.
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "cache_time",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "max_connections",
        "from_chat_id",
    }
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "for_channels",
    }
)
_JSON_PARAMS: dict[str, str] = {
    "reply_markup": "Bad Request: can't parse reply keyboard markup JSON object",
    "entities": "Bad Request: can't parse entities JSON object",
    "caption_entities": "Bad Request: can't parse entities JSON object",
    "allowed_updates": "Bad Request: can't parse allowed updates JSON object",
    "commands": "Bad Request: can't parse commands JSON object",
    "scope": "Bad Request: can't parse BotCommandScope JSON object",
    "menu_button": "Bad Request: can't parse menu button JSON object",
    "link_preview_options": "Bad Request: can't parse link preview options JSON object",
    "reply_parameters": "Bad Request: can't parse reply parameters JSON object",
}


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class EntityParseError(ValueError):
    """Telegram's HTML parser rejected the text; the message is Telegram's own wording."""


@dataclass
class UploadedFile:
    """A file part of a multipart request, as received."""

    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


@dataclass
class StoredFile:
    """A file the bot has sent; downloadable through ``getFile`` and :attr:`base_file_url`."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str | None
    mime_type: str | None
    content: bytes = field(repr=False)
    kind: str = "document"
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.content)

    @property
    def file_name(self) -> str | None:
        """Telegram's name for :attr:`filename` (``Document.file_name``)."""
        return self.filename


@dataclass
class CallbackAnswer:
    """What the bot answered to one callback query."""

    query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass
class SentMessage:
    """The current state of one message in a chat (sent by the bot or by a user)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    text: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    caption: str | None = None
    caption_entities: list[JSONDict] = field(default_factory=list)
    reply_to_message_id: int | None = None
    edited: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def html(self) -> str | None:
        """The text re-rendered as Telegram HTML (``None`` for messages without text)."""
        if self.text is None:
            return None
        return entities_to_html(self.text, self.entities)

    @property
    def caption_html(self) -> str | None:
        if self.caption is None:
            return None
        return entities_to_html(self.caption, self.caption_entities)

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        """Rows of inline buttons (empty when the message has no inline keyboard)."""
        if not self.reply_markup:
            return []
        rows: list[list[JSONDict]] = self.reply_markup.get("inline_keyboard") or []
        return rows


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)


@dataclass
class _CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None


@dataclass(frozen=True)
class InjectedFault:
    """One fault that :meth:`FakeBotApi.random_faults` injected."""

    method: str
    kind: str
    """``429``, ``502`` or ``timeout``"""
    params: JSONDict = field(compare=False, repr=False)


@dataclass
class _RandomFaults:
    random: random.Random
    rate: float
    kinds: tuple[str, ...]
    methods: frozenset[str] | None
    retry_after: int
    timeout_seconds: float
    max_in_a_row: int
    limits: dict[str, int]
    in_a_row: dict[tuple[str, str], int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Text helpers: UTF-16 lengths, Telegram's HTML parser and the reverse rendering.


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


def _check_link(url: str) -> str | None:
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
                checked = _check_link(url)
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


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
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


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG or GIF image; ``None`` for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker == 0xFF:
                i += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (segment_length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + int(segment_length)
    return None


# ---------------------------------------------------------------------------------------------
# The server.


class FakeBotApi:
    """An in-process fake Telegram Bot API server for one bot token.

    Use ``await api.start()`` / ``await api.stop()`` (or ``async with api:``).  All state lives in
    memory and is meant to be touched from the event loop the server runs on.
    """

    #: Seconds after which a callback query can no longer be answered (by :attr:`clock`).
    callback_query_timeout: float = 15.0
    #: Age in seconds after which the bot may no longer delete a message.
    delete_message_limit: float = 48 * 3600

    def __init__(
        self,
        token: str = "123456:TEST",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "kapacitet_bot",
        clock: Callable[[], float] | None = None,
        rate_limit_per_second: float | None = None,
        chat_rate_limit_per_second: float | None = None,
    ) -> None:
        """``rate_limit_per_second`` and ``chat_rate_limit_per_second`` (both off by default)
        enforce Telegram's flood limits on the methods that send messages: overall, and per
        chat. A call over a limit is answered 429 "Too Many Requests: retry after N" with
        ``parameters.retry_after`` (see :meth:`set_rate_limits`)."""
        self._token = token
        self._host = host
        self._port = port
        self.clock: Callable[[], float] = clock or time.time
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Kapacitet",
            "username": bot_username,
        }
        self.calls: list[tuple[str, JSONDict]] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.webhook_url = ""
        self.menu_buttons: dict[int | None, JSONDict] = {}

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._queries: dict[str, _CallbackQuery] = {}
        self._commands: dict[tuple[str, int | None, int | None, str], list[JSONDict]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}

        self._pending: list[JSONDict] = []
        self._next_update_id = 1
        self._confirmed_offset = 0  # every update below this id has been taken by the bot
        self._allowed_updates: list[str] = []
        self._new_update = asyncio.Event()
        self._confirmed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False

        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._random_faults: _RandomFaults | None = None
        #: Every fault :meth:`random_faults` injected, in order.
        self.injected_faults: list[InjectedFault] = []
        self._listeners: list[ChangeListener] = []
        self._listener_tasks: set[asyncio.Future[Any]] = set()
        self._counter = 0

        self._methods: dict[str, tuple[str, _MethodHandler]] = {}
        for name, handler in self._method_table().items():
            self._methods[name.lower()] = (name, handler)

        self._runner: web.AppRunner | None = None

        #: 429 answers given by the rate limits (not by :meth:`fail_next`).
        self.rate_limited = 0
        #: ``time.monotonic()`` of every sending call that passed the rate limits (while any
        #: limit is set), with its method.
        self.sent_times: list[tuple[str, float]] = []
        self._overall_limit: tuple[int, float] | None = None
        self._chat_limit: tuple[int, float] | None = None
        self._overall_window: deque[float] = deque()
        self._chat_windows: dict[int | str, deque[float]] = {}
        self.set_rate_limits(rate_limit_per_second, chat_rate_limit_per_second)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening; :attr:`base_url` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._closing = False
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        if self._listener_tasks:
            await asyncio.gather(*self._listener_tasks, return_exceptions=True)

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if self._runner is None:
            raise RuntimeError("FakeBotApi is not running; await start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:PORT/bot``; PTB appends the token."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """E.g. ``http://127.0.0.1:PORT/file/bot``; PTB appends the token."""
        return f"http://{self._host}:{self.port}/file/bot"

    # -- users and chats ------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """Register a user and their private chat with the bot (chat id == user id)."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        chat = self._chats.get(user_id)
        if chat is None:
            self._chats[user_id] = _Chat(
                id=user_id,
                type="private",
                username=username,
                first_name=first_name,
                last_name=last_name,
            )
        else:
            chat.username, chat.first_name, chat.last_name = username, first_name, last_name
        return dict(user)

    def add_group(self, chat_id: int, title: str) -> JSONDict:
        """Register a group the bot is a member of (ids from -100… are supergroups)."""
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        self._chats[chat_id] = _Chat(id=chat_id, type=kind, title=title)
        return self._chat_json(self._chats[chat_id])

    def user(self, user_id: int) -> JSONDict:
        return dict(self._users[user_id])

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to their chat answers 403."""
        self._private_chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        self._private_chat(user_id).blocked = False

    def _private_chat(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None or chat.type != "private":
            raise KeyError(f"unknown user {user_id}; call add_user() first")
        return chat

    # -- pushing updates ------------------------------------------------------------------------

    def push_update(self, update: JSONDict) -> int:
        """Queue a raw update; ``update_id`` is assigned unless given (it must then grow)."""
        update = dict(update)
        given = update.get("update_id")
        if given is None:
            update_id = self._next_update_id
        else:
            update_id = int(given)
            if update_id < self._next_update_id:
                raise ValueError(f"update_id {update_id} is not above the last one pushed")
        update["update_id"] = update_id
        self._next_update_id = update_id + 1
        self._pending.append(update)
        self._wake_pollers()
        return update_id

    def push_message(self, user_id: int, text: str, chat_id: int | None = None) -> int:
        """A user writes ``text``; returns the update id."""
        if user_id not in self._users:
            raise KeyError(f"unknown user {user_id}; call add_user() first")
        chat = self._chat(user_id if chat_id is None else chat_id)
        if chat.type == "private":
            chat.blocked = False  # writing to a bot unblocks it
        entities: list[JSONDict] = []
        command = _BOT_COMMAND_RE.match(text)
        if command:
            entities.append(
                {"offset": 0, "length": utf16_len(command.group(0)), "type": "bot_command"}
            )
        message = self._add_message(
            chat, from_bot=False, sender_id=user_id, text=text, entities=entities
        )
        return self.push_update({"message": self._message_json(message)})

    def push_callback(
        self, user_id: int, message_id: int, data: str, chat_id: int | None = None
    ) -> tuple[int, str]:
        """A user taps an inline button carrying ``data``; returns (update id, query id)."""
        if user_id not in self._users:
            raise KeyError(f"unknown user {user_id}; call add_user() first")
        chat = self._chat(user_id if chat_id is None else chat_id)
        self._counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._counter)
        self._queries[query_id] = _CallbackQuery(
            id=query_id,
            user_id=user_id,
            chat_id=chat.id,
            message_id=message_id,
            data=data,
            created=self.clock(),
        )
        message = chat.messages.get(message_id)
        if message is not None and not message.deleted:
            message_json = self._message_json(message)
        else:
            message_json = {"chat": self._chat_json(chat), "message_id": message_id, "date": 0}
        query: JSONDict = {
            "id": query_id,
            "from": dict(self._users[user_id]),
            "message": message_json,
            "chat_instance": str(1_000_000_000_000 + abs(chat.id)),
            "data": data,
        }
        return self.push_update({"callback_query": query}), query_id

    async def wait_fetched(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates call confirmed ``update_id`` (its offset went past it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._confirmed_offset <= update_id:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"update {update_id} was not fetched within {timeout} s (bot confirmed "
                    f"updates below {self._confirmed_offset}); is the application polling "
                    f"{self.base_url if self._runner else 'this FakeBotApi'}?"
                )
            event = self._confirmed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot."""
        return copy.deepcopy(self._pending)

    # -- inspection -----------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Snapshots of the chat's messages (bot's and users'), oldest first, without deleted."""
        chat = self._chat(chat_id)
        return [copy.deepcopy(m) for m in chat.messages.values() if not m.deleted]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        found = self._chat(chat_id).messages.get(message_id)
        return copy.deepcopy(found) if found is not None else None

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSONDict]:
        """The command list set for exactly this scope and language (empty if none)."""
        return copy.deepcopy(self._commands.get((scope_type, chat_id, user_id, language_code), []))

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def calls_of(self, method: str) -> list[JSONDict]:
        """Parameters of every call to ``method`` (case-insensitive), in order."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    # -- fault injection and change notification ------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with this error instead."""
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(_Fault(error_code, description, retry_after) for _ in range(count))

    def delay_next(self, method: str, seconds: float) -> None:
        """Hold the next call of ``method`` for ``seconds`` before handling it."""
        self._delays.setdefault(method.lower(), deque()).append(seconds)

    def random_faults(
        self,
        seed: int,
        rate: float = 0.2,
        kinds: Iterable[str] = ("429", "502", "timeout"),
        *,
        methods: Iterable[str] | None = None,
        retry_after: int = 1,
        timeout_seconds: float = 6.0,
        max_in_a_row: int = 2,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        """From now on, answer a random share ``rate`` of the calls with a fault, drawn from
        ``kinds`` by a ``random.Random(seed)``:

        - ``"429"``: "Too Many Requests: retry after N" with ``parameters.retry_after``
          (``retry_after`` seconds); the call is not carried out.
        - ``"502"``: "Bad Gateway" (Telegram's front end could not reach the Bot API); the call
          is not carried out.
        - ``"timeout"``: the call is carried out, but its answer is held for
          ``timeout_seconds``, longer than the client waits (PTB's default read timeout is
          5 s), so the client gives up without knowing that it worked. Never on
          ``getUpdates``, a long poll whose client waits for as long as the poll itself.

        ``methods`` limits the faults to those Bot API methods (default: all of them).
        ``max_in_a_row`` caps the faults in a row for one method and chat (or callback
        query): the next such call gets through, as after a passing disturbance.
        ``limits`` caps how many of a kind are injected in all (``{"timeout": 2}``).
        403 is not random: :meth:`block` a user and every message to them is refused.
        Every injected fault is listed in :attr:`injected_faults`; call
        :meth:`stop_random_faults` to end the mode.
        """
        chosen = tuple(kinds)
        unknown = set(chosen) - FAULT_KINDS
        if unknown or not chosen:
            raise ValueError(f"fault kinds are {sorted(FAULT_KINDS)}, not {sorted(unknown)}")
        if not 0 <= rate <= 1:
            raise ValueError("the fault rate is a share between 0 and 1")
        self._random_faults = _RandomFaults(
            random=random.Random(seed),
            rate=rate,
            kinds=chosen,
            methods=frozenset(m.lower() for m in methods) if methods is not None else None,
            retry_after=retry_after,
            timeout_seconds=timeout_seconds,
            max_in_a_row=max_in_a_row,
            limits=dict(limits or {}),
        )

    def stop_random_faults(self) -> None:
        self._random_faults = None

    def _random_fault(self, method: str, params: JSONDict) -> str | None:
        """The kind of fault to inject into this call (and records it), or None."""
        mode = self._random_faults
        name = method.lower()
        if mode is None or (mode.methods is not None and name not in mode.methods):
            return None
        target = params.get("chat_id", params.get("callback_query_id", ""))
        key = (name, str(target))
        draw, kind = mode.random.random(), mode.random.choice(mode.kinds)
        if draw >= mode.rate or mode.in_a_row.get(key, 0) >= mode.max_in_a_row:
            mode.in_a_row.pop(key, None)
            return None
        if (kind == "timeout" and name == "getupdates") or mode.limits.get(kind, 1) <= 0:
            return None
        if kind in mode.limits:
            mode.limits[kind] -= 1
        mode.in_a_row[key] = mode.in_a_row.get(key, 0) + 1
        self.injected_faults.append(InjectedFault(method, kind, dict(params)))
        return kind

    def set_rate_limits(
        self, per_second: float | None = None, per_chat_per_second: float | None = None
    ) -> None:
        """Enforce Telegram's flood limits (``None`` switches one off).

        A limit of ``r`` messages a second allows at most ``max(1, floor(r))`` sending calls
        in any sliding window of ``max(1, floor(r)) / r`` seconds (30/s: 30 in any second;
        1/s: one a second), counted on the server's arrival of each call, by
        ``time.monotonic()`` when the server takes the call (after any :meth:`delay_next`). A call
        over a limit is not carried out and is answered 429
        with ``retry_after``: the whole seconds until the window has room again (at least 1).
        """
        self._overall_limit = self._window(per_second)
        self._chat_limit = self._window(per_chat_per_second)
        self._overall_window.clear()
        self._chat_windows.clear()

    @staticmethod
    def _window(per_second: float | None) -> tuple[int, float] | None:
        if per_second is None:
            return None
        if per_second <= 0:
            raise ValueError("a rate limit must be positive")
        count = max(1, math.floor(per_second))
        return count, count / per_second

    def _over_limit(self, method: str, params: JSONDict) -> ApiError | None:
        """A 429 when this sending call would exceed a rate limit; else records it."""
        if method.lower() not in _SENDING_METHODS:
            return None
        if self._overall_limit is None and self._chat_limit is None:
            return None
        now = time.monotonic()
        chat_key = params.get("chat_id")
        windows: list[tuple[deque[float], tuple[int, float]]] = []
        if self._overall_limit is not None:
            windows.append((self._overall_window, self._overall_limit))
        if self._chat_limit is not None and isinstance(chat_key, int | str):
            windows.append((self._chat_windows.setdefault(chat_key, deque()), self._chat_limit))
        wait = 0.0
        for window, (count, seconds) in windows:
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= count:
                wait = max(wait, window[0] + seconds - now)
        if wait > 0:
            self.rate_limited += 1
            retry_after = max(1, math.ceil(wait))
            return ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for window, _limit in windows:
            window.append(now)
        self.sent_times.append((method, now))
        return None

    def on_change(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(event)`` on every message sent, edited or deleted and every callback
        answer.  Coroutine listeners are scheduled as tasks.  Returns an unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, event: JSONDict) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(event)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._listener_tasks.add(task)
                    task.add_done_callback(self._listener_tasks.discard)
            except Exception:
                _log.exception("FakeBotApi change listener failed on %s", event)

    def _message_event(self, action: str, message: SentMessage) -> None:
        self._emit(
            {
                "type": f"message_{action}",
                "chat_id": message.chat_id,
                "message_id": message.message_id,
                "from_bot": message.from_bot,
            }
        )

    # -- HTTP -----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        known = self._methods.get(method.lower())
        name = known[0] if known else method
        try:
            params = await self._read_params(request)
        except ApiError as error:
            self.calls.append((name, {}))
            return self._error_response(error)
        self.calls.append((name, params))
        if request.match_info["token"] != self._token:
            return self._error_response(ApiError(401, "Unauthorized"))

        delays = self._delays.get(name.lower())
        if delays:
            await asyncio.sleep(delays.popleft())
        faults = self._faults.get(name.lower())
        if faults:
            fault = faults.popleft()
            extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            return self._error_response(ApiError(fault.error_code, fault.description, extra))
        mode = self._random_faults
        injected = self._random_fault(name, params) if mode is not None else None
        if mode is not None and injected == "429":
            seconds = mode.retry_after
            return self._error_response(
                ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
            )
        if injected == "502":
            return self._error_response(ApiError(502, BAD_GATEWAY))
        response = await self._carry_out(name, known, params)
        if mode is not None and injected == "timeout":
            # Carried out; the answer comes after the client has stopped waiting for it.
            await asyncio.sleep(mode.timeout_seconds)
        return response

    async def _carry_out(
        self, name: str, known: tuple[str, _MethodHandler] | None, params: JSONDict
    ) -> web.Response:
        limited = self._over_limit(name, params)
        if limited is not None:
            return self._error_response(limited)
        if known is None:
            _log.warning("FakeBotApi: method %s is not implemented", name)
            return self._error_response(ApiError(404, "Not Found"))
        try:
            result = await known[1](params)
        except ApiError as error:
            return self._error_response(error)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error_response(error: ApiError) -> web.Response:
        return web.json_response(error.to_json(), status=error.error_code)

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                params.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = UploadedFile(
                            value.filename, value.content_type, value.file.read()
                        )
                    elif isinstance(value, bytes | bytearray):
                        params[key] = bytes(value).decode("utf-8", "replace")
                    else:
                        params[key] = value
        return self._coerce(params)

    @staticmethod
    def _coerce(params: JSONDict) -> JSONDict:
        for key, value in list(params.items()):
            if not isinstance(value, str):
                continue
            if key in _JSON_PARAMS:
                try:
                    params[key] = json.loads(value)
                except ValueError as exc:
                    raise ApiError(400, _JSON_PARAMS[key]) from exc
            elif key in _INT_PARAMS:
                with contextlib.suppress(ValueError):
                    params[key] = int(value)
            elif key in _FLOAT_PARAMS:
                with contextlib.suppress(ValueError):
                    params[key] = float(value)
            elif key in _BOOL_PARAMS:
                params[key] = value.strip().lower() in ("true", "1")
        return params

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self._token or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- model helpers --------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; call add_user() or add_group() first")
        return chat

    def _chat_json(self, chat: _Chat) -> JSONDict:
        result: JSONDict = {"id": chat.id}
        if chat.type == "private":
            result["first_name"] = chat.first_name
            if chat.last_name:
                result["last_name"] = chat.last_name
            if chat.username:
                result["username"] = chat.username
        else:
            result["title"] = chat.title
        result["type"] = chat.type
        return result

    def _lookup_user(self, user_id: int) -> JSONDict | None:
        user = self._users.get(user_id)
        if user is None:
            return None
        return {k: v for k, v in user.items() if k != "language_code"}

    def _add_message(
        self, chat: _Chat, *, from_bot: bool, sender_id: int, **fields: Any
    ) -> SentMessage:
        message = SentMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_bot=from_bot,
            sender_id=sender_id,
            date=int(self.clock()),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self._message_event("sent", message)
        return message

    def _message_json(self, message: SentMessage, with_reply: bool = True) -> JSONDict:
        chat = self._chats[message.chat_id]
        sender = self.bot_user if message.from_bot else self._users[message.sender_id]
        result: JSONDict = {
            "message_id": message.message_id,
            "from": dict(sender),
            "chat": self._chat_json(chat),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and not replied.deleted:
                result["reply_to_message"] = self._message_json(replied, with_reply=False)
        if message.text is not None:
            result["text"] = message.text
            if message.entities:
                result["entities"] = copy.deepcopy(message.entities)
        if message.document is not None:
            doc = message.document
            result["document"] = {
                "file_name": doc.filename,
                "mime_type": doc.mime_type,
                "file_id": doc.file_id,
                "file_unique_id": doc.file_unique_id,
                "file_size": doc.file_size,
            }
        if message.photo is not None:
            photo = message.photo
            result["photo"] = [
                {
                    "file_id": photo.file_id,
                    "file_unique_id": photo.file_unique_id,
                    "file_size": photo.file_size,
                    "width": photo.width,
                    "height": photo.height,
                }
            ]
        if message.caption is not None:
            result["caption"] = message.caption
            if message.caption_entities:
                result["caption_entities"] = copy.deepcopy(message.caption_entities)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = copy.deepcopy(message.reply_markup)
        return result

    def _target_chat(self, params: JSONDict) -> _Chat:
        """The chat of ``chat_id``; 400 if unknown, 403 if the user blocked the bot."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        if chat.blocked:
            raise ApiError(403, BOT_BLOCKED)
        return chat

    def _own_message(self, chat: _Chat, params: JSONDict) -> SentMessage:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not message.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _formatted(
        self,
        params: JSONDict,
        text_key: str,
        entities_key: str,
        *,
        max_length: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str | None, list[JSONDict]]:
        """Text after entity parsing and trimming, with its entities."""
        value = params.get(text_key)
        text = "" if value is None else str(value)
        given = params.get(entities_key)
        parse_mode = str(params.get("parse_mode") or "")
        if given:
            entities = self._checked_entities(text, given)
        elif parse_mode.lower() == "html":
            try:
                text, entities = parse_html(text, self._lookup_user)
            except EntityParseError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        elif parse_mode:
            if parse_mode.lower() in ("markdown", "markdownv2"):
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: FakeBotApi implements only "
                    f"parse_mode HTML, not {parse_mode}",
                )
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        else:
            entities = []
        text, entities = _trim(text, entities)
        if not text:
            if empty is not None:
                raise ApiError(400, empty)
            return None, []
        if len(text) > max_length:
            raise ApiError(400, too_long)
        return text, entities

    @staticmethod
    def _checked_entities(text: str, given: Any) -> list[JSONDict]:
        if not isinstance(given, list) or not all(isinstance(e, dict) for e in given):
            raise ApiError(400, "Bad Request: can't parse entities JSON object")
        limit = utf16_len(text)
        entities: list[JSONDict] = []
        for entity in given:
            offset, length = entity.get("offset"), entity.get("length")
            if not isinstance(offset, int) or not isinstance(length, int) or "type" not in entity:
                raise ApiError(400, "Bad Request: can't parse MessageEntity JSON object")
            end = min(offset + length, limit)
            if offset >= 0 and end > offset:
                entities.append({**entity, "length": end - offset})
        return sort_entities(entities)

    @staticmethod
    def _checked_markup(markup: Any, *, inline_only: bool = False) -> JSONDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise ApiError(400, "Bad Request: inline keyboard expected")
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an '
                "Array of Arrays",
            )
        actions = (
            "url",
            "callback_data",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise ApiError(
                        400,
                        'Bad Request: can\'t parse inline keyboard button: Field "text" must '
                        "be of type String",
                    )
                if not any(key in button for key in actions):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard",
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and (
                    not isinstance(button["url"], str) or _check_link(button["url"]) is None
                ):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def _reply_to(self, chat: _Chat, params: JSONDict) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.get("reply_to_message_id")
            allow = bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        found = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if found is None or found.deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return found.message_id

    def _input_file(self, params: JSONDict, name: str) -> StoredFile:
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if isinstance(value, str):
            known = self._files.get(value)
            if known is not None:
                if known.kind != name:
                    raise ApiError(
                        400,
                        f"Bad Request: can't use file of type {known.kind.title()} as "
                        f"{name.title()}",
                    )
                return known
            if value.startswith(("http://", "https://")):
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not isinstance(value, UploadedFile):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not value.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        self._counter += 1
        number = self._counter
        if name == "photo":
            size = _image_size(value.data)
            if size is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            stored = StoredFile(
                file_id=f"fake-photo-{number}",
                file_unique_id=f"fake-u{number}",
                file_path=f"photos/file_{number}.jpg",
                filename=value.filename,
                mime_type="image/jpeg" if value.data[:2] == b"\xff\xd8" else value.content_type,
                content=value.data,
                kind="photo",
                width=size[0],
                height=size[1],
            )
        else:
            filename = value.filename or f"file_{number}"
            suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
            mime_type = value.content_type
            if mime_type in (None, "", "application/octet-stream"):
                mime_type = mimetypes.guess_type(filename)[0]  # Telegram looks at the name too
            stored = StoredFile(
                file_id=f"fake-{name}-{number}",
                file_unique_id=f"fake-u{number}",
                file_path=f"{name}s/file_{number}" + (f".{suffix}" if suffix else ""),
                filename=filename,
                mime_type=mime_type or "application/octet-stream",
                content=value.data,
                kind=name,
            )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    # -- updates --------------------------------------------------------------------------------

    def _wake_pollers(self) -> None:
        self._new_update.set()
        self._new_update = asyncio.Event()

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # -N keeps only the last N pending updates
            keep = self._pending[offset:]
            offset = keep[0]["update_id"] if keep else self._next_update_id
        offset = min(offset, self._next_update_id)
        if offset <= self._confirmed_offset:
            return
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._confirmed_offset = offset
        self._confirmed.set()
        self._confirmed = asyncio.Event()

    def _drop_pending(self) -> None:
        self._confirm(self._next_update_id)

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = set(self._allowed_updates)
        selected: list[JSONDict] = []
        for update in self._pending:
            kind = next((key for key in update if key != "update_id"), "")
            if (kind in allowed) if allowed else (kind not in _OPT_IN_UPDATES):
                selected.append(update)
                if len(selected) >= limit:
                    break
        return selected

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is terminated by this one
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            ready = self._deliverable(limit)
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return copy.deepcopy(ready)
            event = self._new_update
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # -- methods --------------------------------------------------------------------------------

    def _method_table(self) -> dict[str, _MethodHandler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._true,
            "close": self._true,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setMyName": self._set_my_name,
            "getMyName": self._get_my_name,
            "getChat": self._get_chat,
        }

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(kind) for kind in params["allowed_updates"]]
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        text, entities = self._formatted(
            params,
            "text",
            "entities",
            max_length=MAX_TEXT_LENGTH,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message text is empty",
        )
        markup = self._checked_markup(params.get("reply_markup"))
        message = self._add_message(
            chat,
            from_bot=True,
            sender_id=self.bot_user["id"],
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
        )
        return self._message_json(message)

    def _apply_edit(self, message: SentMessage, changes: JSONDict) -> JSONDict:
        current = {key: getattr(message, key) for key in changes}
        if current == changes:
            raise ApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            setattr(message, key, value)
        message.edited += 1
        message.edit_date = int(self.clock())
        self._message_event("edited", message)
        return self._message_json(message)

    @staticmethod
    def _inline_markup(message: SentMessage) -> JSONDict | None:
        markup = message.reply_markup
        return markup if markup and "inline_keyboard" in markup else None

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        message = self._own_message(chat, params)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._formatted(
            params,
            "text",
            "entities",
            max_length=MAX_TEXT_LENGTH,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message text is empty",
        )
        markup = self._checked_markup(params.get("reply_markup"), inline_only=True)
        if message.reply_markup is not None and self._inline_markup(message) is None:
            message.reply_markup = None  # a reply keyboard is not part of the message any more
        return self._apply_edit(
            message, {"text": text, "entities": entities, "reply_markup": markup}
        )

    async def _edit_message_caption(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        message = self._own_message(chat, params)
        if message.document is None and message.photo is None:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, entities = self._formatted(
            params,
            "caption",
            "caption_entities",
            max_length=MAX_CAPTION_LENGTH,
            too_long="Bad Request: message caption is too long",
            empty=None,
        )
        markup = self._checked_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            message, {"caption": caption, "caption_entities": entities, "reply_markup": markup}
        )

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        message = self._own_message(chat, params)
        markup = self._checked_markup(params.get("reply_markup"), inline_only=True)
        if self._inline_markup(message) is None:
            message.reply_markup = None
        return self._apply_edit(message, {"reply_markup": markup})

    async def _delete_message(self, params: JSONDict) -> bool:
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        message_id = params.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if self.clock() - message.date > self.delete_message_limit:
            raise ApiError(400, "Bad Request: message can't be deleted for everyone")
        message.deleted = True
        self._message_event("deleted", message)
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._queries.get(query_id)
        if (
            query is None
            or query.answered
            or self.clock() - query.created > self.callback_query_timeout
        ):
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if text and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        cache_time = params.get("cache_time")
        answer = CallbackAnswer(
            query_id=query_id,
            text=str(text) if text else None,
            show_alert=bool(params.get("show_alert")),
            url=str(params["url"]) if params.get("url") else None,
            cache_time=cache_time if isinstance(cache_time, int) else 0,
        )
        self.callback_answers[query_id] = answer
        self._emit(
            {
                "type": "callback_answered",
                "chat_id": query.chat_id,
                "message_id": query.message_id,
                "query_id": query_id,
                "text": answer.text,
                "show_alert": answer.show_alert,
            }
        )
        return True

    async def _send_file(self, params: JSONDict, kind: str) -> JSONDict:
        chat = self._target_chat(params)
        stored = self._input_file(params, kind)
        caption, caption_entities = self._formatted(
            params,
            "caption",
            "caption_entities",
            max_length=MAX_CAPTION_LENGTH,
            too_long="Bad Request: message caption is too long",
            empty=None,
        )
        markup = self._checked_markup(params.get("reply_markup"))
        message = self._add_message(
            chat,
            from_bot=True,
            sender_id=self.bot_user["id"],
            caption=caption,
            caption_entities=caption_entities,
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
            **{kind: stored},
        )
        return self._message_json(message)

    async def _send_document(self, params: JSONDict) -> JSONDict:
        return await self._send_file(params, "document")

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        return await self._send_file(params, "photo")

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _commands_key(self, params: JSONDict) -> tuple[str, int | None, int | None, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        kind = scope["type"]
        chat_id = (
            scope.get("chat_id") if kind in ("chat", "chat_administrators", "chat_member") else None
        )
        user_id = scope.get("user_id") if kind == "chat_member" else None
        if chat_id is not None and chat_id not in self._chats:
            raise ApiError(400, CHAT_NOT_FOUND)
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return kind, chat_id, user_id, language

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        key = self._commands_key(params)
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = str(command.get("command") or "").lower().removeprefix("/")
            description = str(command.get("description") or "").strip()
            if not _COMMAND_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        if len(cleaned) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None and chat_id not in self._chats:
            raise ApiError(400, CHAT_NOT_FOUND)
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
        if button is None or button.get("type") == "default":
            return {"type": "commands"}
        return copy.deepcopy(button)

    def _set_bot_text(self, params: JSONDict, key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise ApiError(400, f"Bad Request: {key} is too long")
        language = str(params.get("language_code") or "")
        if value:
            self._bot_texts[(key, language)] = value
        else:
            self._bot_texts.pop((key, language), None)
        return True

    def _get_bot_text(self, params: JSONDict, key: str) -> JSONDict:
        language = str(params.get("language_code") or "")
        default = self.bot_user["first_name"] if key == "name" else ""
        value = self._bot_texts.get((key, language), self._bot_texts.get((key, ""), default))
        return {key: value}

    async def _set_my_description(self, params: JSONDict) -> bool:
        return self._set_bot_text(params, "description", 512)

    async def _get_my_description(self, params: JSONDict) -> JSONDict:
        return self._get_bot_text(params, "description")

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._set_bot_text(params, "short_description", 120)

    async def _get_my_short_description(self, params: JSONDict) -> JSONDict:
        return self._get_bot_text(params, "short_description")

    async def _set_my_name(self, params: JSONDict) -> bool:
        return self._set_bot_text(params, "name", 64)

    async def _get_my_name(self, params: JSONDict) -> JSONDict:
        return self._get_bot_text(params, "name")

    def bot_text(self, key: str, language_code: str = "") -> str | None:
        """What setMyDescription / setMyShortDescription / setMyName stored."""
        return self._bot_texts.get((key, language_code))

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return {
            **self._chat_json(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
