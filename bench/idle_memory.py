"""Idle memory: the bot as a deployment runs it, against the `cards` reference in the same run.

    python -m bench.idle_memory [sqlite|URL] [--python PATH] [--rounds 2]

``python -m bot run`` itself (its settings from the environment, the ops server listening,
the single-instance lock, migrations checked, the shipped content synced), started against
the fake Bot API server, resident size read once it polls; the same with PYTHONOPTIMIZE=2,
as the image and the systemd unit run it; and `cards` with the rate limiter
(:mod:`bench.bots`), python-telegram-bot alone. Each is started ``--rounds`` times: a first
start writes the compiled catalogues (``KAPACITET_CACHE_DIR``) and the bytecode of its
optimisation level, as a deployment's first start (or its image build) does; the last
round is the figure of every later start. About a minute.

``--python``: the interpreter of the bot (default: this one). A development venv holds the
test tools too, and httpx imports its command line (click, pygments) when they are
installed; a venv of ``requirements/run.txt`` alone is what a deployment has
(``KAPACITET_VENV=/tmp/run-venv ./kapacitet run --help`` makes one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.bots import ROOT, TOKEN, BotProcess
from bench.database import FIRST_CHAT, seed
from bench.memory import START_SECONDS, _polling
from bot.content.catalogue import load_catalogue
from bot.simulator.fake_bot_api import FakeBotApi

SETTLE_SECONDS = 3.0
"""After the first getUpdates: the start's last jobs (bot description, first tick) run."""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _run_ours(
    python: str, api: FakeBotApi, url: str, folder: Path, optimize: bool, log: Path
) -> float:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_API_BASE_FILE_URL": api.base_file_url,
        "DATA_CONTROLLER_NAME": "Benchmark",
        "DATA_CONTROLLER_CONTACT": "bench@example.org",
        "OPS_PORT": str(_free_port()),
        "KAPACITET_CACHE_DIR": str(folder / "cache"),
        # As compose.yaml runs it on PostgreSQL; the setting's default on SQLite.
        "CONCURRENT_CHATS": "8" if url.startswith("postgresql") else "1",
    }
    if optimize:
        env["PYTHONOPTIMIZE"] = "2"
    with log.open("a", encoding="utf-8") as output:
        process = await asyncio.create_subprocess_exec(
            python, "-m", "bot", "run", cwd=folder, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not api.calls_of("getUpdates"):
            if process.returncode is not None:
                raise RuntimeError(f"the bot stopped; see {log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not poll within {START_SECONDS} s; see {log}")
            await asyncio.sleep(0.1)
        await asyncio.sleep(SETTLE_SECONDS)
        return _rss_mib(process.pid)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 60)


async def _run_cards(api: FakeBotApi, folder: Path) -> float:
    process = BotProcess("cards-limited", api.base_url, api.base_file_url, folder / "cards.log")
    try:
        await _polling(api, process)
        await asyncio.sleep(SETTLE_SECONDS - 1.0)  # _polling waited a second already
        return process.rss_kib() / 1024
    finally:
        await process.stop()


async def measure(url: str, python: str, rounds: int) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp())
    if url == "sqlite":
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    await seed(url, [FIRST_CHAT], load_catalogue())
    figures: dict[str, list[float]] = {"cards-limited": [], "python -m bot run": [], "deployed": []}
    for _ in range(rounds):
        for kind in figures:
            async with FakeBotApi(token=TOKEN) as api:
                if kind == "cards-limited":
                    rss = await _run_cards(api, folder)
                else:
                    rss = await _run_ours(
                        python, api, url, folder, kind == "deployed", folder / "bot.log"
                    )
            figures[kind].append(rss)
            print(f"{kind:18s} {url.split(':')[0]:10s} {rss:6.1f} MiB once polling", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("database", nargs="?", default="sqlite", help="sqlite, or a URL")
    parser.add_argument("--python", default=sys.executable, help="the bot's interpreter")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    python = str(Path(args.python).absolute())  # the bot starts in a folder of its own
    figures = asyncio.run(measure(args.database, python, args.rounds))
    print("\nlast round (every start after the first):")
    for kind, values in figures.items():
        print(f"  {kind:18s} {values[-1]:6.1f} MiB")


if __name__ == "__main__":
    main()
