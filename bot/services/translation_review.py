"""Translations that need review after their English source changed.

A stub until the helper ``po`` merges its own module with the same name and signature: the
content versions (``bot.services.content_versions``) call :func:`on_source_changed` whenever
a draft or the shipped files change a module's English text or structure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession


async def on_source_changed(
    db: AsyncSession,
    module_id: str,
    old_files: dict[str, Any],
    new_files: dict[str, Any],
    now: datetime,
) -> list[str]:
    """Marks the translations of what changed in English as needing review (here: nothing);
    returns the keys changed. ``po``'s module has this signature."""
    del db, module_id, old_files, new_files, now
    return []
