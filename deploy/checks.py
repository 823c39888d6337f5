"""What ``./kapacitet test-deploy`` decides without Docker: the rules compose.yaml keeps, the
addresses containers publish, the newest migration, and what logs must never hold. Pure
functions over parsed files and ``docker inspect`` output (tests/test_deploy_files.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.runtime.logs import secret_forms

LOOPBACK = "127.0.0.1"


def compose_problems(compose: Mapping[str, Any]) -> list[str]:
    """What compose.yaml breaks of the deployment rules: every service rotates its json-file
    log (max-size and max-file), and publishes ports on 127.0.0.1 only."""
    problems: list[str] = []
    for name, service in compose.get("services", {}).items():
        logging = service.get("logging") or {}
        options = logging.get("options") or {}
        if logging.get("driver") != "json-file" or not (
            options.get("max-size") and options.get("max-file")
        ):
            problems.append(f"{name}: no json-file log rotation (max-size and max-file)")
        for port in service.get("ports") or []:
            if not str(port).startswith(f"{LOOPBACK}:"):
                problems.append(f"{name}: port {port} is published beyond {LOOPBACK}")
    return problems


def published_problems(name: str, host_config: Mapping[str, Any]) -> list[str]:
    """The same rules read off a running container (``docker inspect``'s HostConfig)."""
    problems: list[str] = []
    log = host_config.get("LogConfig") or {}
    config = log.get("Config") or {}
    if log.get("Type") != "json-file" or not (config.get("max-size") and config.get("max-file")):
        problems.append(f"{name}: its log is not rotated ({log.get('Type')}, {config})")
    for port, bindings in (host_config.get("PortBindings") or {}).items():
        for binding in bindings or []:
            if binding.get("HostIp") != LOOPBACK:
                where = binding.get("HostIp") or "every address"
                problems.append(f"{name}: {port} is published on {where}")
    return problems


def alembic_head(migrations: Path) -> str:
    """The revision the bot migrates to: the one no other migration names as its parent."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations / "versions").glob("*.py"):
        text = path.read_text()
        revision = re.search(r"^revision\b[^=]*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        parent = re.search(r"^down_revision\b[^=]*=\s*(.+)$", text, re.M)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", parent.group(1)))
    heads = revisions - parents
    if len(heads) != 1:
        raise ValueError(f"expected one head revision in {migrations}, found {sorted(heads)}")
    return heads.pop()


def leaks(logs: str, secrets: Mapping[str, str], personal: Mapping[str, str]) -> list[str]:
    """The names of the ``secrets`` (in any form the bot redacts: as they are, URL-encoded, a
    token's secret half) and ``personal`` values (whole words) that ``logs`` hold."""
    found = [name for name, value in secrets.items() if _any_in(logs, secret_forms(value))]
    for name, value in personal.items():
        if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", logs):
            found.append(name)
    return found


def _any_in(text: str, forms: Iterable[str]) -> bool:
    return any(form in text for form in forms)
