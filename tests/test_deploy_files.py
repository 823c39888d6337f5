"""The deployment files' structure: compose.yaml, .env.example's names, the Dockerfile, and its
health check, run for real against the ops server. The image itself is built and run by
`./kapacitet test-deploy` (deploy/, called by .ci/run where a Docker daemon can be started);
its pure checks and the backup script are tested in tests/test_deploy_tools.py."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import sys
from pathlib import Path

import yaml

from bot.app import build_deps
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.runtime.ops import OpsServer
from deploy import checks, images

ROOT = Path(__file__).resolve().parents[1]


def dockerfile_instructions() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


def healthcheck_command() -> list[str]:
    [line] = [line for line in dockerfile_instructions() if line.startswith("HEALTHCHECK")]
    command: list[str] = json.loads(line.split(" CMD ", 1)[1])
    return command


def pinned(tag: str) -> str:
    """The image `tag` pinned by digest (docs/deploy.md, "Pinning the base images")."""
    return re.escape(tag) + "@sha256:[0-9a-f]{64}"


def compose_file() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def base_image() -> str:
    [arg] = [line for line in dockerfile_instructions() if line.startswith("ARG PYTHON_IMAGE=")]
    return arg.removeprefix("ARG PYTHON_IMAGE=")


def test_the_dockerfile_is_slim_non_root_and_runs_the_bot():
    lines = dockerfile_instructions()
    assert lines[0].startswith("ARG PYTHON_IMAGE=")
    assert re.fullmatch(pinned("python:3.11-slim"), base_image())
    stages = [line for line in lines if line.startswith("FROM ")]
    assert stages == ["FROM ${PYTHON_IMAGE} AS wheel", "FROM ${PYTHON_IMAGE}"]
    [user] = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1] not in ("root", "0")
    assert lines[-1] == 'CMD ["python", "-m", "bot", "run"]'
    # test-deploy removes its earlier, replaced builds by this label.
    assert f"LABEL {images.LABEL}" in lines
    assert healthcheck_command()[:2] == ["python", "-c"]


def test_the_image_and_the_unit_run_the_bot_as_the_memory_benchmark_measures_it():
    """PYTHONOPTIMIZE=2 (docs/benchmarks.md, "Idle memory"), with the bytecode for it
    compiled in the image: the image writes none at run time."""
    lines = dockerfile_instructions()
    assert "ENV PYTHONOPTIMIZE=2" in lines
    [compile_step] = [line for line in lines if "compileall" in line]
    assert " -o 2 " in compile_step and '"stdlib"' in compile_step and '"purelib"' in compile_step
    assert lines.index("ENV PYTHONOPTIMIZE=2") < lines.index(compile_step)
    unit = (ROOT / "deploy" / "kapacitet.service").read_text().splitlines()
    assert "Environment=PYTHONOPTIMIZE=2" in unit


def test_compose_runs_the_bot_after_a_healthy_postgresql():
    compose = compose_file()
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert re.fullmatch(r"\$\{POSTGRES_IMAGE:-" + pinned("postgres:16") + r"\}", db["image"])
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"] and "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["env_file"] == ".env" and bot["build"]["context"] == "."
    # The same base image as the Dockerfile's default, so that a release pins both at once.
    assert bot["build"]["args"] == {"PYTHON_IMAGE": "${PYTHON_IMAGE:-" + base_image() + "}"}
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://kapacitet:")
    assert "@db:5432/kapacitet" in bot["environment"]["DATABASE_URL"]


def test_the_pip_mirror_arguments_are_declared_in_both_stages():
    """test-deploy installs from a wheelhouse through them; unset, pip uses its index."""
    lines = dockerfile_instructions()
    stages = [index for index, line in enumerate(lines) if line.startswith("FROM ")]
    for start, end in zip(stages, [*stages[1:], len(lines)], strict=True):
        declared = {line.split()[1] for line in lines[start:end] if line.startswith("ARG ")}
        assert {"PIP_INDEX_URL", "PIP_NO_INDEX", "PIP_FIND_LINKS"} <= declared
    assert not [line for line in lines if re.match(r"ARG PIP_\w+=", line)]  # no defaults


def test_compose_rotates_every_log_and_publishes_on_localhost_only():
    compose = compose_file()
    assert checks.compose_problems(compose) == []
    for service in compose["services"].values():
        assert service["logging"] == {
            "driver": "json-file",
            "options": {"max-size": "10m", "max-file": "5"},
        }
    db = compose["services"]["db"]
    # The reporting port (BI tools, docs/reporting.md), on this machine only.
    assert db["ports"] == ["127.0.0.1:${REPORTING_PORT:-5432}:5432"]


def test_compose_backs_up_the_database_and_env_file():
    compose = compose_file()
    backup, db = compose["services"]["backup"], compose["services"]["db"]
    assert backup["image"] == db["image"]  # pg_dump of the server's own version
    assert backup["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert set(backup["volumes"]) == {
        "./backups:/backups",
        "./.env:/source/.env:ro",
        "./deploy/backup.sh:/usr/local/bin/kapacitet-backup:ro",
    }
    assert backup["entrypoint"] == ["sh", "/usr/local/bin/kapacitet-backup"]
    assert backup["command"] == ["every"]
    environment = backup["environment"]
    assert (environment["PGHOST"], environment["PGUSER"], environment["PGDATABASE"]) == (
        "db",
        "kapacitet",
        "kapacitet",
    )
    assert environment["BACKUP_KEEP_DAYS"] == "${BACKUP_KEEP_DAYS:-14}"
    assert environment["BACKUP_INTERVAL_HOURS"] == "${BACKUP_INTERVAL_HOURS:-24}"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/backups/" in ignored and ".env" in ignored
    assert "backups/" in (ROOT / ".dockerignore").read_text().splitlines()


def compose_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "compose.yaml").read_text()))


def test_env_example_names_only_real_settings():
    names = re.findall(r"^#? ?([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    known = {name.upper() for name in Settings.model_fields} | compose_variables()
    assert {"BOT_TOKEN", "ADMIN_TELEGRAM_IDS", "WEBHOOK_URL", "WEBHOOK_SECRET"} <= set(names)
    assert set(names) <= known, set(names) - known


async def run_healthcheck(port: int) -> int:
    command = healthcheck_command()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command[1:],
        env={"OPS_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), 30)


async def test_the_docker_healthcheck_asks_the_ops_server(database: Database, catalogue: Catalogue):
    deps = build_deps(Settings(database_url=database.url), catalogue)
    server = OpsServer(deps, "127.0.0.1", 0)
    await server.start()
    try:
        assert await run_healthcheck(server.port) == 0
    finally:
        await server.stop()
    assert await run_healthcheck(server.port) != 0  # nobody listens any more

    broken = Database("postgresql://nobody@127.0.0.1:1/nothing")
    server = OpsServer(dataclasses.replace(deps, database=broken), "127.0.0.1", 0)
    await server.start()
    try:
        assert await run_healthcheck(server.port) != 0  # 503: the database does not answer
    finally:
        await server.stop()
        await broken.dispose()
        await deps.database.dispose()
