"""Where every benchmark writes its figures (its own marked section of docs/benchmarks.md),
and how it names the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(text: str, name: str, path: Path = BENCHMARKS) -> None:
    """Replaces the section ``name`` of ``path`` (or appends it), leaving the rest alone,
    and says where."""
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    if begin in content and end in content:
        head, rest = content.split(begin, 1)
        _, tail = rest.split(end, 1)
        content = head + text + tail
    else:
        content = content.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(content, encoding="utf-8")
    print(f"written to {path}")


def machine() -> str:
    """The system, the processor (its model name where Linux tells it), the cores and Python."""
    cpu = platform.processor() or platform.machine()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}"
        + (f" ({model})" if model else "")
        + f", {os.cpu_count()} cores, Python {platform.python_version()}"
    )
