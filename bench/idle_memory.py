"""Idle memory: ours and the `cards` reference, each started twice against the fake Bot API
server, RSS once polling (``python -m bench.idle_memory sqlite`` or a PostgreSQL URL; about a
minute). The second start of ours reads the catalogues compiled by the first
(``KAPACITET_CACHE_DIR``), as every start after the first does in production."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench.bots import TOKEN, BotProcess
from bench.database import FIRST_CHAT, seed
from bench.memory import _polling
from bot.content.catalogue import load_catalogue
from bot.simulator.fake_bot_api import FakeBotApi


async def measure(url: str) -> None:
    folder = Path(tempfile.mkdtemp())
    if url == "sqlite":
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    await seed(url, [FIRST_CHAT], load_catalogue())
    for kind in ("cards-limited", "ours", "cards-limited", "ours"):
        async with FakeBotApi(token=TOKEN) as api:
            process = BotProcess(
                kind,
                api.base_url,
                api.base_file_url,
                folder / f"{kind}.log",
                database_url=url,
                concurrent_chats=8 if kind == "ours" and url.startswith("postgresql") else 0,
            )
            try:
                await _polling(api, process)
                await asyncio.sleep(2)
                rss = process.rss_kib() / 1024
                print(f"{kind:14s} {url.split(':')[0]:10s} {rss:6.1f} MiB once polling", flush=True)
            finally:
                await process.stop()


if __name__ == "__main__":
    asyncio.run(measure(sys.argv[1] if len(sys.argv) > 1 else "sqlite"))
