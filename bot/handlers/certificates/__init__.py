"""Certificates: offered after a passed quiz, with the name confirmed before the PDF is made
and correctable later (``naming``), ``/certificates`` to see and resend them (``listing``),
``/verify CODE`` and the verification link of the certificate's QR code for anyone to check
one (``verify``). The PDF is made again from the stored certificate whenever it is sent, in
the certificate's own language and script (``document``)."""

from __future__ import annotations

from bot.handlers.certificates.listing import certificates_command, resend
from bot.handlers.certificates.naming import (
    CERTNAME,
    correct_name,
    name_button,
    offer_certificate,
    receive_name,
)
from bot.handlers.certificates.verify import (
    VERIFY,
    cancel_verify,
    open_verify_link,
    receive_code,
    verify_command,
)
from bot.handlers.common.entry import Handlers

HANDLERS: Handlers = (
    certificates_command,
    verify_command,
    name_button,
    correct_name,
    resend,
    cancel_verify,
)

__all__ = [
    "CERTNAME",
    "HANDLERS",
    "VERIFY",
    "offer_certificate",
    "open_verify_link",
    "receive_code",
    "receive_name",
]
