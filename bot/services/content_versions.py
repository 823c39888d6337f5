"""The curriculum in the database: each module's files as data, one row per version.

A version holds what the YAML files of a module hold (``bot.content.catalogue.Files``) and
is a draft, published (what a learner starting the module gets), superseded (published
before: the learners who started on it finish on it) or retired (the module is hidden from
the catalogue and kept for reports). Every version is checked by the rules of ``content
check`` before it is stored: the loader's and the quiz lint's.

The catalogue the handlers read is built from the stored versions (:func:`load_into`); its
``generation`` (:func:`generation`) changes with every publish or retirement, so a running
bot notices a change made elsewhere with one small query (``bot.handlers.content.refresh``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import (
    MODULE_KEY,
    Catalogue,
    ContentError,
    Files,
    Module,
    Problem,
    module_from_files,
)
from bot.content.lint import Level, lint_files
from bot.db import utcnow
from bot.models import ModuleVersion, Role, RoleGrant, VersionState
from bot.services import audit, translation_review
from bot.services.errors import ServiceError

log = logging.getLogger(__name__)

LIVE_STATES = (VersionState.PUBLISHED, VersionState.SUPERSEDED, VersionState.RETIRED)
"""Versions learners may have seen: kept in the catalogue for those finishing them."""


class Reason(StrEnum):
    NOT_FOUND = "not-found"
    NOT_ALLOWED = "not-allowed"
    INVALID = "invalid"
    """The files break the content rules: ``problems`` names each."""
    NO_DRAFT = "no-draft"
    UNCHANGED = "unchanged"
    """A draft identical to what is there already."""
    EXISTS = "exists"
    RETIRED = "retired"
    BAD_FILE = "bad-file"
    """Not a workbook of a module."""
    LANGUAGE_NOT_ALLOWED = "language-not-allowed"
    """An editor scoped to some languages changed another: ``value`` names it."""


class ContentVersionError(ServiceError):
    reason: Reason

    def __init__(
        self, reason: Reason, value: str | None = None, problems: tuple[Problem, ...] = ()
    ) -> None:
        super().__init__(reason, value)
        self.problems = problems


def _default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def dump(files: Files) -> str:
    return json.dumps(files, ensure_ascii=False, sort_keys=True, default=_default)


def files_of(version: ModuleVersion) -> Files:
    files: Files = json.loads(version.files)
    return files


def content_hash(files: Files) -> str:
    return hashlib.sha256(dump(files).encode()).hexdigest()


def check(files: Files, module_id: str, today: date, version: int = 0) -> Module:
    """The module the files make, checked by the loader's rules and the quiz lint's errors;
    raises ContentVersionError(INVALID) naming each problem by file key and field."""
    try:
        module = module_from_files(files, module_id, version)
    except ContentError as error:
        raise ContentVersionError(Reason.INVALID, problems=tuple(error.problems)) from None
    languages = {key: value for key, value in files.items() if key != MODULE_KEY}
    problems = []
    for finding in lint_files(module_id, dict(files[MODULE_KEY]), languages, today):
        if finding.level != Level.ERROR:
            continue
        parts = finding.where.split("/")
        file = parts[1] if len(parts) > 1 else MODULE_KEY
        field = f"questions.{parts[2]}" if len(parts) > 2 else "questions"
        problems.append(Problem(file, field, finding.message))
    if problems:
        raise ContentVersionError(Reason.INVALID, problems=tuple(problems))
    return module


async def versions_of(db: AsyncSession, module_id: str) -> list[ModuleVersion]:
    rows = await db.exec(
        select(ModuleVersion)
        .where(ModuleVersion.module_id == module_id)
        .order_by(col(ModuleVersion.number))
    )
    return list(rows.all())


def _in_state(rows: list[ModuleVersion], *states: VersionState) -> ModuleVersion | None:
    found = [row for row in rows if row.state in states]
    return found[-1] if found else None


async def module_ids(db: AsyncSession) -> list[str]:
    rows = await db.exec(select(ModuleVersion.module_id).distinct())
    return sorted(rows.all())


async def published(db: AsyncSession, module_id: str) -> ModuleVersion | None:
    return _in_state(await versions_of(db, module_id), VersionState.PUBLISHED)


async def draft(db: AsyncSession, module_id: str) -> ModuleVersion | None:
    return _in_state(await versions_of(db, module_id), VersionState.DRAFT)


async def latest_draft_or_published(db: AsyncSession, module_id: str) -> Files:
    """What an editor works on: the draft if there is one, else the published version (else
    the retired one); raises ContentVersionError(NOT_FOUND)."""
    rows = await versions_of(db, module_id)
    row = _in_state(rows, VersionState.DRAFT) or _in_state(
        rows, VersionState.PUBLISHED, VersionState.RETIRED
    )
    if row is None:
        raise ContentVersionError(Reason.NOT_FOUND, module_id)
    return files_of(row)


async def editor_languages(db: AsyncSession, editor_id: int) -> frozenset[str] | None:
    """The languages an editor may change; None: all (an editor without limits, an admin)."""
    grant = (
        await db.exec(
            select(RoleGrant).where(
                RoleGrant.learner_id == editor_id,
                RoleGrant.role == Role.EDITOR,
                col(RoleGrant.revoked_at).is_(None),
            )
        )
    ).first()
    if grant is None or not grant.languages:
        return None
    return frozenset(grant.languages.split(","))


def changed_languages(old: Files, new: Files) -> set[str]:
    """The file keys whose mapping differs (``module`` for the structure)."""
    return {
        key
        for key in set(old) | set(new)
        if json.dumps(old.get(key), sort_keys=True, default=_default)
        != json.dumps(new.get(key), sort_keys=True, default=_default)
    }


async def save_draft(
    db: AsyncSession,
    module_id: str,
    files: Files,
    editor_id: int,
    languages_changed: set[str],
    *,
    today: date | None = None,
) -> ModuleVersion:
    """Stores ``files`` as the module's draft (replacing an earlier draft), after checking
    them by the content rules and the editor's languages; raises ContentVersionError."""
    rows = await versions_of(db, module_id)
    base = _in_state(rows, VersionState.DRAFT, VersionState.PUBLISHED, VersionState.RETIRED)
    if base is None:
        raise ContentVersionError(Reason.NOT_FOUND, module_id)
    allowed = await editor_languages(db, editor_id)
    changed = set(languages_changed) | changed_languages(files_of(base), files)
    if allowed is not None:
        for key in sorted(changed - allowed):
            raise ContentVersionError(Reason.LANGUAGE_NOT_ALLOWED, key)
    if not changed:
        raise ContentVersionError(Reason.UNCHANGED, module_id)
    check(files, module_id, today or utcnow().date())
    now = utcnow()
    row = _in_state(rows, VersionState.DRAFT)
    if row is None:
        row = ModuleVersion(
            module_id=module_id,
            number=rows[-1].number + 1,
            state=VersionState.DRAFT,
            files=dump(files),
            created_by=editor_id,
            created_at=now,
            changed_at=now,
        )
    else:
        row.files, row.created_by, row.changed_at = dump(files), editor_id, now
    db.add(row)
    await db.flush()
    return row


async def draft_module(db: AsyncSession, module_id: str) -> Module:
    """The draft as learners would see it (for a preview); raises NO_DRAFT."""
    row = await draft(db, module_id)
    if row is None:
        raise ContentVersionError(Reason.NO_DRAFT, module_id)
    return module_from_files(files_of(row), module_id, row.number)


async def publish(
    db: AsyncSession, module_id: str, actor_id: int | None, number: int | None = None
) -> ModuleVersion:
    """The draft (version ``number``, when given: a button for an older draft is stale)
    becomes what new starts get; the published version before it is kept (superseded) for
    the learners finishing it. Audited."""
    rows = await versions_of(db, module_id)
    row = _in_state(rows, VersionState.DRAFT)
    if row is None or (number is not None and row.number != number):
        raise ContentVersionError(Reason.NO_DRAFT, module_id)
    now = utcnow()
    before = _in_state(rows, VersionState.PUBLISHED, VersionState.RETIRED)
    if before is not None:
        # The English learners read changes now: its translations in every language need
        # review (a draft never published marks nothing).
        await translation_review.on_source_changed(
            db, module_id, files_of(before), files_of(row), now
        )
    for earlier in rows:
        if earlier.state in (VersionState.PUBLISHED, VersionState.RETIRED):
            earlier.state, earlier.changed_at = VersionState.SUPERSEDED, now
            db.add(earlier)
    row.state, row.changed_at = VersionState.PUBLISHED, now
    row.published_by, row.published_at = actor_id, now
    db.add(row)
    await db.flush()
    await audit.record(
        db,
        actor_id=actor_id,
        action="content.published",
        subject_type="module_version",
        subject_id=row.id or 0,
        details={"module": module_id, "version": row.number},
        now=now,
    )
    return row


async def retire(db: AsyncSession, module_id: str, actor_id: int | None) -> ModuleVersion:
    """Hides the module from the catalogue; its versions stay for reports. Audited."""
    row = await published(db, module_id)
    if row is None:
        raise ContentVersionError(Reason.NOT_FOUND, module_id)
    now = utcnow()
    row.state, row.changed_at = VersionState.RETIRED, now
    db.add(row)
    await db.flush()
    await audit.record(
        db,
        actor_id=actor_id,
        action="content.retired",
        subject_type="module_version",
        subject_id=row.id or 0,
        details={"module": module_id, "version": row.number},
        now=now,
    )
    return row


async def add_module(
    db: AsyncSession, module_id: str, files: Files, actor_id: int | None
) -> ModuleVersion:
    """A new module as a draft (not checked yet: a skeleton is filled in later)."""
    if await versions_of(db, module_id):
        raise ContentVersionError(Reason.EXISTS, module_id)
    now = utcnow()
    row = ModuleVersion(
        module_id=module_id,
        number=1,
        state=VersionState.DRAFT,
        files=dump(files),
        created_by=actor_id,
        created_at=now,
        changed_at=now,
    )
    db.add(row)
    await db.flush()
    return row


@dataclass(frozen=True)
class Generation:
    count: int
    last_change: Any


async def generation(db: AsyncSession) -> Generation:
    """Changes with every publish and retirement: one small query."""
    found = (
        await db.exec(
            select(sa.func.count(), sa.func.max(ModuleVersion.changed_at)).where(
                col(ModuleVersion.state).in_(list(LIVE_STATES))
            )
        )
    ).one()
    return Generation(int(found[0]), found[1])


async def load_into(db: AsyncSession, catalogue: Catalogue) -> bool:
    """Rebuilds ``catalogue`` from the stored versions when they changed; False (and the
    catalogue as it was) when nothing is stored yet or nothing changed."""
    current = await generation(db)
    catalogue.stale = False
    if current.count == 0 or current == catalogue.generation:
        return False
    rows = (
        await db.exec(
            select(ModuleVersion)
            .options(defer(ModuleVersion.files))  # type: ignore[arg-type]
            .where(col(ModuleVersion.state).in_(list(LIVE_STATES)))
        )
    ).all()
    known = {(module_id, number): module for (module_id, number), module in catalogue.known()}
    # The files (a module's whole text) read only for the versions not built already.
    unbuilt = [row.id for row in rows if (row.module_id, row.number) not in known]
    if unbuilt:
        await db.exec(select(ModuleVersion).where(col(ModuleVersion.id).in_(unbuilt)))
    modules: list[Module] = []
    versions: list[Module] = []
    retired: list[str] = []
    for row in rows:
        module = known.get((row.module_id, row.number))
        if module is None:
            # Checked when stored; the loader's rules alone here (the lint's date may age).
            try:
                module = module_from_files(files_of(row), row.module_id, row.number)
            except ContentError as error:  # written around the checks: left out, loudly
                log.error("module %s version %s: %s", row.module_id, row.number, error)
                continue
        versions.append(module)
        if row.state == VersionState.PUBLISHED:
            modules.append(module)
        elif row.state == VersionState.RETIRED:
            retired.append(row.module_id)
    catalogue.replace(modules, versions, tuple(sorted(retired)))
    catalogue.generation = current
    return True
