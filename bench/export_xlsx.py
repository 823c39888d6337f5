"""Export of attendance rows to XLSX: our code beside XlsxWriter alone, time and memory.

    python -m bench.export_xlsx                 # 10,000 and 100,000 rows; writes the figures
    python -m bench.export_xlsx --sizes 20000 --no-write

For each size, a temporary SQLite database (migrated, like the bot's) is filled with a
generated fixture: sessions of 50 people each (one row per person per session, statuses
and profiles varied, a tenth of the names in Cyrillic). Then, each in a fresh Python
process so that neither warms the other up:

- **ours**: ``bot.services.exports.write_xlsx`` with full scope, all time, the Attendance
  sheet only (the sheet that grows with the rows): async SQLAlchemy over aiosqlite, chunked
  queries, labels through the translator, XlsxWriter in ``constant_memory`` mode.
- **XlsxWriter alone**: the same rows (same values, checked cell by cell on the first rows)
  read with the standard ``sqlite3`` module and written with ``worksheet.write_row`` into a
  ``constant_memory`` workbook with a default date format: what a script using the library
  directly would do.

Measured per process: wall time of the export alone (imports and start-up excluded), the
peak resident memory (``ru_maxrss``) and its growth over the memory before the export
(both programs import different libraries, so the growth is the fair figure), and, in a
separate run of each, the peak of Python allocations during the export (``tracemalloc``,
which slows Python down, hence not timed). Each timing is the best of ``--repeat`` runs.
Peak memory is the process's VmHWM (``ru_maxrss`` survives ``execve`` on Linux and would
report the parent's size).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import write_section

SECTION = "export_xlsx"
PEOPLE_PER_SESSION = 50
SESSIONS_PER_PERSON = 10
AIM = 1.5

COUNTRIES = ("AL", "BA", "XK", "ME", "MK", "RS")
GENDERS = ("female", "male", "other", "undisclosed")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64")
STATUSES = ("present", "present", "present", "late", "excused", "absent")
MODULES = ("passwords-2fa", "eu-accession", None)
LATIN = ("Ana", "Blerta", "Dragana", "Edin", "Ëngjëll", "Ivana", "Marko", "Nikola", "Sara")
CYRILLIC = ("Јелена", "Милош", "Ђорђе", "Љубица", "Њего", "Ѓорѓи", "Ќирил", "Ѕвонко")
SURNAMES = ("Hoxha", "Petrović", "Kovač", "Berisha", "Jovanovski", "Đurić", "Gashi")
ZONE = "Europe/Belgrade"
SESSION_LANGUAGES = ("sq", "mk", "sr-Latn", "en")


# -- the fixture -----------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    """How SQLAlchemy keeps a UTC timestamp in SQLite."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def make_fixture(path: Path, rows: int) -> None:
    """A migrated SQLite database at ``path`` with ``rows`` attendance rows."""
    from bot.db import migrate_url

    migrate_url(f"sqlite:///{path}")
    sessions = max(1, rows // PEOPLE_PER_SESSION)
    people = max(PEOPLE_PER_SESSION, rows // SESSIONS_PER_PERSON)
    created = _stamp(datetime(2025, 1, 1, tzinfo=UTC))
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "INSERT INTO learner (id, language, language_chosen, consent, source, reachable, "
            "created_at, display_name, name_consent, pseudonym) "
            "VALUES (1, 'en', 1, 'given', 'telegram', 1, ?, ?, 1, 'P-TRAINER001')",
            (created, "Trainer Tea"),
        )
        learners = []
        for number in range(2, people + 2):
            cyrillic = number % 10 == 0
            first = (CYRILLIC if cyrillic else LATIN)[number % (8 if cyrillic else 9)]
            learners.append(
                (
                    number,
                    "en",
                    "given",
                    "walk_in" if number % 7 == 0 else "telegram",
                    created,
                    f"{first} {SURNAMES[number % 7]}" if number % 3 else None,
                    f"Organisation {number % 40}" if number % 11 else "undisclosed",
                    COUNTRIES[number % 6],
                    GENDERS[number % 4],
                    AGE_BANDS[number % 5],
                    _stamp(datetime(2026, 1, 1, tzinfo=UTC)) if number % 97 == 0 else None,
                    (None, 1, 0)[number % 3],
                    f"P-{number:010d}",
                )
            )
        connection.executemany(
            "INSERT INTO learner (id, language, language_chosen, consent, source, reachable, "
            "created_at, display_name, organisation, country, gender, age_band, erased_at, "
            "name_consent, pseudonym) "
            "VALUES (?, ?, 1, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            learners,
        )
        start = datetime(2025, 1, 6, 8, tzinfo=UTC)
        connection.executemany(
            "INSERT INTO training_session (id, code, trainer_id, title, module_id, starts_at, "
            "duration_minutes, venue, country, language, capacity, created_at, updated_at, "
            "version, checkin_secret, programme_id) VALUES (?, ?, 1, ?, ?, ?, 90, 'Hall', ?, "
            "?, 60, ?, ?, 1, 'secret', (SELECT id FROM programme WHERE is_default))",
            [
                (
                    number,
                    f"B{number:07d}",
                    f"Session {number}: digital security",
                    MODULES[number % 3],
                    _stamp(start + timedelta(hours=6 * number)),
                    COUNTRIES[number % 6],
                    SESSION_LANGUAGES[number % 4],
                    created,
                    created,
                )
                for number in range(1, sessions + 1)
            ],
        )
        pairs = [
            (training, 2 + (training * 7 + seat) % people, seat)
            for training in range(1, sessions + 1)
            for seat in range(PEOPLE_PER_SESSION)
        ][:rows]
        marked = _stamp(datetime(2025, 6, 1, tzinfo=UTC))
        connection.executemany(
            "INSERT INTO registration (session_id, learner_id, status, registered_at) "
            "VALUES (?, ?, 'registered', ?)",
            [(training, learner, created) for training, learner, _ in pairs],
        )
        connection.executemany(
            "INSERT INTO attendance (session_id, learner_id, status, method, marked_at) "
            "VALUES (?, ?, ?, 'trainer', ?)",
            [
                (training, learner, STATUSES[(training + seat) % 6], marked)
                for training, learner, seat in pairs
            ],
        )
        connection.commit()
    finally:
        connection.close()


# -- the two programs (run in child processes) ---------------------------------------------------


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (Linux), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _rss_kib() -> int:
    """Resident memory now."""
    return _status_kib("VmRSS")


def _peak_rss_kib() -> int:
    """The peak resident memory of this process. VmHWM rather than ``ru_maxrss``: Linux
    keeps ``ru_maxrss`` across ``execve``, so a child started by a big parent would report
    the parent's size; VmHWM belongs to the new program only."""
    return _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _translator() -> Any:
    from zoneinfo import ZoneInfo

    from bot.i18n.translator import Translator

    return Translator("en", ZoneInfo(ZONE))


def _titles() -> dict[str, str]:
    from bot.content.catalogue import load_catalogue
    from bot.services.exports import module_titles

    return module_titles(load_catalogue(), "en")


def child_ours(database: Path, out: Path, titles: dict[str, str], tr: Any) -> int:
    from bot.db import Database
    from bot.services import exports
    from bot.services.exports import ExportRequest, Sheet
    from bot.services.roles import FULL_SCOPE

    async def run() -> int:
        db_handle = Database(f"sqlite:///{database}")
        try:
            async with db_handle.session() as db:
                summary = await exports.write_xlsx(
                    db,
                    out,
                    request=ExportRequest(FULL_SCOPE),
                    tr=tr,
                    now=datetime.now(UTC),
                    threshold=5,
                    module_titles=titles,
                    sheets=[Sheet.ATTENDANCE],
                )
            return summary.rows[Sheet.ATTENDANCE]
        finally:
            await db_handle.dispose()

    return asyncio.run(run())


BARE_QUERY = """
SELECT s.id, s.title, s.starts_at, s.country, s.module_id, s.language,
       t.pseudonym, t.display_name, t.consent, t.erased_at, t.name_consent, t.source,
       l.pseudonym, l.display_name, l.consent, l.erased_at, l.name_consent, l.source,
       l.organisation, l.country, l.gender, l.age_band, r.status, a.status
FROM registration r
JOIN training_session s ON s.id = r.session_id
JOIN learner t ON t.id = s.trainer_id
JOIN learner l ON l.id = r.learner_id
LEFT JOIN attendance a ON a.session_id = r.session_id AND a.learner_id = r.learner_id
WHERE s.cancelled_at IS NULL
ORDER BY s.starts_at, s.id, l.id
"""


def child_bare(database: Path, out: Path, titles: dict[str, str], _tr: Any) -> int:
    """XlsxWriter alone: rows from sqlite3, labels from plain dictionaries, ``write_row``."""
    from zoneinfo import ZoneInfo

    import xlsxwriter  # type: ignore[import-untyped]

    from bot.i18n.labels import AGE_BAND_NAMES, COUNTRY_NAMES, GENDER_NAMES, PREFER_NOT_TO_SAY
    from bot.i18n.languages import LANGUAGES

    zone = ZoneInfo(ZONE)
    status_names = {
        "present": "Present",
        "late": "Late",
        "excused": "Excused",
        "absent": "Absent",
        "registered": "Not marked",
        "apologised": "Apologised",
    }
    undisclosed = {"undisclosed": PREFER_NOT_TO_SAY}
    countries = {**COUNTRY_NAMES, **undisclosed}
    genders = {**GENDER_NAMES, **undisclosed}
    ages = {**AGE_BAND_NAMES, **undisclosed}
    languages = {code: language.native_name for code, language in LANGUAGES.items()}
    headers = [
        "session_id",
        "Session",
        "Date",
        "session_country",
        "Session country",
        "module_id",
        "Module",
        "session_language",
        "Session language",
        "trainer_id",
        "Trainer",
        "person_id",
        "Name",
        "Organisation",
        "person_country",
        "Person's country",
        "gender",
        "Gender",
        "age_band",
        "Age band",
        "status",
        "Status",
        "attended",
        "erased",
    ]
    workbook = xlsxwriter.Workbook(
        str(out), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
    )
    sheet = workbook.add_worksheet("Attendance")
    sheet.write_row(0, 0, headers)
    connection = sqlite3.connect(database)
    count = 0

    def named(consent: str, erased: Any, name_consent: Any, source: str) -> bool:
        return consent == "given" and erased is None and (name_consent == 1 or source == "walk_in")

    try:
        for row_number, row in enumerate(connection.execute(BARE_QUERY), start=1):
            (session_id, title, starts, country, module, language) = row[:6]
            (trainer_id, trainer, t_consent, t_erased, t_named, t_source) = row[6:12]
            (person, name, consent, erased, name_consent, source) = row[12:18]
            organisation, own_country, gender, age, registration, mark = row[18:]
            local = datetime.fromisoformat(starts).replace(tzinfo=UTC).astimezone(zone)
            personal = consent == "given" and erased is None
            status = mark or registration
            trainer_shown = trainer if named(t_consent, t_erased, t_named, t_source) else None
            own = own_country if personal else None
            gender = gender if personal else None
            age = age if personal else None
            sheet.write_row(
                row_number,
                0,
                [
                    session_id,
                    title,
                    local.date(),
                    country,
                    COUNTRY_NAMES.get(country, country),
                    module,
                    titles.get(module, module) if module else None,
                    language,
                    languages.get(language, language),
                    trainer_id,
                    trainer_shown or trainer_id,
                    person,
                    name if named(consent, erased, name_consent, source) else None,
                    undisclosed.get(organisation, organisation) if personal else None,
                    own,
                    countries.get(own, own) if own else None,
                    gender,
                    genders.get(gender, gender) if gender else None,
                    age,
                    ages.get(age, age) if age else None,
                    status,
                    status_names[status],
                    1 if status in ("present", "late") else 0,
                    0 if erased is None else 1,
                ],
            )
            count = row_number
    finally:
        connection.close()
    workbook.close()
    return count


def child(program: str, database: Path, out: Path, trace: bool) -> dict[str, float]:
    """Runs one program once; what the parent reads from this process's output."""
    run = {"ours": child_ours, "bare": child_bare}[program]
    if program == "ours":
        import bot.services.exports  # noqa: F401  (imports before the clock starts)
    else:
        import xlsxwriter  # noqa: F401
    # Content and translations are loaded once when the bot starts: not part of an export.
    titles, tr = _titles(), _translator()
    before = _rss_kib()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    rows = run(database, out, titles, tr)
    wall = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    peak = _peak_rss_kib()
    return {
        "rows": rows,
        "wall": wall,
        "rss_before_kib": before,
        "rss_peak_kib": peak,
        "traced_peak_bytes": traced,
        "bytes": out.stat().st_size,
    }


# -- the parent ----------------------------------------------------------------------------------


@dataclass
class Measure:
    rows: int
    wall: float
    rss_peak_mib: float
    rss_growth_mib: float
    traced_mib: float
    size_mib: float


def _once(program: str, database: Path, folder: Path, trace: bool, index: int) -> dict[str, float]:
    out = folder / f"{program}-{index}-{int(trace)}.xlsx"
    result = subprocess.run(
        [sys.executable, "-m", "bench.export_xlsx", "--child", program, str(database), str(out)]
        + (["--trace"] if trace else []),
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    if index or trace:
        out.unlink()
    return figures


def _summary(runs: list[dict[str, float]], traced: dict[str, float]) -> Measure:
    best = min(runs, key=lambda run: run["wall"])
    mib = 1024.0
    return Measure(
        rows=int(best["rows"]),
        wall=best["wall"],
        rss_peak_mib=max(run["rss_peak_kib"] for run in runs) / mib,
        rss_growth_mib=max(run["rss_peak_kib"] - run["rss_before_kib"] for run in runs) / mib,
        traced_mib=traced["traced_peak_bytes"] / mib / mib,
        size_mib=best["bytes"] / mib / mib,
    )


def measure(database: Path, folder: Path, repeat: int) -> tuple[Measure, Measure]:
    """Both programs, their runs taking turns (ours, alone, ours, alone, ...), so that a
    machine shared with other work slows both alike; then one traced run of each."""
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "bare": []}
    for index in range(repeat):
        for program in ("ours", "bare"):
            runs[program].append(_once(program, database, folder, False, index))
    ours = _summary(runs["ours"], _once("ours", database, folder, True, repeat))
    bare = _summary(runs["bare"], _once("bare", database, folder, True, repeat))
    return ours, bare


def same_cells(ours: Path, bare: Path, rows: int = 300) -> None:
    """The two files hold the same values in the first ``rows`` rows."""
    import openpyxl  # type: ignore[import-untyped]

    def head(path: Path) -> list[tuple[Any, ...]]:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            sheet = book.worksheets[0]
            return list(itertools.islice(sheet.iter_rows(values_only=True), rows))
        finally:
            book.close()

    mine, theirs = head(ours), head(bare)
    if mine != theirs:
        for number, (left, right) in enumerate(zip(mine, theirs, strict=False)):
            if left != right:
                raise SystemExit(f"row {number + 1} differs:\n  ours {left}\n  bare {right}")
        raise SystemExit("the files differ in length")


@dataclass
class Result:
    size: int
    ours: Measure
    bare: Measure


def run(sizes: list[int], repeat: int) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for size in sizes:
            database = folder / f"bench-{size}.sqlite3"
            started = time.perf_counter()
            make_fixture(database, size)
            print(f"{size:,} rows: fixture in {time.perf_counter() - started:.1f} s", flush=True)
            ours, bare = measure(database, folder, repeat)
            same_cells(folder / "ours-0-0.xlsx", folder / "bare-0-0.xlsx")
            for kept in ("ours-0-0.xlsx", "bare-0-0.xlsx"):
                (folder / kept).unlink()
            assert ours.rows == bare.rows == size, (ours.rows, bare.rows, size)
            print(
                f"  ours {ours.wall:.2f} s, +{ours.rss_growth_mib:.1f} MiB; "
                f"XlsxWriter alone {bare.wall:.2f} s, +{bare.rss_growth_mib:.1f} MiB; "
                f"ratio {ours.wall / bare.wall:.2f}",
                flush=True,
            )
            results.append(Result(size, ours, bare))
    return results


def section(results: list[Result], repeat: int) -> str:
    largest = results[-1]
    ratio = largest.ours.wall / largest.bare.wall
    verdict = "within" if ratio <= AIM else "above"
    lines = [
        f"<!-- bench:{SECTION} -->",
        "## Export of attendance rows to XLSX (`python -m bench.export_xlsx`)",
        "",
        f"Generated fixture in a temporary SQLite database ({PEOPLE_PER_SESSION} people a "
        "session, varied statuses and profiles, Cyrillic and ë in names). **ours**: "
        "`bot.services.exports.write_xlsx`, full scope, all time, the Attendance sheet with "
        "its 24 columns (codes and ids beside their translated labels, 0/1 flags, names "
        "by consent; chunked async queries, labels through the translator, XlsxWriter "
        "`constant_memory`). "
        "**XlsxWriter alone**: the same rows and values (checked cell by cell on the first "
        "300 rows) read with `sqlite3` and written with `write_row` into a `constant_memory` "
        "workbook. Each in a fresh process, the runs of the two programs taking turns; time = "
        "export only, best of "
        f"{repeat}; memory growth = peak RSS minus RSS before the export; traced = peak of "
        "Python allocations (`tracemalloc`, separate untimed run); peak RSS = VmHWM of the "
        "process.",
        "",
        "| rows | program | time | vs. alone | peak RSS | RSS growth | traced peak | file |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for label, item in (("ours", result.ours), ("XlsxWriter alone", result.bare)):
            share = item.wall / result.bare.wall
            lines.append(
                f"| {result.size:,} | {label} | {item.wall:.2f} s | {share:.2f}× | "
                f"{item.rss_peak_mib:.0f} MiB | {item.rss_growth_mib:.1f} MiB | "
                f"{item.traced_mib:.1f} MiB | {item.size_mib:.1f} MiB |"
            )
    if len(results) > 1:
        small, large = results[0], results[-1]
        times = large.size // small.size
        lines += [
            "",
            f"From {small.size:,} to {large.size:,} rows ({times}× the rows) our traced peak "
            f"of Python allocations goes from {small.ours.traced_mib:.1f} to "
            f"{large.ours.traced_mib:.1f} MiB: the rows are not held (read in chunks; "
            "XlsxWriter flushes each row to a temporary file).",
        ]
        growth = large.ours.rss_growth_mib / max(small.ours.rss_growth_mib, 0.1)
        if growth <= 1.5:
            lines[-1] += (
                f" The RSS growth goes from {small.ours.rss_growth_mib:.1f} to "
                f"{large.ours.rss_growth_mib:.1f} MiB: flat too."
            )
        else:
            lines[-1] += (
                f" The process's RSS growth goes from {small.ours.rss_growth_mib:.1f} to "
                f"{large.ours.rss_growth_mib:.1f} MiB ({growth:.1f}× for {times}× the rows), "
                "outside Python's allocations (the database driver, the C allocator): it "
                "does not grow in step with the rows."
            )
    lines += [
        "",
        f"At {largest.size:,} rows ours takes **{ratio:.2f}×** the time of XlsxWriter alone "
        f"({verdict} the aim of {AIM}×).",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} "
        f"({_cpu()}), a machine shared with other work: absolute times vary from run to "
        "run, the ratio compares (the runs of the two programs take turns).",
        f"<!-- /bench:{SECTION} -->",
    ]
    return "\n".join(lines)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="row counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each program")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument(
        "--child", nargs=3, metavar=("PROGRAM", "DB", "OUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        program, database, out = args.child
        print(json.dumps(child(program, Path(database), Path(out), args.trace)))
        return
    sizes = sorted(int(part) for part in args.sizes.split(",") if part.strip())
    results = run(sizes, args.repeat)
    text = section(results, args.repeat)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
