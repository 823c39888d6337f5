"""The privacy notice names who is responsible and how to reach them, and its full part says
on what basis what is kept, for how long (as the code keeps it) and where to complain."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.handlers.privacy_notice import AUTHORITIES, controller_text, full_notice
from bot.i18n.languages import LANGUAGE_CODES
from bot.i18n.translator import Translators
from bot.runtime.intake import KEEP_FAILED
from tests.support.harness import CONTROLLER, TOKEN, Harness
from tests.support.learners import plain

NAME, CONTACT = CONTROLLER["data_controller_name"], CONTROLLER["data_controller_contact"]
FULL = "📄 The full notice"


async def test_privacy_names_the_controller_and_the_full_notice_says_the_rest(bot: Harness):
    user = bot.user(6101)
    await user.send("/privacy")
    short = user.last_message()
    assert NAME in (short.text or "") and CONTACT in (short.text or "")
    assert user.buttons() == [["I agree"], [FULL]]

    await user.tap(FULL)
    details = user.last_message().text or ""
    assert details.startswith("Privacy notice: the details")
    assert NAME in details and CONTACT in details
    for basis in ("(contract)", "your consent", "explicit consent", "legitimate interest"):
        assert basis in details
    assert f"kept for {KEEP_FAILED.days} days" in details  # the intake's own constant
    assert "under a new number" in details
    for authority in set(AUTHORITIES.values()):
        assert authority in details
    assert len(details) < 4096
    # The short notice stays above, its consent button working.
    await user.tap("I agree", short.message_id)
    assert (await bot.learner_of(6101)).consent == "given"


async def test_onboarding_names_the_controller_under_the_consent_question(bot: Harness):
    user = bot.user(6102)
    await user.send("/start")
    await user.tap("English")
    question = user.last_message()
    assert plain(f"Who is responsible. {NAME}") in (question.text or "")
    assert user.buttons() == [["I agree"], ["No, thanks"], [FULL]]
    await user.tap(FULL)
    assert (user.last_message().text or "").startswith("Privacy notice: the details")
    await user.tap("I agree", question.message_id)
    assert (await bot.learner_of(6102)).consent == "given"


def settings_with(tmp_path: Path, **values: str) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", bot_token=TOKEN, **CONTROLLER, **values
    )


def test_the_full_notice_fits_one_message_in_every_language(tmp_path: Path):
    settings = settings_with(
        tmp_path, dpo_contact="dpo@kapacitet.example, Rruga e Kavajës 12, 1001 Tiranë"
    )
    translators = Translators(settings.zone)
    for code in LANGUAGE_CODES:
        assert len(plain(full_notice(translators(code), settings))) < 4096, code


def test_a_data_protection_officer_is_named_when_there_is_one(tmp_path: Path):
    settings = settings_with(tmp_path, dpo_contact="dpo@kapacitet.example")
    english = Translators(settings.zone)("en")
    text = controller_text(english, settings)
    assert text is not None and "Their data protection officer: dpo@kapacitet.example." in text
    simulator = Settings(database_url=settings.database_url)  # no token: nobody to name
    assert controller_text(english, simulator) is None


def test_the_readme_states_the_retention_the_code_applies():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert f"one the bot failed on is kept {KEEP_FAILED.days} days" in readme
