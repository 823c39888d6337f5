"""The certificate's PDF with everything the settings add: the issuer, programme and donor
lines, the logo and the signature as images, and the QR code of the verification link, read
back from the file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.services.certificate_pdf import CertificateTexts, Signer, localized, qr_png, render
from tests.support.certificates import pdf_images, pdf_text, qr_links
from tests.support.images import png

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
LINK = "https://t.me/kapacitet_bot?start=v_K7QX2M9PRT"


def texts(**extra: object) -> CertificateTexts:
    values: dict[str, object] = {
        "language": "en",
        "issuer": "Civic Forum",
        "heading": "Certificate of completion",
        "intro": "This is to certify that",
        "name": "Ana Anić",
        "completed": "has completed the module",
        "module_title": "Passwords and two-factor authentication",
        "details": "Issued on 7 December 2026 · score 100%",
        "code_label": "Verification code",
        "code": "K7QX-2M9P-RT",
        "how_to_verify": "To check this certificate, send /verify K7QX-2M9P-RT to @kapacitet_bot.",
        "issued_at": NOW,
        **extra,
    }
    return CertificateTexts(**values)  # type: ignore[arg-type]


def test_the_settings_lines_logo_signature_and_qr_code_are_on_the_page(tmp_path: Path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(60, 30))
    signature = tmp_path / "signature.png"
    signature.write_bytes(png(90, 20))
    content = render(
        texts(
            programme="Civil Society Capacity Programme 2026",
            donor="Funded by the European Union",
            logo=logo,
            signer=Signer("Vesna Marković", "Programme Director", signature),
            qr_png=qr_png(LINK),
            qr_label="Scan to check this certificate",
        )
    )
    text = " ".join(pdf_text(content).split())
    for expected in (
        "CIVIC FORUM",
        "Civil Society Capacity Programme 2026",
        "Funded by the European Union",
        "Vesna Marković",
        "Programme Director",
        "Scan to check this certificate",
        "Ana Anić",
    ):
        assert expected in text
    sizes = sorted(image.size for image in pdf_images(content))
    assert (60, 30) in sizes and (90, 20) in sizes
    # The QR code is exactly the verification link's, as a camera reads it.
    assert qr_links(content, [LINK, LINK.replace("v_", "c_")]) == [LINK]


def test_without_settings_or_a_link_there_are_no_images():
    content = render(texts())
    assert pdf_images(content) == []
    text = pdf_text(content)
    assert "CIVIC FORUM" in text and "Scan" not in text


def test_settings_by_language_and_serbian_cyrillic_from_serbian_latin():
    issuer = {"*": "Civic Forum", "sr-Latn": "Građanski forum", "mk": "Граѓански форум"}
    assert localized(issuer, "mk") == "Граѓански форум"
    assert localized(issuer, "sr-Cyrl") == "Грађански форум"
    assert localized(issuer, "sq") == "Civic Forum"
    assert localized({}, "en") is None
