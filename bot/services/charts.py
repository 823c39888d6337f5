"""Charts as PNG bytes (matplotlib, Agg backend: no display needed).

The figures are built with matplotlib's object-oriented API (``Figure`` and the Agg canvas),
never through ``pyplot``: nothing is kept in pyplot's global list of open figures, so a
figure is freed as soon as the bytes are written (no ``plt.close`` to forget) and charts can
be drawn in a worker thread. All text comes in already translated; matplotlib's default font,
DejaVu Sans, covers Latin with diacritics (ë, ç, š, ž, ć) and Cyrillic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

# matplotlib (with numpy, fontTools, PIL: some 40 MiB) is imported on the first chart, not
# when the bot starts: most runs of the bot never draw one (tests/test_startup_imports.py).

FONT = "DejaVu Sans"
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
)
FIXED_COLOURS = {
    "AL": "#d62728",
    "BA": "#1f77b4",
    "XK": "#ff7f0e",
    "ME": "#8c564b",
    "MK": "#bcbd22",
    "RS": "#2ca02c",
    "female": "#9467bd",
    "male": "#17becf",
    "other": "#e377c2",
    "undisclosed": "#c7c7c7",
    "unknown": "#8f8f8f",
}
"""The same country or gender keeps its colour from one chart to the next."""
MAX_MONTH_LABELS = 18
"""More months than this: only every n-th month is labelled."""


@dataclass(frozen=True)
class Series:
    key: str
    """A stored code (``RS``, ``female``, ``unknown``): picks the colour."""
    label: str
    """What the legend shows, translated."""
    values: Sequence[int]


@dataclass(frozen=True)
class Panel:
    title: str
    series: Sequence[Series]


def _colour(key: str, index: int) -> str:
    return FIXED_COLOURS.get(key, PALETTE[index % len(PALETTE)])


def stacked_months_png(
    *,
    title: str,
    month_labels: Sequence[str],
    panels: Sequence[Panel],
    y_label: str,
    note: str | None = None,
) -> bytes:
    """One stacked bar chart per panel, one bar per month, stacked by series; PNG bytes."""
    count = len(month_labels)
    if count == 0 or not panels:
        raise ValueError("nothing to draw")
    import matplotlib

    matplotlib.use("Agg")  # before anything imports pyplot; we do not, but a library might
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    width = min(14.0, max(7.0, 0.45 * count + 4.0))
    figure = Figure(figsize=(width, 3.4 * len(panels) + 1.0), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=14, fontweight="bold", fontfamily=FONT)
    axes = figure.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    positions = list(range(count))
    step = max(1, -(-count // MAX_MONTH_LABELS))
    for ax, panel in zip(axes, panels, strict=True):
        bottoms = [0] * count
        for index, series in enumerate(panel.series):
            values = list(series.values)
            if len(values) != count:
                raise ValueError(f"{series.key}: {len(values)} values for {count} months")
            ax.bar(
                positions,
                values,
                bottom=bottoms,
                label=series.label,
                color=_colour(series.key, index),
                width=0.75,
            )
            bottoms = [low + value for low, value in zip(bottoms, values, strict=True)]
        ax.set_title(panel.title, fontsize=11, loc="left", fontfamily=FONT)
        ax.set_ylabel(y_label, fontfamily=FONT)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0, top=max(1, max(bottoms)) * 1.1)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if panel.series:
            ax.legend(
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize=9,
                frameon=False,
                prop={"family": FONT, "size": 9},
            )
    last = axes[-1]
    last.set_xticks(positions[::step])
    last.set_xticklabels(
        list(month_labels)[::step],
        rotation=45 if count > 6 else 0,
        ha="right" if count > 6 else "center",
        fontfamily=FONT,
    )
    if note:
        figure.supxlabel(note, fontsize=9, color="#555555", fontfamily=FONT)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    return buffer.getvalue()
