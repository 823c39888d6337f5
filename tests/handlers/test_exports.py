"""``/export`` end to end: the conversation, the document that arrives (read back with
openpyxl and the csv module), scopes, and refusals for learners and trainers."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlmodel import select

from bot.handlers.exports.data import (
    Action,
    ExportAction,
    ExportCountry,
    ExportFormatPick,
    ExportPeriod,
    PeriodChoice,
)
from bot.models import Draft, RoleGrant
from bot.services import audit
from bot.services.exports import ExportFormat
from tests.support.export_world import World, build_world
from tests.support.harness import Harness
from tests.support.reporting import Askers, add_askers, export_entries

COORDINATOR, KOSOVO_COORDINATOR, TRAINER, LEARNER = 960, 961, 962, 963
NOT_ALLOWED = "Sorry, you are not allowed to do that."
ASKERS = Askers(COORDINATOR, KOSOVO_COORDINATOR, TRAINER, LEARNER)


async def setup(bot: Harness) -> World:
    world = await build_world(bot.deps.database)
    await add_askers(bot.deps.database, ASKERS)
    return world


async def test_a_coordinator_exports_a_workbook_with_typed_dates_and_a_country(bot: Harness):
    await setup(bot)
    coordinator = bot.user(COORDINATOR)

    replies = await coordinator.send("/export")
    assert "Which period should the file cover?" in (replies[0].text or "")
    assert coordinator.buttons() == [
        ["This month", "Last month"],
        ["This quarter", "This year"],
        ["All time", "📅 Two dates…"],
        ["✖️ Cancel"],
    ]
    await coordinator.tap("📅 Two dates…")
    assert "Type the first and the last day" in (coordinator.last_message().text or "")

    # Clear re-asks; nothing moves on until two real dates come.
    await coordinator.send("31.02.2026 01.03.2026")
    assert coordinator.last_message().text == (
        "There is no 31.02.2026. Please check the days and the months, for example "
        "01.01.2026 31.12.2026"
    )
    await coordinator.send("31.12.2026 01.01.2026")
    assert (coordinator.last_message().text or "").startswith(
        "The last day comes before the first."
    )
    await coordinator.send("next year please")
    assert (coordinator.last_message().text or "").startswith("I could not read two dates.")
    await coordinator.send("01.01.2026 31.12.2026")
    assert coordinator.last_message().text == "Which format?"
    assert coordinator.buttons() == [["Excel (XLSX)"], ["CSV"], ["✖️ Cancel"]]

    await coordinator.tap("Excel (XLSX)")
    summary = coordinator.last_message().text or ""
    assert "🗓 Period: Jan 1, 2026 – Dec 31, 2026" in summary
    assert "🌍 Country: all" in summary
    await coordinator.tap("🌍 Country")
    assert coordinator.buttons()[-2:] == [["All countries of my scope"], ["« Back"]]
    await coordinator.tap("Kosovo")
    assert "🌍 Country: Kosovo" in (coordinator.last_message().text or "")

    actions_before = len(bot.api.calls_of("sendChatAction"))
    await coordinator.tap("📥 Make the file")
    document = coordinator.last_document()
    assert document.filename == "kapacitet-2026-01-01-2026-12-31.xlsx"
    # While it was made the chat said "sending a file"; "⏳ Making the file…" is gone.
    actions = bot.api.calls_of("sendChatAction")[actions_before:]
    assert [(a["chat_id"], a["action"]) for a in actions][:1] == [(COORDINATOR, "upload_document")]
    assert all(m.text != "⏳ Making the file…" for m in coordinator.messages())
    message = coordinator.last_message()
    caption = message.caption or ""
    assert caption.startswith("📊 Export · Jan 1, 2026 – Dec 31, 2026 · Excel (XLSX)")
    assert "Filters: Country: Kosovo" in caption
    assert "Scope: all countries · all organisations" in caption
    assert "5 attendance rows" in caption

    book = openpyxl.load_workbook(io.BytesIO(document.content))
    assert book.sheetnames == [
        "About",
        "Attendance",
        "Participants",
        "Sessions",
        "Learning",
        "Indicators",
        "Definitions",
        "Targets",
        "Items",
    ]
    rows = list(book["Attendance"].iter_rows(values_only=True))
    assert {row[1] for row in rows[1:]} == {"Siguria digjitale"}
    assert {row[3:5] for row in rows[1:]} == {("XK", "Kosovo")}
    assert len(rows) == 6

    entries = await export_entries(bot.deps.database)
    assert len(entries) == 1
    details = audit.details_of(entries[0])
    assert details["format"] == "xlsx"
    assert details["filters"] == {"country": "XK", "organisation": None, "module": None}
    async with bot.deps.database.session() as db:
        assert (await db.exec(select(Draft))).all() == []


async def test_a_file_that_cannot_be_sent_replaces_the_working_message(bot: Harness):
    await setup(bot)
    coordinator = bot.user(COORDINATOR)
    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("CSV")
    bot.api.fail_next("sendDocument", 400, "Bad Request: file is too big")
    await coordinator.tap("📥 Make the file")
    assert all(m.text != "⏳ Making the file…" for m in coordinator.messages())
    assert coordinator.last_message().text == (
        "Sorry, the file could not be made. Please try again later."
    )
    assert all(m.document is None for m in coordinator.bot_messages())
    # The next try is not refused as "still being made".
    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("CSV")
    await coordinator.tap("📥 Make the file")
    assert coordinator.last_document().filename == "kapacitet-all.csv"


async def test_a_coordinator_exports_csv_filtered_by_a_typed_organisation(bot: Harness):
    await setup(bot)
    coordinator = bot.user(COORDINATOR)
    # An organisation nobody belongs to: the file has the header only; "&" shows as typed.
    await coordinator.send("/export")
    await coordinator.tap("This year")
    await coordinator.tap("CSV")
    await coordinator.tap("🏢 Organisation")
    await coordinator.send("Forum  &  Co")
    assert "🏢 Organisation: Forum & Co" in (coordinator.last_message().text or "")
    await coordinator.tap("📥 Make the file")
    assert "Filters: Organisation: Forum & Co" in (coordinator.last_message().caption or "")
    header_only = coordinator.last_document().content.decode("utf-8-sig").splitlines()
    assert len(header_only) == 1

    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("CSV")
    await coordinator.tap("🏢 Organisation")
    assert "Type the organisation's name" in (coordinator.last_message().text or "")
    await coordinator.send("Forum")
    assert "🏢 Organisation: Forum" in (coordinator.last_message().text or "")
    await coordinator.tap("📥 Make the file")

    document = coordinator.last_document()
    assert document.filename == "kapacitet-all.csv"
    assert document.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["session_id", "Session", "Date"]
    assert {row[13] for row in rows[1:]} == {"Forum"}
    assert "Јелена Јовановић" in {row[12] for row in rows[1:]}
    assert "Filters: Organisation: Forum" in (coordinator.last_message().caption or "")


async def test_a_kosovo_coordinator_gets_only_kosovo_and_no_rows_about_people(bot: Harness):
    await setup(bot)
    kosovo = bot.user(KOSOVO_COORDINATOR)
    await kosovo.send("/export")
    await kosovo.tap("All time")
    question = kosovo.last_message()
    assert "CSV holds one row per person" in (question.text or "")
    assert kosovo.buttons() == [["Excel (XLSX)"], ["✖️ Cancel"]]

    # A forged CSV button is refused.
    await kosovo.tap_data(ExportFormatPick(ExportFormat.CSV).encode(), question.message_id)
    answer = kosovo.last_callback_answer()
    assert answer is not None and answer.show_alert
    assert (answer.text or "").startswith("CSV holds one row per person")

    await kosovo.tap("Excel (XLSX)")
    await kosovo.tap("🌍 Country")
    assert kosovo.buttons() == [["Kosovo"], ["All countries of my scope"], ["« Back"]]
    # A forged button for a country outside the scope is refused.
    await kosovo.tap_data(ExportCountry("RS").encode(), kosovo.last_message().message_id)
    answer = kosovo.last_callback_answer()
    assert answer is not None and answer.text == "That country is outside your scope."
    await kosovo.tap("« Back")
    assert "🌍 Country: all" in (kosovo.last_message().text or "")

    await kosovo.tap("📥 Make the file")
    document = kosovo.last_document()
    book = openpyxl.load_workbook(io.BytesIO(document.content))
    assert book.sheetnames == ["About", "Sessions", "Indicators", "Definitions", "Targets", "Items"]
    sessions = list(book["Sessions"].iter_rows(values_only=True))
    assert [row[1] for row in sessions[1:]] == ["Last year", "Siguria digjitale"]
    everything = " ".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    for outside in ("Ana Hoxhë", "Јелена", "Дигитална", "Serbia", "Albania"):
        assert outside not in everything
    assert "Scope: Kosovo · all organisations" in (kosovo.last_message().caption or "")


async def test_learners_and_trainers_cannot_export(bot: Harness):
    await setup(bot)
    for telegram_id in (LEARNER, TRAINER):
        person = bot.user(telegram_id)
        replies = await person.send("/export")
        assert [reply.text for reply in replies] == [NOT_ALLOWED]
        for data in (
            ExportPeriod(PeriodChoice.ALL_TIME),
            ExportFormatPick(ExportFormat.XLSX),
            ExportAction(Action.MAKE),
        ):
            await person.tap_data(data.encode(), replies[0].message_id)
            answer = person.last_callback_answer()
            assert answer is not None and answer.text == NOT_ALLOWED and answer.show_alert
        assert all(message.document is None for message in person.bot_messages())
    async with bot.deps.database.session() as db:
        assert (await db.exec(select(Draft))).all() == []
    assert await export_entries(bot.deps.database) == []


async def test_a_coordinator_who_loses_the_role_midway_gets_nothing(bot: Harness):
    await setup(bot)
    coordinator = bot.user(COORDINATOR)
    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("Excel (XLSX)")
    async with bot.deps.database.session() as db:
        grants = (await db.exec(select(RoleGrant).where(RoleGrant.role == "coordinator"))).all()
        for grant in grants:
            grant.revoked_at = bot.clock.now()
            db.add(grant)
    await coordinator.tap("📥 Make the file")
    answer = coordinator.last_callback_answer()
    assert answer is not None and answer.text == NOT_ALLOWED
    assert all(message.document is None for message in coordinator.bot_messages())
    assert await export_entries(bot.deps.database) == []
