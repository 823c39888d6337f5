"""The throughput benchmark's figures: a line per run while it goes, and the section of
``docs/benchmarks.md`` at the end."""

from __future__ import annotations

import os
import statistics
from datetime import UTC, datetime

from bench.load import Result, percentile
from bench.report import machine
from bot.content.catalogue import Catalogue

SECTION = "throughput"


def summary_line(result: Result) -> str:
    w = result.window
    return (
        f"{result.name}: {w.updates} updates in {w.seconds:.1f} s = {w.rate:.1f}/s; "
        f"first answer median {1000 * statistics.median(w.first):.0f} ms, "
        f"p95 {1000 * percentile(w.first, 0.95):.0f} ms; whole reply median "
        f"{1000 * statistics.median(w.whole):.0f} ms, p95 {1000 * percentile(w.whole, 0.95):.0f} "
        f"ms; bot CPU {100 * w.bot_cpu:.0f} % ({1000 * w.bot_cpu * w.seconds / w.updates:.1f} "
        f"ms/update), driver CPU {100 * w.driver_cpu:.0f} %; "
        f"{w.api_calls / w.updates:.2f} API calls/update, {w.updates / max(w.polls, 1):.1f} "
        f"updates/getUpdates; load {w.load:.1f}; intake {result.intake}; "
        f"flood notices {result.flood_notices}; problems logged {len(result.problems)}"
    )


def rounds_of(results: list[Result], variant: str) -> list[Result]:
    return [r for r in results if r.variant == variant]


def best(results: list[Result], variant: str) -> Result:
    """Of the rounds of one variant, the fastest: the one least disturbed by whatever else
    the machine was doing."""
    return max(rounds_of(results, variant), key=lambda r: r.window.rate)


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:,.0f} ms"


def _row(label: str, result: Result, echo: Result) -> str:
    w = result.window
    return (
        f"| {label} | **{w.rate:.1f}** | {w.rate / echo.window.rate:.2f} | "
        f"{_ms(statistics.median(w.first))} | {_ms(percentile(w.first, 0.95))} | "
        f"{_ms(statistics.median(w.whole))} | {_ms(percentile(w.whole, 0.95))} | "
        f"{w.api_calls / w.updates:.1f} | {1000 * w.cpu_per_update:.1f} ms |"
    )


def section(
    results: list[Result],
    catalogue: Catalogue,
    learners: int,
    updates: int,
    rounds: int,
    databases: list[str],
) -> str:
    echo = best(results, "echo")
    modules = len(catalogue.modules)
    cards = sorted({m.card_count for m in catalogue.modules})
    questions = sorted({len(m.questions) for m in catalogue.modules})
    floor_bot = best(results, "cards")
    rows = [
        _row("bare PTB echo bot", echo, echo),
        _row("bare PTB bot answering as a lesson does (`cards`)", floor_bot, echo),
    ]
    verdicts: list[str] = []
    facts: list[str] = []
    shares: list[float] = []
    for database in databases:
        ours, unlimited = (
            best(results, f"ours@{database}"),
            best(results, f"ours-unlimited@{database}"),
        )
        rows.append(_row(f"**ours**, {database}, as in production (`AIORateLimiter`)", ours, echo))
        rows.append(_row(f"ours, {database}, without the rate limiter", unlimited, echo))
        share = unlimited.window.rate / echo.window.rate
        cpu_ratio = unlimited.window.cpu_per_update / echo.window.cpu_per_update
        verdicts.append(f"**{share:.2f}×** on {database} (CPU per update {cpu_ratio:.1f}×)")
        shares.append(share)
        intake = ours.intake
        stored = sum(v for k, v in intake.items() if k != "quiz_answers")
        facts.append(
            f"On {database} ours (with the limiter) stored {stored:,} updates: "
            f"{intake.get('done', 0):,} done, {intake.get('pending', 0)} pending, "
            f"{intake.get('failed', 0)} failed, {intake.get('quiz_answers', 0):,} quiz answers "
            f"recorded, {ours.flood_notices} flood notices"
        )
    unlimited_any = best(results, f"ours-unlimited@{databases[0]}")
    calls = unlimited_any.window.api_calls / unlimited_any.window.updates
    every_round = "; ".join(
        f"{variant} " + ", ".join(f"{r.window.rate:.1f}" for r in rounds_of(results, variant))
        for variant in dict.fromkeys(r.variant for r in results)
    )
    loads = [r.window.load for r in results]
    aim = "within the aim of 0.8" if min(shares) >= 0.8 else "short of the aim of 0.8"
    floor = floor_bot.window.rate / echo.window.rate
    target = 0.8 * echo.window.rate
    cores_needed = ", ".join(
        f"{target * best(results, f'ours-unlimited@{database}').window.cpu_per_update:.1f} "
        f"cores for ours on {database}"
        for database in databases
    )
    floor_cores = f"{target * floor_bot.window.cpu_per_update:.1f}"
    of_floor = ", ".join(
        f"{best(results, f'ours-unlimited@{database}').window.rate / floor_bot.window.rate:.2f}× "
        f"on {database}"
        for database in databases
    )
    limited = min(best(results, f"ours@{database}").window.rate for database in databases)
    return "\n".join(
        [
            f"<!-- bench:{SECTION} -->",
            f"## Update throughput, {learners} learners at once (`python -m bench.throughput`)",
            "",
            f"{learners} onboarded learners, each in a closed loop (its next update as soon as "
            f"the reply to the last one arrived), {updates} button taps each in the measured "
            f"window ({learners * updates:,} updates) after a `/lessons` warm-up: a module, "
            "Start the lessons (or Continue), Next through every card, Take the quiz, every "
            "answer (one in five wrong), « All lessons, the next module; "
            f"{modules} modules of {cards[0]}–{cards[-1]} cards and "
            f"{questions[0]}–{questions[-1]} questions. The fake Bot API server and the learners "
            "run in one process, each bot in a process of its own polling that server over "
            "HTTP, one bot after the other in the same run; "
            f"{rounds} round{'s' if rounds != 1 else ''}, the fastest of each bot shown. "
            "**echo**: a bare `ApplicationBuilder` application with a `MessageHandler` echoing "
            "text and a `CallbackQueryHandler` answering the tap, getting the same number of "
            "taps from the same learners. **cards**: as bare, but answering each tap as a lesson "
            "bot must: the callback answer, then the tapped message edited to a card (HTML, "
            "the length of one of ours) with new buttons; the Bot API calls of ours, with no "
            "database and none of our code. **ours**: `bot.app.build_application` run by "
            "`bot.runtime.serve.run`, as `python -m bot run` does: durable intake on (every update "
            "stored in `inbound_update` before it is acknowledged, marked done when handled), "
            "flood control at its defaults, background jobs on; on a fresh database each run. "
            "Latency per update, on the server: from `push_update` to the first answer for "
            "that chat (the callback answer or a message), and to the whole reply (the message "
            "with the next buttons). All the bots handle one update at a time (python-telegram-"
            "bot's default), so in a closed loop of this many learners most of the latency is "
            "waiting in line.",
            "",
            "| bot | updates/s | vs. echo | first answer, median | p95 | whole reply, median "
            "| p95 | Bot API calls per update | bot CPU per update |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Without the rate limiter ours handles {', '.join(verdicts)} the echo bot's "
            f"updates per second: {aim}. Each of our updates is stored, handled in a unit of "
            "work that reads and writes the learner's progress and marks it done, and answered "
            f"with {calls:.1f} Bot API calls (the callback answer, the edited card or question, "
            "sometimes a new message); the echo bot makes one call and touches no database.",
            "",
            f"The aim of 0.8× the echo bot is out of reach for any python-telegram-bot bot that "
            f"answers a tap with the next card: `cards`, which does only that, handles "
            f"**{floor:.2f}×** the echo bot's updates per second, because a tap then costs two "
            "Bot API calls instead of one (each a request, a response parsed into Telegram "
            f"objects, on one core). Against that floor ours handles {of_floor}: the rest of "
            "our time goes to the database (the intake's store, the unit of work's reads and "
            "writes, the update marked done) and to our handlers. At 0.8× the echo bot's rate, "
            f"the CPU time per update adds up to {cores_needed}, and {floor_cores} cores for "
            f"`cards`; the machine has {os.cpu_count()} cores, shared with the server and the "
            "learners.",
            "",
            f"With PTB's `AIORateLimiter`, as `python -m bot run` builds it, ours is held to "
            f"about {limited:.0f} updates/s: the limiter lets at most 30 requests a second that "
            "name a chat (`sendMessage`, `editMessageText`) through, Telegram's own limit for "
            "a bot, and most taps need one or two of them; the echo bot's "
            "`answerCallbackQuery` names no chat.",
            "",
            f"Updates/s of every round: {every_round}. " + ". ".join(facts) + ".",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}. Load average (1 min) at "
            f"the end of the windows: {min(loads):.1f} to {max(loads):.1f}"
            + (
                " (other work was running on the machine: the rounds differ accordingly)"
                if max(loads) > (os.cpu_count() or 1)
                else ""
            )
            + ". The driver (server "
            f"and learners) used {100 * echo.window.driver_cpu:.0f} % of a core during the echo "
            f"window and {100 * unlimited_any.window.driver_cpu:.0f} % during ours.",
            f"<!-- /bench:{SECTION} -->",
        ]
    )
