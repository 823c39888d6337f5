"""The curriculum stored as versions: the shipped files synced once per change, drafts
checked by the content rules, publishing, retirement, and learners on their own version."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from bot.content.catalogue import Catalogue, load_catalogue
from bot.db import Database
from bot.models import QuizAttempt, QuizKind, Role, VersionState
from bot.paths import CONTENT_DIR
from bot.services import content_sync, content_versions, content_workbook, progress, quiz
from bot.services.content_versions import ContentVersionError, Reason
from tests.factories import grant, make_learner

MODULE = "passwords-2fa"


def shipped_one(root: Path) -> Path:
    """A modules folder holding one shipped module, to change as a release would."""
    shutil.copytree(CONTENT_DIR / MODULE, root / MODULE)
    return root / MODULE


async def states(database: Database) -> list[tuple[int, str]]:
    async with database.session() as db:
        return [(r.number, r.state) for r in await content_versions.versions_of(db, MODULE)]


async def retitle_in_albanian(database: Database, title: str) -> None:
    """The programme edits the module in the bot: a new Albanian title, published."""
    async with database.session() as db:
        editor = await make_learner(db)
        assert editor.id is not None
        files = await content_versions.latest_draft_or_published(db, MODULE)
        files["sq"]["title"] = title
        await content_versions.save_draft(db, MODULE, files, editor.id, {"sq"})
        await content_versions.publish(db, MODULE, editor.id)


async def test_the_shipped_files_are_stored_once_and_followed_unless_edited_in_the_bot(
    database: Database, tmp_path: Path
):
    folder = shipped_one(tmp_path)
    async with database.session() as db:
        first = await content_sync.sync_shipped(db, tmp_path)
        again = await content_sync.sync_shipped(db, tmp_path)
    assert first.added == (MODULE,)
    assert again == content_sync.Synced(as_shipped={MODULE: 1})  # nothing to store
    assert await states(database) == [(1, VersionState.PUBLISHED)]

    english = yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8"))
    english["title"] = "Passwords and two-step login"
    (folder / "en.yaml").write_text(yaml.safe_dump(english, allow_unicode=True), "utf-8")
    async with database.session() as db:
        synced = await content_sync.sync_shipped(db, tmp_path)
    assert synced.updated == (MODULE,)
    assert await states(database) == [(1, VersionState.SUPERSEDED), (2, VersionState.PUBLISHED)]

    # The programme edits the module in the bot: a later release does not overwrite it.
    await retitle_in_albanian(database, "Fjalëkalimet")
    english["summary"] = "Changed in the next release."
    (folder / "en.yaml").write_text(yaml.safe_dump(english, allow_unicode=True), "utf-8")
    async with database.session() as db:
        synced = await content_sync.sync_shipped(db, tmp_path)
    assert synced.kept == (MODULE,) and synced.updated == ()
    assert (await states(database))[-1] == (3, VersionState.PUBLISHED)


async def test_a_start_keeps_the_modules_read_from_the_files_and_builds_only_edited_ones(
    database: Database,
):
    """The catalogue read from the files is what is published, unless the programme edited a
    module: then that module, and only that one, is built from the database."""
    async with database.session() as db:
        await content_sync.sync_shipped(db)
    await retitle_in_albanian(database, "Fjalëkalimet dhe hyrja me dy hapa")
    catalogue = load_catalogue()  # as a start reads it
    from_files = {module.id: module for module in catalogue.modules}
    async with database.session() as db:
        synced = await content_sync.sync_shipped(db)
        catalogue.adopt(synced.as_shipped)
        assert await content_versions.load_into(db, catalogue)
    assert MODULE not in synced.as_shipped and len(synced.as_shipped) == len(from_files) - 1
    for module in catalogue.modules:
        if module.id == MODULE:
            assert module.version == 2 and module.text("sq").title.startswith("Fjalëkalimet")
            assert from_files[MODULE].text("sq").title != module.text("sq").title
        else:  # the same texts, not a second copy of them
            assert module.version == 1 and module.texts is from_files[module.id].texts


async def test_a_draft_is_checked_by_the_content_rules_and_the_editors_languages(
    database: Database,
):
    async with database.session() as db:
        await content_sync.sync_shipped(db)
        translator = await make_learner(db)
        translator_grant = await grant(db, translator, Role.EDITOR)
        translator_grant.languages = "mk"
        db.add(translator_grant)
        assert translator.id is not None
        files = await content_versions.latest_draft_or_published(db, MODULE)
        card = next(key for key, text in files["en"]["cards"].items() if "href" not in text)
        files["mk"]["cards"][card] = "Ова е картичка. " * 50
        with pytest.raises(ContentVersionError) as caught:
            await content_versions.save_draft(db, MODULE, files, translator.id, {"mk"})
        assert caught.value.reason == Reason.INVALID
        assert [str(p) for p in caught.value.problems] == [
            f"mk: cards.{card}: 799 characters, at most 700"
        ]
        files = await content_versions.latest_draft_or_published(db, MODULE)
        files["sq"]["title"] = "Fjalëkalimet"
        with pytest.raises(ContentVersionError) as caught:
            await content_versions.save_draft(db, MODULE, files, translator.id, {"sq"})
        assert (caught.value.reason, caught.value.value) == (Reason.LANGUAGE_NOT_ALLOWED, "sq")
        # The quiz lint too: the right answer may not be the longest option too often.
        files = await content_versions.latest_draft_or_published(db, MODULE)
        for question in files["module"]["questions"][:6]:
            options = files["mk"]["questions"][question["id"]]["options"]
            options[question["correct"]] += " (точно)"
        with pytest.raises(ContentVersionError) as caught:
            await content_versions.save_draft(db, MODULE, files, translator.id, {"mk"})
        assert any(
            p.file == "mk" and "strictly the longest" in p.message for p in caught.value.problems
        )
    assert await states(database) == [(1, VersionState.PUBLISHED)]


async def test_learners_finish_the_version_they_started_and_new_starts_get_the_published(
    database: Database,
):
    catalogue = Catalogue([])
    async with database.session() as db:
        await content_sync.sync_shipped(db)
        assert await content_versions.load_into(db, catalogue)
        first = catalogue.get(MODULE)
        assert first is not None and first.version == 1
        early = await make_learner(db)
        await progress.show_card(db, early, first, 5)
        editor = await make_learner(db)
        assert editor.id is not None
        # Version 2 drops the last card (a change of structure: only an editor of every
        # language may make it).
        files = await content_versions.latest_draft_or_published(db, MODULE)
        last = files["module"]["cards"].pop()
        for code, text in files.items():
            if code != "module":
                del text["cards"][last]
        await content_versions.save_draft(db, MODULE, files, editor.id, set(files))
        await content_versions.publish(db, MODULE, editor.id)
        assert await content_versions.load_into(db, catalogue)
    async with database.session() as db:
        late = await make_learner(db)
        mine = await progress.learner_module(db, early, catalogue, MODULE)
        theirs = await progress.learner_module(db, late, catalogue, MODULE)
        assert mine is not None and theirs is not None
        assert (mine.version, theirs.version) == (1, 2)
        assert theirs.card_count == first.card_count - 1 and mine.card_ids == first.card_ids
        # Resume shows the card the learner was on: it exists in their version.
        assert await progress.resume_card(db, early, mine) == 5
        # The quiz records the version it is taken on.
        for card in range(mine.card_count):
            await progress.show_card(db, early, mine, card)
        state = await quiz.start(db, early, mine, QuizKind.POST)
    async with database.session() as db:
        stored = await db.get(QuizAttempt, state.attempt_id)
        assert stored is not None and stored.module_version == 1


async def test_a_retired_module_leaves_the_catalogue_and_stays_for_reports(database: Database):
    catalogue = Catalogue([])
    async with database.session() as db:
        await content_sync.sync_shipped(db)
        await content_versions.retire(db, MODULE, None)
        await content_versions.load_into(db, catalogue)
    assert catalogue.get(MODULE) is None
    assert catalogue.retired == (MODULE,)
    retired = catalogue.any_version(MODULE)
    assert retired is not None and retired.version == 1
    assert len(catalogue) == len(load_catalogue()) - 1


async def test_a_workbook_that_changes_nothing_makes_no_draft(database: Database):
    async with database.session() as db:
        await content_sync.sync_shipped(db)
        editor = await make_learner(db)
        assert editor.id is not None
        files = await content_versions.latest_draft_or_published(db, MODULE)
        workbook = content_workbook.export(files, MODULE, 1)
        with pytest.raises(ContentVersionError) as caught:
            await content_workbook.import_workbook(db, workbook, editor.id, date(2026, 12, 1))
        assert caught.value.reason == Reason.UNCHANGED
        with pytest.raises(ContentVersionError) as caught:
            await content_workbook.import_workbook(db, b"not a workbook", editor.id)
        assert caught.value.reason == Reason.BAD_FILE


def test_content_new_writes_a_skeleton_that_the_check_points_at(tmp_path: Path):
    assert main(["content", "new", "media-literacy", "--root", str(tmp_path)]) == 0
    meta = yaml.safe_load((tmp_path / "media-literacy" / "module.yaml").read_text("utf-8"))
    assert meta["id"] == "media-literacy" and len(meta["questions"]) == 12
    assert (tmp_path / "media-literacy" / "mk.yaml").exists()
    assert main(["content", "new", "media-literacy", "--root", str(tmp_path)]) == 1
