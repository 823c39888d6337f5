"""Translation coverage and review, through Telegram (/coverage, /review) and from the command
line (content po export/import, content coverage, content review, content check --db): a
coordinator sees each module's coverage per language, marks a language reviewed; a PO file
for mk edited with a PO library is taken from the command line into a module folder; a
changed English text is reported by ``content check --db``."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.content.po import import_po
from bot.content.texts import (
    entries,
    files_from_module,
    load_files,
    text_at,
    with_text,
    write_files,
)
from bot.models import Role, TranslationState, TranslationStatus
from bot.paths import CONTENT_DIR
from bot.services import translation_review
from tests.support.harness import Harness
from tests.support.processes import ROOT, bot_env

COORDINATOR, LEARNER = 6201, 6202
MODULE = "passwords-2fa"


def cli(bot: Harness, *arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "content", *arguments],
        env=bot_env(DATABASE_URL=bot.deps.settings.database_url),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


async def test_a_coordinator_sees_coverage_and_marks_a_language_reviewed(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get(MODULE)
    assert module is not None
    texts = len(entries(files_from_module(module), "en"))
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR, countries=("RS",))

    await coordinator.send("/coverage")
    shown = coordinator.last_message().text or ""
    assert shown.startswith("Translation coverage")
    block = shown.split(module.text("en").title)[1].split("\n\n")[0]
    assert f"({texts} texts)" in block
    assert f"Македонски: 🤖 {texts}\n" in block + "\n" and "⚠" not in block

    await coordinator.send("/review")
    assert "/review eu-accession mk" in (coordinator.last_message().text or "")
    await coordinator.send("/review passwords-2fa xx")
    assert "Modules: " in (coordinator.last_message().text or "")
    async with bot.deps.database.session() as db:
        assert (await db.exec(select(TranslationStatus))).all() == []

    await coordinator.send(f"/review {MODULE} mk")
    assert coordinator.last_message().text == (
        f"{texts} texts of “{module.text('en').title}” in Македонски are now marked as "
        "reviewed by you."
    )
    async with bot.deps.database.session() as db:
        rows = (await db.exec(select(TranslationStatus))).all()
    assert len(rows) == texts
    assert {(row.language, row.state) for row in rows} == {("mk", TranslationState.REVIEWED)}
    await coordinator.send("/coverage")
    block = (coordinator.last_message().text or "").split(module.text("en").title)[1]
    assert f"Македонски: ✅ {texts}" in block.split("\n\n")[0]
    assert f"Shqip: 🤖 {texts}" in block.split("\n\n")[0]

    # The PO file for a translator: the reviewed status in its notes; edited with a PO
    # library, it is what the content editor's document path takes.
    await coordinator.send(f"/translate {MODULE} mk")
    document = coordinator.last_document()
    assert document.filename == f"{MODULE}-mk.po"
    assert coordinator.bot_messages()[-1].caption == (
        f"“{module.text('en').title}” in Македонски, for Poedit, Weblate or OmegaT: translate, "
        "then send the file back."
    )
    catalog = read_po(io.BytesIO(document.content))
    [title] = [m for m in catalog if m.context == "title"]
    assert title.string == module.text("mk").title
    assert "Status: reviewed" in title.auto_comments
    title.string = "Лозинки и најава во два чекори"
    edited = io.BytesIO()
    write_po(edited, catalog)
    new_files, problems = import_po(load_files(CONTENT_DIR / MODULE), "mk", edited.getvalue())
    assert problems == []
    assert text_at(new_files["mk"], "title") == "Лозинки и најава во два чекори"
    await coordinator.send("/translate")
    assert "/translate eu-accession mk" in (coordinator.last_message().text or "")

    learner = await bot.onboarded(LEARNER)
    await learner.send("/coverage")
    assert learner.last_message().text == "Sorry, you are not allowed to do that."


async def test_po_round_trip_and_review_from_the_command_line(bot: Harness, tmp_path: Path):
    root = tmp_path / "modules"
    shutil.copytree(CONTENT_DIR / MODULE, root / MODULE)
    files = load_files(root / MODULE)

    made = cli(
        bot, "po", "export", MODULE, "mk", "--root", str(root), "--out", "mk.po", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    catalog = read_po((tmp_path / "mk.po").open("rb"))
    [title] = [m for m in catalog if m.context == "title"]
    title.string = "Лозинки и најава во два чекори"
    with (tmp_path / "mk-edited.po").open("wb") as out:
        write_po(out, catalog)

    taken = cli(bot, "po", "import", "mk-edited.po", "--root", str(root), cwd=tmp_path)
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert f"{MODULE} mk: 1 text(s) changed, 0 marked as needing review." in taken.stdout
    now = load_files(root / MODULE)
    assert text_at(now["mk"], "title") == "Лозинки и најава во два чекори"
    assert now["en"] == files["en"] and now["module"] == files["module"]
    # Every other text is as it was (the file is rewritten, the texts are not).
    assert [e for e in entries(now, "mk") if e.key != "title"] == [
        e for e in entries(files, "mk") if e.key != "title"
    ]

    # A broken file: named by key and line; nothing changes.
    [card] = [m for m in catalog if m.context == "cards.what-is-2fa"]
    card.string += " {code}"
    broken = io.BytesIO()
    write_po(broken, catalog)
    (tmp_path / "broken.po").write_bytes(broken.getvalue())
    refused = cli(bot, "po", "import", "broken.po", "--root", str(root), cwd=tmp_path)
    assert refused.returncode == 1
    assert "cards.what-is-2fa: placeholders differ from the English text" in refused.stdout
    assert "error: line " in refused.stdout
    assert load_files(root / MODULE) == now

    # The bot starts on these files (the review rows are brought up to date), then the English
    # of a card changes in the files: the check with --db says so.
    async with bot.deps.database.session() as db:
        await translation_review.sync_with_source(db, now, bot.clock.now())
    english = with_text(
        now["en"], "cards.what-is-2fa", text_at(now["en"], "cards.what-is-2fa") + " Yes."
    )
    write_files({**now, "en": english}, root / MODULE, names=["en"])
    coverage = cli(bot, "coverage", "--root", str(root))
    assert coverage.returncode == 0, coverage.stderr
    [mk] = [line.split() for line in coverage.stdout.splitlines() if " mk " in line]
    assert mk[6:8] == ["1", "translated,"] and mk[-3:] == ["1", "need", "review"]
    check = cli(bot, "check", "--root", str(root), "--db", "--today", "2026-12-07")
    assert check.returncode == 0, check.stdout + check.stderr
    for language in ("sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "cnr", "mk"):
        assert (
            f"warning: {MODULE}/{language}: cards.what-is-2fa: the English changed: needs review"
            in check.stdout
        )
    strict = cli(
        bot, "check", "--root", str(root), "--db", "--strict-review", "--today", "2026-12-07"
    )
    assert strict.returncode == 1
    assert f"error: {MODULE}/mk: cards.what-is-2fa" in strict.stdout

    reviewed = cli(bot, "review", MODULE, "mk", "--key", "cards.what-is-2fa", "--root", str(root))
    assert reviewed.returncode == 0, reviewed.stderr
    assert reviewed.stdout.strip() == f"{MODULE} mk: 1 text(s) now reviewed."
    check = cli(bot, "check", "--root", str(root), "--db", "--today", "2026-12-07")
    assert f"{MODULE}/mk: cards.what-is-2fa" not in check.stdout
    assert f"{MODULE}/sq: cards.what-is-2fa" in check.stdout
