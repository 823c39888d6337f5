"""Commands and the step-by-step report of ``./kapacitet test-deploy``."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path


class Failed(Exception):
    """A step failed: the message says what was expected and what was found."""


@dataclass(frozen=True)
class Result:
    command: Sequence[str]
    code: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    def tail(self, lines: int = 15) -> str:
        text = (self.err.strip() or self.out.strip()).splitlines()
        return "\n".join(text[-lines:])


async def run(
    *command: str,
    check: bool = True,
    stdin: bytes | None = None,
    within: float = 900,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Result:
    """Run ``command``; with ``check``, a non-zero exit or a timeout is :class:`Failed`."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=dict(env) if env is not None else None,
        )
    except FileNotFoundError:
        if check:
            raise Failed(f"{command[0]}: not installed") from None
        return Result(command, 127, "", f"{command[0]}: not installed")
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), within)
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    except TimeoutError:
        process.kill()
        await process.wait()
        if check:
            raise Failed(f"`{' '.join(command)}` took more than {within:.0f} s") from None
        return Result(command, -1, "", "timed out")
    result = Result(
        command, process.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")
    )
    if check and not result.ok:
        raise Failed(f"`{' '.join(command)}` exited with {result.code}:\n{result.tail()}")
    return result


class Report:
    """Numbered steps with their outcome and duration, printed as they happen."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.number = 0
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"test-deploy: {text}", flush=True)

    def detail(self, text: str) -> None:
        for line in text.splitlines():
            print(f"        {line}", flush=True)

    @asynccontextmanager
    async def step(self, title: str) -> AsyncIterator[list[str]]:
        """``async with report.step("...") as notes:``; what is appended to ``notes`` is
        printed after the outcome."""
        self.number += 1
        print(f"[{self.number:>2}/{self.total}] {title} ...", flush=True)
        notes: list[str] = []
        began = time.monotonic()
        try:
            yield notes
        except Failed as failure:
            print(f"        FAILED after {time.monotonic() - began:.1f} s", flush=True)
            self.detail(str(failure))
            raise
        except Exception as error:
            print(f"        FAILED after {time.monotonic() - began:.1f} s: {error!r}", flush=True)
            raise Failed(f"{title}: {error!r}") from error
        print(f"        ok ({time.monotonic() - began:.1f} s)", flush=True)
        for note in notes:
            self.detail(note)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def fail(message: str) -> None:
    raise Failed(message)


def stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
