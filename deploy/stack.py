"""The compose project that ``./kapacitet test-deploy`` runs: the repository's compose.yaml in a
folder of its own with a made-up .env, the bot pointed at a fake Telegram Bot API server on the
host, and the helpers that ask the containers what a check needs to know."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.simulator.fake_bot_api.server import FakeBotApi
from bot.simulator.fake_bot_api.state import SentMessage
from deploy.images import ROOT, free_port
from deploy.shell import Failed, Result, run

PROJECT = "kapacitet-test-deploy"
NETWORK = "kapacitet-test-deploy"
IMAGE = "kapacitet-test-deploy:latest"

OVERRIDE = f"""\
# Written by ./kapacitet test-deploy beside the repository's compose.yaml: a network whose
# gateway the fake Bot API server listens on, and health checks asked every second or two
# instead of every 30 s (the image's own check command; only the waiting is shorter).
networks:
  default:
    name: {NETWORK}
    external: true
services:
  db:
    healthcheck:
      interval: 1s
  bot:
    healthcheck:
      interval: 2s
"""


@dataclass(frozen=True)
class Person:
    """The made-up learner whose data must not reach the logs."""

    user_id: int = 7305550199
    first_name: str = "Zorica"
    last_name: str = "Deploytestović"
    username: str = "zorica_deploy_probe"

    def personal(self) -> dict[str, str]:
        return {
            "the learner's Telegram id": str(self.user_id),
            "the learner's first name": self.first_name,
            "the learner's last name": self.last_name,
            "the learner's username": self.username,
        }


@dataclass
class Stack:
    compose: list[str]
    folder: Path
    postgres_image: str
    token: str = field(
        default_factory=lambda: f"7{secrets.randbelow(10**8):08d}:AA" + secrets.token_urlsafe(24)
    )
    password: str = field(default_factory=lambda: secrets.token_hex(24))
    api: FakeBotApi | None = None

    # -- setting up -----------------------------------------------------------------------

    async def prepare(self, person: Person) -> None:
        """The project folder, the network, the fake Bot API server on its gateway, .env."""
        await self.remove_leftovers()
        if self.folder.exists():
            shutil.rmtree(self.folder)
        (self.folder / "deploy").mkdir(parents=True)
        shutil.copy(ROOT / "compose.yaml", self.folder / "compose.yaml")
        shutil.copy(ROOT / "deploy" / "backup.sh", self.folder / "deploy" / "backup.sh")
        (self.folder / "compose.test-deploy.yaml").write_text(OVERRIDE)
        await run("docker", "network", "create", NETWORK)
        found = await run(
            "docker",
            "network",
            "inspect",
            "--format",
            "{{range .IPAM.Config}}{{.Gateway}} {{end}}",
            NETWORK,
        )
        gateway = found.out.split()[0]
        self.api = FakeBotApi(token=self.token, host=gateway, port=0)
        await self.api.start()
        self.api.add_user(
            person.user_id, person.first_name, "en", person.username, person.last_name
        )
        env = {
            "BOT_TOKEN": self.token,
            "ADMIN_TELEGRAM_IDS": "7305550100",
            "DATA_CONTROLLER_NAME": "Kapacitet test-deploy",
            "DATA_CONTROLLER_CONTACT": "privacy@example.org",
            "POSTGRES_PASSWORD": self.password,
            "TELEGRAM_API_BASE_URL": self.api.base_url,
            "TELEGRAM_API_BASE_FILE_URL": self.api.base_file_url,
            "POSTGRES_IMAGE": self.postgres_image,
            "KAPACITET_IMAGE": IMAGE,
            "REPORTING_PORT": str(free_port()),
            "WEBHOOK_PORT": str(free_port()),
        }
        env_file = self.folder / ".env"
        env_file.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
        env_file.chmod(0o600)

    async def remove_leftovers(self) -> None:
        """What an interrupted earlier run may have left: its containers, volume, network."""
        if (self.folder / "compose.yaml").exists():
            await self.run_compose("down", "--volumes", "--timeout", "5", check=False)
        await run("docker", "network", "rm", NETWORK, check=False)

    async def close(self) -> None:
        await self.remove_leftovers()
        if self.api is not None:
            await self.api.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- asking Compose and the containers ------------------------------------------------

    async def run_compose(
        self, *args: str, check: bool = True, stdin: bytes | None = None, within: float = 300
    ) -> Result:
        return await run(
            *self.compose,
            "--project-name",
            PROJECT,
            "--project-directory",
            str(self.folder),
            "-f",
            str(self.folder / "compose.yaml"),
            "-f",
            str(self.folder / "compose.test-deploy.yaml"),
            *args,
            check=check,
            stdin=stdin,
            within=within,
        )

    async def sql(self, query: str, database: str = "kapacitet") -> str:
        """``query``'s rows as psql prints them unaligned (``|`` between columns)."""
        found = await self.run_compose(
            "exec",
            "-T",
            "db",
            "psql",
            "-U",
            "kapacitet",
            "-d",
            database,
            "-tAX",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            query,
        )
        return found.out.strip()

    async def inspect(self, service: str) -> dict[str, Any]:
        found = await self.run_compose("ps", "--all", "--quiet", service)
        ids = found.out.split()
        if not ids:
            raise Failed(f"no container of the {service} service")
        details = await run("docker", "inspect", ids[0])
        result: dict[str, Any] = json.loads(details.out)[0]
        return result

    async def memory(self) -> str:
        """What each container uses now, as ``docker stats`` reports it."""
        ids = (await self.run_compose("ps", "--quiet")).out.split()
        found = await run(
            "docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *ids
        )
        lines = sorted(line.split(" / ")[0] for line in found.out.strip().splitlines())
        return ", ".join(line.removeprefix(f"{PROJECT}-") for line in lines)

    async def wait_healthy(self, service: str, within: float = 180) -> float:
        """Seconds until Docker reports the container's HEALTHCHECK healthy."""
        began = time.monotonic()
        status = "?"
        while time.monotonic() - began < within:
            state = (await self.inspect(service))["State"]
            status = (state.get("Health") or {}).get("Status", "no health check")
            if status == "healthy":
                return time.monotonic() - began
            if not state.get("Running"):
                break
            await asyncio.sleep(1)
        logs = await self.run_compose("logs", "--no-color", "--tail", "20", service, check=False)
        raise Failed(
            f"{service}: {status} (not healthy) after {time.monotonic() - began:.0f} s;"
            f" its last log lines:\n{logs.out.strip()}"
        )

    async def reply_to(self, person: Person, text: str, within: float = 90) -> SentMessage:
        """``person`` writes ``text``; the bot's first new message in their chat."""
        assert self.api is not None
        before = len(self.api.messages(person.user_id))
        self.api.push_message(person.user_id, text)
        return await self.next_bot_message(person, before + 1, within)

    async def next_bot_message(self, person: Person, after: int, within: float = 90) -> SentMessage:
        assert self.api is not None
        began = time.monotonic()
        while time.monotonic() - began < within:
            new = [m for m in self.api.messages(person.user_id)[after:] if m.from_bot]
            if new:
                return new[0]
            await asyncio.sleep(0.2)
        calls = [name for name, _ in self.api.calls[-5:]]
        raise Failed(
            f"the bot did not answer within {within:.0f} s (its last Bot API calls: "
            f"{calls or 'none'})"
        )

    async def tap(self, person: Person, message: SentMessage, label: str) -> None:
        """``person`` taps the inline button of ``message`` whose text contains ``label``."""
        assert self.api is not None
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if label in button.get("text", "") and "callback_data" in button:
                    update_id, _ = self.api.push_callback(
                        person.user_id, message.message_id, button["callback_data"]
                    )
                    await self.api.wait_fetched(update_id, timeout=60)
                    return
        texts = [button.get("text") for row in rows for button in row]
        raise Failed(f"no button {label!r} under the bot's message (buttons: {texts})")
