"""What a file holds (its sheets and row counts), and the audit log's entry for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from bot.services.exports.request import ExportFormat, ExportRequest, Sheet

Progress = Callable[[int], None]
"""Told how many more rows were written."""


@dataclass
class ExportSummary:
    """What a file holds: its sheets and their row counts (headers not counted)."""

    export_format: ExportFormat
    rows: dict[Sheet, int] = field(default_factory=dict)


async def record_export(
    db: AsyncSession,
    *,
    actor_id: int | None,
    request: ExportRequest,
    summary: ExportSummary,
    now: datetime,
) -> None:
    """The audit log's entry for an export: who, when, what (no personal data)."""
    period = request.period
    await audit.record(
        db,
        actor_id=actor_id,
        action="export.create",
        subject_type="export",
        subject_id=actor_id or 0,
        details={
            "format": summary.export_format.value,
            "period": [
                period.start.isoformat() if period.start else None,
                period.end.isoformat() if period.end else None,
            ],
            "filters": {
                "country": request.filters.country,
                "organisation": request.filters.organisation,
                "module": request.filters.module,
            },
            "scope": {
                "countries": sorted(request.scope.countries or ()),
                "organisations": sorted(request.scope.organisations or ()),
                "full": request.scope.is_full,
            },
            "rows": {sheet.value: count for sheet, count in summary.rows.items()},
            **_programmes(request),
        },
        now=now,
    )


def _programmes(request: ExportRequest) -> dict[str, object]:
    """The programme filter and limit, when there is one (left out otherwise)."""
    found: dict[str, object] = {}
    if request.filters.programme is not None:
        found["programme"] = request.filters.programme
    if request.scope.programmes is not None:
        found["scope_programmes"] = sorted(request.scope.programmes)
    return found
