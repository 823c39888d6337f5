"""The curriculum shipped in ``bot/content/modules/`` as stored versions.

On a new database each module's files become its version 1, published. When the files
change later (a new release), the change becomes the next published version, unless the
programme has edited that module in the bot: then the change is reported and not applied,
so a release never overwrites the programme's work. A module new in the files is added.
Running it again changes nothing (the files' hash is stored with the version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import MODULE_KEY, module_folders, read_files
from bot.db import utcnow
from bot.models import ModuleVersion, VersionState
from bot.paths import CONTENT_DIR
from bot.services import translation_review
from bot.services.content_versions import (
    content_hash,
    dump,
    files_of,
)


@dataclass(frozen=True)
class Synced:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    """Modules whose files changed but which the programme edited: the files are not
    applied (a person decides)."""
    as_shipped: dict[str, int] = field(default_factory=dict)
    """Module → the number of its published version when that version is the files as they
    are (already stored, not added now): the catalogue read from the files is that version
    (:meth:`bot.content.model.Catalogue.adopt`), not built a second time from the database."""


async def _versions_without_files(db: AsyncSession, module_id: str) -> list[ModuleVersion]:
    """A module's versions, their files (the whole text of a module) left unread."""
    rows = await db.exec(
        select(ModuleVersion)
        .options(defer(ModuleVersion.files))  # type: ignore[arg-type]
        .where(ModuleVersion.module_id == module_id)
        .order_by(col(ModuleVersion.number))
    )
    return list(rows.all())


async def sync_shipped(db: AsyncSession, root: Path = CONTENT_DIR) -> Synced:
    added: list[str] = []
    updated: list[str] = []
    kept: list[str] = []
    as_shipped: dict[str, int] = {}
    now = utcnow()
    for folder in module_folders(root):
        files = read_files(folder)
        digest = content_hash(files)
        module_id = folder.name
        rows = await _versions_without_files(db, module_id)
        if any(row.from_files == digest for row in rows):
            shipped = [row for row in rows if row.from_files == digest]
            if shipped[-1].state == VersionState.PUBLISHED:
                as_shipped[module_id] = shipped[-1].number
            continue
        if any(row.from_files is None for row in rows):
            kept.append(module_id)
            continue
        live = [row for row in rows if row.state == VersionState.PUBLISHED]
        for row in live:
            row.state, row.changed_at = VersionState.SUPERSEDED, now
            db.add(row)
        db.add(
            ModuleVersion(
                module_id=module_id,
                number=rows[-1].number + 1 if rows else 1,
                state=VersionState.PUBLISHED,
                files=dump(files),
                from_files=digest,
                created_at=now,
                changed_at=now,
                published_at=now,
            )
        )
        if rows:
            updated.append(module_id)
            await db.refresh(rows[-1], ["files"])
            old = files_of(rows[-1])
            if old.get(MODULE_KEY) != files.get(MODULE_KEY) or old.get("en") != files.get("en"):
                await translation_review.on_source_changed(db, module_id, old, files, now)
        else:
            added.append(module_id)
    await db.flush()
    return Synced(tuple(added), tuple(updated), tuple(kept), as_shipped)
