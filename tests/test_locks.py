"""The hashed locks in requirements/ agree with pyproject.toml.

pyproject.toml pins the direct dependencies; ``./kapacitet lock`` writes the whole tree
with a sha256 for every file: build.txt (pip and the build backend), run.txt (running),
dev.txt (running and testing). ``./kapacitet`` and the Dockerfile install only from them
with ``--require-hashes``, so a pin changed in pyproject.toml without a new lock would
install the old version, or fail: these tests say which lock to refresh.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
REFRESH = "run ./kapacitet lock (docs/deploy.md, 'Changing or updating a dependency')"


@dataclass(frozen=True)
class Locked:
    version: str
    hashes: tuple[str, ...]


def read_lock(name: str) -> dict[str, Locked]:
    """The pins of one lock file, by normalised name."""
    text = re.sub(r"\\\n", " ", (REQUIREMENTS / name).read_text())
    locked: dict[str, Locked] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        # No -r, -c, --index-url, --find-links, -e: a lock names releases, not places.
        assert not line.startswith("-"), f"{name}: an option line {line!r}"
        spec, *hashes = (part.strip() for part in line.split("--hash="))
        requirement = Requirement(spec)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"{name}: {spec} is not pinned"
        assert hashes, f"{name}: {spec} has no hash"
        assert all(re.fullmatch("sha256:[0-9a-f]{64}", value) for value in hashes), (name, spec)
        assert not requirement.extras, f"{name}: {spec} has extras (--strip-extras)"
        key = canonicalize_name(requirement.name)
        assert key not in locked, f"{name}: {key} twice"
        locked[key] = Locked(specifier.version, tuple(hashes))
    return locked


def pins(requirements: list[str]) -> dict[str, str]:
    """Declared requirements, each pinned exactly, by normalised name."""
    pinned: dict[str, str] = {}
    for line in requirements:
        requirement = Requirement(line)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"pyproject.toml: {line} is not pinned with =="
        pinned[canonicalize_name(requirement.name)] = specifier.version
    return pinned


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUN = pins(PYPROJECT["project"]["dependencies"])
DEV = pins(PYPROJECT["project"]["optional-dependencies"]["dev"])
BUILD = pins(PYPROJECT["build-system"]["requires"])


def disagreements(declared: dict[str, str], lock: str) -> list[str]:
    locked = read_lock(lock)
    return [
        f"{name}=={version} (the lock has {locked[name].version if name in locked else 'none'})"
        for name, version in sorted(declared.items())
        if name not in locked or locked[name].version != version
    ]


@pytest.mark.parametrize(
    ("declared", "lock"),
    [(RUN, "run.txt"), (RUN | DEV, "dev.txt"), (BUILD, "build.txt")],
    ids=["dependencies-in-run.txt", "dev-and-dependencies-in-dev.txt", "build-backend"],
)
def test_every_direct_dependency_is_locked_at_its_pinned_version(
    declared: dict[str, str], lock: str
):
    stale = disagreements(declared, lock)
    assert not stale, f"requirements/{lock} is stale ({', '.join(stale)}): {REFRESH}"


def test_the_build_lock_holds_pip_and_the_build_backend_of_pyproject():
    lines = (REQUIREMENTS / "build.in").read_text().splitlines()
    wanted = pins([line for line in lines if line.strip() and not line.startswith("#")])
    assert set(wanted) == {"pip", "hatchling", "editables"}
    assert wanted["hatchling"] == BUILD["hatchling"], "build.in and [build-system] disagree"
    stale = disagreements(wanted, "build.txt")
    assert not stale, f"requirements/build.txt is stale ({', '.join(stale)}): {REFRESH}"


def test_the_sets_share_versions_so_that_they_can_share_a_venv():
    build, run, dev = read_lock("build.txt"), read_lock("run.txt"), read_lock("dev.txt")
    # dev.txt is all of run.txt and more: `./kapacitet test` installs dev.txt alone.
    assert {name: dev.get(name) for name in run} == run
    for name in build.keys() & dev.keys():
        assert build[name].version == dev[name].version, name
    # The test tools stay out of what running installs (and out of the image).
    assert not (DEV.keys() - RUN.keys()) & run.keys()
    assert "pip-tools" in DEV, "the tool that writes the locks is pinned"


def install_commands(name: str) -> list[str]:
    """The pip commands of a file, continuation lines joined and `$locked` spelled out."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / name).read_text())
    [locked] = re.findall(r'^\s*locked="([^"]*)"', text, re.M) or [""]
    commands = [
        command.strip().replace("$locked", locked)
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for command in line.split("&&")
    ]
    # kapacitet's pip_install passes on its callers' arguments ("$@"): its callers count.
    pip = re.compile(r"pip(_| )(install|wheel) ")
    return [command for command in commands if pip.search(command) and '"$@"' not in command]


@pytest.mark.parametrize("name", ["kapacitet", "Dockerfile"])
def test_installs_take_only_hashed_wheels_from_the_locks_and_the_project_alone(name: str):
    commands = install_commands(name)
    from_locks = [command for command in commands if " -r " in command]
    assert from_locks, name
    for command in from_locks:
        assert "--require-hashes" in command and "--only-binary :all:" in command, command
        assert re.search(r"-r \S*(build|run|dev|\$1)\.txt", command), command
    for command in set(commands) - set(from_locks):
        # The project itself: nothing else comes along, and the build backend is the locked one.
        assert "--no-deps" in command, command
        assert "--no-build-isolation" in command or command.endswith(".whl"), command
