"""Certificates: offered after a passed quiz (``naming``), ``/certificates`` to see and
resend them (``listing``), ``/verify CODE`` for anyone to check one (``verify``). The PDF is
made again from the stored certificate whenever it is sent, in the certificate's own
language (``document``)."""

from __future__ import annotations

from bot.handlers.certificates.listing import certificates_command, resend
from bot.handlers.certificates.naming import CERTNAME, name_button, offer_certificate, receive_name
from bot.handlers.certificates.verify import VERIFY, cancel_verify, receive_code, verify_command
from bot.handlers.common.entry import Handlers

HANDLERS: Handlers = (certificates_command, verify_command, name_button, resend, cancel_verify)

__all__ = ["CERTNAME", "HANDLERS", "VERIFY", "offer_certificate", "receive_code", "receive_name"]
