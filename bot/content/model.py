"""What a module is once loaded: its structure, its text in each language, the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from bot.content.rules import TOPICS
from bot.i18n.languages import SOURCE_LANGUAGE


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
    version: int = 0
    """The stored version this is (``module_version.number``); 0 when read from the files
    alone (a database that holds no version yet, the content check)."""

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
    """The modules learners can open, and every version a learner may still be finishing.

    One object lives as long as the bot: publishing replaces what it holds (``replace``)
    so that every handler holding it sees the new content at once, without a restart.
    """

    def __init__(self, modules: list[Module], versions: list[Module] | None = None) -> None:
        self.generation: object = None
        """What the stored content looked like when this was built (``None``: the files)."""
        self.stale = False
        """Set by a publish in this process: the next update rebuilds without waiting."""
        self.replace(modules, versions or [])

    def replace(
        self, modules: list[Module], versions: list[Module], retired: tuple[str, ...] = ()
    ) -> None:
        self.modules = sorted(
            modules, key=lambda module: (TOPICS.index(module.topic), module.order)
        )
        self._by_id = {module.id: module for module in self.modules}
        self._versions = {(module.id, module.version): module for module in versions}
        self._versions.update({(module.id, module.version): module for module in self.modules})
        self.retired = retired
        """Modules hidden from learners, kept for reports (their last version is in
        ``version``)."""

    def adopt(self, numbers: Mapping[str, int]) -> None:
        """Modules read from the files become the stored versions ``numbers`` names (the
        same files, as their hash says): rebuilding them from the database would make the
        same module again (a second copy of every text at each start)."""
        modules = [
            replace(module, version=numbers[module.id])
            if module.version == 0 and module.id in numbers
            else module
            for module in self.modules
        ]
        versions = [module for (_id, _number), module in self.known()]
        self.replace(modules, versions, self.retired)

    def get(self, module_id: str) -> Module | None:
        return self._by_id.get(module_id)

    def version(self, module_id: str, number: int | None) -> Module | None:
        """The module as it was in version ``number`` (None: the published one)."""
        if number is None:
            return self.get(module_id)
        return self._versions.get((module_id, number))

    def any_version(self, module_id: str) -> Module | None:
        """The published version, else the last one known (a retired module, for reports)."""
        found = self.get(module_id)
        if found is not None:
            return found
        numbers = [number for key, number in self._versions if key == module_id]
        return self._versions[(module_id, max(numbers))] if numbers else None

    def known(self) -> list[tuple[tuple[str, int], Module]]:
        """Every stored version held (version 0, read from the files alone, is not one)."""
        return [(key, module) for key, module in self._versions.items() if key[1] > 0]

    def by_topic(self) -> list[tuple[str, list[Module]]]:
        return [
            (topic, [module for module in self.modules if module.topic == topic])
            for topic in TOPICS
            if any(module.topic == topic for module in self.modules)
        ]

    def __len__(self) -> int:
        return len(self.modules)
