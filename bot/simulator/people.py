"""The simulated people: who they are (:class:`Person`), what the page may say about them (the
checks, which raise :class:`BadRequest`), and the file that keeps them across restarts, next to
the simulator's database.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.simulator.sanitize import CONTROL_CHARACTERS

log = logging.getLogger(__name__)

FIRST_PERSON_ID = 1001
LAST_PERSON_ID = 9_999_999
MAX_PEOPLE = 50
MAX_NAME_LENGTH = 64

ROLES = ("learner", "trainer", "coordinator", "editor", "admin")
"""Presets in the page; all but "learner" are granted in the database (``RoleGrant``)."""

TELEGRAM_LANGUAGE_CODES = ("en", "sq", "bs", "hr", "sr", "mk", "de", "")
"""What the page offers as a person's Telegram language (a Telegram client's setting)."""
_LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$")

DEFAULT_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Ana", "en", "learner"),
    ("Marko", "en", "trainer"),
    ("Vesna", "en", "coordinator"),
)


class BadRequest(Exception):
    """The page sent something of the wrong shape; answered with 400 and the reason."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class Person:
    id: int
    name: str
    language_code: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_name(value: object) -> str:
    if not isinstance(value, str):
        raise BadRequest("name: expected a string")
    name = " ".join(value.split())
    if not name or len(name) > MAX_NAME_LENGTH or CONTROL_CHARACTERS.search(name):
        raise BadRequest(f"name: expected 1 to {MAX_NAME_LENGTH} characters")
    return name


def check_language_code(value: object) -> str:
    if not isinstance(value, str) or (value and not _LANGUAGE_CODE_RE.match(value)):
        raise BadRequest("language_code: expected a code such as en, sq or sr-Latn, or nothing")
    return value


def check_role(value: object) -> str:
    if value not in ROLES:
        raise BadRequest(f"role: expected one of {', '.join(ROLES)}")
    return str(value)


def telegram_language_code(language: str) -> str:
    """What a Telegram client in our language ``language`` would send as ``language_code``."""
    return {"sr-Latn": "sr", "sr-Cyrl": "sr", "cnr": "sr"}.get(language, language)


def people_file_for(database_url: str) -> Path:
    """The people live next to the simulator's SQLite file (or under ./data/ otherwise)."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = Path(str(parsed.database))
        return database.with_name(database.stem + ".people.json")
    return Path.cwd() / "data" / "simulator.people.json"


def load_people(path: Path) -> list[Person]:
    """The people saved in ``path``; none if it is missing or not a list of people."""
    if not path.exists():
        return []
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["people"]
        return [
            Person(
                id=int(entry["id"]),
                name=check_name(entry["name"]),
                language_code=check_language_code(entry["language_code"]),
                role=check_role(entry["role"]),
            )
            for entry in saved
        ]
    except (ValueError, KeyError, TypeError, BadRequest):
        log.warning("Ignoring %s: it is not a list of simulated people", path)
        return []


def save_people(path: Path, people: list[Person]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"people": [person.to_json() for person in people]}
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
