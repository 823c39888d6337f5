"""The content editor's two halves as one (issue 18): a translator invited for Macedonian
gets a PO file with /translate, edits it with a PO library, sends it back in the chat, gets
an error by key and line, fixes it and gets "draft ready"; other languages are refused. An
editor of every language changes an English card in the workbook and publishes: its seven
translations need review, in /coverage and in ``content check --db``."""

from __future__ import annotations

import io

import pytest
from babel.messages.pofile import read_po, write_po

from bot.handlers.content import refresh
from bot.i18n.languages import LANGUAGES
from bot.models import VersionState
from bot.services import content_sync
from tests.handlers.test_content_editing import versions
from tests.handlers.test_translations import cli
from tests.support.content_versions import edit_workbook, row_of
from tests.support.harness import Harness
from tests.support.roles import invite

ADMIN = 9101
MODULE = "passwords-2fa"
SEVEN = ("sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "cnr", "mk")


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


async def stored(bot: Harness) -> None:
    async with bot.deps.database.session() as db:
        await content_sync.sync_shipped(db)
    await refresh.refresh(bot.deps)


def block_of(coverage: str, title: str) -> str:
    """The lines of one module in /coverage."""
    return next(block for block in coverage.split("\n\n") if block.startswith(title))


def edited(po: bytes, key: str, text: str) -> bytes:
    catalog = read_po(io.BytesIO(po))
    [entry] = [message for message in catalog if message.context == key]
    entry.string = text
    out = io.BytesIO()
    write_po(out, catalog)
    return out.getvalue()


async def test_a_macedonian_translator_sends_a_po_file_back_in_the_chat(bot: Harness):
    await stored(bot)
    module = bot.deps.catalogue.get(MODULE)
    assert module is not None
    english = module.text("en").cards
    card = next(card for card in module.card_ids if "<a " not in english[card])
    mk = bot.tr("mk")
    admin = bot.user(ADMIN)
    translator = await bot.onboarded(911, "mk", "Македонски", "Граѓански форум", "North Macedonia")
    await translator.send(f"/start {await invite(admin, 'editor mk')}")

    # Only Macedonian: /translate for another language is refused, /coverage shows mk alone.
    [refused] = await translator.send(f"/translate {MODULE} sq")
    assert LANGUAGES["mk"].native_name in (refused.text or "")
    [coverage] = await translator.send("/coverage")
    assert f"{LANGUAGES['mk'].native_name}:" in (coverage.text or "")
    assert f"{LANGUAGES['sq'].native_name}:" not in (coverage.text or "")

    await translator.send(f"/translate {MODULE} mk")
    po = translator.last_document().content

    # Too long: refused, named by key and line, in Macedonian; nothing stored.
    too_long = edited(po, f"cards.{card}", "Лозинка " * 100)
    [error] = await translator.send_document(too_long, f"{MODULE}-mk.po")
    assert f"<code>cards.{card}</code>" in (error.html or "")
    assert mk._("{count} characters, at most {limit}: make it shorter", count=799, limit=700) in (
        error.text or ""
    )
    [entry] = [m for m in read_po(io.BytesIO(too_long)) if m.context == f"cards.{card}"]
    assert mk._(
        "• line {line}, <code>{key}</code>: {problem}",
        line=entry.lineno,
        key=f"cards.{card}",
        problem="",
    ) in (error.html or "")
    assert await versions(bot) == [(1, VersionState.PUBLISHED)]

    # Fixed: a draft, with the workbook's answer and buttons.
    new_text = "<b>Добра лозинка</b> е долга и различна за секоја сметка."
    [ready] = await translator.send_document(edited(po, f"cards.{card}", new_text), "mk.po")
    assert ready.html is not None and ready.html.startswith(
        mk._(
            "✅ Draft ready: {title}, version {number}. Preview it as learners will see it, "
            "then publish it.",
            title=module.text("mk").title,
            number=2,
        )
    )
    assert await versions(bot) == [(1, VersionState.PUBLISHED), (2, VersionState.DRAFT)]
    await translator.tap(mk._("Publish the draft"))
    assert await versions(bot) == [(1, VersionState.SUPERSEDED), (2, VersionState.PUBLISHED)]
    await refresh.refresh(bot.deps)
    published = bot.deps.catalogue.get(MODULE)
    assert published is not None and published.text("mk").cards[card] == new_text


async def test_an_english_card_changed_marks_its_seven_translations_for_review(bot: Harness):
    await stored(bot)
    module = bot.deps.catalogue.get(MODULE)
    assert module is not None
    card = module.card_ids[0]
    admin = bot.user(ADMIN)
    editor = await bot.onboarded(912, "en")
    await editor.send(f"/start {await invite(admin, 'editor')}")
    await editor.send("/content")
    await editor.tap(module.text("en").title)
    await editor.tap("Get the workbook")
    workbook = editor.last_document().content
    cell = f"en!C{row_of(workbook, 'en', f'cards.{card}')}"
    changed = module.text("en").cards[card] + " Use a password manager."
    [ready] = await editor.send_document(edit_workbook(workbook, {cell: changed}), "en.xlsx")
    assert (ready.text or "").startswith("✅ Draft ready")

    # Nothing needs review before the change is published.
    title = module.text("en").title
    [before] = await editor.send("/coverage")
    assert "⚠" not in block_of(before.text or "", title)
    await editor.tap("Publish the draft")
    [after] = await editor.send("/coverage")
    lines = block_of(after.text or "", title).split("\n")
    for code in SEVEN:
        [line] = [line for line in lines if line.startswith(f"{LANGUAGES[code].native_name}:")]
        assert line.endswith("⚠ 1"), line

    check = cli(bot, "check", "--db", "--today", "2026-12-07")
    assert check.returncode == 0, check.stderr
    reported = [line for line in check.stdout.splitlines() if f"cards.{card}" in line]
    assert len(reported) == 7, check.stdout


async def test_an_admin_retires_a_module_from_the_bot(bot: Harness):
    await stored(bot)
    module = bot.deps.catalogue.get(MODULE)
    assert module is not None
    title = module.text("en").title
    admin = bot.user(ADMIN)
    await admin.send("/start")
    [content] = await admin.send("/content")
    assert "python -m bot content new" in (content.text or "")
    await admin.tap(title)
    await admin.tap("Retire the module")
    await admin.tap("No, keep it")
    assert await versions(bot) == [(1, VersionState.PUBLISHED)]
    await admin.tap("Retire the module")
    await admin.tap("Yes, retire it")
    assert (admin.last_message().text or "").startswith("Retired:")
    assert await versions(bot) == [(1, VersionState.RETIRED)]
    learner = await bot.onboarded(913, "en")
    [lessons] = await learner.send("/lessons")
    assert module.text("en").button_title not in (lessons.text or "") + str(lessons.inline_keyboard)
