"""``./kapacitet test-deploy`` (``python -m deploy``): build the image and run it with Docker
Compose as docs/deploy.md says, then check what a server operator relies on. Each step prints
its outcome and time; any failure ends the run with exit status 1, the stack torn down.

    --skip-without-docker   when no Docker daemon can be had, print one "skipped" line and
                            exit 0 (.ci/run)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import yaml

from deploy import checks, images
from deploy.shell import Failed, Report
from deploy.stack import IMAGE, Person, Stack

STEPS = 13


async def test_deploy(report: Report, skip_without_docker: bool) -> int:
    if skip_without_docker:
        try:
            await images.docker_daemon()
        except Failed as failure:
            first = str(failure).splitlines()[0]
            print(f"test-deploy skipped: no Docker daemon can be had here ({first})", flush=True)
            return 0
    async with report.step("Docker daemon and Compose") as notes:
        version = await images.docker_daemon()
        compose, compose_version = await images.compose_command()
        notes.append(f"Docker {version}, Compose {compose_version} ({' '.join(compose)})")

    async with report.step("compose.yaml: log rotation, ports on 127.0.0.1 only") as notes:
        parsed = yaml.safe_load((images.ROOT / "compose.yaml").read_text())
        problems = checks.compose_problems(parsed)
        if problems:
            raise Failed("\n".join(problems))
        notes.append(f"services: {', '.join(parsed['services'])}")

    async with report.step("base images (official, or stand-ins made from Debian)") as notes:
        dockerfile = (images.ROOT / "Dockerfile").read_text()
        python_official = dockerfile.split("ARG PYTHON_IMAGE=", 1)[1].split()[0]
        postgres_official = parsed["services"]["db"]["image"].split(":-", 1)[1].rstrip("}")
        python_image, how = await images.official_or_standin(python_official, "python")
        notes.append(f"Python:     {python_image}: {how}")
        postgres_image, how = await images.official_or_standin(postgres_official, "postgres")
        notes.append(f"PostgreSQL: {postgres_image}: {how}")

    async with report.step("wheelhouse of requirements/build.txt and run.txt") as notes:
        wheels = await images.wheelhouse()
        notes.append(f"{sum(1 for _ in wheels.glob('*.whl'))} wheels in {wheels}")

    async with report.step(f"docker build (the repository's Dockerfile) as {IMAGE}") as notes:
        async with images.serving(wheels) as address:
            notes.append(await images.build_image(IMAGE, python_image, address))
        size = await images.image_size(IMAGE)
        notes.append(f"image size: {size / 1e6:.0f} MB")

    person = Person()
    folder = Path(tempfile.gettempdir()) / "kapacitet-test-deploy"
    stack = Stack(compose, folder, postgres_image)
    logs: list[str] = []
    try:
        await run_stack(report, stack, person, logs)
    except Failed:
        last = await stack.run_compose("logs", "--no-color", "--tail", "25", check=False)
        report.detail(f"the stack's last log lines:\n{last.out.strip() or last.err.strip()}")
        raise
    finally:
        await stack.close()
    report.say(
        f"passed in {report.elapsed:.0f} s (image {IMAGE}, {size / 1e6:.0f} MB, on {python_image})"
    )
    return 0


async def run_stack(report: Report, stack: Stack, person: Person, logs: list[str]) -> None:
    async with report.step("docker compose up -d (PostgreSQL, the bot, the backup)") as notes:
        await stack.prepare(person)
        await stack.run_compose("up", "--detach", "--no-build")
        notes.append(f"fake Bot API server at {stack.api.base_url if stack.api else '?'}")

    async with report.step("the bot runs as non-root; logs rotated; ports on 127.0.0.1") as notes:
        bot = await stack.inspect("bot")
        uid = (await stack.run_compose("exec", "-T", "bot", "id", "-u")).out.strip()
        if uid in ("", "0") or bot["Config"].get("User") in ("", "root", "0"):
            raise Failed(f"the bot runs as uid {uid!r} (image user {bot['Config'].get('User')!r})")
        problems = []
        for service in ("db", "bot", "backup"):
            details = bot if service == "bot" else await stack.inspect(service)
            problems += checks.published_problems(service, details["HostConfig"])
        if problems:
            raise Failed("\n".join(problems))
        notes.append(f"uid {uid} ({bot['Config']['User']})")

    async with report.step("HEALTHCHECK healthy; migrations applied") as notes:
        waited = await stack.wait_healthy("bot")
        head = checks.alembic_head(images.ROOT / "migrations")
        version = await stack.sql("SELECT version_num FROM alembic_version")
        if version != head:
            raise Failed(f"the database is at {version!r}, the newest migration is {head!r}")
        notes.append(f"healthy after {waited:.0f} s; alembic_version = {version}")

    async with report.step("/start through the fake Bot API; the answer is stored") as notes:
        notes.append(await start_and_choose(stack, person))

    async with report.step("backup service: a dump of the database and a copy of .env") as notes:
        dump, line = await backup(stack)
        notes.append(line)

    async with report.step("restore: stop the bot, drop the database, restore the dump") as notes:
        logs.append((await stack.run_compose("logs", "--no-color")).out)
        await stack.run_compose("stop", "bot")
        await stack.run_compose("exec", "-T", "db", "dropdb", "-U", "kapacitet", "kapacitet")
        await stack.run_compose("exec", "-T", "db", "createdb", "-U", "kapacitet", "kapacitet")
        if await stack.sql("SELECT to_regclass('learner') IS NULL") != "t":
            raise Failed("the dropped database still has the learner table")
        # The command of docs/deploy.md, "Restoring a backup".
        await stack.run_compose(
            "exec",
            "-T",
            "db",
            "pg_restore",
            "-U",
            "kapacitet",
            "-d",
            "kapacitet",
            "--clean",
            "--if-exists",
            "--no-owner",
            stdin=dump.read_bytes(),
        )
        notes.append(await stored_learner(stack, person) + " after the restore")

    async with report.step("docker compose down && up: the data survives") as notes:
        logs.append((await stack.run_compose("logs", "--no-color")).out)
        await stack.run_compose("down")
        await stack.run_compose("up", "--detach", "--no-build")
        waited = await stack.wait_healthy("bot")
        notes.append(f"healthy again after {waited:.0f} s")
        notes.append(await stored_learner(stack, person))
        reply = await stack.reply_to(person, "/start")
        first = (reply.text or "(no text)").splitlines()[0][:60]
        notes.append(f"/start answered {first!r} (the learner's language)")
        notes.append(f"memory now: {await stack.memory()}")

    async with report.step("docker compose logs: no token, password or personal data") as notes:
        logs.append((await stack.run_compose("logs", "--no-color")).out)
        text = "\n".join(logs)
        if "Migrations applied" not in text:
            raise Failed("the bot's log never says 'Migrations applied'")
        secrets = {"the bot token": stack.token, "the database password": stack.password}
        found = checks.leaks(text, secrets, person.personal())
        if found:
            raise Failed(f"the logs hold {', '.join(found)}")
        notes.append(f"{len(text.splitlines())} lines read, of db, bot and backup")


async def start_and_choose(stack: Stack, person: Person) -> str:
    reply = await stack.reply_to(person, "/start")
    await stack.tap(person, reply, "Shqip")
    for _ in range(150):
        row = await stack.sql(
            f"SELECT language, language_chosen FROM learner WHERE telegram_id = {person.user_id}"
        )
        if row == "sq|t":
            first = (reply.text or "").splitlines()[0][:60]
            return f"the bot answered {first!r}; learner stored with language sq"
        await asyncio.sleep(0.2)
    raise Failed(f"after tapping Shqip the learner row is {row!r}, expected 'sq|t'")


async def stored_learner(stack: Stack, person: Person) -> str:
    row = await stack.sql(
        f"SELECT language, language_chosen FROM learner WHERE telegram_id = {person.user_id}"
    )
    if row != "sq|t":
        raise Failed(f"the learner row is {row!r}, expected 'sq|t'")
    head = checks.alembic_head(images.ROOT / "migrations")
    version = await stack.sql("SELECT version_num FROM alembic_version")
    if version != head:
        raise Failed(f"the database is at {version!r}, the newest migration is {head!r}")
    return "the learner is stored (language sq), the schema at the newest migration"


async def backup(stack: Stack) -> tuple[Path, str]:
    done = await stack.run_compose(
        "exec", "-T", "backup", "sh", "/usr/local/bin/kapacitet-backup", "once"
    )
    folder = stack.folder / "backups"
    dumps = sorted(folder.glob("kapacitet-*.dump"))
    if not dumps:
        raise Failed(f"no kapacitet-*.dump in {folder}")
    dump = dumps[-1]
    stamp = dump.name.removeprefix("kapacitet-").removesuffix(".dump")
    env_copy = folder / f"env-{stamp}"
    if not env_copy.exists() or env_copy.read_bytes() != (stack.folder / ".env").read_bytes():
        raise Failed(f"{env_copy.name} is missing or differs from .env")
    for path in (dump, env_copy):
        if path.stat().st_mode & 0o077:
            raise Failed(f"{path.name} is readable by others ({oct(path.stat().st_mode)})")
    return dump, done.out.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./kapacitet test-deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--skip-without-docker", action="store_true")
    arguments = parser.parse_args(argv)
    report = Report(STEPS)
    try:
        return asyncio.run(test_deploy(report, arguments.skip_without_docker))
    except Failed:
        report.say(f"FAILED after {report.elapsed:.0f} s")
        return 1
    except KeyboardInterrupt:
        report.say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
