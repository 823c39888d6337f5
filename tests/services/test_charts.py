"""Charts: real PNG files, Cyrillic and Latin diacritics drawn, nothing left open."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from bot.services import charts
from tests.support.images import png_size


def chart(months: int = 3) -> bytes:
    return charts.stacked_months_png(
        title="Обучени људи по месецима: ове године",
        month_labels=[f"мар {2026 + n}." for n in range(months)],
        panels=[
            charts.Panel(
                "По земљи сесије",
                [
                    charts.Series("RS", "Србија", [12, 0, 5][:months] + [1] * (months - 3)),
                    charts.Series("XK", "Kosovë", [0, 8, 6][:months] + [1] * (months - 3)),
                ],
            ),
            charts.Panel("Sipas gjinisë", [charts.Series("female", "Grua ç š ś", [7] * months)]),
        ],
        y_label="Људи",
        note="Групе мање од 5 људи нису приказане.",
    )


def test_a_chart_is_a_real_png_drawn_without_missing_glyphs():
    with warnings.catch_warnings():
        # matplotlib warns "Glyph ... missing from font" for a character it cannot draw.
        warnings.simplefilter("error")
        data = chart()
    width, height = png_size(data)
    assert width >= 600 and height >= 600
    assert len(data) > 15_000


def test_many_months_still_draw_and_nothing_stays_open():
    before = plt.get_fignums()
    for _ in range(3):
        png_size(chart(months=40))
    assert plt.get_fignums() == before  # no figure kept in pyplot's registry


def test_a_chart_needs_months_and_matching_values():
    with pytest.raises(ValueError):
        charts.stacked_months_png(title="t", month_labels=[], panels=[], y_label="y")
    with pytest.raises(ValueError):
        charts.stacked_months_png(
            title="t",
            month_labels=["a", "b"],
            panels=[charts.Panel("p", [charts.Series("RS", "RS", [1])])],
            y_label="y",
        )
