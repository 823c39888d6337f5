"""The simulator's page in a real browser: headless Chromium from the machine's packages, driven
by Playwright for Python (with the system browser; Playwright's own browsers are never
downloaded). Screenshots of the main screens go to ``test-artifacts/simulator/``.

Without a Chromium on the machine (``apt-get install chromium``; ``./kapacitet test`` installs
it when it can) these tests are skipped, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.catalogue import Catalogue, Module
from bot.simulator.simulator import Simulator
from tests.support.learners import option_label
from tests.support.simulator import ANA, MARKO, VESNA

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright for Python is not installed (pip install -e .[dev])"
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "simulator"
TIMEOUT_MS = 15_000


def find_chromium() -> str | None:
    """The machine's Chromium: $CHROMIUM_PATH, or chromium / chromium-browser on the PATH."""
    candidates = [
        os.environ.get("CHROMIUM_PATH"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine (apt-get install chromium, or set CHROMIUM_PATH); "
    "./kapacitet test installs it when apt-get is available",
)


@pytest.fixture
async def page(sim: Simulator) -> AsyncIterator[Any]:
    assert CHROMIUM is not None
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = await browser.new_context(
            viewport={"width": 1440, "height": 900}, device_scale_factor=1
        )
        context.set_default_timeout(TIMEOUT_MS)
        tab = await context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        try:
            yield tab
        finally:
            await browser.close()
        assert not problems, problems


def expect(locator: Any) -> Any:
    return playwright_api.expect(locator)


def phone_of(page: Any, person: int) -> Any:
    return page.locator(f'.phone[data-person="{person}"]')


def last_bot_message(phone: Any) -> Any:
    return phone.locator(".row.bot").last


async def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def open_page(page: Any, sim: Simulator, *people: int) -> None:
    query = "&".join(f"person={person}" for person in people)
    await page.goto(f"{sim.url}/?{query}")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")


async def tap(page: Any, phone: Any, label: str) -> None:
    """Taps the newest inline button with exactly this label; returns when the bot is done."""
    button = phone.locator(".inline-button").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    async with page.expect_response(lambda response: "/taps" in response.url):
        await button.last.click()


async def send(page: Any, phone: Any, text: str) -> None:
    """Types ``text`` and presses Enter; returns when the bot is done."""
    await phone.locator("textarea.input").fill(text)
    async with page.expect_response(lambda response: "/messages" in response.url):
        await phone.locator("textarea.input").press("Enter")


async def start_in_english_without_consent(page: Any, phone: Any) -> None:
    async with page.expect_response(lambda response: "/messages" in response.url):
        await phone.get_by_role("button", name="START").click()
    await expect(last_bot_message(phone)).to_contain_text("Choose your language")
    await tap(page, phone, "English")
    await expect(last_bot_message(phone)).to_contain_text("Your privacy")
    await tap(page, phone, "No, thanks")


async def answer_until(page: Any, phone: Any, wanted: str, labels: list[str]) -> None:
    """Taps the first of ``labels`` offered by the newest message until ``wanted`` is shown."""
    for _ in range(12):
        last = last_bot_message(phone)
        if wanted in (await last.text_content() or ""):
            return
        for label in labels:
            if await last.get_by_role("button", name=label, exact=True).count():
                await tap(page, phone, label)
                break
        else:
            await expect(last).to_contain_text(wanted)
            return
    raise AssertionError(f"{wanted!r} did not come")


def passing_module(catalogue: Catalogue) -> Module:
    module = catalogue.get("passwords-2fa")
    assert module is not None
    return module


async def test_a_learner_takes_a_lesson_and_a_quiz_then_another_person_and_the_clock(
    sim: Simulator, page: Any, catalogue: Catalogue
):
    module = passing_module(catalogue)
    title = module.text("en").title
    await open_page(page, sim, ANA)
    ana = phone_of(page, ANA)

    # A new chat: an empty screen with START, as in Telegram.
    await expect(ana.get_by_role("button", name="START")).to_be_visible()
    await expect(ana.locator(".row")).to_have_count(0)
    async with page.expect_response(lambda response: "/messages" in response.url):
        await ana.get_by_role("button", name="START").click()
    await expect(ana.locator(".row.user").last).to_have_text(re.compile(r"^/start"))
    await expect(last_bot_message(ana)).to_contain_text("Choose your language")
    await expect(ana.get_by_role("button", name="Shqip")).to_be_visible()
    await screenshot(page, "01-start-language")

    # Choosing a language edits the same message into the consent question.
    picker_id = await last_bot_message(ana).get_attribute("data-message-id")
    await tap(page, ana, "English")
    consent = last_bot_message(ana)
    await expect(consent).to_contain_text("Your privacy")
    assert await consent.get_attribute("data-message-id") == picker_id
    await expect(consent.locator("b").first).to_have_text("Your privacy")
    await expect(consent.locator(".meta")).to_contain_text("edited")
    await tap(page, ana, "No, thanks")

    # The command menu (getMyCommands for Ana's chat), then the catalogue.
    await ana.get_by_role("button", name="☰ Menu").click()
    await expect(ana.locator(".menu-popup")).to_be_visible()
    await expect(ana.locator(".menu-list")).to_contain_text("Lessons and quizzes")
    async with page.expect_response(lambda response: "/messages" in response.url):
        await ana.locator(".menu-list button", has_text="/lessons").click()
    await expect(ana.locator(".menu-popup")).to_be_hidden()
    await expect(last_bot_message(ana)).to_contain_text("Lessons")
    await tap(page, ana, module.text("en").button_title)
    await expect(last_bot_message(ana)).to_contain_text(title)
    await tap(page, ana, "▶️ Start the lessons")

    # The lesson, one card at a time, each replacing the last.
    for index in range(module.card_count):
        await expect(last_bot_message(ana)).to_contain_text(f"{index + 1}/{module.card_count}")
        if index == 1:
            await screenshot(page, "02-lesson-card")
        if index < module.card_count - 1:
            await tap(page, ana, "Next ▶️")

    # The quiz: the right answers, a toast after each, and the result.
    await tap(page, ana, "🎯 Take the quiz")
    for _index in range(module.quiz_length):
        await expect(last_bot_message(ana).locator(".inline-button").first).to_be_visible()
        # The options are shuffled: the right letter is read off the question.
        shown = await last_bot_message(ana).inner_text()
        await tap(page, ana, option_label(module, "en", shown, right=True))
        await expect(ana.locator(".toast")).to_have_text("✅ Right!")
    result = last_bot_message(ana)
    await expect(result).to_contain_text("🎉 You passed!")
    await expect(result.get_by_role("button", name="🔁 Try again")).to_be_visible()
    await screenshot(page, "03-quiz-result")

    # Another person: their chat is their own.
    await page.locator(".person-button", has_text="Marko").click()
    marko = phone_of(page, MARKO)
    await expect(marko).to_be_visible()
    await expect(ana).to_have_count(0)
    await expect(marko.locator(".row")).to_have_count(0)
    await expect(marko.get_by_role("button", name="START")).to_be_visible()
    await expect(marko.locator(".as-person")).to_contain_text("Marko (trainer)")
    assert "person=1002" in page.url

    # Ana beside Marko; a new message for Ana arrives without reloading.
    await page.get_by_role("button", name="Open Ana side by side").click()
    ana = phone_of(page, ANA)
    await expect(ana.locator(".row.bot").last).to_contain_text("You passed")
    await send(page, ana, "/progress")
    await expect(last_bot_message(ana)).to_contain_text("Your progress is not saved")
    await expect(marko.locator(".row")).to_have_count(0)
    await screenshot(page, "04-two-people-side-by-side")

    # The clock moves on.
    before = await page.locator("#clock-time").text_content()
    async with page.expect_response(lambda response: "/api/clock" in response.url):
        await page.get_by_role("button", name="+1 day").click()
    await expect(page.locator("#clock-offset")).to_have_text("real time + 1 d")
    after = await page.locator("#clock-time").text_content()
    assert before != after
    assert sim.clock.offset == timedelta(days=1)
    async with page.expect_response(lambda response: "/api/clock" in response.url):
        await page.get_by_role("button", name="+10 min").click()
    await expect(page.locator("#clock-offset")).to_have_text("real time + 1 d 10 min")


async def test_people_are_added_in_the_sidebar_and_escaped(sim: Simulator, page: Any):
    await open_page(page, sim, ANA)
    form = page.locator("#add-person")
    await form.get_by_label("Name").fill("<b>Dritë</b>")
    await form.get_by_label("Telegram language").select_option("sq")
    await form.get_by_label("Role").select_option("coordinator")
    await form.get_by_role("button", name="Add").click()
    new = page.locator(".people li").last
    await expect(new.locator(".person-name")).to_have_text("<b>Dritë</b>")
    await expect(new.locator(".person-meta")).to_contain_text("coordinator · sq")
    person = max(sim.people)
    drite = phone_of(page, person)
    await expect(drite).to_be_visible()
    await expect(drite.locator(".as-person")).to_have_text("as <b>Dritë</b> (coordinator)")
    # What she types is shown as text, never as markup.
    async with page.expect_response(lambda response: "/messages" in response.url):
        await drite.get_by_role("button", name="START").click()
    await tap(page, drite, "Shqip")
    await tap(page, drite, "Jo, faleminderit")
    await send(page, drite, "<img src=x onerror=alert(1)>")
    await expect(drite.locator(".row.user").last).to_contain_text("<img src=x onerror=alert(1)>")
    assert await drite.locator(".row.user img").count() == 0


async def test_a_trainer_schedules_a_session_and_the_reminder_arrives_when_the_clock_moves(
    sim: Simulator, page: Any, catalogue: Catalogue
):
    """A training day in short: the trainer schedules with /newsession, the learner opens the
    invite link, and moving the clock a day brings the 24-hour reminder."""
    from bot.app import FEATURES

    if not any(feature.__name__ == "bot.handlers.sessions" for feature in FEATURES):
        pytest.skip("trainer scheduling (bot/handlers/sessions.py) is not part of the bot yet")
    module = passing_module(catalogue)
    zone = ZoneInfo(sim.deps.settings.timezone)
    await open_page(page, sim, MARKO, ANA)
    marko, ana = phone_of(page, MARKO), phone_of(page, ANA)
    await start_in_english_without_consent(page, marko)
    await start_in_english_without_consent(page, ana)

    await send(page, marko, "/newsession")
    await expect(last_bot_message(marko)).to_contain_text("step 1 of 9")
    await send(page, marko, "Digital security for CSOs")
    await expect(last_bot_message(marko)).to_contain_text("step 2 of 9")
    await tap(page, marko, module.text("en").button_title)
    await expect(last_bot_message(marko)).to_contain_text("step 3 of 9")
    # A day and two hours from now (local time, whole five minutes).
    starts = (sim.clock.now() + timedelta(hours=26)).astimezone(zone)
    starts = starts.replace(minute=starts.minute - starts.minute % 5, second=0, microsecond=0)
    await send(page, marko, starts.strftime("%d.%m.%Y %H:%M"))
    await expect(last_bot_message(marko)).to_contain_text("Is that right?")
    await tap(page, marko, "✅ Yes")
    await expect(last_bot_message(marko)).to_contain_text("step 5 of 9")
    await tap(page, marko, "90 minutes")
    await expect(last_bot_message(marko)).to_contain_text("step 6 of 9")
    await send(page, marko, "Hotel Park, Skopje")
    await tap(page, marko, "North Macedonia")
    await tap(page, marko, "English")
    await send(page, marko, "20")
    await expect(last_bot_message(marko)).to_contain_text("Please check the new session")
    await tap(page, marko, "✅ Create")
    invitation = last_bot_message(marko)
    await expect(invitation).to_contain_text("You are invited to a training session")
    await expect(invitation).to_contain_text("Digital security for CSOs")
    await screenshot(page, "05-trainer-scheduled")

    # The invite link, opened as Ana: she sees the session and registers with a tap.
    await invitation.locator('a[href*="t.me/kapacitet_bot?start=s_"]').click()
    await expect(marko.locator(".menu-popup")).to_be_visible()
    async with page.expect_response(lambda response: "/messages" in response.url):
        await marko.locator(".menu-list button", has_text="Ana").click()
    await expect(ana.locator(".row.user").last).to_contain_text("/start s_")
    await expect(last_bot_message(ana)).to_contain_text("Digital security for CSOs")
    # Registering keeps a record about her: she is asked for her consent (and the optional
    # profile, every question skippable) before the invitation is opened again.
    await answer_until(
        page,
        ana,
        "Add it to your calendar",
        [
            "✅ Register",
            "I agree",
            "🙈 Don't show my name",
            "Prefer not to say",
            "Skip this question",
        ],
    )
    messages_before = await ana.locator(".row.bot").count()

    async with page.expect_response(lambda response: "/api/clock" in response.url):
        await page.get_by_role("button", name="+1 day").click()
    reminder = last_bot_message(ana)
    await expect(reminder).to_contain_text("Reminder:")
    await expect(reminder).to_contain_text("Digital security for CSOs starts in")
    assert await ana.locator(".row.bot").count() == messages_before + 1
    await screenshot(page, "06-reminder-after-moving-the-clock")


async def test_a_coordinator_reads_the_translation_coverage_and_marks_a_review(
    sim: Simulator, page: Any, catalogue: Catalogue
):
    """/coverage and /review, as docs/content.md shows them."""
    module = passing_module(catalogue)
    await open_page(page, sim, VESNA)
    vesna = phone_of(page, VESNA)
    await start_in_english_without_consent(page, vesna)

    await send(page, vesna, "/coverage")
    coverage = last_bot_message(vesna)
    await expect(coverage).to_contain_text("Translation coverage")
    await expect(coverage).to_contain_text(module.text("en").title)
    await screenshot(page, "07-translation-coverage")

    await send(page, vesna, f"/review {module.id} mk")
    await expect(last_bot_message(vesna)).to_contain_text("are now marked as reviewed by you")
    await send(page, vesna, "/coverage")
    await expect(last_bot_message(vesna)).to_contain_text("Македонски: ✅")
    await screenshot(page, "08-translation-reviewed")

    await send(page, vesna, f"/translate {module.id} sq")
    await expect(last_bot_message(vesna)).to_contain_text(f"{module.id}-sq.po")
    await screenshot(page, "09-translation-file")


async def test_an_empty_chat_shows_the_bots_description_and_long_buttons_stay_on_one_line(
    sim: Simulator, page: Any
):
    await open_page(page, sim, ANA)
    ana = phone_of(page, ANA)
    description = sim.api.bot_text("description")
    assert description
    await expect(ana.locator(".empty-chat")).to_contain_text(description)

    long_label = "🔐 " + "A module title much too long for a phone's button " * 3
    await sim.application.bot.send_message(
        ANA,
        "Pick one",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(long_label, callback_data="x:1")],
                [InlineKeyboardButton("Short", callback_data="x:2")],
            ]
        ),
    )
    buttons = last_bot_message(ana).locator(".inline-button")
    await expect(buttons).to_have_count(2)
    long_button, short_button = buttons.nth(0), buttons.nth(1)
    # One line, as tall as a short button, the rest cut (Telegram clips with an ellipsis).
    long_box, short_box = await long_button.bounding_box(), await short_button.bounding_box()
    assert long_box is not None and short_box is not None
    assert long_box["height"] == short_box["height"]
    assert await long_button.evaluate("node => node.scrollWidth > node.clientWidth")
    assert await long_button.evaluate("node => getComputedStyle(node).textOverflow") == "ellipsis"
    assert await long_button.get_attribute("title") == long_label
    await screenshot(page, "long-button")


DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


async def doc_screenshot(page: Any, phone: Any, name: str) -> None:
    """One chat, for docs/content.md (and the test's artifacts)."""
    await screenshot(page, name)
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await phone.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"))


async def send_file(page: Any, phone: Any, name: str, content: bytes) -> None:
    """Sends a file with 📎, as an editor sends a workbook back; returns when the bot is done."""
    async with page.expect_response(lambda response: "/documents" in response.url):
        await phone.locator(".file-input").set_input_files(
            files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}]
        )


async def test_an_editor_gets_the_workbook_sends_it_back_previews_and_publishes(
    sim: Simulator, page: Any, catalogue: Catalogue
):
    """The editor's workflow in the simulator, as docs/content.md shows it."""
    from tests.support.content_versions import edit_workbook, row_of

    module = passing_module(catalogue)
    title = module.text("en").title
    card = module.card_ids[2]
    editor = await sim.add_person("Elena", "en", "editor")
    await open_page(page, sim, editor.id)
    phone = phone_of(page, editor.id)
    await start_in_english_without_consent(page, phone)

    await send(page, phone, "/content")
    await expect(last_bot_message(phone)).to_contain_text("Lessons and quizzes")
    await tap(page, phone, title)
    await tap(page, phone, "Get the workbook")
    await expect(last_bot_message(phone)).to_contain_text(f"{module.id}.xlsx")
    await doc_screenshot(page, phone, "content-workbook")

    sent = [m for m in sim.api.messages(editor.id) if m.document is not None]
    workbook = sent[-1].document.content
    cell = f"sq!C{row_of(workbook, 'sq', f'cards.{card}')}"
    await send_file(page, phone, "module.xlsx", edit_workbook(workbook, {cell: "Fjalë " * 150}))
    await expect(last_bot_message(phone)).to_contain_text(cell)
    await expect(last_bot_message(phone)).to_contain_text("at most 700")
    await doc_screenshot(page, phone, "content-error")

    fixed = "<b>Fjalëkalimi</b> i mirë është i gjatë dhe i vetëm për çdo llogari."
    await send_file(page, phone, "module.xlsx", edit_workbook(workbook, {cell: fixed}))
    await expect(last_bot_message(phone)).to_contain_text("Draft ready")
    await doc_screenshot(page, phone, "content-draft-ready")

    await tap(page, phone, "Preview the draft")
    await tap(page, phone, "Shqip")
    for _ in range(2):
        await tap(page, phone, "▶")
    await expect(last_bot_message(phone)).to_contain_text("Preview of draft version 2")
    await doc_screenshot(page, phone, "content-preview")

    await tap(page, phone, "Publish the draft")
    await expect(last_bot_message(phone)).to_contain_text("Published")
    await doc_screenshot(page, phone, "content-published")
