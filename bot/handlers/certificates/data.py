"""The buttons of the certificates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.common.callback_data import CallbackData


class NameAction(StrEnum):
    ASK = "ask"
    """Ask for the name (from ``/certificates``)."""
    USE = "use"
    """Print the name given for an earlier certificate."""
    CHANGE = "change"
    """Type another name."""
    LATER = "later"


@dataclass(frozen=True)
class CertificateName(CallbackData):
    """On the question for the name to print on the certificate of ``module``."""

    prefix = "cn"
    module: str
    action: NameAction


@dataclass(frozen=True)
class SendCertificate(CallbackData):
    prefix = "cs"
    certificate_id: int


@dataclass(frozen=True)
class CancelVerify(CallbackData):
    prefix = "cv"
