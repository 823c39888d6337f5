"""Charts as PNG bytes (matplotlib, Agg backend: no display needed), sized for a phone.

The figures are built with matplotlib's object-oriented API (``Figure`` and the Agg canvas),
never through ``pyplot``: nothing is kept in pyplot's global list of open figures, so a
figure is freed as soon as the bytes are written (no ``plt.close`` to forget) and charts can
be drawn in a worker thread. All text comes in already translated; matplotlib's default font,
DejaVu Sans, covers Latin with diacritics (ë, ç, š, ž, ć) and Cyrillic.

One chart shows one breakdown: a horizontal bar per group, its name beside it (wrapped to
fit) and its figure at its end, so there is no legend to crowd or clip. A chart is
``PHONE_WIDTH`` pixels wide, the width of a phone screen at full resolution; the
constrained layout keeps every text inside the canvas (tests/services/test_charts.py
checks every text's box against it).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

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
PHONE_WIDTH = 1080
"""Pixels: a phone screen's width at full resolution (Telegram shows it edge to edge)."""
DPI = 300
LABEL_WIDTH = 16
"""Characters per line of a group's name beside its bar."""
TITLE_WIDTH = 30
"""Characters per line of the title and the note."""


@dataclass(frozen=True)
class Bar:
    key: str
    """A stored code (``RS``, ``female``, ``unknown``): picks the colour."""
    label: str
    """What the chart shows beside the bar, translated."""
    value: int


def _colour(key: str, index: int) -> str:
    return FIXED_COLOURS.get(key, PALETTE[index % len(PALETTE)])


def bars_figure(
    *, title: str, bars: Sequence[Bar], x_label: str, note: str | None = None
) -> Figure:
    """The chart of ``bars`` (top to bottom in their order), drawn on an Agg canvas."""
    if not bars:
        raise ValueError("nothing to draw")
    labels = [textwrap.fill(bar.label, LABEL_WIDTH) for bar in bars]
    lines = sum(label.count("\n") + 1 for label in labels)
    title_text = textwrap.fill(title, TITLE_WIDTH)
    note_text = textwrap.fill(note, TITLE_WIDTH + 10) if note else None
    height = (
        0.9
        + 0.28 * (title_text.count("\n") + 1)
        + 0.2 * max(lines, len(bars) * 1.4)
        + (0.22 * (note_text.count("\n") + 1) if note_text else 0)
    )
    import matplotlib

    matplotlib.use("Agg")  # before anything imports pyplot; we do not, but a library might
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(PHONE_WIDTH / DPI, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title_text, fontsize=9, fontweight="bold", fontfamily=FONT)
    ax = figure.subplots()
    positions = list(range(len(bars)))
    values = [bar.value for bar in bars]
    drawn = ax.barh(
        positions,
        values,
        color=[_colour(bar.key, index) for index, bar in enumerate(bars)],
        height=0.7,
    )
    figures = ax.bar_label(drawn, labels=[str(value) for value in values], padding=2, fontsize=7)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=7, fontfamily=FONT)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1, max(values)) * 1.2)
    # Each bar carries its figure: no scale to read, nothing to crowd the right edge.
    ax.set_xticks([])
    ax.set_xlabel(x_label, fontsize=7, fontfamily=FONT)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if note_text:
        figure.supxlabel(note_text, fontsize=6, color="#555555", fontfamily=FONT)
    _make_room(figure, ax, figures)
    return figure


def _make_room(figure: Figure, ax: Axes, texts: Sequence[Text]) -> None:
    """Widens the value axis until the figures at the bars' ends lie inside the axes (the
    layout leaves room for ticks and titles, not for these)."""
    canvas = figure.canvas
    for _ in range(4):
        canvas.draw()
        renderer = canvas.get_renderer()  # type: ignore[attr-defined]
        box = ax.get_window_extent(renderer)
        right = max(text.get_window_extent(renderer).x1 for text in texts)
        if right <= box.x1 - 2:
            return
        low, high = ax.get_xlim()
        room = max(box.width - (right - box.x1) - 8, box.width / 4)
        ax.set_xlim(low, low + (high - low) * box.width / room)


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes; the figure is cleared afterwards."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    return buffer.getvalue()


def bars_png(*, title: str, bars: Sequence[Bar], x_label: str, note: str | None = None) -> bytes:
    """:func:`bars_figure` as PNG bytes, ``PHONE_WIDTH`` pixels wide."""
    return png(bars_figure(title=title, bars=bars, x_label=x_label, note=note))
