"""Whatever a test of the running bot does, nothing may end as an error in the log: the
autouse fixture :func:`no_errors_logged`, which a ``conftest.py`` imports to apply it to its
folder's tests; :func:`forgive` leaves out one record a test causes on purpose."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test when anything was logged at error level or above while it was set up or
    ran (``caplog.records`` would be the teardown's own, empty, by now)."""
    yield
    logged = caplog.get_records("setup") + caplog.get_records("call")
    errors = [r for r in logged if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]


def forgive(caplog: pytest.LogCaptureFixture, logger: str, message: str) -> None:
    """Leaves out of :func:`no_errors_logged` the records of ``logger`` (or of a logger below
    it) whose message starts with ``message``: an error the test causes on purpose. Call it
    at the end of the test, once everything that may log it has run."""
    caplog.records[:] = [
        record
        for record in caplog.records
        if not (
            (record.name == logger or record.name.startswith(f"{logger}."))
            and record.getMessage().startswith(message)
        )
    ]
