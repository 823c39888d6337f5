"""Settings, read once from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n.languages import LANGUAGE_CODES

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"
WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
"""The first bytes of a PNG and of a JPEG: the images a certificate can show."""
ANY_LANGUAGE = "*"
"""The key of a per-language text that every other language uses."""

LocalizedText = Annotated[dict[str, str], NoDecode]
"""A text of the certificate: one text for every language (``Civic Forum``), or a JSON object
by language with ``*`` for the rest (``{"*": "Civic Forum", "mk": "Граѓански форум"}``)."""


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
    data_controller_name: str | None = Field(default=None, validate_default=True)
    """Who is responsible for the personal data (the organisation running the programme):
    named in the privacy notice; required with BOT_TOKEN."""
    data_controller_contact: str | None = Field(default=None, validate_default=True)
    """How people reach the controller about their data (an e-mail or postal address)."""
    dpo_contact: str | None = None
    """The data protection officer's contact, if the controller has appointed one."""
    support_contact: str | None = None
    """A person or address people can reach about the programme (named by /help and the
    privacy notice); unset: /help points to writing to a person in the bot."""
    inbox_daily_limit: int = Field(default=10, ge=1, le=1000)
    """Messages a learner may send to a person (their trainer, the programme team) in 24 hours."""
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: str = "en"
    timezone: str = "Europe/Belgrade"
    reminder_offsets_minutes: Annotated[tuple[int, ...], NoDecode] = (1440, 60)
    """Reminders before a session starts, in minutes (24 hours and 1 hour)."""
    trainer_reminder_minutes: Annotated[tuple[int, ...], NoDecode] = (60,)
    """The trainer's own reminder before their session, with the roster count, in minutes
    (e.g. ``600,60``); empty: none."""
    late_after_minutes: int = Field(default=10, ge=0, le=600)
    """Someone who checks in more than this many minutes after the start is marked late."""
    indicator_threshold: int = Field(default=5, ge=1, le=100)
    """Limited scopes see figures about people rounded to multiples of this, and averages only
    over at least this many answers (bot/services/indicators/disclosure.py); 1: exact."""
    reporting_role: str = "kapacitet_reporting"
    """The read-only PostgreSQL role for BI tools (``python -m bot reporting-role``)."""
    reporting_password: SecretStr | None = None
    """Its password: set it in the environment or .env, never in the repository."""
    unreviewed_text: Literal["old", "english"] = "old"
    """What learners see of a text whose English changed and whose translation is not yet
    reviewed: the old translation, or the English (docs/content.md, "Review")."""
    show_unreviewed_languages: bool = True
    """Whether learners see a module in a language whose texts are not all reviewed (off:
    they see it in English until a reviewer has approved every text)."""
    announce_rate_per_second: float = Field(default=30.0, gt=0, le=30)
    """Announcements stay within Telegram's overall limit of about 30 messages a second."""
    flood_max_updates: int = Field(default=20, ge=1)
    """More updates than this from one person within FLOOD_WINDOW_SECONDS: a pause."""
    flood_window_seconds: float = Field(default=10.0, gt=0)
    simulator_host: str = "127.0.0.1"
    """Where the simulator's web page listens (without BOT_TOKEN); loopback unless asked."""
    simulator_port: int = Field(default=8080, ge=0, le=65535)
    """0 picks a free port."""
    webhook_url: str | None = None
    """The public https:// address Telegram posts updates to; unset: polling."""
    webhook_secret: str | None = Field(default=None, validate_default=True)
    """Telegram sends it with every update (required with WEBHOOK_URL); others get 403."""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str | None = None
    """The path the webhook server answers on; by default the path of WEBHOOK_URL."""
    ops_host: str = "127.0.0.1"
    """Where /health and /metrics listen; loopback unless asked."""
    ops_port: int = Field(default=9090, ge=0, le=65535)
    """0 turns the ops server off."""
    log_format: Literal["text", "json"] = "text"
    concurrent_chats: int = Field(default=1, ge=1, le=256)
    """Updates of different chats handled at once (each chat's one at a time, in order);
    1: one update at a time."""
    workers: int = Field(default=1, ge=1, le=64)
    """Processes handling this bot's updates (PostgreSQL only; docs/benchmarks.md, "Two
    workers"): worker 0 polls Telegram, each handles the chats of its share."""
    worker: int = Field(default=0, ge=0, validate_default=True)
    """This process's number, from 0 to WORKERS - 1."""
    certificate_issuer: LocalizedText = Field(default_factory=dict)
    """The issuing organisation at the head of the certificate; unset: the bot's brand."""
    certificate_programme: LocalizedText = Field(default_factory=dict)
    """The programme's line under it (e.g. "Civil Society Capacity Programme 2026")."""
    certificate_donor: LocalizedText = Field(default_factory=dict)
    """The donor's line at the foot (e.g. "Funded by the European Union")."""
    certificate_signer_name: str | None = None
    certificate_signer_title: LocalizedText = Field(default_factory=dict)
    """The signer's title under their name (e.g. "Programme Director")."""
    certificate_logo: Path | None = None
    """A PNG or JPEG file drawn at the top left of the certificate."""
    certificate_signature: Path | None = None
    """A PNG or JPEG file of the signature, drawn above the signer's name."""

    @field_validator(
        "certificate_issuer",
        "certificate_programme",
        "certificate_donor",
        "certificate_signer_title",
        mode="before",
    )
    @classmethod
    def _localized(cls, value: object) -> object:
        if value is None:
            return {}
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith("{"):
                return {ANY_LANGUAGE: " ".join(text.split())} if text else {}
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(
                    'expected a text, or a JSON object by language: {"*": "...", "mk": "..."}'
                ) from None
        if isinstance(value, dict):
            unknown = [key for key in value if key != ANY_LANGUAGE and key not in LANGUAGE_CODES]
            if unknown:
                raise ValueError(
                    f"unknown language {unknown[0]!r}; expected * or one of "
                    f"{', '.join(LANGUAGE_CODES)}"
                )
            return {
                str(key): " ".join(str(text).split())
                for key, text in value.items()
                if str(text).strip()
            }
        return value

    @field_validator("certificate_signer_name")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return " ".join(value.split()) or None if value else None

    @field_validator("certificate_logo", "certificate_signature", mode="before")
    @classmethod
    def _empty_path_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("certificate_logo", "certificate_signature")
    @classmethod
    def _image_file(cls, value: Path | None) -> Path | None:
        """Checked at start, so that no certificate fails later for a missing picture."""
        if value is None:
            return None
        path = value.expanduser().resolve()
        try:
            with path.open("rb") as handle:
                head = handle.read(8)
        except OSError as error:
            raise ValueError(f"cannot read {path} ({error.strerror})") from None
        if not head.startswith(IMAGE_SIGNATURES):
            raise ValueError(f"{path} is not a PNG or JPEG image")
        return path

    @field_validator("worker")
    @classmethod
    def _worker_in_range(cls, value: int, info: ValidationInfo) -> int:
        workers = info.data.get("workers", 1)
        if value >= workers:
            raise ValueError(f"expected a number from 0 to {workers - 1} (WORKERS - 1)")
        database = str(info.data.get("database_url", ""))
        if workers > 1 and not database.startswith("postgres"):
            raise ValueError("several workers need PostgreSQL")
        return value

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

    @field_validator("data_controller_name", "data_controller_contact", "dpo_contact")
    @classmethod
    def _named(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = " ".join(value.split()) if value else None
        if value is None and info.field_name != "dpo_contact" and info.data.get("bot_token"):
            # The privacy notice must say who is responsible, and how to reach them, before
            # anyone's data is taken; only the simulator (no BOT_TOKEN) goes without.
            raise ValueError("required with BOT_TOKEN: the privacy notice names it")
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

    @field_validator("reminder_offsets_minutes", "trainer_reminder_minutes", mode="before")
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

    @field_validator("webhook_url", "webhook_path")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("https://") and urlsplit(value).hostname):
            raise ValueError("expected the public https:// address Telegram should post to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value.strip() if value else None
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError("required when WEBHOOK_URL is set (1-256 of A-Z a-z 0-9 _ -)")
            return None
        if not WEBHOOK_SECRET_RE.fullmatch(value):
            raise ValueError("expected 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

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

    @property
    def late_after(self) -> timedelta:
        return timedelta(minutes=self.late_after_minutes)

    @property
    def webhook_url_path(self) -> str:
        """The local path of the webhook server: WEBHOOK_PATH, else the path of WEBHOOK_URL."""
        path = self.webhook_path
        if path is None:
            path = urlsplit(self.webhook_url or "").path
        return "/" + path.strip("/")


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
