"""The certificate as a PDF: A4 landscape, one page, every text given ready-made, with the
issuer's logo, the signer's signature and the QR code of the verification link as images.

A pure function: the caller passes the texts already translated, in the
certificate's language and script, and gets the file's bytes back. The fonts
(DejaVu Sans, with its licence) ship inside the package, so the same file comes
out on any machine; they cover Latin with ë, ç, š, ś, ź, đ, Cyrillic, and
combining accents (a Cyrillic с́ is с followed by U+0301, drawn over the letter
because the accent has no width of its own).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ANY_LANGUAGE
from bot.content.catalogue import CYRILLIC_LANGUAGES
from bot.i18n.translit import latin_to_cyrillic
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


BRAND = "Kapacitet"
BRAND_CYRILLIC = "Капацитет"


def brand(language: str) -> str:
    """The bot's name in the script of ``language``: a certificate in Macedonian or Serbian
    Cyrillic prints "КАПАЦИТЕТ", not "KAPACITET"."""
    return BRAND_CYRILLIC if language in CYRILLIC_LANGUAGES else BRAND


def localized(texts: Mapping[str, str], language: str) -> str | None:
    """A certificate setting (bot.config) in ``language``: its own text, for Serbian
    Cyrillic the Serbian Latin one transliterated, else the text for every language."""
    if language in texts:
        return texts[language]
    if language == "sr-Cyrl" and "sr-Latn" in texts:
        return latin_to_cyrillic(texts["sr-Latn"])
    return texts.get(ANY_LANGUAGE)


if TYPE_CHECKING:
    import segno
    from fpdf import FPDF

# fpdf2 (with fontTools and PIL) is imported on the first certificate, not when the bot
# starts (tests/test_startup_imports.py).


@dataclass(frozen=True)
class Signer:
    """Who signs the certificate: a name, a title under it, a picture of the signature."""

    name: str | None = None
    title: str | None = None
    signature: Path | None = None
    """A PNG or JPEG, drawn above the line (checked at start: bot.config)."""


@dataclass(frozen=True)
class CertificateTexts:
    """Everything printed on the certificate, as plain text (no HTML)."""

    language: str
    """The document's language, as a BCP 47 tag (``sr-Cyrl``, ``sq``)."""
    issuer: str
    """The issuing organisation (or the brand), in the certificate's script."""
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
    programme: str | None = None
    """The programme's line under the issuer."""
    donor: str | None = None
    """The donor's line at the foot of the page."""
    logo: Path | None = None
    """The issuer's logo (PNG or JPEG), top left."""
    signer: Signer = field(default_factory=Signer)
    qr_png: bytes | None = None
    """The QR code of the verification link, as a PNG (see :func:`qr_png`)."""
    qr_label: str | None = None
    """The line under the QR code."""


QR_SCALE = 8
"""Pixels per module of the QR code's PNG: drawn 28 mm wide, each module stays a crisp
square (no smoothing between pixels) and a phone reads it from a printed page."""
QR_SIZE = 28.0
LOGO_HEIGHT = 18.0
LOGO_WIDTH = 50.0
SIGNATURE_HEIGHT = 14.0
SIGNATURE_WIDTH = 55.0


def qr_code(url: str) -> segno.QRCode:
    """The verification link's QR code (error correction M: a printed page gets worn)."""
    import segno

    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=QR_SCALE, border=4)
    return out.getvalue()


def _fitted(
    pdf: FPDF,
    text: str,
    *,
    size: float,
    smallest: float,
    bold: bool,
    line_height: float,
    color: tuple[int, int, int] = INK,
    x: float = MARGIN,
    width: float = TEXT_WIDTH,
) -> None:
    """``text`` centred across ``width`` from ``x``, shrunk (down to ``smallest``) to fit on
    one line; longer texts wrap."""
    from fpdf.enums import Align, XPos, YPos

    style = "B" if bold else ""
    pdf.set_font(FAMILY, style, size)
    room = width - 2 * pdf.c_margin - 1
    while size > smallest and pdf.get_string_width(text) > room:
        size -= 1
        pdf.set_font(FAMILY, style, size)
    pdf.set_text_color(*color)
    pdf.set_x(x)
    pdf.multi_cell(
        width,
        line_height * size / 10,
        text,
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _image(pdf: FPDF, image: Path | bytes, x: float, y: float, width: float, height: float) -> None:
    """``image`` within the box, its proportions kept, at the box's bottom left."""
    pdf.image(
        image if isinstance(image, Path) else io.BytesIO(image),
        x=x,
        y=y,
        w=width,
        h=height,
        keep_aspect_ratio=True,
    )


def _signature_block(pdf: FPDF, signer: Signer) -> None:
    if signer.name is None and signer.title is None and signer.signature is None:
        return
    left, width, line_y = 24.0, 80.0, PAGE_HEIGHT - 38
    if signer.signature is not None:
        _image(
            pdf,
            signer.signature,
            left + (width - SIGNATURE_WIDTH) / 2,
            line_y - SIGNATURE_HEIGHT - 1,
            SIGNATURE_WIDTH,
            SIGNATURE_HEIGHT,
        )
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(left + 8, line_y, left + width - 8, line_y)
    pdf.set_y(line_y + 1.5)
    if signer.name:
        _fitted(
            pdf, signer.name, size=11, smallest=8, bold=True, line_height=5, x=left, width=width
        )
    if signer.title:
        _fitted(
            pdf,
            signer.title,
            size=9,
            smallest=7,
            bold=False,
            line_height=5,
            color=MUTED,
            x=left,
            width=width,
        )


def _qr_block(pdf: FPDF, texts: CertificateTexts) -> None:
    if texts.qr_png is None:
        return
    x = PAGE_WIDTH - 24 - QR_SIZE - 6
    y = PAGE_HEIGHT - 26 - QR_SIZE - 8
    pdf.image(io.BytesIO(texts.qr_png), x=x, y=y, w=QR_SIZE, h=QR_SIZE)
    if texts.qr_label:
        pdf.set_y(y + QR_SIZE + 0.5)
        _fitted(
            pdf,
            texts.qr_label,
            size=7,
            smallest=6,
            bold=False,
            line_height=4.5,
            color=MUTED,
            x=x - 10,
            width=QR_SIZE + 20,
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
    if texts.logo is not None:
        _image(pdf, texts.logo, 22, 20, LOGO_WIDTH, LOGO_HEIGHT)

    # The issuer and the programme between the logo and the right edge's mirror of it.
    pdf.set_y(24)
    pdf.set_char_spacing(2)
    _fitted(
        pdf,
        texts.issuer.upper(),
        size=12,
        smallest=8,
        bold=True,
        line_height=5,
        color=ACCENT,
        x=MARGIN + 45,
        width=TEXT_WIDTH - 90,
    )
    pdf.set_char_spacing(0)
    if texts.programme:
        _fitted(
            pdf,
            texts.programme,
            size=10,
            smallest=7,
            bold=False,
            line_height=5,
            color=MUTED,
            x=MARGIN + 45,
            width=TEXT_WIDTH - 90,
        )
    pdf.set_y(max(pdf.get_y() + 6, 48))
    _fitted(pdf, texts.heading, size=28, smallest=18, bold=True, line_height=5)
    pdf.ln(5)
    _fitted(pdf, texts.intro, size=13, smallest=10, bold=False, line_height=5, color=MUTED)
    pdf.ln(3)
    _fitted(pdf, texts.name, size=30, smallest=16, bold=True, line_height=5, color=ACCENT)
    underline_y = pdf.get_y() + 1.5
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(PAGE_WIDTH / 2 - 70, underline_y, PAGE_WIDTH / 2 + 70, underline_y)
    pdf.set_y(underline_y + 5)
    _fitted(pdf, texts.completed, size=13, smallest=10, bold=False, line_height=5, color=MUTED)
    pdf.ln(2)
    _fitted(pdf, texts.module_title, size=18, smallest=12, bold=True, line_height=5)
    pdf.ln(3)
    _fitted(pdf, texts.details, size=12, smallest=9, bold=False, line_height=5)

    # The foot: who signs (left), the code and how to check it (centre), the QR code (right).
    _signature_block(pdf, texts.signer)
    _qr_block(pdf, texts)
    middle_x, middle_width = 105.0, PAGE_WIDTH - 210.0
    pdf.set_y(PAGE_HEIGHT - 62)
    _fitted(
        pdf,
        texts.code_label,
        size=10,
        smallest=8,
        bold=False,
        line_height=5,
        color=MUTED,
        x=middle_x,
        width=middle_width,
    )
    pdf.set_char_spacing(1.5)
    _fitted(
        pdf,
        texts.code,
        size=18,
        smallest=12,
        bold=True,
        line_height=5,
        color=ACCENT,
        x=middle_x,
        width=middle_width,
    )
    pdf.set_char_spacing(0)
    pdf.ln(1)
    _fitted(
        pdf,
        texts.how_to_verify,
        size=9,
        smallest=7,
        bold=False,
        line_height=5,
        color=MUTED,
        x=middle_x - 5,
        width=middle_width + 10,
    )
    if texts.donor:
        pdf.set_y(PAGE_HEIGHT - 26)
        _fitted(pdf, texts.donor, size=9, smallest=7, bold=False, line_height=5, color=MUTED)
    return bytes(pdf.output())
