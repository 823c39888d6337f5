"""Updates as Telegram sends them (JSON objects), for the tests of the intake: well-formed
ones, and the kinds that used to stop it (a lone surrogate in a text, a malformed update)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def message_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """``user_id`` writes ``text`` in their private chat (a command gets its entity)."""
    person = {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    message: dict[str, Any] = {
        "message_id": 10_000 + update_id,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
        "from": person,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def help_update(update_id: int, user_id: int) -> dict[str, Any]:
    return message_update(update_id, user_id, "/help")


def with_lone_surrogate(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A text ending in half of a UTF-16 pair (a broken client): JSON carries it, but no
    database can store it as UTF-8."""
    return message_update(update_id, user_id, text + "\ud83d")


def malformed(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A message without its chat and date: python-telegram-bot cannot read it."""
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "from": {"id": user_id, "is_bot": False}, "text": text},
    }
