from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.support.images import png


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_TELEGRAM_IDS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.database_url == f"sqlite:///{tmp_path}/data/kapacitet.sqlite3"
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.timezone == "Europe/Belgrade" and settings.default_language == "en"


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "11, 22;33")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "sr-Cyrl")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.admin_telegram_ids == (11, 22, 33)
    assert settings.default_language == "sr-Cyrl"
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE: expected an IANA time zone"),
        ("ADMIN_TELEGRAM_IDS", "12,abc", "ADMIN_TELEGRAM_IDS: expected Telegram user ids"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE: expected one of en, sq"),
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: expected the form 123456789:AA"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: expected a sqlite:/// or postgresql://"),
    ],
)
def test_a_wrong_value_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)


def test_the_bot_refuses_to_start_with_one_line(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TIMEZONE": "Nowhere/City"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Cannot start: TIMEZONE: expected an IANA time zone such as Europe/Belgrade"
    ]


def test_a_bot_token_needs_the_data_controller(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The privacy notice names who is responsible and how to reach them; a bot that talks to
    people (with a token) does not start without them. The simulator (no token) may."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATA_CONTROLLER_NAME", "DATA_CONTROLLER_CONTACT", "DPO_CONTACT"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings().data_controller_name is None
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEFGHIJKLMNOP")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        "DATA_CONTROLLER_NAME: required with BOT_TOKEN: the privacy notice names it"
    )
    monkeypatch.setenv("DATA_CONTROLLER_NAME", "  Civic   Lab  ")
    with pytest.raises(SettingsError, match=r"^DATA_CONTROLLER_CONTACT: required"):
        load_settings()
    monkeypatch.setenv("DATA_CONTROLLER_CONTACT", "privacy@civiclab.example")
    settings = load_settings()
    assert (settings.data_controller_name, settings.dpo_contact) == ("Civic Lab", None)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"WORKERS": "2", "WORKER": "2"}, "WORKER: expected a number from 0 to 1 (WORKERS - 1)"),
        ({"WORKERS": "2", "WORKER": "1", "DATABASE_URL": "sqlite:///x.db"}, "WORKER: several"),
    ],
)
def test_workers_are_numbered_and_need_postgresql(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], message: str
):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bot")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)


def test_the_certificate_settings_by_language_and_their_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    monkeypatch.setenv("CERTIFICATE_ISSUER", '{"*": "Civic  Forum", "mk": "Граѓански форум"}')
    monkeypatch.setenv("CERTIFICATE_DONOR", "Funded by the European Union")
    monkeypatch.setenv("CERTIFICATE_SIGNER_NAME", " Vesna  Marković ")
    monkeypatch.setenv("CERTIFICATE_LOGO", str(logo))
    monkeypatch.setenv("CERTIFICATE_SIGNATURE", "")
    settings = load_settings()
    assert settings.certificate_issuer == {"*": "Civic Forum", "mk": "Граѓански форум"}
    assert settings.certificate_donor == {"*": "Funded by the European Union"}
    assert settings.certificate_programme == {}
    assert settings.certificate_signer_name == "Vesna Marković"
    assert (settings.certificate_logo, settings.certificate_signature) == (logo, None)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CERTIFICATE_LOGO", "missing.png", "CERTIFICATE_LOGO: cannot read "),
        ("CERTIFICATE_SIGNATURE", "notes.txt", "CERTIFICATE_SIGNATURE: "),
        ("CERTIFICATE_PROGRAMME", '{"xx": "Programme"}', "CERTIFICATE_PROGRAMME: unknown language"),
        ("CERTIFICATE_ISSUER", '{"*": "A"', "CERTIFICATE_ISSUER: expected a text, or a JSON"),
    ],
)
def test_a_wrong_certificate_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, message: str
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a picture")
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    if name == "CERTIFICATE_SIGNATURE":
        assert str(caught.value).endswith("notes.txt is not a PNG or JPEG image")
