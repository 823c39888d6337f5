"""Review status of translated texts: machine-drafted, translated, reviewed, and whether the
English moved on since (``needs_review``).

One row per module, language and text key (``translation_status``), holding the fingerprint
of the English text the translation was made from. A text without a row is as the module's
files shipped (:data:`SHIPPED_STATE`). When the English of a text changes
(:func:`on_source_changed`, or found at start by :func:`sync_with_source`), its translations
in every language are marked as needing review. Learners see, until a review, the old
translation or the English (``UNREVIEWED_TEXT``); a language of a module that is not wholly
reviewed is shown at all only when ``SHOW_UNREVIEWED_LANGUAGES`` (:func:`learner_catalogue`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Catalogue, Module, ModuleText, QuestionText
from bot.content.po import PoImport
from bot.content.texts import (
    MODULE_FILE,
    TRANSLATED_LANGUAGES,
    Files,
    changed_keys,
    files_from_module,
    source_hashes,
)
from bot.i18n.languages import SOURCE_LANGUAGE
from bot.models import TranslationState, TranslationStatus

SHIPPED_STATE = TranslationState.MACHINE
"""The state of the curriculum shipped in ``bot/content/modules/``: its translations were
drafted with AI assistants by the developers, checked by the content check and read in the
simulator, but not by a professional translator of each language. Honest, not flattering."""

UnreviewedText = Literal["old", "english"]


@dataclass(frozen=True)
class TextStatus:
    state: TranslationState
    needs_review: bool
    changed_by: int | None = None
    changed_at: datetime | None = None


@dataclass(frozen=True)
class Coverage:
    module_id: str
    language: str
    total: int
    machine: int
    translated: int
    reviewed: int
    needs_review: int

    @property
    def fully_reviewed(self) -> bool:
        return self.reviewed == self.total and not self.needs_review


async def _rows(
    db: AsyncSession, module_id: str, language: str | None = None
) -> dict[tuple[str, str], TranslationStatus]:
    query = select(TranslationStatus).where(col(TranslationStatus.module_id) == module_id)
    if language is not None:
        query = query.where(col(TranslationStatus.language) == language)
    return {(row.language, row.key): row for row in (await db.exec(query)).all()}


class _Stored(Protocol):
    """What :func:`_status` reads of a row: an ORM row, or a plain one (:func:`_read`)."""

    @property
    def state(self) -> str: ...
    @property
    def needs_review(self) -> bool: ...
    @property
    def source_hash(self) -> str: ...
    @property
    def changed_by(self) -> int | None: ...
    @property
    def changed_at(self) -> datetime: ...


_READ_COLUMNS = (
    col(TranslationStatus.language),
    col(TranslationStatus.key),
    col(TranslationStatus.state),
    col(TranslationStatus.needs_review),
    col(TranslationStatus.source_hash),
    col(TranslationStatus.changed_by),
    col(TranslationStatus.changed_at),
)


async def _read(
    db: AsyncSession, module_id: str, language: str | None = None
) -> dict[tuple[str, str], Any]:
    """The rows for reading only, as plain rows: a start reads every text of every module
    (some 6,000 rows), and as ORM objects they left megabytes behind in the bot's memory."""
    query = sa.select(*_READ_COLUMNS).where(col(TranslationStatus.module_id) == module_id)
    if language is not None:
        query = query.where(col(TranslationStatus.language) == language)
    # SQLModel's exec is typed for selects of up to four columns; these are seven.
    found = await db.exec(query)  # type: ignore[call-overload]
    return {(row.language, row.key): row for row in found.all()}


def _module_id(files: Files) -> str:
    return str(files[MODULE_FILE]["id"])


def _status(row: _Stored | None, current_hash: str) -> TextStatus:
    if row is None:
        return TextStatus(SHIPPED_STATE, False)
    return TextStatus(
        TranslationState(row.state),
        row.needs_review or row.source_hash != current_hash,
        row.changed_by,
        row.changed_at,
    )


async def statuses(db: AsyncSession, files: Files, language: str) -> dict[str, TextStatus]:
    """Each text's status in a language, key by key (in the module's order)."""
    hashes = source_hashes(files)
    rows = await _read(db, _module_id(files), language)
    return {key: _status(rows.get((language, key)), digest) for key, digest in hashes.items()}


async def _upsert(
    db: AsyncSession,
    rows: dict[tuple[str, str], TranslationStatus],
    module_id: str,
    language: str,
    key: str,
    **values: object,
) -> TranslationStatus:
    row = rows.get((language, key))
    if row is None:
        row = TranslationStatus(
            module_id=module_id,
            language=language,
            key=key,
            state=str(values.pop("state", SHIPPED_STATE)),
            source_hash=str(values.pop("source_hash", "")),
        )
        rows[(language, key)] = row
    for name, value in values.items():
        setattr(row, name, value)
    db.add(row)
    return row


async def on_source_changed(
    db: AsyncSession, module_id: str, old_files: Files, new_files: Files, now: datetime
) -> list[str]:
    """Marks the translations of every English text that differs between the two versions
    as needing review, in every language; returns the keys changed. The state and the
    fingerprint stay those of the translation as it was made."""
    keys = changed_keys(old_files, new_files)
    if not keys:
        return []
    old_hashes = source_hashes(old_files)
    rows = await _rows(db, module_id)
    for language in TRANSLATED_LANGUAGES:
        for key in keys:
            await _upsert(
                db,
                rows,
                module_id,
                language,
                key,
                source_hash=old_hashes.get(key, ""),
                needs_review=True,
                changed_at=now,
            )
    return keys


async def sync_with_source(db: AsyncSession, files: Files, now: datetime) -> int:
    """At start: a row for every text that has none (as shipped, made from today's English),
    and "needs review" for those whose English changed since their row was written (a
    developer edited the files). Returns how many were newly marked; idempotent."""
    module_id = _module_id(files)
    hashes = source_hashes(files)
    rows = await _read(db, module_id)
    missing: list[dict[str, object]] = []
    changed: list[tuple[str, str]] = []
    for language in TRANSLATED_LANGUAGES:
        for key, digest in hashes.items():
            row = rows.get((language, key))
            if row is None:
                missing.append(
                    {
                        "module_id": module_id,
                        "language": language,
                        "key": key,
                        "state": SHIPPED_STATE.value,
                        "needs_review": False,
                        "source_hash": digest,
                        "changed_at": now,
                    }
                )
            elif row.source_hash != digest and not row.needs_review:
                changed.append((language, key))
    if missing:
        await db.exec(sa.insert(TranslationStatus), params=missing)
    for language, key in changed:
        await db.exec(
            sa.update(TranslationStatus)
            .where(
                col(TranslationStatus.module_id) == module_id,
                col(TranslationStatus.language) == language,
                col(TranslationStatus.key) == key,
            )
            .values(needs_review=True, changed_at=now)
        )
    return len(changed)


async def record_import(
    db: AsyncSession,
    result: PoImport,
    editor_id: int | None,
    now: datetime,
    *,
    reviewed: bool = False,
) -> None:
    """The states after a PO file was taken: changed texts are translated (or reviewed, when
    the editor imports as a reviewer), fuzzy or out-of-date ones need review, and a text
    that needed review, kept as it was and no longer fuzzy, is confirmed."""
    hashes = source_hashes(result.files)
    rows = await _rows(db, result.module_id, result.language)
    review = set(result.needs_review)
    state = TranslationState.REVIEWED if reviewed else TranslationState.TRANSLATED
    for key in dict.fromkeys([*result.changed, *result.needs_review, *result.confirmed]):
        row = rows.get((result.language, key))
        if key in review:
            new_state = TranslationState.TRANSLATED if key in result.changed else None
            await _upsert(
                db,
                rows,
                result.module_id,
                result.language,
                key,
                **({"state": new_state} if new_state else {}),
                source_hash=hashes[key] if row is None else row.source_hash,
                needs_review=True,
                changed_by=editor_id,
                changed_at=now,
            )
            continue
        if key not in result.changed and not reviewed:
            # Kept as it was: only a text that needed review changes, the translator having
            # seen it and taken away "fuzzy"; a machine draft left alone stays one.
            if row is None or not (row.needs_review or row.source_hash != hashes[key]):
                continue
            new_state = TranslationState(row.state)
            if new_state is TranslationState.MACHINE:
                new_state = TranslationState.TRANSLATED
        else:
            new_state = state
        await _upsert(
            db,
            rows,
            result.module_id,
            result.language,
            key,
            state=new_state,
            source_hash=hashes[key],
            needs_review=False,
            changed_by=editor_id,
            changed_at=now,
        )


async def set_state(
    db: AsyncSession,
    files: Files,
    language: str,
    state: TranslationState,
    by: int | None,
    now: datetime,
    keys: Iterable[str] | None = None,
) -> int:
    """Sets the state of a language's texts (all, or ``keys``) as of today's English: a
    reviewer's "reviewed", or "translated" / "machine" for what came from elsewhere.
    Returns how many texts; raises KeyError for a key the module does not have."""
    hashes = source_hashes(files)
    chosen = list(hashes) if keys is None else list(keys)
    for key in chosen:
        if key not in hashes:
            raise KeyError(key)
    module_id = _module_id(files)
    rows = await _rows(db, module_id, language)
    for key in chosen:
        await _upsert(
            db,
            rows,
            module_id,
            language,
            key,
            state=state,
            source_hash=hashes[key],
            needs_review=False,
            changed_by=by,
            changed_at=now,
        )
    return len(chosen)


async def coverage(db: AsyncSession, modules: Sequence[Files]) -> list[Coverage]:
    """Per module and language: how many texts are machine-drafted, translated, reviewed,
    and how many of them need review."""
    found: list[Coverage] = []
    for files in modules:
        module_id = _module_id(files)
        hashes = source_hashes(files)
        rows = await _read(db, module_id)
        for language in TRANSLATED_LANGUAGES:
            counted = [_status(rows.get((language, k)), d) for k, d in hashes.items()]
            found.append(
                Coverage(
                    module_id,
                    language,
                    len(counted),
                    sum(1 for s in counted if s.state is TranslationState.MACHINE),
                    sum(1 for s in counted if s.state is TranslationState.TRANSLATED),
                    sum(1 for s in counted if s.state is TranslationState.REVIEWED),
                    sum(1 for s in counted if s.needs_review),
                )
            )
    return found


async def needing_review(db: AsyncSession, files: Files) -> dict[str, list[str]]:
    """The keys needing review, per language (languages with none left out)."""
    found: dict[str, list[str]] = {}
    for language in TRANSLATED_LANGUAGES:
        keys = [k for k, s in (await statuses(db, files, language)).items() if s.needs_review]
        if keys:
            found[language] = keys
    return found


# -- what learners see ---------------------------------------------------------------------


def _replace(text: ModuleText, english: ModuleText, keys: set[str]) -> ModuleText:
    """``text`` with the English of ``keys``."""

    def pick(key: str, own: str, source: str) -> str:
        return source if key in keys else own

    return dataclasses.replace(
        text,
        title=pick("title", text.title, english.title),
        short_title=english.short_title
        if "short_title" in keys and english.short_title
        else text.short_title,
        summary=pick("summary", text.summary, english.summary),
        cards={k: pick(f"cards.{k}", v, english.cards[k]) for k, v in text.cards.items()},
        questions={
            qid: QuestionText(
                text=pick(f"questions.{qid}.text", q.text, english.questions[qid].text),
                options={
                    o: pick(f"questions.{qid}.options.{o}", v, english.questions[qid].options[o])
                    for o, v in q.options.items()
                },
                explanation=pick(
                    f"questions.{qid}.explanation",
                    q.explanation,
                    english.questions[qid].explanation,
                ),
            )
            for qid, q in text.questions.items()
        },
    )


def learner_module(
    module: Module,
    review: dict[str, dict[str, TextStatus]],
    unreviewed_text: UnreviewedText,
    show_unreviewed_languages: bool,
) -> Module:
    """The module as learners see it under the settings: a language not wholly reviewed is
    shown in English when ``show_unreviewed_languages`` is off; a text needing review is
    shown in English when ``unreviewed_text`` is ``english`` (else the old translation)."""
    english = module.texts[SOURCE_LANGUAGE]
    texts = dict(module.texts)
    for language, by_key in review.items():
        if language not in texts:
            continue
        complete = all(
            s.state is TranslationState.REVIEWED and not s.needs_review for s in by_key.values()
        )
        if not show_unreviewed_languages and not complete:
            texts[language] = english
        elif unreviewed_text == "english":
            stale = {key for key, s in by_key.items() if s.needs_review}
            if stale:
                texts[language] = _replace(texts[language], english, stale)
    return dataclasses.replace(module, texts=texts)


async def learner_catalogue(
    db: AsyncSession,
    catalogue: Catalogue,
    now: datetime,
    unreviewed_text: UnreviewedText,
    show_unreviewed_languages: bool,
) -> Catalogue:
    """Brings the review rows up to date with the published modules, then the catalogue as
    learners see them under the settings."""
    modules: list[Module] = []
    for module in catalogue.modules:
        files = files_from_module(module)
        await sync_with_source(db, files, now)
        rows = await _read(db, module.id)
        hashes = source_hashes(files)
        review = {
            lang: {key: _status(rows.get((lang, key)), digest) for key, digest in hashes.items()}
            for lang in TRANSLATED_LANGUAGES
        }
        modules.append(learner_module(module, review, unreviewed_text, show_unreviewed_languages))
    return Catalogue(modules)


async def apply_learner_view(
    db: AsyncSession,
    catalogue: Catalogue,
    now: datetime,
    unreviewed_text: UnreviewedText,
    show_unreviewed_languages: bool,
) -> None:
    """:func:`learner_catalogue` in place: the one catalogue of the running bot keeps its
    stored versions, retired modules and generation; its published modules become what
    learners see."""
    seen = await learner_catalogue(
        db, Catalogue(catalogue.modules), now, unreviewed_text, show_unreviewed_languages
    )
    shown = {module.id: module for module in seen.modules}
    versions = [
        shown[module.id] if catalogue.get(module.id) is module else module
        for _key, module in catalogue.known()
    ]
    catalogue.replace(seen.modules, versions, catalogue.retired)
