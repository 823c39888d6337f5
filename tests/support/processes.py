"""Real ``python -m bot`` processes in tests: the environment they run in, a free port,
starting and stopping them.

A process started in a test's folder would import ``bot`` from wherever the virtualenv's
editable install points (the main checkout, not this one); :func:`bot_env` puts this
checkout first on ``PYTHONPATH``, so the process runs the code under test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.harness import CONTROLLER_ENV

ROOT = Path(__file__).resolve().parents[2]
"""The checkout the tests belong to."""


def bot_env(**values: str) -> dict[str, str]:
    """A clean environment for ``python -m bot``: PATH, this checkout's code, the data
    controller a bot with a token must name, and ``values``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        **CONTROLLER_ENV,
        **values,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def python_bot(
    *arguments: str,
    cwd: Path,
    env: dict[str, str],
    merged: bool = False,
    preexec_fn: Callable[[], object] | None = None,
) -> asyncio.subprocess.Process:
    """``python -m bot <arguments>`` with its output in pipes (``merged``: stderr into
    stdout); ``preexec_fn`` runs in the child before ``exec`` (e.g. to ignore a signal)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *arguments,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if merged else asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )


async def stop(process: asyncio.subprocess.Process, log: Path | None = None) -> None:
    """SIGTERM (what ``docker stop`` sends): the bot must end cleanly within a minute."""
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 60)
    assert process.returncode == 0, tail(log) if log else process.returncode


def tail(log: Path) -> str:
    """The end of a process's log, for a failed assertion."""
    return log.read_text(encoding="utf-8", errors="replace")[-3000:]


async def kill_left(*processes: asyncio.subprocess.Process | None) -> None:
    """Kills whatever a failed test left running."""
    for process in processes:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
