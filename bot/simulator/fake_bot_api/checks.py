"""What Telegram checks in the parts of a message before it sends it: the text or caption (with
its parse mode or entities), the inline keyboard, and an uploaded file (a photo must be an
image). Each check raises :class:`ApiError` with Telegram's wording.
"""

from __future__ import annotations

import mimetypes
import struct
from collections.abc import Callable
from typing import Any

from bot.simulator.fake_bot_api.protocol import (
    MAX_CALLBACK_DATA_BYTES,
    ApiError,
    JSONDict,
    UploadedFile,
)
from bot.simulator.fake_bot_api.state import StoredFile
from bot.simulator.fake_bot_api.telegram_html import (
    EntityParseError,
    check_link,
    parse_html,
    sort_entities,
    trim,
    utf16_len,
)

_BUTTON_ACTIONS = (
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


def formatted(
    params: JSONDict,
    text_key: str,
    entities_key: str,
    *,
    max_length: int,
    too_long: str,
    empty: str | None,
    user_lookup: Callable[[int], JSONDict | None],
) -> tuple[str | None, list[JSONDict]]:
    """Text after entity parsing and trimming, with its entities."""
    value = params.get(text_key)
    text = "" if value is None else str(value)
    given = params.get(entities_key)
    parse_mode = str(params.get("parse_mode") or "")
    if given:
        entities = checked_entities(text, given)
    elif parse_mode.lower() == "html":
        try:
            text, entities = parse_html(text, user_lookup)
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
    text, entities = trim(text, entities)
    if not text:
        if empty is not None:
            raise ApiError(400, empty)
        return None, []
    if len(text) > max_length:
        raise ApiError(400, too_long)
    return text, entities


def checked_entities(text: str, given: Any) -> list[JSONDict]:
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


def checked_markup(markup: Any, *, inline_only: bool = False) -> JSONDict | None:
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
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(
            400,
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String',
        )
    if not any(key in button for key in _BUTTON_ACTIONS):
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
        not isinstance(button["url"], str) or check_link(button["url"]) is None
    ):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


def uploaded_file(value: UploadedFile, kind: str, next_number: Callable[[], int]) -> StoredFile:
    """The file Telegram would keep of an upload sent as ``kind`` (``photo``, ``document``)."""
    if not value.data:
        raise ApiError(400, "Bad Request: file must be non-empty")
    number = next_number()
    if kind == "photo":
        size = image_size(value.data)
        if size is None:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return StoredFile(
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
    filename = value.filename or f"file_{number}"
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
    mime_type = value.content_type
    if mime_type in (None, "", "application/octet-stream"):
        mime_type = mimetypes.guess_type(filename)[0]  # Telegram looks at the name too
    return StoredFile(
        file_id=f"fake-{kind}-{number}",
        file_unique_id=f"fake-u{number}",
        file_path=f"{kind}s/file_{number}" + (f".{suffix}" if suffix else ""),
        filename=filename,
        mime_type=mime_type or "application/octet-stream",
        content=value.data,
        kind=kind,
    )


def image_size(data: bytes) -> tuple[int, int] | None:
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
