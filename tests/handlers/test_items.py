"""``/items`` and the workbook's Items sheet, for coordinators, on a generated data set with
one question "mistranslated" in Albanian."""

from __future__ import annotations

import io

import openpyxl

from bot.content.catalogue import Catalogue, plain_text
from bot.models import Role
from tests.support.harness import Harness
from tests.support.items_world import FEW, PER_LANGUAGE, build_items_world


async def test_a_coordinator_sees_the_mistranslated_question_flagged(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    world = await build_items_world(bot.deps.database, module)
    coordinator = await bot.person(3001, role=Role.COORDINATOR)
    [message] = await coordinator.send("/items")
    text = message.text or ""
    question = plain_text(module.text("en").questions[world.mistranslated].text)
    flagged = [line for line in text.splitlines() if line.startswith("• ")]
    assert len(flagged) == 1
    assert world.mistranslated in flagged[0] and "Shqip" in flagged[0]
    assert question[:40] in flagged[0]
    # Eight questions in four languages with enough answers; Croatian has too few.
    assert "at least 20 answers: 32 of 40." in text

    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("Excel (XLSX)")
    await coordinator.tap("📥 Make the file")
    book = openpyxl.load_workbook(io.BytesIO(coordinator.last_document().content))
    rows = [list(row) for row in book["Items"].iter_rows(values_only=True)]
    assert rows[0] == [
        "Module",
        "Question",
        "Language",
        "Answers",
        "Share correct %",
        "Discrimination",
        "Other languages: share correct %",
        "Flagged: check the translation",
    ]
    assert len(rows) == 1 + 8 * 5
    assert [(row[1], row[2]) for row in rows[1:] if row[7] == "Yes"] == [
        (world.mistranslated, "Shqip")
    ]
    assert {row[3] for row in rows[1:]} == {PER_LANGUAGE, FEW[1]}
    assert all(row[4] is None for row in rows[1:] if row[3] == FEW[1])


async def test_a_limited_coordinator_sees_only_their_people_rounded(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    await build_items_world(bot.deps.database, module, organisation="Forum")
    other = await bot.person(3002, role=Role.COORDINATOR, organisations=["Other"])
    [message] = await other.send("/items")
    assert "at least 20 answers: 0 of 0." in (message.text or "")
    mine = await bot.person(3003, role=Role.COORDINATOR, organisations=["Forum"])
    [message] = await mine.send("/items")
    assert "rounded to a multiple of 5" in (message.text or "")
    await mine.send("/export")
    await mine.tap("All time")
    await mine.tap("Excel (XLSX)")
    await mine.tap("📥 Make the file")
    book = openpyxl.load_workbook(io.BytesIO(mine.last_document().content))
    rows = [list(row) for row in book["Items"].iter_rows(values_only=True)]
    assert {row[3] for row in rows[1:]} == {PER_LANGUAGE, 5}  # 6 Croatian answers: 5
