"""Waiting in a test for what happens elsewhere: in a bot process, a server, a background task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def wait_until(
    condition: Callable[[], Awaitable[bool]],
    seconds: float,
    what: str,
    process: asyncio.subprocess.Process | None = None,
) -> None:
    """Waits until ``condition()`` holds, failing after ``seconds`` (or at once when
    ``process``, the bot, exits) and naming ``what`` it waited for."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await condition():
        if process is not None and process.returncode is not None:
            raise AssertionError(f"the bot exited ({process.returncode}) while waiting for {what}")
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def eventually(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Waits until ``condition()`` holds, looking every millisecond (for what no event marks,
    such as a request arriving at the fake server)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.001)
