"""Donors' targets per programme and indicator (optionally per country and period): loaded
from a file (:mod:`.load`), and the progress towards them with its pace (:mod:`.progress`).
"""

from bot.services.targets.load import (
    ALL_COUNTRIES,
    Indicator,
    Loaded,
    Problem,
    TargetFileError,
    check_rows,
    load,
    read_rows,
    store,
)
from bot.services.targets.progress import (
    TOLERANCE,
    Pace,
    TargetProgress,
    expected_by,
    pace_of,
    progress,
    shows_targets,
)

__all__ = [
    "ALL_COUNTRIES",
    "TOLERANCE",
    "Indicator",
    "Loaded",
    "Pace",
    "Problem",
    "TargetFileError",
    "TargetProgress",
    "check_rows",
    "expected_by",
    "load",
    "pace_of",
    "progress",
    "read_rows",
    "shows_targets",
    "store",
]
