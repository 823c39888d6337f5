"""Certificates of completion: issued once per learner and module, checked by their code.

A certificate is a record about a person, so it is issued only to learners who
gave consent. The code is random (not derived from anything), ten characters
from an alphabet without look-alikes (no 0/O, 1/I/L), stored without dashes and
shown in groups: ``K7QX-2M9P-RT``. Whatever a person types to verify it is
normalised first: case, spaces, dashes and Cyrillic letters that look like
Latin ones (a Serbian keyboard types "К7QХ..." without noticing).

Erasing a learner's data revokes their certificates and blanks the name on them:
``/verify`` then says "revoked" and names nobody.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module
from bot.models import Certificate, Learner, QuizAttempt, QuizKind
from bot.services import progress
from bot.services.codes import typed_code
from bot.services.errors import ServiceError
from bot.services.learners import records_allowed

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Digits and capitals without the ones people confuse: 0/O, 1/I/L."""
CODE_LENGTH = 10
CODE_GROUPS = (4, 4, 2)
MIN_NAME = 2
MAX_NAME = 120
_CODE_ATTEMPTS = 8


class Reason(StrEnum):
    NO_CONSENT = "no-consent"
    NOT_PASSED = "not-passed"
    LESSONS_NOT_READ = "lessons-not-read"
    """A pass without every card of the lessons seen (a quiz passed before this rule)."""
    NAME_TOO_SHORT = "name-too-short"
    NAME_TOO_LONG = "name-too-long"
    NAME_INVALID = "name-invalid"
    """Control or format characters (line breaks, direction marks), or no letter at all."""


class CertificateError(ServiceError):
    """A certificate that cannot be issued (or a name that cannot be printed on it)."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


class Status(StrEnum):
    GENUINE = "genuine"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verification:
    """What ``/verify`` may tell anyone: the name only for a valid certificate."""

    status: Status
    code: str | None = None
    """The normalised code (ungrouped), when the text was a well-formed code."""
    name: str | None = None
    module_id: str | None = None
    issued_at: datetime | None = None
    revoked_at: datetime | None = None


# -- codes ------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``K7QX2M9PRT`` as it is shown and printed: ``K7QX-2M9P-RT``."""
    parts, start = [], 0
    for size in CODE_GROUPS:
        parts.append(code[start : start + size])
        start += size
    if start < len(code):
        parts.append(code[start:])
    return "-".join(part for part in parts if part)


def normalise_code(text: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be one.

    Full-width forms, lower case, spaces, dashes and other punctuation, and
    Cyrillic look-alikes are all accepted.
    """
    kept = typed_code(text)
    if len(kept) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in kept):
        return None
    return kept


# -- names ------------------------------------------------------------------------------------


def clean_name(text: str) -> str:
    """The name as it will be printed: NFC, trimmed, single spaces; raises CertificateError."""
    name = unicodedata.normalize("NFC", text).strip()
    if any(unicodedata.category(char)[0] == "C" for char in name):
        raise CertificateError(Reason.NAME_INVALID)
    name = " ".join(name.split())
    if len(name) < MIN_NAME:
        raise CertificateError(Reason.NAME_TOO_SHORT)
    if len(name) > MAX_NAME:
        raise CertificateError(Reason.NAME_TOO_LONG)
    if not any(unicodedata.category(char).startswith("L") for char in name):
        raise CertificateError(Reason.NAME_INVALID)
    return name


# -- queries ----------------------------------------------------------------------------------


async def find(db: AsyncSession, learner: Learner, module_id: str) -> Certificate | None:
    if learner.id is None:
        return None
    result = await db.exec(
        select(Certificate).where(
            Certificate.learner_id == learner.id, Certificate.module_id == module_id
        )
    )
    return result.first()


async def get_for(db: AsyncSession, learner: Learner, certificate_id: int) -> Certificate | None:
    """The learner's own certificate ``certificate_id``; None for anyone else's."""
    certificate = await db.get(Certificate, certificate_id)
    if certificate is None or learner.id is None or certificate.learner_id != learner.id:
        return None
    return certificate


async def list_for(db: AsyncSession, learner: Learner) -> list[Certificate]:
    """The learner's certificates, oldest first (revoked ones included)."""
    if learner.id is None:
        return []
    result = await db.exec(
        select(Certificate)
        .where(Certificate.learner_id == learner.id)
        .order_by(col(Certificate.issued_at), col(Certificate.id))
    )
    return list(result.all())


async def passed_scores(db: AsyncSession, learner: Learner) -> dict[str, int]:
    """The best score of every passed post-test, by module (stored only with consent)."""
    if learner.id is None:
        return {}
    result = await db.exec(
        select(QuizAttempt).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.kind == QuizKind.POST,
            QuizAttempt.passed == True,  # noqa: E712
        )
    )
    best: dict[str, int] = {}
    for attempt in result.all():
        best[attempt.module_id] = max(best.get(attempt.module_id, 0), attempt.score_percent)
    return best


async def passed_score(db: AsyncSession, learner: Learner, module_id: str) -> int | None:
    return (await passed_scores(db, learner)).get(module_id)


async def pending_modules(db: AsyncSession, learner: Learner) -> dict[str, int]:
    """Modules passed without a certificate yet (with their best score), for learners with
    consent."""
    if not records_allowed(learner):
        return {}
    have = {certificate.module_id for certificate in await list_for(db, learner)}
    return {
        module_id: score
        for module_id, score in (await passed_scores(db, learner)).items()
        if module_id not in have
    }


# -- changes ----------------------------------------------------------------------------------


async def _passed_version(db: AsyncSession, learner_id: int, module_id: str) -> int | None:
    """The module version of the learner's last passed quiz (None before versions)."""
    found = await db.exec(
        select(QuizAttempt.module_version)
        .where(
            QuizAttempt.learner_id == learner_id,
            QuizAttempt.module_id == module_id,
            QuizAttempt.kind == QuizKind.POST,
            QuizAttempt.passed == True,  # noqa: E712 (SQL)
        )
        .order_by(col(QuizAttempt.started_at).desc())
    )
    return found.first()


async def issue(
    db: AsyncSession,
    learner: Learner,
    module: Module,
    score_percent: int,
    name: str,
    language: str,
    now: datetime,
) -> Certificate:
    """The learner's certificate for ``module``: a new one, or the one issued before.

    Only with consent. ``name`` is cleaned (see :func:`clean_name`) and also kept
    as the learner's ``display_name`` for the next certificate.
    """
    if not records_allowed(learner) or learner.id is None:
        raise CertificateError(Reason.NO_CONSENT)
    existing = await find(db, learner, module.id)
    if existing is not None:
        return existing
    if not module.pass_mark <= score_percent <= 100:
        raise CertificateError(Reason.NOT_PASSED)
    if not await progress.lessons_read(db, learner, module):
        raise CertificateError(Reason.LESSONS_NOT_READ)
    clean = clean_name(name)
    version = await _passed_version(db, learner.id, module.id)
    for _ in range(_CODE_ATTEMPTS):
        certificate = Certificate(
            code=new_code(),
            learner_id=learner.id,
            module_id=module.id,
            name=clean,
            language=language,
            score_percent=score_percent,
            module_version=version,
            issued_at=now,
        )
        try:
            async with db.begin_nested():
                db.add(certificate)
                await db.flush()
        except IntegrityError:
            # Issued at this very moment by another update, or (hardly ever) a code taken.
            existing = await find(db, learner, module.id)
            if existing is not None:
                return existing
            continue
        learner.display_name = clean
        db.add(learner)
        await db.flush()
        return certificate
    raise RuntimeError("no free certificate code found")


async def issue_for_pass(
    db: AsyncSession, learner: Learner, module: Module, name: str, language: str, now: datetime
) -> Certificate:
    """The certificate for the learner's best passed post-test of ``module`` (see
    :func:`issue`); ``not-passed`` when there is none."""
    score = await passed_score(db, learner, module.id)
    if score is None:
        raise CertificateError(Reason.NOT_PASSED)
    return await issue(db, learner, module, score, name, language, now)


async def verify(db: AsyncSession, text: str) -> Verification:
    """Whether ``text`` is the code of a certificate, and whose (only while it is valid)."""
    code = normalise_code(text)
    if code is None:
        return Verification(Status.UNKNOWN)
    certificate = (await db.exec(select(Certificate).where(Certificate.code == code))).first()
    if certificate is None:
        return Verification(Status.UNKNOWN, code=code)
    if certificate.revoked_at is not None:
        return Verification(
            Status.REVOKED,
            code=code,
            module_id=certificate.module_id,
            issued_at=certificate.issued_at,
            revoked_at=certificate.revoked_at,
        )
    return Verification(
        Status.GENUINE,
        code=code,
        name=certificate.name,
        module_id=certificate.module_id,
        issued_at=certificate.issued_at,
    )


async def revoke_all(db: AsyncSession, learner: Learner, now: datetime) -> int:
    """On erasure: every certificate of the learner is revoked and the name on it blanked.

    Returns how many were valid until now. The rows stay, so that a revoked code
    is told apart from one that never existed.
    """
    revoked = 0
    for certificate in await list_for(db, learner):
        if certificate.revoked_at is None:
            certificate.revoked_at = now
            revoked += 1
        certificate.name = ""
        db.add(certificate)
    await db.flush()
    return revoked
