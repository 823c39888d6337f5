"""Certificates of completion: issued once per learner and module, checked by their code.

A certificate is a record about a person, so it is issued only to learners who
gave consent. The code is random (not derived from anything), ten characters
from an alphabet without look-alikes (no 0/O, 1/I/L), stored without dashes and
shown in groups: ``K7QX-2M9P-RT``. Whatever a person types to verify it is
normalised first: case, spaces, dashes and Cyrillic letters that look like
Latin ones (a Serbian keyboard types "К7QХ..." without noticing).

Erasing a learner's data revokes their certificates and blanks the name on them:
``/verify`` then says "revoked" and names nobody.

The name is confirmed before the certificate is made: a request (a :class:`Draft` of kind
``certificate``) holds the module and the name offered or typed until the learner confirms
it. A name can be corrected later: the certificate is issued again with a new code, and the
old code is kept (without the name) as a :class:`CertificateReplacement`, which ``/verify``
reports as "replaced on ...".
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module
from bot.models import (
    Certificate,
    CertificateReplacement,
    Draft,
    Learner,
    QuizAttempt,
    QuizKind,
)
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
    NO_REQUEST = "no-request"
    """No name question is open for this module (answered, dropped, or another one since)."""
    SAME_NAME = "same-name"
    """A correction to the name the certificate already shows."""
    REVOKED = "revoked"
    """A revoked certificate cannot be corrected."""


class CertificateError(ServiceError):
    """A certificate that cannot be issued (or a name that cannot be printed on it)."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


class Status(StrEnum):
    GENUINE = "genuine"
    REVOKED = "revoked"
    REPLACED = "replaced"
    """An earlier code of a certificate issued again with a corrected name."""
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
    """When it was revoked, or replaced."""
    language: str | None = None
    """The certificate's language (its web page is shown in it)."""


# -- codes ------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def free_code(db: AsyncSession) -> str:
    """A new code that no certificate has, nor had before a correction (the unique columns
    still catch two updates choosing the same one at once)."""
    for _ in range(_CODE_ATTEMPTS):
        code = new_code()
        taken = await db.exec(
            select(CertificateReplacement.id).where(CertificateReplacement.code == code)
        )
        if taken.first() is None:
            return code
    raise RuntimeError("no free certificate code found")


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
            code=await free_code(db),
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
        return await _replaced(db, code)
    if certificate.revoked_at is not None:
        return Verification(
            Status.REVOKED,
            code=code,
            module_id=certificate.module_id,
            issued_at=certificate.issued_at,
            revoked_at=certificate.revoked_at,
            language=certificate.language,
        )
    return Verification(
        Status.GENUINE,
        code=code,
        name=certificate.name,
        module_id=certificate.module_id,
        issued_at=certificate.issued_at,
        language=certificate.language,
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


async def _replaced(db: AsyncSession, code: str) -> Verification:
    """An earlier code of a certificate issued again (a corrected name), or unknown."""
    replacement = (
        await db.exec(select(CertificateReplacement).where(CertificateReplacement.code == code))
    ).first()
    certificate = (
        await db.get(Certificate, replacement.certificate_id) if replacement is not None else None
    )
    if replacement is None or certificate is None:
        return Verification(Status.UNKNOWN, code=code)
    return Verification(
        Status.REPLACED,
        code=code,
        module_id=certificate.module_id,
        issued_at=replacement.issued_at,
        revoked_at=replacement.replaced_at,
        language=certificate.language,
    )


async def replacements_of(
    db: AsyncSession, certificate: Certificate
) -> list[CertificateReplacement]:
    """The earlier codes of ``certificate``, oldest first."""
    result = await db.exec(
        select(CertificateReplacement)
        .where(CertificateReplacement.certificate_id == certificate.id)
        .order_by(col(CertificateReplacement.replaced_at), col(CertificateReplacement.id))
    )
    return list(result.all())


async def correct_name(
    db: AsyncSession, learner: Learner, certificate: Certificate, name: str, now: datetime
) -> Certificate:
    """``certificate`` issued again with ``name``: a new code and date; the old code is kept
    as replaced (without the name). The name is also kept as the learner's
    ``display_name``, like :func:`issue` does."""
    if not records_allowed(learner) or certificate.learner_id != learner.id:
        raise CertificateError(Reason.NO_CONSENT)
    if certificate.revoked_at is not None:
        raise CertificateError(Reason.REVOKED)
    clean = clean_name(name)
    if clean == certificate.name:
        raise CertificateError(Reason.SAME_NAME)
    assert certificate.id is not None
    old_code, old_issued = certificate.code, certificate.issued_at
    for _ in range(_CODE_ATTEMPTS):
        code = await free_code(db)
        try:
            async with db.begin_nested():
                db.add(
                    CertificateReplacement(
                        certificate_id=certificate.id,
                        code=old_code,
                        issued_at=old_issued,
                        replaced_at=now,
                    )
                )
                certificate.code = code
                certificate.name = clean
                certificate.issued_at = now
                db.add(certificate)
                await db.flush()
        except IntegrityError:
            # A code taken at this very moment: the savepoint undid both rows.
            await db.refresh(certificate)
            continue
        learner.display_name = clean
        db.add(learner)
        await db.flush()
        return certificate
    raise RuntimeError("no free certificate code found")


# -- the name question ------------------------------------------------------------------------

REQUEST_KIND = "certificate"
"""The :class:`Draft` kind of the open name question."""


class RequestStep(StrEnum):
    TYPE = "type"
    """Waiting for a typed name."""
    CONFIRM = "confirm"
    """A name to confirm ("Make it with this name")."""


@dataclass(frozen=True)
class NameRequest:
    """The open question for the name to print on the certificate of ``module_id``."""

    module_id: str
    step: RequestStep
    name: str | None
    """The name to print, once offered or typed."""
    certificate_id: int | None = None
    """The certificate whose name is corrected; None for a new certificate."""


def _request_of(draft: Draft | None) -> NameRequest | None:
    if draft is None or draft.kind != REQUEST_KIND:
        return None
    try:
        data = json.loads(draft.data)
        return NameRequest(
            module_id=str(data["module"]),
            step=RequestStep(draft.step),
            name=data.get("name") or None,
            certificate_id=data.get("certificate"),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def name_request(db: AsyncSession, learner: Learner) -> NameRequest | None:
    if learner.id is None:
        return None
    return _request_of(await db.get(Draft, learner.id))


async def _save_request(
    db: AsyncSession, learner: Learner, request: NameRequest, now: datetime
) -> NameRequest:
    assert learner.id is not None
    draft = await db.get(Draft, learner.id) or Draft(
        learner_id=learner.id, kind=REQUEST_KIND, step=request.step
    )
    draft.kind = REQUEST_KIND
    draft.step = request.step
    draft.data = json.dumps(
        {"module": request.module_id, "name": request.name, "certificate": request.certificate_id}
    )
    draft.updated_at = now
    db.add(draft)
    await db.flush()
    return request


async def ask_name(
    db: AsyncSession,
    learner: Learner,
    module_id: str,
    offered: str | None,
    now: datetime,
    certificate: Certificate | None = None,
    *,
    replace: bool = True,
) -> NameRequest:
    """Opens the name question for a new certificate of ``module_id`` (or to correct
    ``certificate``): ``offered`` (the profile name) to confirm, or a name to type when there
    is none that could be printed. Only with consent. ``replace=False`` (the offer after a
    quiz, which the learner did not ask for) leaves another conversation in progress alone:
    the request is then not kept, and "Make it" falls back to the profile name."""
    if not records_allowed(learner) or learner.id is None:
        raise CertificateError(Reason.NO_CONSENT)
    if certificate is not None and certificate.revoked_at is not None:
        raise CertificateError(Reason.REVOKED)
    name: str | None = None
    if offered:
        try:
            name = clean_name(offered)
        except CertificateError:
            name = None
    request = NameRequest(
        module_id=module_id,
        step=RequestStep.CONFIRM if name else RequestStep.TYPE,
        name=name,
        certificate_id=certificate.id if certificate is not None else None,
    )
    if not replace:
        other = await db.get(Draft, learner.id)
        if other is not None and other.kind != REQUEST_KIND:
            return request
    return await _save_request(db, learner, request, now)


async def type_name(
    db: AsyncSession, learner: Learner, module_id: str, now: datetime
) -> NameRequest:
    """ "Change the name": the open question for ``module_id`` waits for a typed name."""
    request = await name_request(db, learner)
    if request is None or request.module_id != module_id:
        raise CertificateError(Reason.NO_REQUEST)
    return await _save_request(
        db,
        learner,
        NameRequest(module_id, RequestStep.TYPE, request.name, request.certificate_id),
        now,
    )


async def give_name(db: AsyncSession, learner: Learner, text: str, now: datetime) -> NameRequest:
    """The typed name: checked (a bad one changes nothing and raises its reason), then to be
    confirmed."""
    request = await name_request(db, learner)
    if request is None:
        raise CertificateError(Reason.NO_REQUEST)
    name = clean_name(text)
    return await _save_request(
        db,
        learner,
        NameRequest(request.module_id, RequestStep.CONFIRM, name, request.certificate_id),
        now,
    )


async def drop_request(db: AsyncSession, learner: Learner) -> None:
    if learner.id is None:
        return
    draft = await db.get(Draft, learner.id)
    if draft is not None and draft.kind == REQUEST_KIND:
        await db.delete(draft)
        await db.flush()


async def confirm_name(
    db: AsyncSession,
    learner: Learner,
    module: Module,
    language: str,
    now: datetime,
    profile_name: str | None = None,
) -> Certificate:
    """ "Make it with this name": the certificate of ``module`` issued (or corrected) with the
    name of the open question; the question is closed. Without a question kept (see
    :func:`ask_name`), a new certificate with ``profile_name``. ``no-request`` when there is
    neither, or the certificate exists already (the button tapped twice)."""
    request = await name_request(db, learner)
    if request is None or request.module_id != module.id:
        if profile_name is None or await find(db, learner, module.id) is not None:
            raise CertificateError(Reason.NO_REQUEST)
        request = NameRequest(module.id, RequestStep.CONFIRM, profile_name)
    if request.name is None:
        raise CertificateError(Reason.NO_REQUEST)
    if request.certificate_id is not None:
        certificate = await get_for(db, learner, request.certificate_id)
        if certificate is None:
            raise CertificateError(Reason.NO_REQUEST)
        made = await correct_name(db, learner, certificate, request.name, now)
    else:
        made = await issue_for_pass(db, learner, module, request.name, language, now)
    await drop_request(db, learner)
    return made
