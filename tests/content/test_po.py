"""A module's language as a PO file and back: exported, edited with a PO library (Babel's
``pofile``, as Poedit or Weblate would write it), read back with every problem named by the
text's key and the line of its entry."""

from __future__ import annotations

import io
from datetime import date

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.content.catalogue import Catalogue
from bot.content.po import Level, PoError, export_po, header_of, import_po, read_import
from bot.content.rules import MAX_OPTION
from bot.content.texts import (
    Files,
    changed_keys,
    check_files,
    entries,
    load_files,
    source_hashes,
    text_at,
    with_text,
)
from bot.paths import CONTENT_DIR

MODULE = "eu-accession"
TODAY = date(2026, 12, 7)


@pytest.fixture
def files() -> Files:
    return load_files(CONTENT_DIR / MODULE)


def parsed(po_bytes: bytes) -> Catalog:
    return read_po(io.BytesIO(po_bytes))


def written(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=76)  # wrapped as Poedit wraps, unlike the export
    return out.getvalue()


def entry(catalog: Catalog, key: str):  # type: ignore[no-untyped-def]
    [found] = [message for message in catalog if message.context == key]
    return found


def test_the_export_has_one_entry_per_text_with_its_key_source_limit_and_status(files: Files):
    catalog = parsed(
        export_po(
            files,
            "mk",
            statuses={"title": "machine-drafted"},
            needs_review=["cards.steps"],
        )
    )
    assert header_of(export_po(files, "mk")) == (MODULE, "mk")
    # An optional text English has not (a short_title) has no entry.
    english = {e.key: e.text for e in entries(files, "en") if e.text}
    macedonian = {e.key: e.text for e in entries(files, "mk")}
    messages = [message for message in catalog if message.id]
    assert [m.context for m in messages] == list(english)
    for message in messages:
        assert message.id == english[message.context]
        assert message.string == macedonian[message.context]
    option = entry(catalog, "questions.q-who-decides.options.a")
    assert f"At most {MAX_OPTION} characters" in option.auto_comments[0]
    title = entry(catalog, "title")
    assert "Status: machine-drafted" in title.auto_comments
    assert entry(catalog, "cards.steps").fuzzy and not title.fuzzy
    card = entry(catalog, "cards.what-is-accession")
    assert any("eur-lex.europa.eu" in comment for comment in card.auto_comments)


def test_mk_edited_with_a_po_library_is_taken(files: Files):
    catalog = parsed(export_po(files, "mk"))
    entry(catalog, "title").string = "Патот кон членство во ЕУ"
    option = entry(catalog, "questions.q-who-decides.options.a")
    option.string = option.string + " (ново)"
    steps = entry(catalog, "cards.steps")
    steps.flags.add("fuzzy")  # the translator is unsure: kept, marked as needing review

    new_files, problems = import_po(files, "mk", written(catalog))

    assert [p for p in problems if p.level is Level.ERROR] == []
    assert text_at(new_files["mk"], "title") == "Патот кон членство во ЕУ"
    assert text_at(new_files["mk"], "questions.q-who-decides.options.a").endswith("(ново)")
    assert new_files["en"] == files["en"] and new_files["sq"] == files["sq"]
    assert check_files(new_files, TODAY) == ([], [])
    result = read_import(files, written(catalog), today=TODAY)
    assert result.changed == ["title", "questions.q-who-decides.options.a"]
    assert result.needs_review == ["cards.steps"]
    assert len(result.confirmed) == len(source_hashes(files)) - 3


def test_problems_are_named_by_key_and_line_and_nothing_is_taken(files: Files):
    catalog = parsed(export_po(files, "mk"))
    card = entry(catalog, "cards.what-is-accession")
    card.string = card.string.replace("</a>", "") + " {name}"  # a link broken, a placeholder
    option = entry(catalog, "questions.q-who-decides.options.b")
    option.string = "Латиница and English"  # wrong script, and far too long below
    long = entry(catalog, "questions.q-who-decides.text")
    long.string = "Д" * 400
    catalog.add("Made up", "Измислено", context="cards.no-such-card")
    po_bytes = written(catalog)
    lines = po_bytes.decode().splitlines()

    new_files, problems = import_po(files, "mk", po_bytes)

    assert new_files is files
    found = {(p.key, p.message) for p in problems if p.level is Level.ERROR}
    assert ("cards.no-such-card", "no such text in the module") in found
    # The module is checked only once every key is known.
    catalog.delete("Made up", context="cards.no-such-card")
    po_bytes = written(catalog)
    lines = po_bytes.decode().splitlines()
    _files, problems = import_po(files, "mk", po_bytes)
    by_key: dict[str, list[str]] = {}
    for problem in problems:
        assert problem.level is Level.ERROR
        by_key.setdefault(problem.key, []).append(problem.message)
        assert problem.line is not None
        assert lines[problem.line - 1].startswith("msgid"), problem
        assert f'msgctxt "{problem.key}"' == lines[problem.line - 2], problem
    assert "placeholders differ from the English text" in by_key["cards.what-is-accession"]
    assert any("never closed" in m for m in by_key["cards.what-is-accession"])
    assert any("Latin word 'and'" in m for m in by_key["questions.q-who-decides.options.b"])
    assert "400 characters, at most 300" in by_key["questions.q-who-decides.text"]
    assert str(problems[0]).startswith("error: line ")


def test_a_source_that_moved_on_is_taken_but_marked_for_review(files: Files):
    old_export = parsed(export_po(files, "mk"))
    english = with_text(files["en"], "cards.steps", text_at(files["en"], "cards.steps") + " New.")
    newer = {**files, "en": english}
    entry(old_export, "cards.steps").string += " Ново."

    result = read_import(newer, written(old_export), "mk", TODAY)

    assert [p.key for p in result.problems] == ["cards.steps"]
    assert result.problems[0].level is Level.WARNING
    assert "English text changed" in result.problems[0].message
    assert result.changed == ["cards.steps"] and result.needs_review == ["cards.steps"]
    assert text_at(result.files["mk"], "cards.steps").endswith("Ново.")
    assert changed_keys(files, newer) == ["cards.steps"]


def test_a_file_for_another_module_or_language_or_no_po_at_all_is_refused(files: Files):
    other = export_po(load_files(CONTENT_DIR / "passwords-2fa"), "mk")
    with pytest.raises(PoError, match="for the module passwords-2fa"):
        read_import(files, other)
    with pytest.raises(PoError, match="for mk, not sq"):
        read_import(files, export_po(files, "mk"), "sq")
    unchanged, problems = import_po(files, "mk", b'msgid "x"\nmsgstr "y"\nnonsense\n')
    assert unchanged is files and problems[0].line is not None
    assert "not a valid PO file" in problems[0].message


def test_serbian_cyrillic_is_exported_from_the_transliteration(files: Files, catalogue: Catalogue):
    """Without its own file, sr-Cyrl's texts are the ones learners see: made from sr-Latn."""
    assert "sr-Cyrl" not in files
    catalog = parsed(export_po(files, "sr-Cyrl"))
    module = catalogue.get(MODULE)
    assert module is not None
    seen = module.texts["sr-Cyrl"]
    assert entry(catalog, "title").string == seen.title
    assert entry(catalog, "cards.steps").string == seen.cards["steps"]
    new_files, problems = import_po(files, "sr-Cyrl", written(catalog))
    assert [p for p in problems if p.level is Level.ERROR] == []
    assert check_files(new_files, TODAY) == ([], [])


def test_a_short_title_is_a_text_of_the_po_file_like_the_title():
    files = load_files(CONTENT_DIR / "cso-in-accession")
    catalog = parsed(export_po(files, "mk"))
    [entry] = [message for message in catalog if message.context == "short_title"]
    assert entry.id == files["en"]["short_title"]
    assert entry.string == files["mk"]["short_title"]
    entry.string = "Граѓаните и ЕУ"
    out = io.BytesIO()
    write_po(out, catalog)
    changed, problems = import_po(files, "mk", out.getvalue())
    assert not [problem for problem in problems if problem.level is Level.ERROR]
    assert changed["mk"]["short_title"] == "Граѓаните и ЕУ"
