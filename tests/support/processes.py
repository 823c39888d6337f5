"""Real ``python -m bot`` processes in tests: the environment they run in, a free port.

A process started in a test's folder would import ``bot`` from wherever the virtualenv's
editable install points (the main checkout, not this one); :func:`bot_env` puts this
checkout first on ``PYTHONPATH``, so the process runs the code under test.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout the tests belong to."""


def bot_env(**values: str) -> dict[str, str]:
    """A clean environment for ``python -m bot``: PATH, this checkout's code, and ``values``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        **values,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
