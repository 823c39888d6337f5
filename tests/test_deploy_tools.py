"""The parts of `./kapacitet test-deploy` and of the deployment that run without Docker: its
checks (compose rules, published ports, log leaks, the newest migration), the backup script
against a real PostgreSQL, and the systemd unit read by systemd itself."""

from __future__ import annotations

import getpass
import grp
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from deploy import checks
from tests.conftest import postgres_url

ROOT = Path(__file__).resolve().parents[1]


def test_compose_problems_name_each_broken_rule():
    compose = {
        "services": {
            "good": {
                "logging": {"driver": "json-file", "options": {"max-size": "1m", "max-file": "2"}},
                "ports": ["127.0.0.1:8443:8443"],
            },
            "open": {
                "logging": {"driver": "json-file", "options": {"max-size": "1m", "max-file": "2"}},
                "ports": ["8443:8443", "0.0.0.0:5432:5432"],
            },
            "unrotated": {"logging": {"driver": "json-file"}},
            "silent": {},
        }
    }
    assert checks.compose_problems(compose) == [
        "open: port 8443:8443 is published beyond 127.0.0.1",
        "open: port 0.0.0.0:5432:5432 is published beyond 127.0.0.1",
        "unrotated: no json-file log rotation (max-size and max-file)",
        "silent: no json-file log rotation (max-size and max-file)",
    ]


def test_published_problems_read_docker_inspect():
    rotated = {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "5"}}
    good = {
        "LogConfig": rotated,
        "PortBindings": {"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "5432"}]},
    }
    assert checks.published_problems("db", good) == []
    assert checks.published_problems("db", {"LogConfig": rotated, "PortBindings": None}) == []
    bad = {
        "LogConfig": {"Type": "json-file", "Config": {}},
        "PortBindings": {"8443/tcp": [{"HostIp": "", "HostPort": "8443"}]},
    }
    assert checks.published_problems("bot", bad) == [
        "bot: its log is not rotated (json-file, {})",
        "bot: 8443/tcp is published on every address",
    ]


def test_leaks_find_secrets_in_every_form_and_personal_data_as_words():
    token = "123456789:AAsecretHALFofTheToken"
    secrets = {"the bot token": token, "the database password": "pa55:word/x"}
    personal = {"the learner's id": "7305550199", "the learner's name": "Zorica"}
    clean = "INFO bot: update 17 (message) handled for [REDACTED]; learner 73055501990 next"
    assert checks.leaks(clean, secrets, personal) == []
    for leaked, name in [
        (f"GET https://api.telegram.org/bot{token}/getMe", "the bot token"),
        (f"token={quote(token, safe='')}", "the bot token"),
        ("half: AAsecretHALFofTheToken", "the bot token"),
        ("postgresql://kapacitet:pa55%3Aword%2Fx@db", "the database password"),
        ("chat 7305550199 blocked", "the learner's id"),
        ("Hello, Zorica!", "the learner's name"),
    ]:
        assert checks.leaks(f"{clean}\n{leaked}\n", secrets, personal) == [name], leaked


def test_alembic_head_is_alembics_own():
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    [head] = ScriptDirectory.from_config(config).get_heads()
    assert checks.alembic_head(ROOT / "migrations") == head


# -- the backup script (deploy/backup.sh) ------------------------------------------------------


def libpq_env(url: str, database: str) -> dict[str, str]:
    parsed = make_url(url)
    return {
        **os.environ,
        "PGHOST": parsed.host or "127.0.0.1",
        "PGPORT": str(parsed.port or 5432),
        "PGUSER": parsed.username or "postgres",
        "PGPASSWORD": parsed.password or "",
        "PGDATABASE": database,
    }


@pytest.fixture
def scratch_database():
    """A database of its own on the PostgreSQL of TEST_DATABASE_URL, dropped afterwards."""
    url = postgres_url()
    if url is None or not (shutil.which("pg_dump") and shutil.which("psql")):
        pytest.skip("needs TEST_DATABASE_URL and PostgreSQL's client tools")
    name = f"backup_{uuid.uuid4().hex[:12]}"
    admin = libpq_env(url, "postgres")
    if subprocess.run(["createdb", name], env=admin, capture_output=True).returncode != 0:
        pytest.skip(f"cannot create a database on {make_url(url).render_as_string()}")
    try:
        yield libpq_env(url, name)
    finally:
        subprocess.run(["dropdb", "--if-exists", name], env=admin, check=True)


def psql(env: dict[str, str], query: str) -> str:
    done = subprocess.run(
        ["psql", "-tAX", "-v", "ON_ERROR_STOP=1", "-c", query],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_backup_script_dumps_copies_env_prunes_and_restores(scratch_database, tmp_path):
    env = scratch_database
    psql(env, "CREATE TABLE learner (id int PRIMARY KEY, language text)")
    psql(env, "INSERT INTO learner VALUES (1, 'sq'), (2, 'mk')")
    backups, dot_env = tmp_path / "backups", tmp_path / ".env"
    backups.mkdir()
    dot_env.write_text("BOT_TOKEN=123456789:AAsecretHALFofTheToken\nPOSTGRES_PASSWORD=x\n")
    old = time.time() - 20 * 86400
    recent = time.time() - 10 * 86400
    for name, when in [
        ("kapacitet-2026-01-01T030000Z.dump", old),
        ("env-2026-01-01T030000Z", old),
        ("kapacitet-2026-01-11T030000Z.dump", recent),
        ("notes.txt", old),
    ]:
        (backups / name).write_text("earlier")
        os.utime(backups / name, (when, when))

    done = subprocess.run(
        ["sh", str(ROOT / "deploy" / "backup.sh"), "once"],
        env={
            **env,
            "BACKUP_DIR": str(backups),
            "BACKUP_ENV_FILE": str(dot_env),
            "BACKUP_KEEP_DAYS": "14",
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    names = sorted(path.name for path in backups.iterdir())
    # The 20-day-old backup and its .env copy are gone; the 10-day-old one and files that
    # are not backups stay.
    assert "kapacitet-2026-01-01T030000Z.dump" not in names
    assert "env-2026-01-01T030000Z" not in names
    assert {"kapacitet-2026-01-11T030000Z.dump", "notes.txt"} <= set(names)
    [dump] = [name for name in names if name.endswith(".dump") and "01-11" not in name]
    stamp = dump.removeprefix("kapacitet-").removesuffix(".dump")
    assert (backups / f"env-{stamp}").read_text() == dot_env.read_text()
    for name in (dump, f"env-{stamp}"):
        assert (backups / name).stat().st_mode & 0o077 == 0, name
    assert f"wrote {dump}" in done.stdout
    assert not list(backups.glob(".*.part"))

    # Restored as docs/deploy.md says, into a database that lost the table.
    psql(env, "DROP TABLE learner")
    restored = subprocess.run(
        ["pg_restore", "-d", env["PGDATABASE"], "--clean", "--if-exists", "--no-owner"],
        stdin=(backups / dump).open("rb"),
        env=env,
        capture_output=True,
    )
    assert restored.returncode == 0, restored.stderr
    assert psql(env, "SELECT id, language FROM learner ORDER BY id") == "1|sq\n2|mk"


def test_a_failed_dump_writes_nothing(tmp_path):
    done = subprocess.run(
        ["sh", str(ROOT / "deploy" / "backup.sh"), "once"],
        env={
            **os.environ,
            "PGHOST": "127.0.0.1",
            "PGPORT": "1",
            "BACKUP_DIR": str(tmp_path),
            "BACKUP_ENV_FILE": str(tmp_path / "missing.env"),
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "pg_dump failed; nothing was written" in done.stderr
    assert list(tmp_path.iterdir()) == []


# -- the systemd unit (deploy/kapacitet.service) -----------------------------------------------


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "kapacitet.service").read_text().splitlines():
        if line and line[0] not in "#[" and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_runs_the_bot_of_the_checkout_as_its_own_user():
    unit = unit_settings()
    assert unit["User"] == ["kapacitet"] and unit["Group"] == ["kapacitet"]
    assert unit["WorkingDirectory"] == ["/srv/kapacitet"]
    assert unit["ExecStart"] == ["/srv/kapacitet/.venv/bin/python -m bot run"]
    assert unit["ReadWritePaths"] == ["/srv/kapacitet/data"]  # the SQLite default's folder
    assert unit["ProtectSystem"] == ["strict"] and unit["NoNewPrivileges"] == ["yes"]
    assert unit["Restart"] == ["on-failure"] and unit["WantedBy"] == ["multi-user.target"]
    # docs/deploy.md installs it where the unit expects the checkout.
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert "git clone" in guide and "/srv/kapacitet" in guide
    assert "deploy/kapacitet.service" in guide


def test_systemd_accepts_the_unit(tmp_path):
    """`systemd-analyze verify` on the unit, its paths moved to this checkout (whose venv the
    tests run in) and its user to the one running the tests."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    venv_python = ROOT / ".venv" / "bin" / "python"
    if not venv_python.exists():
        pytest.skip("no .venv in this checkout")
    user = getpass.getuser()
    text = (ROOT / "deploy" / "kapacitet.service").read_text()
    text = text.replace("/srv/kapacitet", str(ROOT))
    text = text.replace("User=kapacitet", f"User={user}")
    text = text.replace("Group=kapacitet", f"Group={grp.getgrgid(os.getgid()).gr_name}")
    unit = tmp_path / "kapacitet.service"
    unit.write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Unknown" not in output and "not executable" not in output, output
