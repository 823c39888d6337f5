"""``CONCURRENT_CHATS``: updates of different chats side by side, each chat's in order."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.runtime.ordering import PerChatProcessor


def message(update_id: int, chat: int) -> Update:
    update = Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "Ana"},
                "text": f"/help {update_id}",
            },
        },
        None,
    )
    assert update is not None
    return update


async def test_one_chat_waits_its_turn_and_another_goes_past() -> None:
    processor = PerChatProcessor(8)
    slow_started, release = asyncio.Event(), asyncio.Event()
    handled: list[int] = []

    async def handle(update: Update) -> None:
        if update.update_id == 1:  # the first of chat 10 holds its chat up
            slow_started.set()
            await release.wait()
        handled.append(update.update_id)

    updates = [message(1, 10), message(2, 10), message(3, 20), message(4, 10), message(5, 20)]
    tasks = [
        asyncio.create_task(processor.process_update(update, handle(update))) for update in updates
    ]
    await slow_started.wait()
    # Chat 20 is handled while chat 10 waits for its first update.
    async with asyncio.timeout(10):
        while len(handled) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0)
    assert handled == [3, 5]
    release.set()
    await asyncio.gather(*tasks)
    assert handled == [3, 5, 1, 2, 4]  # chat 10 in the order it wrote
    assert not processor._locks  # forgotten once idle
