"""Programmes through the bot: a trainer chooses the programme of a new session when there
is a choice; a coordinator limited to a programme sees, exports and counts only its
sessions and is refused another programme's; ``/stats`` shows the targets with a progress
chart and a button per programme; ``/targets`` lists them."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
from sqlmodel import select

from bot.handlers.sessions.data import OpenSession
from bot.handlers.targets import StatsProgramme
from bot.models import Role, RoleInvite, TrainingSession
from bot.services import targets
from tests.factories import grant, make_learner
from tests.support.harness import Harness
from tests.support.images import png_size
from tests.support.programmes_world import SMART, build_programme_world

SMART_COORDINATOR, ADMIN_LIKE, TRAINER = 9701, 9702, 9703
NOT_ALLOWED = "Sorry, you are not allowed to do that."


async def smart_coordinator(bot: Harness, smart: int) -> None:
    bot.user(SMART_COORDINATOR)
    async with bot.deps.database.session() as db:
        person = await make_learner(db, telegram_id=SMART_COORDINATOR)
        await grant(db, person, Role.COORDINATOR, programmes=[smart])


async def load_targets(bot: Harness, tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n"
        f"  - {{programme: {SMART}, indicator: people-trained, due: 2027-06-30, value: 20}}\n"
        f"  - {{programme: {SMART}, indicator: people-trained, country: AL, due: 2027-06-30,"
        " value: 4}\n",
        encoding="utf-8",
    )
    async with bot.deps.database.session() as db:
        await targets.load(db, path, now=bot.clock.now())


async def test_a_programme_coordinator_sees_and_exports_only_their_programme(
    bot: Harness, tmp_path: Path
):
    world = await build_programme_world(bot.deps.database)
    await smart_coordinator(bot, world.smart)
    await load_targets(bot, tmp_path)
    coordinator = bot.users[SMART_COORDINATOR]

    # Another programme's session: refused, like another country's.
    [listing] = await coordinator.send("/help")
    await coordinator.tap_data(OpenSession(world.default_session).encode(), listing.message_id)
    assert coordinator.last_callback_answer().text == NOT_ALLOWED
    await coordinator.tap_data(OpenSession(world.smart_sessions[0]).encode(), listing.message_id)
    assert coordinator.last_callback_answer().text != NOT_ALLOWED

    await coordinator.send("/export")
    await coordinator.tap("All time")
    await coordinator.tap("Excel (XLSX)")
    await coordinator.tap("📥 Make the file")
    book = openpyxl.load_workbook(io.BytesIO(coordinator.last_document().content))
    assert book.sheetnames == ["About", "Sessions", "Indicators", "Definitions", "Targets", "Items"]
    sessions = list(book["Sessions"].iter_rows(values_only=True))
    assert len(sessions) == 1 + 3  # the three SMART sessions, not the default one
    countries = {row[list(sessions[0]).index("Session country")] for row in sessions[1:]}
    assert countries == {"Albania", "Bosnia and Herzegovina", "Serbia"}
    target_rows = list(book["Targets"].iter_rows(values_only=True))
    # Rounded for a limited scope: 6 people trained show as 5, Albania's 4 as 5.
    assert [(row[0], row[3], row[7], row[8]) for row in target_rows[1:3]] == [
        (SMART, "", 20, 5),
        (SMART, "AL", 4, 5),
    ]
    assert "programmes: SMART Balkans" in (coordinator.last_message().caption or "")


async def test_stats_show_targets_with_a_chart_and_a_button_per_programme(
    bot: Harness, tmp_path: Path
):
    world = await build_programme_world(bot.deps.database)
    await load_targets(bot, tmp_path)
    boss = await bot.person(ADMIN_LIKE, role=Role.COORDINATOR)  # no limits: exact figures
    replies = await boss.send("/stats")
    section = next(r for r in replies if (r.text or "").startswith("🎯 Targets"))
    text = section.text or ""
    assert "SMART Balkans" in text
    assert "People trained · all countries · by Jun 30, 2027: 6 of 20 (30%)" in text
    assert "✅ People trained · Albania · by Jun 30, 2027: 4 of 4 (100%), met" in text
    assert boss.buttons(section) == [
        ["• All programmes", "Default programme"],
        ["SMART Balkans"],
    ]
    photos = [r for r in replies if r.photo is not None]
    chart = next(p for p in photos if p.caption == "Progress towards the targets")
    assert chart.photo is not None and png_size(chart.photo.content)[0] >= 600

    await boss.tap("SMART Balkans", section)
    shown = bot.api.message(ADMIN_LIKE, section.message_id)
    assert shown is not None
    assert (shown.text or "").startswith("📊 Figures: SMART Balkans")
    assert "👥 People trained: 6" in (shown.text or "")
    await boss.tap("Default programme", section)
    shown = bot.api.message(ADMIN_LIKE, section.message_id)
    assert shown is not None and "👥 People trained: 3" in (shown.text or "")
    assert "No targets are set for your programmes yet." in (shown.text or "")

    # The SMART coordinator sees one programme: no buttons, and the other one is refused.
    await smart_coordinator(bot, world.smart)
    coordinator = bot.users[SMART_COORDINATOR]
    replies = await coordinator.send("/targets")
    assert "6 of 20" not in (replies[0].text or "")
    assert "5 of 20 (25%)" in (replies[0].text or "")  # rounded
    await coordinator.tap_data(StatsProgramme(world.default).encode(), replies[0].message_id)
    assert coordinator.last_callback_answer().text == NOT_ALLOWED


async def test_a_trainer_chooses_the_programme_when_there_is_a_choice(bot: Harness):
    world = await build_programme_world(bot.deps.database)
    trainer = await bot.person(TRAINER, role=Role.TRAINER)
    [question] = await trainer.send("/newsession")
    assert "Which programme is it part of?" in (question.text or "")
    assert trainer.buttons(question) == [["Default programme"], ["SMART Balkans"], ["✖️ Cancel"]]
    await trainer.tap("Default programme", question)
    # Back from the title to the programme, the choice marked; then the other one.
    await trainer.tap("« Back")
    assert trainer.buttons(question.message_id)[0] == ["✅ Default programme"]
    await trainer.tap("SMART Balkans", question)
    assert "What is the title of the session?" in (trainer.last_message().text or "")
    await trainer.send("Rule of law")
    await trainer.tap("No module")
    start = (bot.clock.now() + timedelta(days=3)).astimezone(bot.deps.settings.zone)
    await trainer.send(start.strftime("%d.%m.%Y 10:00"))
    await trainer.tap("✅ Yes")
    await trainer.tap("90 minutes")
    await trainer.send("Hotel Tirana")
    await trainer.tap("Albania")
    await trainer.tap("English")
    await trainer.send("20")
    await trainer.tap("✅ Create")
    async with bot.deps.database.session() as db:
        made = (
            await db.exec(select(TrainingSession).where(TrainingSession.title == "Rule of law"))
        ).one()
    assert made.programme_id == world.smart


async def test_a_coordinator_is_invited_for_a_programme_and_hands_on_only_theirs(bot: Harness):
    world = await build_programme_world(bot.deps.database)
    admin = await bot.person(ADMIN_LIKE, role=Role.ADMIN)
    [reply] = await admin.send('/invite coordinator programme:"smart balkans"')
    assert "Scope: all countries · all organisations · programmes: SMART Balkans" in (
        reply.text or ""
    )
    [unknown] = await admin.send("/invite coordinator programme:Nowhere")
    assert (unknown.text or "").startswith("There is no programme called “Nowhere”.")
    async with bot.deps.database.session() as db:
        [invite] = (await db.exec(select(RoleInvite))).all()
    assert invite.programmes == str(world.smart)

    await smart_coordinator(bot, world.smart)
    coordinator = bot.users[SMART_COORDINATOR]
    [wider] = await coordinator.send('/invite coordinator programme:"Default programme"')
    assert (wider.text or "").startswith("You can only invite within your own scope")
    [inherited] = await coordinator.send("/invite coordinator RS")
    assert "Serbia · all organisations · programmes: SMART Balkans" in (inherited.text or "")


async def test_the_export_can_be_filtered_by_programme_when_there_is_a_choice(bot: Harness):
    await build_programme_world(bot.deps.database)
    boss = await bot.person(ADMIN_LIKE, role=Role.COORDINATOR)
    await boss.send("/export")
    await boss.tap("All time")
    await boss.tap("Excel (XLSX)")
    summary = boss.last_message()
    assert "🗂 Programme: all" in (summary.text or "")
    assert ["🗂 Programme"] in boss.buttons(summary)
    await boss.tap("🗂 Programme", summary)
    assert boss.buttons() == [
        ["Default programme"],
        ["SMART Balkans"],
        ["All programmes of my scope"],
        ["« Back"],
    ]
    await boss.tap("SMART Balkans")
    assert "🗂 Programme: SMART Balkans" in (boss.last_message().text or "")
    await boss.tap("📥 Make the file")
    book = openpyxl.load_workbook(io.BytesIO(boss.last_document().content))
    sessions = list(book["Sessions"].iter_rows(values_only=True))
    assert len(sessions) == 1 + 3
    attendance = list(book["Attendance"].iter_rows(values_only=True))
    assert len(attendance) == 1 + 8  # 4 + 3 (one absent) + 1, not the default's 3
