"""Running the simulator from the command line: ``python -m bot run`` without ``BOT_TOKEN``
(:func:`run_simulator`), and ``python -m bot preview`` (:class:`Preview`), which opens one
person's chat at a module's first card.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.simulator.people import (
    DEFAULT_PEOPLE,
    BadRequest,
    Person,
    people_file_for,
    telegram_language_code,
)
from bot.simulator.simulator import RealDatabase, Simulator, simulator_database
from bot.simulator.web import AddressInUse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    """``python -m bot preview``: one person, onboarded, looking at a module."""

    module_id: str
    language: str
    open_browser: bool = True


async def open_preview(simulator: Simulator, preview: Preview) -> Person:
    """A new person in ``preview.language`` who declined consent (so nothing about them is
    kept) and opened the module's first card, driven through the fake Telegram like a user."""
    from bot.handlers.learning.data import OpenModule, ShowCard
    from bot.handlers.onboarding import AnswerConsent, PickLanguage

    person = await simulator.add_person(
        "Author", telegram_language_code(preview.language), "learner"
    )
    steps: list[Callable[[], Awaitable[object]]] = [
        lambda: simulator.send(person.id, "/start"),
        lambda: simulator.tap_data(person.id, PickLanguage(preview.language, True).encode()),
        lambda: simulator.tap_data(person.id, AnswerConsent(False).encode()),
        lambda: simulator.send(person.id, "/lessons"),
        lambda: simulator.tap_data(person.id, OpenModule(preview.module_id).encode()),
        lambda: simulator.tap_data(person.id, ShowCard(preview.module_id, 0).encode()),
    ]
    for step in steps:
        try:
            await step()
        except BadRequest as error:
            log.warning("Preview stopped early: %s", error.reason)
            break
    return person


async def serve(
    settings: Settings,
    catalogue: Catalogue,
    preview: Preview | None = None,
    *,
    allow_real_data: bool = False,
) -> None:
    """Runs the simulator until Ctrl+C (or SIGTERM)."""
    simulator = Simulator(
        settings,
        catalogue,
        people_file=None if preview is not None else people_file_for(simulator_database(settings)),
        default_people=() if preview is not None else DEFAULT_PEOPLE,
        allow_real_data=allow_real_data,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGINT too, not only asyncio.run's KeyboardInterrupt: a process started with SIGINT
    # ignored (a background job of a non-interactive shell, some test runners) inherits
    # SIG_IGN, and asyncio.run then installs no handler of its own, so Ctrl+C did nothing.
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    await simulator.start()
    try:
        url = simulator.url
        if preview is not None:
            person = await open_preview(simulator, preview)
            url = simulator.person_url(person.id)
        print(
            f"Kapacitet simulator: open {url}\n"
            "No BOT_TOKEN is set, so the bot runs against a local fake Telegram. "
            "Ctrl+C stops it.",
            flush=True,
        )
        if preview is not None and preview.open_browser:
            await loop.run_in_executor(None, webbrowser.open, url)
        await stop.wait()
    finally:
        await simulator.stop()
    print("\nKapacitet simulator stopped.", flush=True)


def run_simulator(
    settings: Settings,
    catalogue: Catalogue,
    preview: Preview | None = None,
    *,
    allow_real_data: bool = False,
) -> int:
    try:
        asyncio.run(serve(settings, catalogue, preview, allow_real_data=allow_real_data))
    except KeyboardInterrupt:
        print("\nKapacitet simulator stopped.", flush=True)
    except (AddressInUse, RealDatabase) as error:
        print(f"Cannot start the simulator: {error}", file=sys.stderr, flush=True)
        return 1
    return 0
