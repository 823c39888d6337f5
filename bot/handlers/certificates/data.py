"""The buttons of the certificates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.common.callback_data import CallbackData


class NameAction(StrEnum):
    ASK = "ask"
    """Open the name question (from ``/certificates``)."""
    MAKE = "make"
    """"Make it with this name": the name shown is confirmed, the PDF is made."""
    CHANGE = "change"
    """Type another name."""
    LATER = "later"
    """Close the question (for a correction: change nothing)."""


@dataclass(frozen=True)
class CertificateName(CallbackData):
    """On the question for the name to print on the certificate of ``module``."""

    prefix = "cn"
    module: str
    action: NameAction


@dataclass(frozen=True)
class CorrectName(CallbackData):
    """``/certificates``: correct the name on a certificate (it is issued again)."""

    prefix = "cc"
    certificate_id: int


@dataclass(frozen=True)
class SendCertificate(CallbackData):
    prefix = "cs"
    certificate_id: int


@dataclass(frozen=True)
class CancelVerify(CallbackData):
    prefix = "cv"
