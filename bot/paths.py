"""Where the bot finds its bundled files, whether installed or run from a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A wheel carries the top-level folders inside the package (see pyproject's
# force-include); a checkout or an editable install has them beside it.
_BUNDLED = PACKAGE_DIR / "_data"
_CHECKOUT = PACKAGE_DIR.parent


def _resource(name: str) -> Path:
    bundled = _BUNDLED / name
    return bundled if bundled.exists() else _CHECKOUT / name


LOCALES_DIR = _resource("locales")
MIGRATIONS_DIR = _resource("migrations")
ALEMBIC_INI = _resource("alembic.ini")
CONTENT_DIR = PACKAGE_DIR / "content" / "modules"
