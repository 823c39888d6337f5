"""The deployment settings: webhook, ops server, log format."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

NAMES = (
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_PATH",
    "OPS_HOST",
    "OPS_PORT",
    "LOG_FORMAT",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_poll_and_serve_ops_on_loopback():
    settings = load_settings()
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)
    assert (settings.ops_host, settings.ops_port) == ("127.0.0.1", 9090)
    assert settings.log_format == "text"


def test_webhook_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram/hook/")
    monkeypatch.setenv("WEBHOOK_SECRET", "Abc_123-xyz")
    monkeypatch.setenv("WEBHOOK_PORT", "8080")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    settings = load_settings()
    assert settings.webhook_secret == "Abc_123-xyz" and settings.webhook_port == 8080
    assert settings.webhook_url_path == "/telegram/hook"
    assert settings.log_format == "json"
    monkeypatch.setenv("WEBHOOK_PATH", "incoming")
    assert load_settings().webhook_url_path == "/incoming"
    monkeypatch.delenv("WEBHOOK_PATH")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org")
    assert load_settings().webhook_url_path == "/"


def test_an_empty_webhook_url_means_polling(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEBHOOK_URL", "")
    assert load_settings().webhook_url is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET: required when"),
        (
            {"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "x"},
            "WEBHOOK_URL: expected the public https:// address",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.org/", "WEBHOOK_SECRET": "has space"},
            "WEBHOOK_SECRET: expected 1-256 characters of A-Z a-z 0-9 _ -",
        ),
        ({"WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET: expected 1-256 characters"),
        ({"WEBHOOK_PORT": "0"}, "WEBHOOK_PORT:"),
        ({"OPS_PORT": "70000"}, "OPS_PORT:"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT:"),
    ],
)
def test_a_wrong_value_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, values, message):
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_compose_variables_in_env_do_not_trouble_the_bot(monkeypatch: pytest.MonkeyPatch):
    """compose.yaml hands the bot all of .env (env_file), its own variables included, and
    test-deploy points the bot at a fake Bot API server over plain HTTP on the network's
    gateway."""
    for name, value in {
        "POSTGRES_PASSWORD": "abc123",
        "BACKUP_KEEP_DAYS": "14",
        "BACKUP_INTERVAL_HOURS": "24",
        "REPORTING_PORT": "5432",
        "POSTGRES_IMAGE": "postgres:16@sha256:" + "0" * 64,
        "KAPACITET_IMAGE": "kapacitet-test-deploy:latest",
        "TELEGRAM_API_BASE_URL": "http://172.19.0.1:42459/bot",
        "TELEGRAM_API_BASE_FILE_URL": "http://172.19.0.1:42459/file/bot",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.telegram_api_base_url == "http://172.19.0.1:42459/bot"
    assert settings.telegram_api_base_file_url == "http://172.19.0.1:42459/file/bot"
