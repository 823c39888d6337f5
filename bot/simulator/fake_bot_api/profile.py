"""The bot's own settings in the fake Telegram: who it is (getMe), its command menus per scope
and language, its chat menu button, its name and descriptions, and what getChat tells of a chat.
"""

from __future__ import annotations

import copy
import re

from bot.simulator.fake_bot_api.protocol import CHAT_NOT_FOUND, ApiError, JSONDict, MethodHandler
from bot.simulator.fake_bot_api.state import Store

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

CommandsKey = tuple[str, int | None, int | None, str]
"""(scope type, chat id, user id, language code)"""


class BotProfile:
    """What the bot set about itself, and the methods that set and read it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self._commands: dict[CommandsKey, list[JSONDict]] = {}
        self._texts: dict[tuple[str, str], str] = {}

    def table(self) -> dict[str, MethodHandler]:
        return {
            "getMe": self._get_me,
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

    def commands(self, key: CommandsKey) -> list[JSONDict]:
        """The command list set for exactly this scope and language (empty if none)."""
        return copy.deepcopy(self._commands.get(key, []))

    def text(self, key: str, language_code: str) -> str | None:
        """What setMyDescription / setMyShortDescription / setMyName stored."""
        return self._texts.get((key, language_code))

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self._store.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- commands -------------------------------------------------------------------------------

    def _commands_key(self, params: JSONDict) -> CommandsKey:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        kind = scope["type"]
        chat_id = (
            scope.get("chat_id") if kind in ("chat", "chat_administrators", "chat_member") else None
        )
        user_id = scope.get("user_id") if kind == "chat_member" else None
        if chat_id is not None and chat_id not in self._store.chats:
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
        return self.commands(self._commands_key(params))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    # -- menu button ----------------------------------------------------------------------------

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None and chat_id not in self._store.chats:
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

    # -- name and descriptions ------------------------------------------------------------------

    def _set_text(self, params: JSONDict, key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise ApiError(400, f"Bad Request: {key} is too long")
        language = str(params.get("language_code") or "")
        if value:
            self._texts[(key, language)] = value
        else:
            self._texts.pop((key, language), None)
        return True

    def _get_text(self, params: JSONDict, key: str) -> JSONDict:
        language = str(params.get("language_code") or "")
        default = self._store.bot_user["first_name"] if key == "name" else ""
        value = self._texts.get((key, language), self._texts.get((key, ""), default))
        return {key: value}

    async def _set_my_description(self, params: JSONDict) -> bool:
        return self._set_text(params, "description", 512)

    async def _get_my_description(self, params: JSONDict) -> JSONDict:
        return self._get_text(params, "description")

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._set_text(params, "short_description", 120)

    async def _get_my_short_description(self, params: JSONDict) -> JSONDict:
        return self._get_text(params, "short_description")

    async def _set_my_name(self, params: JSONDict) -> bool:
        return self._set_text(params, "name", 64)

    async def _get_my_name(self, params: JSONDict) -> JSONDict:
        return self._get_text(params, "name")

    # -- chats ----------------------------------------------------------------------------------

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        chat = self._store.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return {
            **self._store.chat_json(chat),
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
