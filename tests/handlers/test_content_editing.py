"""Content the programme owns (issue 18), played through Telegram: an editor invited for
Albanian downloads a module's workbook, fixes card 3, sends it back, gets a cell-precise
error, fixes it, previews and publishes; learners see it at once, while a learner in the
middle of the module finishes the version they started."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.content.catalogue import plain_text
from bot.handlers.content import refresh
from bot.handlers.learning.data import ShowCard
from bot.models import AuditEntry, ModuleProgress, ModuleVersion, VersionState
from bot.services import content_sync, content_versions
from tests.support.content_versions import edit_workbook, row_of, workbook_rows
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.roles import invite

ADMIN = 9001
MODULE = "passwords-2fa"
NEW_CARD = "<b>Fjalëkalimi</b> i mirë është i gjatë dhe i vetëm për çdo llogari."


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


async def card_seen(user: TelegramUser, index: int) -> str:
    """The learner opens card ``index`` of the module (as its button does); its text."""
    [lessons] = await user.send("/lessons")
    await user.tap_data(ShowCard(MODULE, index).encode(), lessons.message_id)
    message = user.api.message(user.chat_id, lessons.message_id)
    assert message is not None
    return message.text or ""


async def versions(bot: Harness) -> list[tuple[int, str]]:
    async with bot.deps.database.session() as db:
        rows = await db.exec(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == MODULE)
            .order_by(ModuleVersion.number)  # type: ignore[arg-type]
        )
        return [(row.number, row.state) for row in rows.all()]


async def pinned(bot: Harness, user_id: int) -> int | None:
    learner = await bot.learner_of(user_id)
    async with bot.deps.database.session() as db:
        row = (
            await db.exec(
                select(ModuleProgress).where(
                    ModuleProgress.learner_id == learner.id, ModuleProgress.module_id == MODULE
                )
            )
        ).one()
        return row.module_version


async def test_an_albanian_editor_fixes_card_3_and_publishes_while_a_learner_finishes_v1(
    bot: Harness,
):
    async with bot.deps.database.session() as db:
        await content_sync.sync_shipped(db)
    await refresh.refresh(bot.deps)
    module = bot.deps.catalogue.get(MODULE)
    assert module is not None and module.version == 1
    card_3 = module.card_ids[2]
    old_text = module.text("sq").cards[card_3]
    sq = bot.tr("sq")

    # A learner in the middle of the module: on version 1.
    early = await bot.onboarded(801, "sq", "Shqip", "OJQ", "Albania")
    await card_seen(early, 0)
    await card_seen(early, 1)
    assert await pinned(bot, 801) == 1

    # The admin invites an editor for Albanian only.
    admin = bot.user(ADMIN)
    editor = await bot.onboarded(802, "sq", "Shqip", "OJQ", "Albania")
    [granted] = await editor.send(f"/start {await invite(admin, 'editor sq')}")
    assert "Shqip" in (granted.text or "")

    # /content → the module → its workbook.
    await editor.send("/content")
    await editor.tap(module.text("sq").title)
    await editor.tap(sq._("Get the workbook"))
    workbook = editor.last_document().content
    row = row_of(workbook, "sq", f"cards.{card_3}")
    sheet = workbook_rows(workbook, "sq")
    # The headers in the editor's language; the Status column holds the review state.
    assert sheet[0] == (sq._("Key"), sq._("English"), sq._("Text"), sq._("Status"))
    assert sheet[row - 1][3] == sq._("machine-drafted")
    assert sheet[row - 1][1] == module.text("en").cards[card_3]
    assert sheet[row - 1][2] == old_text
    cell = f"sq!C{row}"

    # Too long: the problem is named by its cell, and nothing changes.
    [refused] = await editor.send_document(
        edit_workbook(workbook, {cell: "Fjalëkalimi " * 70}), f"{MODULE}.xlsx"
    )
    assert f"<code>{cell}</code>" in (refused.html or "")
    assert sq._("{count} characters, at most {limit}: make it shorter", count=839, limit=700) in (
        refused.text or ""
    )
    assert await versions(bot) == [(1, VersionState.PUBLISHED)]

    # Macedonian is not this editor's language.
    [other] = await editor.send_document(
        edit_workbook(workbook, {f"mk!C{row}": "Нов текст за картичката."}), f"{MODULE}.xlsx"
    )
    assert f"mk!C{row}" in (other.text or "")
    assert await versions(bot) == [(1, VersionState.PUBLISHED)]

    # Fixed: a draft, previewed in Albanian as a learner would see it, nothing recorded.
    [ready] = await editor.send_document(edit_workbook(workbook, {cell: NEW_CARD}), "fixed.xlsx")
    assert ready.html == sq._(
        "✅ Draft ready: {title}, version {number}. Preview it as learners will see it, then "
        "publish it.",
        title=module.text("sq").title,
        number=2,
    )
    assert await versions(bot) == [(1, VersionState.PUBLISHED), (2, VersionState.DRAFT)]
    await editor.tap(sq._("Preview the draft"))
    await editor.tap("Shqip")
    await editor.tap("▶")
    await editor.tap("▶")
    preview = editor.last_message().text or ""
    assert plain_text(NEW_CARD) in preview
    assert bot.deps.catalogue.get(MODULE).text("sq").cards[card_3] == old_text  # type: ignore[union-attr]
    editor_learner = await bot.learner_of(802)
    async with bot.deps.database.session() as db:
        progress = await db.exec(
            select(ModuleProgress).where(ModuleProgress.learner_id == editor_learner.id)
        )
        assert progress.all() == []

    # Published: audited, in effect at once, without a restart.
    await editor.tap(sq._("Publish the draft"))
    assert await versions(bot) == [(1, VersionState.SUPERSEDED), (2, VersionState.PUBLISHED)]
    async with bot.deps.database.session() as db:
        actions = [entry.action for entry in (await db.exec(select(AuditEntry))).all()]
    assert "content.published" in actions

    late = await bot.onboarded(803, "sq", "Shqip", "OJQ", "Albania")
    assert plain_text(NEW_CARD) in plain_text(await card_seen(late, 2))
    assert await pinned(bot, 803) == 2
    # The learner who started on version 1 finishes it.
    assert plain_text(old_text) in plain_text(await card_seen(early, 2))
    assert await pinned(bot, 801) == 1


async def test_a_learner_without_an_editor_role_cannot_send_a_workbook(bot: Harness):
    async with bot.deps.database.session() as db:
        await content_sync.sync_shipped(db)
    learner = await bot.onboarded(811, "en")
    [refused] = await learner.send_document(b"PK\x03\x04 not really", "passwords-2fa.xlsx")
    assert refused.text == "Sorry, you are not allowed to do that."
    assert await versions(bot) == [(1, VersionState.PUBLISHED)]


async def test_a_publish_from_the_command_line_reaches_the_running_bot(bot: Harness):
    async with bot.deps.database.session() as db:
        await content_sync.sync_shipped(db)
    await refresh.refresh(bot.deps)
    learner = await bot.onboarded(821, "en")
    editor = await bot.learner_of(821)
    assert editor.id is not None
    async with bot.deps.database.session() as db:
        files = await content_versions.latest_draft_or_published(db, MODULE)
        files["en"]["title"] = "Passwords, passphrases and two-step login"
        await content_versions.save_draft(db, MODULE, files, editor.id, {"en"})
        await content_versions.publish(db, MODULE, None)
    # Another process published: the bot's next round of background work picks it up.
    await bot.tick()
    module = bot.deps.catalogue.get(MODULE)
    assert module is not None and module.version == 2
    [lessons] = await learner.send("/lessons")
    assert "Passwords, passphrases and two-step login" in (lessons.text or "")
