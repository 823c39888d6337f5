"""Builders for the simulator's tests: a :class:`Simulator` on a free port of 127.0.0.1 with
its own SQLite file and people file, without background ticks unless asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.clock import MovableClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.simulator.simulator import Simulator


def make_simulator(tmp_path: Path, catalogue: Catalogue, **kwargs: Any) -> Simulator:
    """A simulator (not started) under ``tmp_path``; ``kwargs`` override its options."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'sim.sqlite3'}",
        flood_max_updates=10_000,  # the browser is faster than a person
    )
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "clock": MovableClock(),
        "background_jobs": False,
        "people_file": tmp_path / "people.json",
    }
    return Simulator(settings, catalogue, **{**options, **kwargs})
