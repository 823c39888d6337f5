"""Small numbers in shared tables: a count of 1 to threshold-1 people is shown as ``<5``
and an average over fewer than threshold people is not shown, so nobody can be singled out.
"""

from __future__ import annotations


def suppress(value: int, threshold: int) -> str:
    """What a shared table shows: ``"<5"`` for 1 to threshold-1 (threshold 5), the number
    otherwise. Zero is shown as ``"0"``: nobody can be singled out from nobody."""
    if is_suppressed(value, threshold):
        return f"<{threshold}"
    return str(value)


def is_suppressed(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def shown_average(average: float | None, count: int, threshold: int) -> float | None:
    """An average over fewer than ``threshold`` people is not shown (None)."""
    return None if count < threshold else average
