"""What the fake Telegram stores: users, their chats and messages, files, callback queries.

:class:`Store` keeps it all in memory and renders it as the Bot API's JSON. With a
``history`` bound it keeps only the last messages of each chat and the last callback queries
and answers, and a file only while a kept message shows it, so that a simulator running for
days does not grow without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.simulator.fake_bot_api.protocol import JSONDict
from bot.simulator.fake_bot_api.telegram_html import entities_to_html, utf16_len

_log = logging.getLogger(__name__)

_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")

Key = TypeVar("Key")
Value = TypeVar("Value")


@dataclass
class StoredFile:
    """A file the bot has sent; downloadable through ``getFile`` and ``base_file_url``."""

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
    location: JSONDict | None = None
    """A map point (``latitude``, ``longitude``): sendLocation, sendVenue, or a user's."""
    venue: JSONDict | None = None
    """A named place (``location``, ``title``, ``address``): sendVenue."""
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

    @property
    def files(self) -> list[StoredFile]:
        return [stored for stored in (self.document, self.photo) if stored is not None]


@dataclass
class Chat:
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
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


ChangeListener = Callable[[JSONDict], object]


class ChangeListeners:
    """Who is told of every change (message sent, edited, deleted; callback answered)."""

    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []
        self._tasks: set[asyncio.Future[Any]] = set()

    def add(self, listener: ChangeListener) -> Callable[[], None]:
        """Coroutine listeners are scheduled as tasks.  Returns an unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: JSONDict) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(event)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            except Exception:
                _log.exception("FakeBotApi change listener failed on %s", event)

    async def drain(self) -> None:
        """Waits for the coroutine listeners still running."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def keep_last(items: list[Any], limit: int | None) -> None:
    """Drops the oldest of ``items`` beyond ``limit`` (``None`` keeps them all)."""
    if limit is not None and len(items) > limit:
        del items[: len(items) - limit]


def _drop_oldest(items: dict[Key, Value], limit: int | None) -> list[Value]:
    """Drops the first-inserted entries beyond ``limit``; returns them."""
    dropped: list[Value] = []
    while limit is not None and len(items) > limit:
        dropped.append(items.pop(next(iter(items))))
    return dropped


class Store:
    """The users, chats, messages, files and callback queries of one fake Telegram.

    ``history`` (``None``: no bound) is how many messages of each chat and how many callback
    queries and answers are kept; ``emit`` is told of every message sent, edited or deleted.
    """

    def __init__(
        self,
        bot_user: JSONDict,
        clock: Callable[[], float],
        history: int | None,
        emit: Callable[[JSONDict], None],
    ) -> None:
        if history is not None and history < 1:
            raise ValueError("the history bound is at least 1")
        self.bot_user = bot_user
        self.clock = clock
        self.history = history
        self.emit = emit
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self._file_uses: Counter[str] = Counter()  # kept messages showing each file
        self.queries: dict[str, CallbackQuery] = {}
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self._counter = 0

    def next_number(self) -> int:
        """A fresh number for a callback query's or a file's id."""
        self._counter += 1
        return self._counter

    # -- users and chats ------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str,
        username: str | None,
        last_name: str | None,
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        chat = self.chats.get(user_id)
        if chat is None:
            self.chats[user_id] = Chat(
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
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        self.chats[chat_id] = Chat(id=chat_id, type=kind, title=title)
        return self.chat_json(self.chats[chat_id])

    def known_user(self, user_id: int) -> JSONDict:
        user = self.users.get(user_id)
        if user is None:
            raise KeyError(f"unknown user {user_id}; call add_user() first")
        return user

    def private_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None or chat.type != "private":
            raise KeyError(f"unknown user {user_id}; call add_user() first")
        return chat

    def chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; call add_user() or add_group() first")
        return chat

    def lookup_user(self, user_id: int) -> JSONDict | None:
        """The user as a text mention shows them (``None`` if unknown)."""
        user = self.users.get(user_id)
        if user is None:
            return None
        return {k: v for k, v in user.items() if k != "language_code"}

    # -- messages -------------------------------------------------------------------------------

    def add_message(
        self, chat: Chat, *, from_bot: bool, sender_id: int, **fields: Any
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
        for stored in message.files:
            self.files[stored.file_id] = stored
            self.files_by_path[stored.file_path] = stored
            self._file_uses[stored.file_id] += 1
        for old in _drop_oldest(chat.messages, self.history):
            self._forget_files(old)
        self.message_event("sent", message)
        return message

    def _forget_files(self, message: SentMessage) -> None:
        for stored in message.files:
            self._file_uses[stored.file_id] -= 1
            if self._file_uses[stored.file_id] <= 0:
                del self._file_uses[stored.file_id]
                self.files.pop(stored.file_id, None)
                self.files_by_path.pop(stored.file_path, None)

    def message_event(self, action: str, message: SentMessage) -> None:
        self.emit(
            {
                "type": f"message_{action}",
                "chat_id": message.chat_id,
                "message_id": message.message_id,
                "from_bot": message.from_bot,
            }
        )

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Snapshots of the chat's messages, oldest first, without deleted ones."""
        chat = self.chat(chat_id)
        return [copy.deepcopy(m) for m in chat.messages.values() if not m.deleted]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        found = self.chat(chat_id).messages.get(message_id)
        return copy.deepcopy(found) if found is not None else None

    # -- what users do --------------------------------------------------------------------------

    def user_writes(self, user_id: int, text: str, chat_id: int | None) -> JSONDict:
        """The user's message, kept in the chat; returns it as an update carries it."""
        self.known_user(user_id)
        chat = self.chat(user_id if chat_id is None else chat_id)
        if chat.type == "private":
            chat.blocked = False  # writing to a bot unblocks it
        entities: list[JSONDict] = []
        command = _BOT_COMMAND_RE.match(text)
        if command:
            entities.append(
                {"offset": 0, "length": utf16_len(command.group(0)), "type": "bot_command"}
            )
        message = self.add_message(
            chat, from_bot=False, sender_id=user_id, text=text, entities=entities
        )
        return self.message_json(message)

    def user_sends_location(
        self, user_id: int, latitude: float, longitude: float, chat_id: int | None
    ) -> JSONDict:
        """The user's location message (📎 → Location), kept in the chat."""
        self.known_user(user_id)
        chat = self.chat(user_id if chat_id is None else chat_id)
        message = self.add_message(
            chat,
            from_bot=False,
            sender_id=user_id,
            location={"latitude": latitude, "longitude": longitude},
        )
        return self.message_json(message)

    def user_sends_document(self, user_id: int, content: bytes, filename: str) -> JSONDict:
        """The user sends a file (as Telegram keeps it: downloadable by ``getFile``)."""
        self.known_user(user_id)
        chat = self.chat(user_id)
        number = self.next_number()
        stored = StoredFile(
            file_id=f"fake-user-document-{number}",
            file_unique_id=f"fake-u{number}",
            file_path=f"documents/file_{number}_{filename}",
            filename=filename,
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if filename.endswith(".xlsx")
            else "application/octet-stream",
            content=content,
        )
        message = self.add_message(chat, from_bot=False, sender_id=user_id, document=stored)
        return self.message_json(message)

    def user_taps(self, user_id: int, message_id: int, data: str, chat_id: int | None) -> JSONDict:
        """The user's tap on a button, kept as a callback query; returns the query's JSON."""
        user = self.known_user(user_id)
        chat = self.chat(user_id if chat_id is None else chat_id)
        query_id = str(4_000_000_000_000_000_000 + self.next_number())
        self.queries[query_id] = CallbackQuery(
            id=query_id,
            user_id=user_id,
            chat_id=chat.id,
            message_id=message_id,
            data=data,
            created=self.clock(),
        )
        _drop_oldest(self.queries, self.history)
        message = chat.messages.get(message_id)
        if message is not None and not message.deleted:
            message_json = self.message_json(message)
        else:
            message_json = {"chat": self.chat_json(chat), "message_id": message_id, "date": 0}
        return {
            "id": query_id,
            "from": dict(user),
            "message": message_json,
            "chat_instance": str(1_000_000_000_000 + abs(chat.id)),
            "data": data,
        }

    def add_answer(self, answer: CallbackAnswer) -> None:
        self.callback_answers[answer.query_id] = answer
        _drop_oldest(self.callback_answers, self.history)

    # -- JSON -----------------------------------------------------------------------------------

    def chat_json(self, chat: Chat) -> JSONDict:
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

    def message_json(self, message: SentMessage, with_reply: bool = True) -> JSONDict:
        chat = self.chats[message.chat_id]
        sender = self.bot_user if message.from_bot else self.users[message.sender_id]
        result: JSONDict = {
            "message_id": message.message_id,
            "from": dict(sender),
            "chat": self.chat_json(chat),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and not replied.deleted:
                result["reply_to_message"] = self.message_json(replied, with_reply=False)
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
        if message.location is not None:
            result["location"] = dict(message.location)
        if message.venue is not None:
            result["venue"] = copy.deepcopy(message.venue)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = copy.deepcopy(message.reply_markup)
        return result
