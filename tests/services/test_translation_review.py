"""The review status of translated texts: a changed English card marks its seven
translations for review; a PO file taken sets what it changed; a reviewer's mark; coverage;
what learners see under UNREVIEWED_TEXT and SHOW_UNREVIEWED_LANGUAGES."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from babel.messages.pofile import read_po, write_po
from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.content.po import export_po, read_import
from bot.content.texts import (
    Files,
    files_from_module,
    load_files,
    source_hashes,
    text_at,
    with_text,
)
from bot.db import Database
from bot.models import TranslationState, TranslationStatus
from bot.paths import CONTENT_DIR
from bot.services import translation_review
from bot.services.translation_review import SHIPPED_STATE, learner_module
from tests.factories import make_learner

MODULE = "passwords-2fa"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SEVEN = ("sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "cnr", "mk")


def edited_english(files: Files, key: str, text: str) -> Files:
    return {**files, "en": with_text(files["en"], key, text)}


async def test_changing_an_english_card_marks_its_seven_translations_for_review(
    database: Database,
):
    files = load_files(CONTENT_DIR / MODULE)
    card = f"cards.{files['module']['cards'][2]}"
    async with database.session() as db:
        assert await translation_review.sync_with_source(db, files, NOW) == 0
    newer = edited_english(files, card, text_at(files["en"], card) + " One more sentence.")

    async with database.session() as db:
        changed = await translation_review.on_source_changed(db, MODULE, files, newer, NOW)

    assert changed == [card]
    async with database.session() as db:
        rows = (
            await db.exec(select(TranslationStatus).where(TranslationStatus.needs_review))
        ).all()
        assert sorted((row.language, row.key) for row in rows) == sorted(
            (language, card) for language in SEVEN
        )
        # The rows still hold what the translation was made from.
        assert {row.state for row in rows} == {SHIPPED_STATE}
        for language in SEVEN:
            found = await translation_review.statuses(db, newer, language)
            assert [k for k, s in found.items() if s.needs_review] == [card]
        coverage = await translation_review.coverage(db, [newer])
        assert {(c.language, c.needs_review, c.machine) for c in coverage} == {
            (language, 1, len(source_hashes(files))) for language in SEVEN
        }
        assert await translation_review.needing_review(db, newer) == {
            language: [card] for language in SEVEN
        }


async def test_an_english_change_in_the_files_is_found_at_start(database: Database):
    files = load_files(CONTENT_DIR / MODULE)
    async with database.session() as db:
        await translation_review.sync_with_source(db, files, NOW)
    newer = edited_english(files, "title", "Passwords and two-step login")
    async with database.session() as db:
        assert await translation_review.sync_with_source(db, newer, NOW) == len(SEVEN)
        assert await translation_review.sync_with_source(db, newer, NOW) == 0
        assert (await translation_review.needing_review(db, newer))["mk"] == ["title"]


async def test_a_po_file_taken_then_a_review(database: Database):
    files = load_files(CONTENT_DIR / MODULE)
    async with database.session() as db:
        translator = await make_learner(db, telegram_id=5101)
        reviewer = await make_learner(db, telegram_id=5102)
    catalog = read_po(io.BytesIO(export_po(files, "mk")))
    [title] = [m for m in catalog if m.context == "title"]
    title.string = title.string + " (2)"
    [summary] = [m for m in catalog if m.context == "summary"]
    summary.flags.add("fuzzy")
    out = io.BytesIO()
    write_po(out, catalog)
    result = read_import(files, out.getvalue())
    assert result.errors == []

    async with database.session() as db:
        await translation_review.record_import(db, result, translator.id, NOW)
    async with database.session() as db:
        found = await translation_review.statuses(db, result.files, "mk")
        assert found["title"].state is TranslationState.TRANSLATED
        assert found["title"].changed_by == translator.id and not found["title"].needs_review
        assert found["summary"].needs_review
        # Kept as they were: still the machine's drafts.
        assert found["cards.password-manager"].state is SHIPPED_STATE
        needing = [k for k, s in found.items() if s.needs_review]
    # The next file marks the summary fuzzy; the translator reads it and takes "fuzzy" away.
    again = read_po(
        io.BytesIO(export_po(result.files, "mk", needs_review=needing)), abort_invalid=True
    )
    [summary] = [m for m in again if m.context == "summary"]
    assert summary.fuzzy
    summary.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, again)
    second = read_import(result.files, out.getvalue())
    assert second.changed == [] and second.needs_review == []
    async with database.session() as db:
        await translation_review.record_import(db, second, translator.id, NOW)
    async with database.session() as db:
        found = await translation_review.statuses(db, result.files, "mk")
        assert not found["summary"].needs_review
        assert found["summary"].state is TranslationState.TRANSLATED
        assert found["cards.password-manager"].state is SHIPPED_STATE
        assert await translation_review.set_state(
            db, result.files, "mk", TranslationState.REVIEWED, reviewer.id, NOW
        ) == len(found)
    async with database.session() as db:
        found = await translation_review.statuses(db, result.files, "mk")
        assert {s.state for s in found.values()} == {TranslationState.REVIEWED}
        assert not any(s.needs_review for s in found.values())
        assert {s.changed_by for s in found.values()} == {reviewer.id}
        [mk] = [
            c for c in await translation_review.coverage(db, [result.files]) if c.language == "mk"
        ]
        assert mk.fully_reviewed and mk.reviewed == mk.total


def test_learners_see_the_old_translation_or_the_english_by_the_settings(catalogue: Catalogue):
    module = catalogue.get(MODULE)
    assert module is not None
    files = files_from_module(module)
    card = module.card_ids[0]
    statuses = {
        language: {
            key: translation_review.TextStatus(
                TranslationState.REVIEWED if language == "sq" else SHIPPED_STATE,
                key == f"cards.{card}",
            )
            for key in translation_review.source_hashes(files)
        }
        for language in SEVEN
    }
    english = module.texts["en"]
    old = learner_module(module, statuses, "old", True)
    assert old.texts["mk"].cards[card] == module.texts["mk"].cards[card] != english.cards[card]
    shown = learner_module(module, statuses, "english", True)
    assert shown.texts["mk"].cards[card] == english.cards[card]
    assert (
        shown.texts["mk"].cards[module.card_ids[1]] == module.texts["mk"].cards[module.card_ids[1]]
    )
    assert shown.texts["mk"].title == module.texts["mk"].title
    # Only wholly reviewed languages are shown: sq has a text to review, the rest are drafts.
    hidden = learner_module(module, statuses, "old", False)
    assert all(hidden.texts[language] is english for language in SEVEN)
    statuses["sq"] = {
        key: translation_review.TextStatus(TranslationState.REVIEWED, False)
        for key in statuses["sq"]
    }
    hidden = learner_module(module, statuses, "old", False)
    assert hidden.texts["sq"] is module.texts["sq"] and hidden.texts["mk"] is english


async def test_the_learners_catalogue_at_start(database: Database, catalogue: Catalogue):
    async with database.session() as db:
        seen = await translation_review.learner_catalogue(db, catalogue, NOW, "old", False)
        assert all(m.texts["mk"] is m.texts["en"] for m in seen.modules)
        seen = await translation_review.learner_catalogue(db, catalogue, NOW, "old", True)
        assert all(
            m.texts["mk"] is original.texts["mk"]
            for m, original in zip(seen.modules, catalogue.modules, strict=True)
        )
        rows = (await db.exec(select(TranslationStatus))).all()
        keys = sum(len(source_hashes(files_from_module(m))) for m in catalogue.modules)
        assert len(rows) == keys * len(SEVEN)
        assert {row.state for row in rows} == {TranslationState.MACHINE}
