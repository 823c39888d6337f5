"""The offline simulator in a terminal: the real bot against the fake Bot API server.

``python -m bot run`` without ``BOT_TOKEN`` starts this: the bot talks HTTP to an
in-process fake Telegram, and you chat with it here. Type a message or a
/command; ``#3`` taps the third button of the last message with buttons; ``#``
lists them; ``:quit`` ends. The simulator keeps its own SQLite file, apart from
a real bot's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.simulator.fake_bot_api import FakeBotApi, SentMessage

SIMULATOR_TOKEN = "100000:SIMULATOR-LOCAL-TOKEN"
USER_ID = 1001


def simulator_database_url(folder: Path | None = None) -> str:
    return f"sqlite:///{(folder or Path.cwd()) / 'data' / 'simulator.sqlite3'}"


def _render(message: SentMessage) -> str:
    lines = [f"\n🤖 {message.text or message.caption or ''}"]
    if message.document is not None:
        lines.append(f"   📎 {message.document.file_name} ({message.document.file_size} bytes)")
    number = 1
    for row in message.inline_keyboard:
        labels = []
        for button in row:
            labels.append(f"[{number}] {button['text']}")
            number += 1
        lines.append("   " + "   ".join(labels))
    return "\n".join(lines)


async def _serve(settings: Settings, catalogue: Catalogue) -> None:
    from bot.app import build_application, build_deps

    api = FakeBotApi(token=SIMULATOR_TOKEN)
    await api.start()
    deps = build_deps(
        settings.model_copy(
            update={
                "bot_token": SIMULATOR_TOKEN,
                "telegram_api_base_url": api.base_url,
                "telegram_api_base_file_url": api.base_file_url,
                # Unless DATABASE_URL is set, the simulator keeps its own file.
                "database_url": settings.database_url
                if "database_url" in settings.model_fields_set
                else simulator_database_url(),
            }
        ),
        catalogue,
    )
    await deps.database.migrate()
    application = build_application(deps, rate_limit=False)
    api.add_user(USER_ID, first_name="Guest", language_code="en")

    def on_change(event: dict[str, Any]) -> None:
        if event.get("chat_id") != USER_ID or not event.get("from_bot"):
            return
        message = api.message(USER_ID, int(event["message_id"]))
        if message is not None and not message.deleted:
            edited = " (edited)" if event["type"] == "message_edited" else ""
            print(_render(message) + edited, flush=True)

    api.on_change(on_change)
    print(
        "Kapacitet simulator: no BOT_TOKEN is set, so the bot runs against a local fake "
        "Telegram.\nType /start. '#N' taps button N, '#' lists buttons, ':quit' ends.",
        flush=True,
    )
    async with application:
        assert application.updater is not None
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        try:
            await _read_input(api)
        finally:
            await application.updater.stop()
            await application.stop()
    await deps.database.dispose()
    await api.stop()


def _keyboard_message(api: FakeBotApi) -> SentMessage | None:
    for message in reversed(api.messages(USER_ID)):
        if message.from_bot and message.inline_keyboard:
            return message
    return None


async def _read_input(api: FakeBotApi) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == ":quit":
            return
        text = line.rstrip("\n")
        if not text.strip():
            continue
        if text.startswith("#"):
            message = _keyboard_message(api)
            if message is None:
                print("(no buttons)")
                continue
            buttons = [button for row in message.inline_keyboard for button in row]
            choice = text[1:].strip()
            if not choice.isdigit() or not 1 <= int(choice) <= len(buttons):
                print(_render(message))
                continue
            api.push_callback(
                USER_ID, message.message_id, buttons[int(choice) - 1]["callback_data"]
            )
        else:
            api.push_message(USER_ID, text)


def run_console(settings: Settings, catalogue: Catalogue) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, catalogue))
    return 0
