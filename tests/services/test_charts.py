"""Charts: real PNG files a phone's width, Cyrillic and Latin diacritics drawn, every text
inside the canvas (nothing clipped), nothing left open."""

from __future__ import annotations

import io
import warnings

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text
from PIL import Image

from bot.services import charts

LONG = "Босна и Херцеговина (Federacija Bosne i Hercegovine, Republika Srpska)"


def bars(count: int = 3) -> list[charts.Bar]:
    names = ["Србија", "Kosovë ç ë", LONG, "Crna Gora", "Северна Македонија", "Shqipëri"]
    return [
        charts.Bar(key, names[index % len(names)], 5 * (index + 1) * 37)
        for index, key in enumerate(["RS", "XK", "BA", "ME", "MK", "AL", "x", "y", "z"][:count])
    ]


def figure(count: int = 3) -> charts.Figure:
    return charts.bars_figure(
        title="Обучени људи по земљи: ове године, а наслов је дугачак да се прелама",
        bars=bars(count),
        x_label="Људи",
        note="Заокружено на умношке од 5, тако да нико не може бити издвојен.",
    )


def test_a_chart_is_a_real_png_a_phone_wide_drawn_without_missing_glyphs():
    with warnings.catch_warnings():
        # matplotlib warns "Glyph ... missing from font" for a character it cannot draw.
        warnings.simplefilter("error")
        data = charts.png(figure())
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.width == charts.PHONE_WIDTH
        assert image.height > 300
        # Something is drawn: not a blank canvas.
        low, high = image.convert("L").getextrema()  # type: ignore[misc]
        assert high - low > 100


@pytest.mark.parametrize("count", [1, 3, 9])
def test_every_text_lies_inside_the_canvas(count: int):
    drawn = figure(count)
    drawn.canvas.draw()
    renderer = drawn.canvas.get_renderer()  # type: ignore[attr-defined]
    canvas = drawn.bbox
    texts = [text for text in drawn.findobj(Text) if text.get_visible() and text.get_text()]
    assert any("\n" in text.get_text() for text in texts)  # the long name was wrapped
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0, text.get_text()
        assert box.x1 <= canvas.width and box.y1 <= canvas.height, text.get_text()
    # The tight box of everything drawn fits the canvas too (what savefig would crop to).
    tight = drawn.get_tightbbox(renderer)
    assert tight is not None
    assert tight.width * drawn.dpi <= canvas.width + 1
    assert tight.height * drawn.dpi <= canvas.height + 1
    drawn.clear()


def test_many_charts_still_draw_and_nothing_stays_open():
    before = plt.get_fignums()
    for _ in range(3):
        charts.bars_png(title="t", bars=bars(9), x_label="x")
    assert plt.get_fignums() == before  # no figure kept in pyplot's registry


def test_a_chart_needs_bars():
    with pytest.raises(ValueError):
        charts.bars_png(title="t", bars=[], x_label="x")
