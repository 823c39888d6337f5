"""The bot in webhook mode, in the test's process (as ``run_webhook`` starts it), and
Telegram's requests to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.app import build_application
from tests.support.harness import Harness
from tests.support.processes import free_port

WEBHOOK_SECRET = "intake-test-secret"


@asynccontextmanager
async def webhook_bot(harness: Harness) -> AsyncIterator[str]:
    """The bot in webhook mode (as ``run_webhook`` starts it); yields the hook's address."""
    application = build_application(harness.deps, rate_limit=False, background_jobs=False)
    harness.application = application
    port = free_port()
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url="https://bot.example.org/hook",
        secret_token=WEBHOOK_SECRET,
    )
    await application.start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def post_update(address: str, update: dict[str, object]) -> int:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            address,
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        ) as response,
    ):
        return response.status


async def raw_request(port: int, head: str, body: bytes = b"", seconds: float = 5.0) -> bytes:
    """Sends ``head`` (and ``body``) over a plain connection; returns the status line of the
    answer (empty if the server closed without one). Fails when no answer comes within
    ``seconds``: a server that waits for a body it was only promised never answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        async with asyncio.timeout(seconds):
            return await reader.readline()
    finally:
        writer.close()
