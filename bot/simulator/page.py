"""What the simulator's page is given as JSON: a person's chat (messages with sanitized HTML,
their buttons and files), the command menu a Telegram client would show them, and the page
events that follow from what the fake Telegram reports.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.simulator.fake_bot_api import FakeBotApi, SentMessage, StoredFile
from bot.simulator.people import Person
from bot.simulator.sanitize import safe_link, sanitize_html


def chat_json(api: FakeBotApi, person: Person, seq: int) -> dict[str, Any]:
    """The person's chat as of page event ``seq``."""
    return {
        "seq": seq,
        "person": person.to_json(),
        "messages": [message_json(m) for m in api.messages(person.id)],
        "description": description_for(api, person),
    }


def description_for(api: FakeBotApi, person: Person) -> str:
    """What an empty chat shows under "What can this bot do?": the description the bot set
    for the language of the person's app, else its default one (as Telegram does)."""
    for code in _languages(person):
        found = api.bot_text("description", code)
        if found:
            return found
    return ""


def _languages(person: Person) -> list[str]:
    """The language codes a Telegram client looks up for this person, most specific first."""
    language = person.language_code.split("-", 1)[0].lower()
    return [language, ""] if re.fullmatch(r"[a-z]{2}", language) else [""]


def message_json(message: SentMessage) -> dict[str, Any]:
    text_html = message.html
    caption_html = message.caption_html
    keyboard = [[_button_json(button) for button in row] for row in message.inline_keyboard]
    reply_keyboard: list[list[str]] | None = None
    markup = message.reply_markup or {}
    if isinstance(markup.get("keyboard"), list):
        reply_keyboard = [
            [
                str(button.get("text", "")) if isinstance(button, dict) else str(button)
                for button in row
            ]
            for row in markup["keyboard"]
            if isinstance(row, list)
        ]
    return {
        "id": message.message_id,
        "chat_id": message.chat_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "edited": message.edited > 0,
        "html": sanitize_html(text_html) if text_html is not None else _place_html(message),
        "caption_html": sanitize_html(caption_html) if caption_html is not None else None,
        "keyboard": keyboard,
        "reply_keyboard": reply_keyboard,
        "remove_keyboard": bool(markup.get("remove_keyboard")),
        "document": _file_json(message.document) if message.document else None,
        "photo": _file_json(message.photo) if message.photo else None,
        "reply_to": message.reply_to_message_id,
    }


def _place_html(message: SentMessage) -> str | None:
    """A map pin (sendLocation, sendVenue, a person's location) as a line of text: the page
    draws no maps."""
    point = message.location
    if point is None:
        return None
    where = f"{point.get('latitude')}, {point.get('longitude')}"
    venue = message.venue or {}
    named = ", ".join(str(venue[key]) for key in ("title", "address") if venue.get(key))
    return html.escape(f"📍 {named} ({where})" if named else f"📍 {where}", quote=False)


def _button_json(button: dict[str, Any]) -> dict[str, Any]:
    text = str(button.get("text", ""))
    if "callback_data" in button:
        return {"text": text, "kind": "callback"}
    url = safe_link(button.get("url")) if isinstance(button.get("url"), str) else None
    if url is not None:
        return {"text": text, "kind": "url", "url": url}
    return {"text": text, "kind": "other"}


def _file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "name": file_name(stored),
        "size": stored.file_size,
        "mime_type": stored.mime_type,
        "width": stored.width,
        "height": stored.height,
        "url": f"/api/files/{quote(stored.file_id, safe='')}",
    }


def file_name(stored: StoredFile) -> str:
    """The name the page shows and downloads a file under."""
    return stored.file_name or stored.file_path.rsplit("/", 1)[-1]


def commands_for(api: FakeBotApi, person: Person) -> list[dict[str, Any]]:
    """The command menu a Telegram client would show this person (most specific scope)."""
    languages = _languages(person)
    for scope, chat_id in (
        ("chat", person.id),
        ("all_private_chats", None),
        ("default", None),
    ):
        for code in languages:
            found = api.commands(scope, code, chat_id=chat_id)
            if found:
                return found
    return []


def change_event(
    api: FakeBotApi, people: Mapping[int, Person], change: dict[str, Any]
) -> dict[str, Any] | None:
    """The page event for a change the fake Telegram reported (``None``: nothing to show)."""
    chat_id = change.get("chat_id")
    if not isinstance(chat_id, int) or chat_id not in people:
        return None
    kind = change.get("type")
    if kind in ("message_sent", "message_edited"):
        message = api.message(chat_id, int(change["message_id"]))
        if message is None or message.deleted:
            return None
        return {
            "type": "message",
            "person": chat_id,
            "edited": kind == "message_edited",
            "message": message_json(message),
        }
    if kind == "message_deleted":
        return {"type": "deleted", "person": chat_id, "message_id": change["message_id"]}
    if kind == "callback_answered":
        return {
            "type": "answer",
            "person": chat_id,
            "message_id": change.get("message_id"),
            "text": change.get("text"),
            "show_alert": bool(change.get("show_alert")),
        }
    return None
