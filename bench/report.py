"""Where every benchmark writes its figures: its own marked section of docs/benchmarks.md."""

from __future__ import annotations

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
