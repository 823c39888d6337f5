"""The two bots of the benchmarks, each run in a process of its own against a Bot API server.

    python -m bench.bots echo --api-url URL --file-url URL
    python -m bench.bots ours --api-url URL --file-url URL --database-url URL [--no-rate-limit]

- ``echo``: a bare python-telegram-bot application (``ApplicationBuilder`` defaults): a
  ``MessageHandler`` that echoes text and a ``CallbackQueryHandler`` that answers the tap.
- ``cards``: as bare, but each tap is answered as a lesson bot must answer it: the callback
  answer, then the tapped message edited to a card (HTML, the length of one of ours) with the
  next buttons. The Bot API calls of ours, without a database or any of our code: the floor
  for any python-telegram-bot bot that shows a card per tap.
- ``cards-limited``: ``cards`` with the rate limiter ours has
  (:class:`bot.runtime.ratelimit.TelegramRateLimiter`).
- ``ours``: the bot as ``python -m bot run`` starts it: its logging, ``bot.app.build_application``
  (durable intake, flood control, background jobs, PTB's ``AIORateLimiter`` unless
  ``--no-rate-limit``) and ``bot.runtime.serve.run`` (polling until SIGTERM).

:class:`BotProcess` starts one through a small launcher (see :func:`launch`). On exit the bot
prints one JSON line with its own ``resource.getrusage``: ``maxrss_kib`` and ``cpu`` seconds.
Only the standard library is imported here, so that the echo bot's process holds
python-telegram-bot and nothing of ours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

TOKEN = "123456:BENCHMARK-TOKEN-KAPACITET"
ROOT = Path(__file__).resolve().parent.parent


def serve_echo(api_url: str, file_url: str) -> None:
    """A bare echo bot, as python-telegram-bot's documentation writes it."""
    from telegram import Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    application = (
        ApplicationBuilder().token(TOKEN).base_url(api_url).base_file_url(file_url).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(answer))
    application.run_polling(allowed_updates=["message", "callback_query"])


CARD_TEXT = (
    "<b>What a candidate country does</b> · 3/9\n\n"
    "A candidate country negotiates <b>chapter by chapter</b>: for each area of EU law it "
    "shows that its own laws match, and that its institutions can apply them. The European "
    "Commission checks the progress every year and writes a report. Civil society can take "
    "part: read the report, send comments on draft laws during public consultations, and "
    "monitor how new laws are applied. Organisations that keep records of their work are "
    "heard more often, because they bring evidence. <i>Take your time: the next card shows "
    "where to find the reports for your country.</i>"
)
"""A card of ordinary length (ours: up to 700 visible characters)."""


def serve_cards(api_url: str, file_url: str, limiter: bool = False) -> None:
    """A bare bot answering each tap as a lesson bot must: the callback answer, then the card;
    ``limiter``: with the rate limiter ours has (``bot.runtime.ratelimit``)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        CommandHandler,
        ContextTypes,
        Defaults,
    )

    def buttons(step: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("◀️ Back", callback_data=f"card:m:{max(step - 1, 0)}"),
                    InlineKeyboardButton("Next ▶️", callback_data=f"card:m:{step + 1}"),
                ],
                [InlineKeyboardButton("« All lessons", callback_data="menu:lessons")],
            ]
        )

    async def lessons(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(CARD_TEXT, reply_markup=buttons(0))

    async def card(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and isinstance(query.data, str)
        await query.answer()
        step = int(query.data.rsplit(":", 1)[1]) if query.data.startswith("card:") else 0
        await query.edit_message_text(CARD_TEXT, reply_markup=buttons(step))

    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api_url)
        .base_file_url(file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
    )
    if limiter:
        from bot.runtime.ratelimit import TelegramRateLimiter  # PTB and aiolimiter only

        builder = builder.rate_limiter(TelegramRateLimiter(max_retries=3))  # type: ignore[arg-type]
    application = builder.build()
    application.add_handler(CommandHandler("lessons", lessons))
    application.add_handler(CallbackQueryHandler(card))
    application.run_polling(allowed_updates=["message", "callback_query"])


def serve_ours(
    api_url: str,
    file_url: str,
    database_url: str,
    rate_limit: bool,
    workers: int = 1,
    worker: int = 0,
    concurrent_chats: int = 0,
) -> None:
    """The bot as ``python -m bot run`` starts it (logging, the application, polling);
    ``concurrent_chats`` 0: the setting's default."""
    from bot.app import build_application, build_deps
    from bot.config import Settings
    from bot.content.catalogue import load_catalogue
    from bot.runtime import serve
    from bot.runtime.logs import configure_logging

    settings = Settings(
        bot_token=TOKEN,
        database_url=database_url,
        telegram_api_base_url=api_url,
        telegram_api_base_file_url=file_url,
        ops_port=0,
        data_controller_name="Benchmark",
        data_controller_contact="bench@example.org",
        workers=workers,
        worker=worker,
    )
    if concurrent_chats:
        settings = settings.model_copy(update={"concurrent_chats": concurrent_chats})
    configure_logging(secrets=(TOKEN,))
    deps = build_deps(settings, load_catalogue())
    application = build_application(deps, rate_limit=rate_limit)
    serve.run(application, settings)


def launch(command: list[str]) -> int:
    """Runs ``command`` in a child of this small process and waits for it, passing SIGTERM and
    SIGINT on; prints the child's pid first.

    Linux keeps the high-water mark of the memory a process had before ``exec`` in its
    ``ru_maxrss``; a bot started straight from the benchmark (fork, then exec) would report the
    benchmark's own size when that is larger. Forked from this small launcher, it reports its
    own."""
    pid = os.fork()
    if pid == 0:  # the bot
        os.execv(command[0], command)
    print(json.dumps({"pid": pid}), flush=True)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda received, _frame: os.kill(pid, received))
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--launch"]:
        sys.exit(launch([sys.executable, "-m", "bench.bots", *arguments[1:]]))
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("kind", choices=("echo", "cards", "cards-limited", "ours"))
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--file-url", required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-rate-limit", dest="rate_limit", action="store_false")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker", type=int, default=0)
    parser.add_argument("--concurrent-chats", type=int, default=0)
    parser.add_argument("--profile", type=Path, help="run under cProfile, stats to this file")
    parser.add_argument("--spans", type=Path, help="record each update's spans to this file")
    args = parser.parse_args(arguments)
    if args.spans:
        from bench.spans import install

        install(args.spans)
    profiler = None
    if args.profile:
        import cProfile

        if args.kind == "ours":
            import bot.app  # noqa: F401  (imported before the profile starts)

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        if args.kind == "echo":
            serve_echo(args.api_url, args.file_url)
        elif args.kind in ("cards", "cards-limited"):
            serve_cards(args.api_url, args.file_url, limiter=args.kind == "cards-limited")
        else:
            serve_ours(
                args.api_url,
                args.file_url,
                args.database_url,
                args.rate_limit,
                args.workers,
                args.worker,
                args.concurrent_chats,
            )
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"maxrss_kib": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}))
        sys.stdout.flush()


class BotProcess:
    """A bot (``echo``, ``cards`` or ``ours``) polling the server at ``api_url`` from a child
    process."""

    def __init__(
        self,
        kind: str,
        api_url: str,
        file_url: str,
        log: Path,
        *,
        database_url: str = "",
        rate_limit: bool = True,
        profile: Path | None = None,
        workers: int = 1,
        worker: int = 0,
        spans: Path | None = None,
        concurrent_chats: int = 0,
    ) -> None:
        command = [sys.executable, "-m", "bench.bots", "--launch", kind, "--api-url", api_url]
        command += ["--file-url", file_url, "--database-url", database_url]
        command += ["--workers", str(workers), "--worker", str(worker)]
        if not rate_limit:
            command.append("--no-rate-limit")
        if profile is not None:
            command += ["--profile", str(profile)]
        if spans is not None:
            command += ["--spans", str(spans)]
        if concurrent_chats:
            command += ["--concurrent-chats", str(concurrent_chats)]
        self.kind = kind
        self.log = log
        self._log_file = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log_file, text=True
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first.startswith("{"):
            raise RuntimeError(f"the {kind} bot did not start; see {log}")
        self.pid: int = json.loads(first)["pid"]
        """The bot's own process (a child of the launcher)."""
        self.report: dict[str, float] = {}

    def _status_kib(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        return 0

    def rss_kib(self) -> int:
        return self._status_kib("VmRSS")

    def peak_kib(self) -> int:
        """VmHWM: the highest resident size so far."""
        return self._status_kib("VmHWM")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> dict[str, float]:
        """SIGTERM (a clean stop, as ``docker stop`` sends; the launcher passes it on), then the
        bot's own rusage."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = await asyncio.to_thread(self.process.communicate, timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = await asyncio.to_thread(self.process.communicate)
        self._log_file.close()
        lines = [line for line in (out or "").splitlines() if line.startswith("{")]
        self.report = json.loads(lines[-1]) if lines else {}
        return self.report

    def problems(self) -> list[str]:
        """Warnings and errors the bot logged."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [
            line
            for line in text.splitlines()
            if " WARNING " in line or " ERROR " in line or "Traceback" in line
        ]


if __name__ == "__main__":
    main()
