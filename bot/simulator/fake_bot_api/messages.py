"""The Bot API methods that send, edit and delete messages, send files and answer taps.

:class:`MessageMethods` carries them out on a :class:`Store`, with Telegram's rules: only the
bot's own messages can be edited, an edit must change something, a callback query is answered
once and soon, old messages cannot be deleted, a blocked user cannot be written to.
"""

from __future__ import annotations

import json
from typing import Any

from bot.simulator.fake_bot_api import checks
from bot.simulator.fake_bot_api.protocol import (
    BOT_BLOCKED,
    CHAT_NOT_FOUND,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    JSONDict,
    MethodHandler,
    UploadedFile,
)
from bot.simulator.fake_bot_api.state import (
    CallbackAnswer,
    Chat,
    SentMessage,
    Store,
    StoredFile,
)

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


class MessageMethods:
    """sendMessage, the edits, deleteMessage, answerCallbackQuery, files and chat actions."""

    def __init__(self, store: Store) -> None:
        self._store = store
        #: Seconds after which a callback query can no longer be answered (by the clock).
        self.callback_query_timeout: float = 15.0
        #: Age in seconds after which the bot may no longer delete a message.
        self.delete_message_limit: float = 48 * 3600

    def table(self) -> dict[str, MethodHandler]:
        return {
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendLocation": self._send_location,
            "sendVenue": self._send_venue,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
        }

    # -- sending --------------------------------------------------------------------------------

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        text, entities = self._text(params)
        return self._send(chat, params, text=text, entities=entities)

    async def _send_file(self, params: JSONDict, kind: str) -> JSONDict:
        chat = self._target_chat(params)
        stored = self._input_file(params, kind)
        caption, caption_entities = self._caption(params)
        return self._send(
            chat, params, caption=caption, caption_entities=caption_entities, **{kind: stored}
        )

    def _send(self, chat: Chat, params: JSONDict, **content: Any) -> JSONDict:
        """The bot's new message: ``content`` with the call's keyboard and replied message."""
        markup = checks.checked_markup(params.get("reply_markup"))
        message = self._store.add_message(
            chat,
            from_bot=True,
            sender_id=self._store.bot_user["id"],
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
            **content,
        )
        return self._store.message_json(message)

    async def _send_location(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        return self._send(chat, params, location=_point(params))

    async def _send_venue(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        point = _point(params)
        title, address = params.get("title"), params.get("address")
        if not isinstance(title, str) or not title or not isinstance(address, str) or not address:
            raise ApiError(400, "Bad Request: venue title and address must be non-empty")
        venue = {"location": point, "title": title, "address": address}
        return self._send(chat, params, location=point, venue=venue)

    async def _send_document(self, params: JSONDict) -> JSONDict:
        return await self._send_file(params, "document")

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        return await self._send_file(params, "photo")

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._store.files.get(str(params.get("file_id") or ""))
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

    # -- editing and deleting -------------------------------------------------------------------

    def _apply_edit(self, message: SentMessage, changes: JSONDict) -> JSONDict:
        current = {key: getattr(message, key) for key in changes}
        if current == changes:
            raise ApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            setattr(message, key, value)
        message.edited += 1
        message.edit_date = int(self._store.clock())
        self._store.message_event("edited", message)
        return self._store.message_json(message)

    @staticmethod
    def _inline_markup(message: SentMessage) -> JSONDict | None:
        markup = message.reply_markup
        return markup if markup and "inline_keyboard" in markup else None

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        message = self._own_message(chat, params)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._text(params)
        markup = checks.checked_markup(params.get("reply_markup"), inline_only=True)
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
        caption, entities = self._caption(params)
        markup = checks.checked_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            message, {"caption": caption, "caption_entities": entities, "reply_markup": markup}
        )

    async def _edit_message_media(self, params: JSONDict) -> JSONDict:
        """A photo or document message gets a new file and caption (media: an InputMedia
        whose ``media`` names an upload of the call, ``attach://<name>``, or a file id)."""
        chat = self._target_chat(params)
        message = self._own_message(chat, params)
        media = params.get("media")
        if isinstance(media, str):
            try:
                media = json.loads(media)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse InputMedia JSON object") from exc
        if not isinstance(media, dict) or media.get("type") not in ("photo", "document"):
            raise ApiError(400, "Bad Request: can't parse InputMedia JSON object")
        kind = str(media["type"])
        if message.document is None and message.photo is None:
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        stored = self._input_file({**params, kind: media.get("media")}, kind)
        caption, entities = self._caption(
            {"caption": media.get("caption"), "parse_mode": media.get("parse_mode")}
        )
        markup = checks.checked_markup(params.get("reply_markup"), inline_only=True)
        changes: JSONDict = {
            "photo": stored if kind == "photo" else None,
            "document": stored if kind == "document" else None,
            "caption": caption,
            "caption_entities": entities,
            "reply_markup": markup,
        }
        return self._apply_edit(message, changes)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        message = self._own_message(chat, params)
        markup = checks.checked_markup(params.get("reply_markup"), inline_only=True)
        if self._inline_markup(message) is None:
            message.reply_markup = None
        return self._apply_edit(message, {"reply_markup": markup})

    async def _delete_message(self, params: JSONDict) -> bool:
        chat_id = params.get("chat_id")
        chat = self._store.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        message_id = params.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if self._store.clock() - message.date > self.delete_message_limit:
            raise ApiError(400, "Bad Request: message can't be deleted for everyone")
        message.deleted = True
        self._store.message_event("deleted", message)
        return True

    # -- callback queries -----------------------------------------------------------------------

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._store.queries.get(query_id)
        if (
            query is None
            or query.answered
            or self._store.clock() - query.created > self.callback_query_timeout
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
        self._store.add_answer(answer)
        self._store.emit(
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

    # -- the parts of a call --------------------------------------------------------------------

    def _target_chat(self, params: JSONDict) -> Chat:
        """The chat of ``chat_id``; 400 if unknown, 403 if the user blocked the bot."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._store.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        if chat.blocked:
            raise ApiError(403, BOT_BLOCKED)
        return chat

    @staticmethod
    def _own_message(chat: Chat, params: JSONDict) -> SentMessage:
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

    def _text(self, params: JSONDict) -> tuple[str | None, list[JSONDict]]:
        return checks.formatted(
            params,
            "text",
            "entities",
            max_length=MAX_TEXT_LENGTH,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message text is empty",
            user_lookup=self._store.lookup_user,
        )

    def _caption(self, params: JSONDict) -> tuple[str | None, list[JSONDict]]:
        return checks.formatted(
            params,
            "caption",
            "caption_entities",
            max_length=MAX_CAPTION_LENGTH,
            too_long="Bad Request: message caption is too long",
            empty=None,
            user_lookup=self._store.lookup_user,
        )

    @staticmethod
    def _reply_to(chat: Chat, params: JSONDict) -> int | None:
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
        """An upload, or a file sent before given by its id; kept once it is sent."""
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if isinstance(value, str):
            known = self._store.files.get(value)
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
        return checks.uploaded_file(value, name, self._store.next_number)


def _point(params: JSONDict) -> JSONDict:
    """``latitude`` and ``longitude`` of a sendLocation or sendVenue call, as Telegram checks
    them (numbers on the map)."""
    try:
        latitude = float(params["latitude"])
        longitude = float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApiError(400, "Bad Request: wrong latitude or longitude")
    return {"latitude": latitude, "longitude": longitude}
