"""The Bot API's wire format: how a call's parameters arrive and how an error is answered.

Parameters arrive the way PTB's ``HTTPXRequest`` sends them: a form (url-encoded, or multipart
when a file is uploaded) whose values are strings, with non-string values (numbers, booleans,
objects such as ``reply_markup``) JSON-encoded.  JSON bodies and query strings work too.
Error descriptions are Telegram's own wording.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSONDict = dict[str, Any]
MethodHandler = Callable[[JSONDict], Awaitable[Any]]
"""One Bot API method: the call's parameters in, its ``result`` out (or :class:`ApiError`)."""

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

    def response(self) -> web.Response:
        return web.json_response(self.to_json(), status=self.error_code)


def too_many_requests(retry_after: int) -> ApiError:
    """Telegram's 429, which tells the client how long to wait."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


@dataclass
class UploadedFile:
    """A file part of a multipart request, as received."""

    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


async def read_params(request: web.Request) -> JSONDict:
    """The call's parameters, decoded to the types Telegram expects."""
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
    return _coerce(params)


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
