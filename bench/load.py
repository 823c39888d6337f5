"""The load of the throughput and memory benchmarks: learners on the fake Bot API server,
each sending its next update as soon as the reply to the previous one arrived (a closed
loop), and what one measured window of them saw (:class:`Window`, :class:`Result`)."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from bench.bots import BotProcess
from bot.content.catalogue import Catalogue
from bot.simulator.fake_bot_api import FakeBotApi

FLOOD_NOTICE = "You are sending a lot at once"
"""The flood control's notice (in English, the learners' language here)."""
STEP_TIMEOUT = 180.0
"""Seconds a learner waits for a reply before the run is called failed."""


@dataclass
class Seat:
    """One learner's chat, as the server sees it."""

    chat: int
    module: int
    phase: str = "catalogue"
    card: int = 0
    keyboard: tuple[str, ...] = ()
    """Callback data of the buttons the learner looks at."""
    message_id: int = 0
    """The message carrying them."""
    waiting: asyncio.Future[None] | None = None
    pushed: float = 0.0
    first: float | None = None
    whole: float | None = None
    wrong_every: int = 5


@dataclass
class Window:
    updates: int
    seconds: float
    first: list[float]
    whole: list[float]
    driver_cpu: float
    bot_cpu: float
    api_calls: int
    """Bot API calls other than getUpdates."""
    polls: int
    """getUpdates calls."""
    load: float
    """The machine's load average (1 minute) at the end of the window."""

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_update(self) -> float:
        """Seconds of the bot's CPU time per update."""
        return self.bot_cpu * self.seconds / self.updates if self.updates else 0.0


def keyboard_data(markup: dict[str, Any] | None) -> tuple[str, ...]:
    if not markup or "inline_keyboard" not in markup:
        return ()
    return tuple(
        str(button["callback_data"])
        for row in markup["inline_keyboard"]
        for button in row
        if "callback_data" in button
    )


class Learners:
    """Learners driving one bot through ``api``, each waiting for the reply to its last update.

    ``kind`` ``ours`` and ``cards``: an update is replied to when the chat shows new buttons (a
    message sent or edited whose keyboard differs from the one tapped); ``echo``: at the first
    answer.
    """

    def __init__(self, api: FakeBotApi, catalogue: Catalogue, kind: str, chats: list[int]):
        self.api = api
        self.catalogue = catalogue
        self.modules = catalogue.modules
        self.kind = kind
        self.seats = {
            chat: Seat(chat, module=n % len(self.modules)) for n, chat in enumerate(chats)
        }
        self.recording = False
        self.first: list[float] = []
        self.whole: list[float] = []
        self.flood_notices = 0
        self._unsubscribe = api.on_change(self._on_change)

    def close(self) -> None:
        self._unsubscribe()

    # The server calls this on every message sent, edited or deleted and every callback answer.
    def _on_change(self, event: dict[str, Any]) -> None:
        seat = self.seats.get(event.get("chat_id", 0))
        if seat is None or seat.waiting is None or seat.waiting.done():
            return
        kind = event["type"]
        if kind.startswith("message_") and not event.get("from_bot"):
            return  # the learner's own message
        now = time.perf_counter()
        if seat.first is None:
            seat.first = now
        if self.kind == "echo":
            self._replied(seat, now)
            return
        if kind not in ("message_sent", "message_edited"):
            return
        message = self.api.message(seat.chat, event["message_id"])
        if message is None:
            return
        if message.text and FLOOD_NOTICE in message.text:
            self.flood_notices += 1
            seat.waiting.set_exception(
                AssertionError(
                    f"chat {seat.chat} was paused by the flood control: each learner sends too "
                    "fast for it; run with more learners (or fewer updates)"
                )
            )
            return
        data = keyboard_data(message.reply_markup)
        if data and data != seat.keyboard:
            seat.keyboard, seat.message_id = data, message.message_id
            self._replied(seat, now)

    def _replied(self, seat: Seat, now: float) -> None:
        seat.whole = now
        if self.recording and seat.first is not None:
            self.first.append(seat.first - seat.pushed)
            self.whole.append(now - seat.pushed)
        assert seat.waiting is not None
        seat.waiting.set_result(None)

    def next_tap(self, seat: Seat) -> str:
        """The button a learner going through lessons and quizzes taps next."""
        data = seat.keyboard
        module = self.modules[seat.module]
        answers = [d for d in data if d.startswith("ans:")]
        if answers:
            # ans:<module>:<kind>:<attempt or seed>:<index>:<correct so far>:<option>; which
            # question of the objective is asked is in the message, not the data: the
            # answer is right or wrong for the first question of the objective.
            fields = answers[0].split(":")
            module_id, index = fields[1], int(fields[4])
            quizzed = self.catalogue.get(module_id)
            assert quizzed is not None
            question = list(quizzed.objectives.values())[index][0]
            wrong = (seat.chat + index) % seat.wrong_every == 0
            option = (
                next(o for o in question.options if o != question.correct)
                if wrong
                else (question.correct)
            )
            seat.phase = "quiz"
            return next((d for d in answers if d.split(":")[6] == option), answers[0])
        if any(d.startswith("mod:") for d in data):
            seat.phase = "overview"
            return self._present(seat, f"mod:{module.id}")
        if seat.phase == "overview":
            tap = next(d for d in data if d.startswith(f"card:{module.id}:"))
            seat.phase, seat.card = "cards", int(tap.rsplit(":", 1)[1])
            return tap
        if seat.phase == "cards":
            following = f"card:{module.id}:{seat.card + 1}"
            if following in data:
                seat.card += 1
                return following
            seat.phase = "quiz"
            return self._present(seat, f"quiz:{module.id}:post")
        # The quiz's result: back to all lessons, and on to the next module.
        seat.phase = "catalogue"
        seat.module = (seat.module + 1) % len(self.modules)
        return self._present(seat, "menu:lessons")

    @staticmethod
    def _present(seat: Seat, data: str) -> str:
        if data not in seat.keyboard:
            raise AssertionError(f"chat {seat.chat}: no button {data!r} in {seat.keyboard}")
        return data

    async def _exchange(self, seat: Seat, push: Any) -> None:
        seat.waiting = asyncio.get_running_loop().create_future()
        seat.first = seat.whole = None
        seat.pushed = time.perf_counter()
        push()
        try:
            await asyncio.wait_for(seat.waiting, STEP_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"{self.kind}: chat {seat.chat} got no reply within {STEP_TIMEOUT} s "
                f"(phase {seat.phase}, buttons {seat.keyboard})"
            ) from None

    async def warm_up(self, seat: Seat) -> None:
        """``/lessons`` (ours: the catalogue with its buttons; echo: the text back)."""
        await self._exchange(seat, lambda: self.api.push_message(seat.chat, "/lessons"))
        if self.kind == "echo":
            bot_messages = [m for m in self.api.messages(seat.chat) if m.from_bot]
            seat.message_id = bot_messages[-1].message_id

    async def tap(self, seat: Seat) -> None:
        if self.kind == "ours":
            data = self.next_tap(seat)
        elif self.kind == "cards":
            data = seat.keyboard[1]  # Next
        else:
            data = f"tap:{seat.chat}"
        await self._exchange(seat, lambda: self.api.push_callback(seat.chat, seat.message_id, data))

    async def run(self, seat: Seat, updates: int) -> None:
        for _ in range(updates):
            await self.tap(seat)

    async def everyone(self, action: Any, *args: Any) -> None:
        await asyncio.gather(*(action(seat, *args) for seat in self.seats.values()))


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0.95: the 95th percentile), interpolated."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]


async def measure(learners: Learners, bot: BotProcess, updates: int) -> Window:
    """The measured window: every learner sends ``updates`` updates, each after its reply."""
    api = learners.api
    calls_before = len(api.calls)
    bot_cpu = bot.cpu_seconds()
    driver_cpu = time.process_time()
    learners.recording = True
    started = time.perf_counter()
    await learners.everyone(learners.run, updates)
    finished = max(seat.whole or 0.0 for seat in learners.seats.values())
    learners.recording = False
    seconds = finished - started
    methods = [name for name, _params in api.calls[calls_before:]]
    polls = sum(1 for name in methods if name == "getUpdates")
    return Window(
        updates=updates * len(learners.seats),
        seconds=seconds,
        first=list(learners.first),
        whole=list(learners.whole),
        driver_cpu=(time.process_time() - driver_cpu) / seconds,
        bot_cpu=(bot.cpu_seconds() - bot_cpu) / seconds,
        api_calls=len(methods) - polls,
        polls=polls,
        load=os.getloadavg()[0],
    )


@dataclass
class Result:
    name: str
    kind: str
    rate_limit: bool
    window: Window
    variant: str = ""
    """echo, ours or ours-unlimited, with the database for ours (``ours@SQLite``)."""
    intake: dict[str, int] = field(default_factory=dict)
    peak_kib: float = 0.0
    flood_notices: int = 0
    problems: list[str] = field(default_factory=list)
