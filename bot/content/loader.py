"""Reads a module, from its folder of YAML files or from the same files held as data (a
version stored in the database), and checks it: both paths share every rule."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content import yaml_text
from bot.content.model import (
    Module,
    ModuleText,
    Problem,
    Question,
    QuestionText,
    Source,
)
from bot.content.rules import (
    GENERATED_LANGUAGES,
    ITEM_ID,
    MAX_CARD,
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_QUESTION,
    MAX_SHORT_TITLE,
    MAX_SUMMARY,
    MAX_TITLE,
    MODULE_ID,
    OPTION_IDS,
    TOPICS,
    WORD,
    _Checked,
    check_html,
    script_errors,
)
from bot.i18n.languages import LANGUAGE_CODES, LANGUAGES, SOURCE_LANGUAGE
from bot.i18n.translit import latin_to_cyrillic as _latin_to_cyrillic

Files = dict[str, dict[str, Any]]
"""A module as data: ``"module"`` the mapping of module.yaml, each language code the mapping
of its file (``"sq"`` that of sq.yaml)."""
MODULE_KEY = "module"
Label = Callable[[str], str]
"""Names a file key (``module``, ``sq``) in a problem: a path, or the key itself."""


class Loader:
    def __init__(self, root: Path = Path()) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def shown(self, path: Path) -> str:
        # Relative to where the author runs the check, else to the content folder.
        try:
            return str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            try:
                return str(path.relative_to(self.root))
            except ValueError:
                return str(path)

    def problem(self, path: Path | str, field_name: str, message: str) -> None:
        shown = path if isinstance(path, str) else self.shown(path)
        self.problems.append(Problem(shown, field_name, message))

    def read_yaml(self, path: Path) -> dict[str, Any] | None:
        try:
            data = yaml_text.load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.problem(path, "-", "the file is not UTF-8")
            return None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "-"
            self.problem(path, where, f"not valid YAML ({getattr(error, 'problem', error)})")
            return None
        if not isinstance(data, dict):
            self.problem(path, "-", "expected a mapping at the top")
            return None
        return data

    def load(self) -> list[Module]:
        modules: list[Module] = []
        if not self.root.is_dir():
            self.problems.append(Problem(str(self.root), "-", "the content folder is missing"))
            return modules
        for folder in sorted(path for path in self.root.iterdir() if path.is_dir()):
            module = self.load_module(folder)
            if module is not None:
                modules.append(module)
        if not modules and not self.problems:
            self.problems.append(Problem(str(self.root), "-", "no modules found"))
        return modules

    def load_module(self, folder: Path) -> Module | None:
        path = folder / "module.yaml"
        if not path.exists():
            self.problem(folder, "module.yaml", "the file is missing")
            return None
        data = self.read_yaml(path)
        if data is None:
            return None

        def label(key: str) -> str:
            return self.shown(folder / f"{key}.yaml")

        return self.module_from(data, folder.name, label, lambda: self._read_languages(folder))

    def load_files(self, files: Files, module_id: str, version: int = 0) -> Module | None:
        """A module held as data; problems name the file key (``sq``) and the field."""
        meta = files.get(MODULE_KEY)
        if not isinstance(meta, dict):
            self.problem(MODULE_KEY, "-", "expected a mapping at the top")
            return None
        meta = dict(meta)
        if isinstance(meta.get("as_of"), str):  # stored as JSON: the date as its ISO text
            with contextlib.suppress(ValueError):  # else reported as not a date
                meta["as_of"] = date.fromisoformat(meta["as_of"])

        def languages() -> dict[str, dict[str, Any]]:
            raw: dict[str, dict[str, Any]] = {}
            for key in sorted(set(files) - {MODULE_KEY} - set(LANGUAGE_CODES)):
                self.problem(key, "-", "unknown language file")
            for code in LANGUAGE_CODES:
                data = files.get(code)
                if data is None:
                    if code not in GENERATED_LANGUAGES:
                        self.problem(code, "-", "the translation file is missing")
                    continue
                if not isinstance(data, dict):
                    self.problem(code, "-", "expected a mapping at the top")
                    continue
                raw[code] = _normalised(data)
            return raw

        return self.module_from(meta, module_id, lambda key: key, languages, version)

    def _read_languages(self, folder: Path) -> dict[str, dict[str, Any]]:
        raw: dict[str, dict[str, Any]] = {}
        known_files = {f"{code}.yaml" for code in LANGUAGE_CODES} | {"module.yaml"}
        for path in sorted(folder.glob("*.yaml")):
            if path.name not in known_files:
                self.problem(path, "-", "unknown language file")
        for code in LANGUAGE_CODES:
            path = folder / f"{code}.yaml"
            if not path.exists():
                if code not in GENERATED_LANGUAGES:
                    self.problem(path, "-", "the translation file is missing")
                continue
            data = self.read_yaml(path)
            if data is not None:
                raw[code] = _normalised(data)
        return raw

    def module_from(
        self,
        data: dict[str, Any],
        expected_id: str,
        label: Label,
        read_languages: Callable[[], dict[str, dict[str, Any]]],
        version: int = 0,
    ) -> Module | None:
        path = label(MODULE_KEY)
        before = len(self.problems)
        module_id = data.get("id")
        if not isinstance(module_id, str) or not MODULE_ID.match(module_id):
            self.problem(path, "id", "lower-case letters, digits and '-', at most 24 characters")
        elif module_id != expected_id:
            self.problem(path, "id", f"'{module_id}' differs from the folder name '{expected_id}'")
        if data.get("topic") not in TOPICS:
            self.problem(path, "topic", f"expected one of {', '.join(TOPICS)}")
        for name, low, high in (("order", 0, 10_000), ("minutes", 1, 240), ("pass_mark", 1, 100)):
            value = data.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                self.problem(path, name, f"expected a whole number from {low} to {high}")
        if not isinstance(data.get("pretest", False), bool):
            self.problem(path, "pretest", "expected true or false")
        if not isinstance(data.get("as_of"), date):
            self.problem(path, "as_of", "expected a date such as 2026-11-01")
        card_ids = self._ids(path, "cards", data.get("cards"))
        questions = self._questions(path, data.get("questions"))
        sources = self._sources(path, data.get("sources", []))
        latin_terms = self._latin_terms(path, data.get("latin_terms", []))
        if len(self.problems) > before:
            return None
        keep_latin = frozenset(
            token for term in data.get("latin_terms", []) for token in term.split()
        )
        raw = read_languages()
        texts = self._texts(raw, label, card_ids, questions, latin_terms, keep_latin)
        if len(self.problems) > before:
            return None
        return Module(
            id=data["id"],
            topic=data["topic"],
            order=data["order"],
            minutes=data["minutes"],
            pass_mark=data["pass_mark"],
            pretest=data.get("pretest", False),
            as_of=data["as_of"],
            card_ids=tuple(card_ids),
            questions=tuple(questions),
            sources=tuple(sources),
            texts=texts,
            version=version,
        )

    def _ids(self, path: str, name: str, value: object) -> list[str]:
        if not isinstance(value, list) or not value:
            self.problem(path, name, "expected a non-empty list of ids")
            return []
        ids: list[str] = []
        for item in value:
            if not isinstance(item, str) or not ITEM_ID.match(item):
                self.problem(path, name, f"'{item}' is not a valid id")
            elif item in ids:
                self.problem(path, name, f"'{item}' appears twice")
            else:
                ids.append(item)
        return ids

    def _questions(self, path: str, value: object) -> list[Question]:
        if not isinstance(value, list) or not value:
            self.problem(path, "questions", "expected a non-empty list of questions")
            return []
        questions: list[Question] = []
        seen: set[str] = set()
        for position, item in enumerate(value, start=1):
            where = f"questions[{position}]"
            if not isinstance(item, dict):
                self.problem(path, where, "expected id, options and correct")
                continue
            question_id = item.get("id")
            if not isinstance(question_id, str) or not ITEM_ID.match(question_id):
                self.problem(path, f"{where}.id", f"'{question_id}' is not a valid id")
                continue
            where = f"questions.{question_id}"
            if question_id in seen:
                self.problem(path, where, "the id appears twice")
                continue
            seen.add(question_id)
            options = item.get("options")
            if (
                not isinstance(options, list)
                or not 2 <= len(options) <= 4
                or any(option not in OPTION_IDS for option in options)
                or len(set(options)) != len(options)
            ):
                self.problem(
                    path, f"{where}.options", "expected 2 to 4 distinct ids from a, b, c, d"
                )
                continue
            correct = item.get("correct")
            if isinstance(correct, list):
                self.problem(path, f"{where}.correct", "exactly one option must be correct")
                continue
            if correct not in options:
                self.problem(path, f"{where}.correct", "exactly one correct option, among options")
                continue
            objective = item.get("objective", "")
            if objective != "" and (not isinstance(objective, str) or not ITEM_ID.match(objective)):
                self.problem(path, f"{where}.objective", f"'{objective}' is not a valid id")
                continue
            questions.append(Question(question_id, tuple(options), str(correct), objective))
        return questions

    def _sources(self, path: str, value: object) -> list[Source]:
        if not isinstance(value, list):
            self.problem(path, "sources", "expected a list of title and url")
            return []
        sources: list[Source] = []
        for position, item in enumerate(value, start=1):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("title"), str)
                or not str(item.get("url", "")).startswith("https://")
            ):
                self.problem(path, f"sources[{position}]", "expected a title and an https:// url")
                continue
            sources.append(Source(item["title"], item["url"]))
        return sources

    def _latin_terms(self, path: str, value: object) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(path, "latin_terms", "expected a list of names kept in Latin letters")
            return frozenset()
        return frozenset(word for term in value for word in WORD.findall(term))

    def _texts(
        self,
        raw: dict[str, dict[str, Any]],
        label: Label,
        card_ids: list[str],
        questions: list[Question],
        latin_terms: frozenset[str],
        keep_latin: frozenset[str] = frozenset(),
    ) -> dict[str, ModuleText]:
        if SOURCE_LANGUAGE not in raw:
            return {}
        before = len(self.problems)
        reference = self._check_language(
            SOURCE_LANGUAGE,
            label(SOURCE_LANGUAGE),
            raw[SOURCE_LANGUAGE],
            card_ids,
            questions,
            None,
            latin_terms,
        )
        for code, data in raw.items():
            if code != SOURCE_LANGUAGE:
                self._check_language(
                    code, label(code), data, card_ids, questions, reference, latin_terms
                )
        if len(self.problems) > before:
            return {}  # incomplete texts cannot be resolved; the problems say why
        texts = _resolve_texts(raw, card_ids, questions, keep_latin)
        for code in GENERATED_LANGUAGES - set(raw):
            if code in texts:
                self._check_generated(label(code), code, texts[code], latin_terms)
        return texts

    def _check_generated(
        self, path: str, code: str, text: ModuleText, latin_terms: frozenset[str]
    ) -> None:
        """The script of text made by transliteration (English words survive it)."""
        fields = {"title": text.title, "summary": text.summary}
        if text.short_title is not None:
            fields["short_title"] = text.short_title
        fields.update({f"cards.{key}": value for key, value in text.cards.items()})
        for key, question in text.questions.items():
            fields[f"questions.{key}.text"] = question.text
            fields[f"questions.{key}.explanation"] = question.explanation
            for option, value in question.options.items():
                fields[f"questions.{key}.options.{option}"] = value
        for field_name, value in fields.items():
            checked, _ = check_html(value)
            for error in script_errors(checked.prose, code, latin_terms):
                self.problem(path, field_name, f"{error} (generated from sr-Latn.yaml)")

    def _check_language(
        self,
        language_code: str,
        path: str,
        data: dict[str, Any],
        card_ids: list[str],
        questions: list[Question],
        reference: dict[str, _Checked] | None,
        latin_terms: frozenset[str],
    ) -> dict[str, _Checked]:
        checked: dict[str, _Checked] = {}

        def text(field_name: str, value: object, limit: int, *, required: bool = True) -> None:
            if value is None and not required:
                return
            if not isinstance(value, str) or not value.strip():
                self.problem(path, field_name, "the text is missing")
                return
            result, errors = check_html(value)
            for error in errors + script_errors(result.prose, language_code, latin_terms):
                self.problem(path, field_name, error)
            if len(result.plain.strip()) > limit:
                self.problem(
                    path, field_name, f"{len(result.plain.strip())} characters, at most {limit}"
                )
            if reference is not None and field_name in reference:
                expected = reference[field_name]
                if result.placeholders != expected.placeholders:
                    self.problem(path, field_name, "placeholders differ from the English text")
                if sorted(result.hrefs) != sorted(expected.hrefs):
                    self.problem(path, field_name, "links differ from the English text")
            checked[field_name] = result

        text("title", data.get("title"), MAX_TITLE)
        text("short_title", data.get("short_title"), MAX_SHORT_TITLE, required=False)
        title = checked.get("title")
        if (
            title is not None
            and len(title.plain.strip()) > MAX_SHORT_TITLE
            and data.get("short_title") is None
        ):
            self.problem(
                path,
                "short_title",
                f"the title has {len(title.plain.strip())} characters, more than a button "
                f"shows ({MAX_SHORT_TITLE}): add a short_title",
            )
        text("summary", data.get("summary"), MAX_SUMMARY)
        cards = data.get("cards")
        if not isinstance(cards, dict):
            self.problem(path, "cards", "expected a mapping of card id to text")
            cards = {}
        for card_id in card_ids:
            text(f"cards.{card_id}", cards.get(card_id), MAX_CARD)
        for extra in sorted(set(cards) - set(card_ids)):
            self.problem(path, f"cards.{extra}", "no such card in module.yaml")
        question_texts = data.get("questions")
        if not isinstance(question_texts, dict):
            self.problem(path, "questions", "expected a mapping of question id to text")
            question_texts = {}
        for question in questions:
            where = f"questions.{question.id}"
            entry = question_texts.get(question.id)
            if not isinstance(entry, dict):
                self.problem(path, where, "the question is missing")
                continue
            text(f"{where}.text", entry.get("text"), MAX_QUESTION)
            text(f"{where}.explanation", entry.get("explanation"), MAX_EXPLANATION)
            options = entry.get("options")
            if not isinstance(options, dict):
                self.problem(path, f"{where}.options", "expected a mapping of option id to text")
                continue
            for option in question.options:
                text(f"{where}.options.{option}", options.get(option), MAX_OPTION)
            for extra in sorted(set(options) - set(question.options)):
                self.problem(path, f"{where}.options.{extra}", "no such option in module.yaml")
        known_questions = {question.id for question in questions}
        for extra in sorted(set(question_texts) - known_questions):
            self.problem(path, f"questions.{extra}", "no such question in module.yaml")
        return checked


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, dict):
        return {str(key): _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _module_text(data: dict[str, Any], questions: list[Question]) -> ModuleText:
    return ModuleText(
        title=data["title"],
        short_title=data.get("short_title"),
        summary=data["summary"],
        cards=dict(data["cards"]),
        questions={
            question.id: QuestionText(
                text=data["questions"][question.id]["text"],
                options=dict(data["questions"][question.id]["options"]),
                explanation=data["questions"][question.id]["explanation"],
            )
            for question in questions
        },
    )


def _resolve_texts(
    raw: dict[str, dict[str, Any]],
    card_ids: list[str],
    questions: list[Question],
    keep_latin: frozenset[str] = frozenset(),
) -> dict[str, ModuleText]:
    texts = {code: _module_text(data, questions) for code, data in raw.items()}
    if "sr-Cyrl" not in texts and "sr-Latn" in texts:
        latin = texts["sr-Latn"]

        def latin_to_cyrillic(text: str) -> str:
            return _latin_to_cyrillic(text, keep_latin)

        texts["sr-Cyrl"] = ModuleText(
            title=latin_to_cyrillic(latin.title),
            short_title=(
                latin_to_cyrillic(latin.short_title) if latin.short_title is not None else None
            ),
            summary=latin_to_cyrillic(latin.summary),
            cards={key: latin_to_cyrillic(value) for key, value in latin.cards.items()},
            questions={
                key: QuestionText(
                    text=latin_to_cyrillic(value.text),
                    options={k: latin_to_cyrillic(v) for k, v in value.options.items()},
                    explanation=latin_to_cyrillic(value.explanation),
                )
                for key, value in latin.questions.items()
            },
        )
    for code, language in LANGUAGES.items():
        if code not in texts:
            for fallback in language.fallbacks:
                if fallback in texts:
                    texts[code] = texts[fallback]
                    break
    return texts
