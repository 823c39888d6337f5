"""Settings, read once from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n.languages import LANGUAGE_CODES

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"


def default_database_url(folder: Path | None = None) -> str:
    """SQLite under ``./data/`` of the folder the bot runs in."""
    data_dir = (folder or Path.cwd()) / "data"
    return f"sqlite:///{data_dir / 'kapacitet.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    bot_token: str | None = None
    database_url: str = Field(default_factory=default_database_url)
    telegram_api_base_url: str = TELEGRAM_API_BASE_URL
    telegram_api_base_file_url: str = TELEGRAM_API_BASE_FILE_URL
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: str = "en"
    timezone: str = "Europe/Belgrade"
    reminder_offsets_minutes: Annotated[tuple[int, ...], NoDecode] = (1440, 60)
    """Reminders before a session starts, in minutes (24 hours and 1 hour)."""
    indicator_threshold: int = Field(default=5, ge=1, le=100)
    """Indicator cells below this many people are shown as "<5" in exports."""
    announce_rate_per_second: float = Field(default=30.0, gt=0, le=30)
    """Announcements stay within Telegram's overall limit of about 30 messages a second."""
    simulator_host: str = "127.0.0.1"
    """Where the simulator's web page listens (without BOT_TOKEN); loopback unless asked."""
    simulator_port: int = Field(default=8080, ge=0, le=65535)
    """0 picks a free port."""

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        bot_id, _, secret = value.partition(":")
        if not bot_id.isdigit() or len(secret) < 10:
            raise ValueError("expected the form 123456789:AA... that @BotFather gives")
        return value

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            try:
                return tuple(int(part) for part in parts if part)
            except ValueError:
                raise ValueError("expected Telegram user ids separated by commas") from None
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("reminder_offsets_minutes", mode="before")
    @classmethod
    def _split_offsets(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                offsets = tuple(int(part) for part in value.split(",") if part.strip())
            except ValueError:
                raise ValueError("expected minutes separated by commas, e.g. 1440,60") from None
            if any(offset <= 0 for offset in offsets):
                raise ValueError("expected positive minutes, e.g. 1440,60")
            return offsets
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGE_CODES:
            raise ValueError(f"expected one of {', '.join(LANGUAGE_CODES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Europe/Belgrade") from None
        return value

    @field_validator("telegram_api_base_url", "telegram_api_base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// address")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if scheme not in {"sqlite", "postgresql", "postgres"}:
            raise ValueError("expected a sqlite:/// or postgresql:// address")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SettingsError(Exception):
    """A setting has a wrong value; the message is one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
