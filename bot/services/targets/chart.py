"""The targets' progress chart: one horizontal bar per target (achieved as a percent of the
target), a tick where the straight line to the due date is today, and behind-pace bars in
red. PNG bytes, drawn like :mod:`bot.services.charts` (no pyplot; all text translated)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.charts import FONT

COLOURS = {"behind": "#d62728", "missed": "#d62728", "met": "#2ca02c"}
DEFAULT_COLOUR = "#1f77b4"
MAX_BARS = 24
"""More targets than this: the first ones only (the caption says how many are left out)."""


@dataclass(frozen=True)
class Bar:
    label: str
    """Translated: "People trained · Albania · by 30 Jun 2027"."""
    percent: int
    """Achieved, as a percent of the target."""
    expected_percent: int
    """Where the straight line is today, as a percent of the target."""
    pace: str
    """A :class:`~bot.services.targets.Pace` value: picks the colour."""
    value_label: str
    """Translated: "270 of 1,620 (16 %)"."""


def progress_png(*, title: str, bars: Sequence[Bar], x_label: str, legend: str) -> bytes:
    """The chart; ``legend`` explains the tick (the straight line)."""
    shown = list(bars)[:MAX_BARS]
    if not shown:
        raise ValueError("nothing to draw")
    # matplotlib is imported on the first chart, not when the bot starts (services/charts.py).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, 1.2 + 0.55 * len(shown)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=13, fontweight="bold", fontfamily=FONT)
    ax = figure.subplots()
    positions = list(range(len(shown)))[::-1]
    widths = [min(bar.percent, 150) for bar in shown]
    colours = [COLOURS.get(bar.pace, DEFAULT_COLOUR) for bar in shown]
    ax.barh(positions, widths, color=colours, height=0.6)
    ax.scatter(
        [bar.expected_percent for bar in shown],
        positions,
        marker="|",
        s=400,
        color="#222222",
        label=legend,
        zorder=3,
    )
    for position, bar, width in zip(positions, shown, widths, strict=True):
        ax.text(width + 1.5, position, bar.value_label, va="center", fontsize=8, fontfamily=FONT)
    ax.set_yticks(positions)
    ax.set_yticklabels([bar.label for bar in shown], fontsize=9, fontfamily=FONT)
    ax.axvline(100, color="#555555", linewidth=0.8, linestyle="--")
    ax.set_xlim(0, max(130, max(widths) + 40))
    ax.set_xlabel(x_label, fontfamily=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", frameon=False, prop={"family": FONT, "size": 8})
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    return buffer.getvalue()
