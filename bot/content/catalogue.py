"""Lessons and quizzes: loaded from ``bot/content/modules/`` and checked before use.

The structure (ids, order, correct answers, pass mark) lives once per module in
``module.yaml``; each language has its own text file under the same ids, so
correctness can never differ between languages. See ``docs/content.md``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from bot.i18n.languages import LANGUAGE_CODES, LANGUAGES, SOURCE_LANGUAGE
from bot.i18n.translit import latin_to_cyrillic as _latin_to_cyrillic
from bot.paths import CONTENT_DIR

TOPICS = ("eu_integration", "security", "digital_literacy")
OPTION_IDS = ("a", "b", "c", "d")
GENERATED_LANGUAGES = frozenset({"sr-Cyrl"})
"""Languages whose file may be missing: their text is made from another language's."""

MAX_TITLE = 80
MAX_SHORT_TITLE = 32
"""Characters of a module's title on a button (the lessons, a session's module, exports,
certificates): Telegram shows an inline button on one line and cuts the rest. A full-width
button on a 360-dp phone (Telegram for Android: about 300 dp of text at 15 dp medium; iOS at
375 pt much the same) holds about 36 average letters, Cyrillic ones being wider, and the
lessons put a 2-letter mark (✅, ▶️) before the title: 32 is what stays whole. A longer title
needs a ``short_title`` within it."""
MAX_SUMMARY = 200
MAX_CARD = 700
"""Characters a reader sees on one card: about a phone screen without scrolling."""
MAX_QUESTION = 300
MAX_OPTION = 120
MAX_EXPLANATION = 600
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "blockquote", "a"}
MODULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")
BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")
CYRILLIC_LANGUAGES = frozenset({"mk", "sr-Cyrl"})
WORD = re.compile(r"[^\W\d_]+")
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u052F]")
WEB_ADDRESS = re.compile(r"(?:https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/\S*)?")


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class Question:
    id: str
    options: tuple[str, ...]
    correct: str
    objective: str = ""
    """The learning objective the question measures; its parallel form is the other question
    of the same objective. A module not yet written in parallel forms has none: each question
    is then its own objective (``objective_key``)."""

    @property
    def objective_key(self) -> str:
        return self.objective or self.id


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class QuestionText:
    text: str
    options: dict[str, str]
    explanation: str


@dataclass(frozen=True)
class ModuleText:
    title: str
    summary: str
    cards: dict[str, str]
    questions: dict[str, QuestionText]
    short_title: str | None = None
    """For buttons, where the title is longer than :data:`MAX_SHORT_TITLE`."""

    @property
    def button_title(self) -> str:
        """The title as a button shows it: the short one where there is one."""
        return self.short_title or self.title


@dataclass(frozen=True)
class Module:
    id: str
    topic: str
    order: int
    minutes: int
    pass_mark: int
    pretest: bool
    as_of: date
    card_ids: tuple[str, ...]
    questions: tuple[Question, ...]
    sources: tuple[Source, ...]
    texts: dict[str, ModuleText] = field(repr=False)

    @property
    def card_count(self) -> int:
        return len(self.card_ids)

    def question(self, index: int) -> Question:
        return self.questions[index]

    def question_by_id(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def objectives(self) -> dict[str, tuple[Question, ...]]:
        """The questions of each objective, objectives in the order they first appear: a
        quiz asks one question of each."""
        found: dict[str, list[Question]] = {}
        for question in self.questions:
            found.setdefault(question.objective_key, []).append(question)
        return {key: tuple(items) for key, items in found.items()}

    @property
    def quiz_length(self) -> int:
        """How many questions one quiz asks: one per objective."""
        return len(self.objectives)

    def text(self, language_code: str) -> ModuleText:
        """The module's text in a language, filled along the language's fallback chain."""
        return self.texts.get(language_code) or self.texts[SOURCE_LANGUAGE]


class Catalogue:
    def __init__(self, modules: list[Module]) -> None:
        self.modules = sorted(
            modules, key=lambda module: (TOPICS.index(module.topic), module.order)
        )
        self._by_id = {module.id: module for module in self.modules}

    def get(self, module_id: str) -> Module | None:
        return self._by_id.get(module_id)

    def by_topic(self) -> list[tuple[str, list[Module]]]:
        return [
            (topic, [module for module in self.modules if module.topic == topic])
            for topic in TOPICS
            if any(module.topic == topic for module in self.modules)
        ]

    def __len__(self) -> int:
        return len(self.modules)


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self.stack: list[str] = []
        self.hrefs: list[str] = []
        self.plain: list[str] = []
        self.prose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}> is not allowed")
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith("https://"):
                self.errors.append('a link needs href="https://..."')
            self.hrefs.append(href)
        elif attrs:
            self.errors.append(f"tag <{tag}> takes no attributes")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close the open tag")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)
        if "code" not in self.stack:
            self.prose.append(data)


@dataclass
class _Checked:
    plain: str
    hrefs: list[str]
    placeholders: set[str]
    prose: str = ""
    """The visible text outside <code>, whose script must match the language."""


def check_html(text: str) -> tuple[_Checked, list[str]]:
    errors: list[str] = []
    if BARE_AMPERSAND.search(text):
        errors.append("a bare '&' must be written &amp;")
    if re.search(r"<(?![a-zA-Z/])", text):
        errors.append("a bare '<' must be written &lt;")
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    errors.extend(checker.errors)
    if checker.stack:
        errors.append(f"<{checker.stack[-1]}> is never closed")
    plain = "".join(checker.plain)
    prose = PLACEHOLDER.sub(" ", "".join(checker.prose))
    return _Checked(plain, checker.hrefs, set(PLACEHOLDER.findall(text)), prose), errors


def script_errors(prose: str, language_code: str, latin_terms: frozenset[str]) -> list[str]:
    """Words written in the wrong script for the language.

    In Cyrillic languages a Latin word passes only as an acronym or Roman numeral
    (all capitals: EU, NIST, IV), as part of a web address, or as a name the
    module lists under ``latin_terms``; text in <code> is not checked. In Latin languages no
    Cyrillic letter passes. A word mixing both scripts (a Latin "a" in a
    Cyrillic word, which looks the same) never passes.
    """
    errors: list[str] = []
    cyrillic_language = language_code in CYRILLIC_LANGUAGES
    for word in dict.fromkeys(WORD.findall(WEB_ADDRESS.sub(" ", prose))):
        latin = LATIN_LETTER.search(word) is not None
        cyrillic = CYRILLIC_LETTER.search(word) is not None
        if latin and cyrillic:
            errors.append(f"'{word}' mixes Latin and Cyrillic letters")
        elif cyrillic_language and latin and not word.isupper() and word not in latin_terms:
            errors.append(
                f"Latin word '{word}' in Cyrillic text (write it in Cyrillic, put it in"
                " <code>, or list it under latin_terms in module.yaml)"
            )
        elif not cyrillic_language and cyrillic:
            errors.append(f"Cyrillic word '{word}' in Latin-script text")
    return errors


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, path: Path, field_name: str, message: str) -> None:
        # Relative to where the author runs the check, else to the content folder.
        try:
            shown = str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            try:
                shown = str(path.relative_to(self.root))
            except ValueError:
                shown = str(path)
        self.problems.append(Problem(shown, field_name, message))

    def read_yaml(self, path: Path) -> dict[str, Any] | None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        before = len(self.problems)
        module_id = data.get("id")
        if not isinstance(module_id, str) or not MODULE_ID.match(module_id):
            self.problem(path, "id", "lower-case letters, digits and '-', at most 24 characters")
        elif module_id != folder.name:
            self.problem(path, "id", f"'{module_id}' differs from the folder name '{folder.name}'")
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
        texts = self._texts(folder, card_ids, questions, latin_terms, keep_latin)
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
        )

    def _ids(self, path: Path, name: str, value: object) -> list[str]:
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

    def _questions(self, path: Path, value: object) -> list[Question]:
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

    def _sources(self, path: Path, value: object) -> list[Source]:
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

    def _latin_terms(self, path: Path, value: object) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(path, "latin_terms", "expected a list of names kept in Latin letters")
            return frozenset()
        return frozenset(word for term in value for word in WORD.findall(term))

    def _texts(
        self,
        folder: Path,
        card_ids: list[str],
        questions: list[Question],
        latin_terms: frozenset[str],
        keep_latin: frozenset[str] = frozenset(),
    ) -> dict[str, ModuleText]:
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
        if SOURCE_LANGUAGE not in raw:
            return {}
        before = len(self.problems)
        reference = self._check_language(
            folder / f"{SOURCE_LANGUAGE}.yaml",
            raw[SOURCE_LANGUAGE],
            card_ids,
            questions,
            None,
            latin_terms,
        )
        for code, data in raw.items():
            if code != SOURCE_LANGUAGE:
                self._check_language(
                    folder / f"{code}.yaml", data, card_ids, questions, reference, latin_terms
                )
        if len(self.problems) > before:
            return {}  # incomplete texts cannot be resolved; the problems say why
        texts = _resolve_texts(raw, card_ids, questions, keep_latin)
        for code in GENERATED_LANGUAGES - set(raw):
            if code in texts:
                self._check_generated(folder / f"{code}.yaml", code, texts[code], latin_terms)
        return texts

    def _check_generated(
        self, path: Path, code: str, text: ModuleText, latin_terms: frozenset[str]
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
        path: Path,
        data: dict[str, Any],
        card_ids: list[str],
        questions: list[Question],
        reference: dict[str, _Checked] | None,
        latin_terms: frozenset[str],
    ) -> dict[str, _Checked]:
        checked: dict[str, _Checked] = {}
        language_code = path.stem

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


def load_catalogue(root: Path = CONTENT_DIR) -> Catalogue:
    """Every module under ``root``; raises ContentError naming each problem found."""
    loader = _Loader(root)
    modules = loader.load()
    if loader.problems:
        raise ContentError(loader.problems)
    return Catalogue(modules)


def problems_in(root: Path) -> list[Problem]:
    """What the loader finds wrong under ``root`` (a check of files not yet published)."""
    loader = _Loader(root)
    loader.load()
    return loader.problems


def plain_text(fragment: str) -> str:
    """Telegram HTML to what the reader sees (for button labels, which take no markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))
