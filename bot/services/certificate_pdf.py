"""The certificate as a PDF: A4 landscape, one page, every text given ready-made.

A pure function: the caller passes the texts already translated, in the
certificate's language and script, and gets the file's bytes back. The fonts
(DejaVu Sans, with its licence) ship inside the package, so the same file comes
out on any machine; they cover Latin with ë, ç, š, ś, ź, đ, Cyrillic, and
combining accents (a Cyrillic с́ is с followed by U+0301, drawn over the letter
because the accent has no width of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.paths import PACKAGE_DIR

FONTS_DIR = PACKAGE_DIR / "assets" / "fonts"
REGULAR_FONT = FONTS_DIR / "DejaVuSans.ttf"
BOLD_FONT = FONTS_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"

PAGE_WIDTH = 297.0
PAGE_HEIGHT = 210.0
MARGIN = 30.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
ACCENT = (18, 86, 110)
INK = (33, 37, 41)
MUTED = (95, 104, 112)


if TYPE_CHECKING:
    from fpdf import FPDF

# fpdf2 (with fontTools and PIL) is imported on the first certificate, not when the bot
# starts (tests/test_startup_imports.py).


@dataclass(frozen=True)
class CertificateTexts:
    """Everything printed on the certificate, as plain text (no HTML)."""

    language: str
    """The document's language, as a BCP 47 tag (``sr-Cyrl``, ``sq``)."""
    issuer: str
    heading: str
    intro: str
    name: str
    completed: str
    module_title: str
    details: str
    """The date and the score, in one line."""
    code_label: str
    code: str
    how_to_verify: str
    issued_at: datetime
    """Written into the file's metadata, so that the same certificate gives the same file."""


def _fitted(
    pdf: FPDF,
    text: str,
    *,
    size: float,
    smallest: float,
    bold: bool,
    line_height: float,
    color: tuple[int, int, int] = INK,
) -> None:
    """``text`` centred across the page, shrunk (down to ``smallest``) to fit on one line;
    longer texts wrap."""
    from fpdf.enums import Align, XPos, YPos

    style = "B" if bold else ""
    pdf.set_font(FAMILY, style, size)
    room = TEXT_WIDTH - 2 * pdf.c_margin - 1
    while size > smallest and pdf.get_string_width(text) > room:
        size -= 1
        pdf.set_font(FAMILY, style, size)
    pdf.set_text_color(*color)
    pdf.set_x(MARGIN)
    pdf.multi_cell(
        TEXT_WIDTH,
        line_height * size / 10,
        text,
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def render(texts: CertificateTexts) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FAMILY, "", str(REGULAR_FONT))
    pdf.add_font(FAMILY, "B", str(BOLD_FONT))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_lang(texts.language)
    pdf.set_title(f"{texts.heading}: {texts.module_title}")
    pdf.set_author(texts.issuer)
    pdf.set_creator(texts.issuer)
    pdf.set_creation_date(texts.issued_at)
    pdf.add_page()

    # Frame: a thick outer line and a thin inner one.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
    pdf.set_line_width(0.4)
    pdf.rect(15, 15, PAGE_WIDTH - 30, PAGE_HEIGHT - 30)

    pdf.set_y(26)
    pdf.set_char_spacing(3)
    _fitted(pdf, texts.issuer.upper(), size=12, smallest=9, bold=True, line_height=5, color=ACCENT)
    pdf.set_char_spacing(0)
    pdf.ln(5)
    _fitted(pdf, texts.heading, size=30, smallest=18, bold=True, line_height=5)
    pdf.ln(8)
    _fitted(pdf, texts.intro, size=14, smallest=10, bold=False, line_height=5, color=MUTED)
    pdf.ln(4)
    _fitted(pdf, texts.name, size=32, smallest=16, bold=True, line_height=5, color=ACCENT)
    underline_y = pdf.get_y() + 2
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(PAGE_WIDTH / 2 - 70, underline_y, PAGE_WIDTH / 2 + 70, underline_y)
    pdf.set_y(underline_y + 6)
    _fitted(pdf, texts.completed, size=14, smallest=10, bold=False, line_height=5, color=MUTED)
    pdf.ln(3)
    _fitted(pdf, texts.module_title, size=20, smallest=12, bold=True, line_height=5)
    pdf.ln(5)
    _fitted(pdf, texts.details, size=13, smallest=9, bold=False, line_height=5)

    # The code and how to check it, at the foot of the page.
    pdf.set_y(PAGE_HEIGHT - 52)
    _fitted(pdf, texts.code_label, size=11, smallest=8, bold=False, line_height=5, color=MUTED)
    pdf.ln(1)
    pdf.set_char_spacing(1.5)
    _fitted(pdf, texts.code, size=20, smallest=14, bold=True, line_height=5, color=ACCENT)
    pdf.set_char_spacing(0)
    pdf.ln(2)
    _fitted(pdf, texts.how_to_verify, size=10, smallest=7, bold=False, line_height=5, color=MUTED)
    return bytes(pdf.output())
