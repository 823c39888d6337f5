"""Reading a certificate's PDF back: its text, its images, and the QR code among them."""

from __future__ import annotations

import io
import re

import segno
from PIL import Image
from pypdf import PdfReader

from bot.services.certificate_pdf import QR_SCALE

QR_BORDER = 4
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


def pdf_page(content: bytes):  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return reader.pages[0]


def pdf_text(content: bytes) -> str:
    return str(pdf_page(content).extract_text())


def pdf_images(content: bytes) -> list[Image.Image]:
    """Every image drawn on the certificate's page (logo, signature, QR code)."""
    return [found.image for found in pdf_page(content).images]


def qr_matrix(image: Image.Image) -> list[list[bool]]:
    """The dark modules of a QR code image, read back pixel by pixel (the centre of each)."""
    grey = image.convert("L")
    size = grey.width // QR_SCALE - 2 * QR_BORDER
    return [
        [
            grey.getpixel(
                (
                    (col + QR_BORDER) * QR_SCALE + QR_SCALE // 2,
                    (row + QR_BORDER) * QR_SCALE + QR_SCALE // 2,
                )
            )
            < 128  # type: ignore[operator]
            for col in range(size)
        ]
        for row in range(size)
    ]


def expected_qr(url: str) -> list[list[bool]]:
    """What a phone camera must read: segno's own matrix of ``url``."""
    return [[bool(value) for value in row] for row in segno.make_qr(url, error="m").matrix]


def qr_links(content: bytes, candidates: list[str]) -> list[str]:
    """Which of ``candidates`` the certificate's QR codes encode."""
    found = [qr_matrix(image) for image in pdf_images(content) if image.width == image.height]
    return [url for url in candidates if expected_qr(url) in found]


def latin_words(text: str, allowed: set[str]) -> list[str]:
    """Words in Latin letters in ``text`` that are not ``allowed`` (a code, a command, the
    bot's @name or a link)."""
    words = (word.strip(".,:;()") for word in text.split())
    return [word for word in words if LATIN_LETTER.search(word) and word not in allowed]
