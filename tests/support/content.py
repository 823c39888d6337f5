"""A curriculum module for tests: its YAML files in every language, written to a folder and
loaded as the bot loads its content."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content.catalogue import Module, load_catalogue
from bot.i18n.languages import LANGUAGE_CODES


def module_files(
    module_id: str = "sample",
    cards: int = 3,
    questions: int = 4,
    pass_mark: int = 75,
    forms: bool = False,
) -> dict[str, dict[str, Any]]:
    """A complete, valid module in every language, as the YAML data of each file; with
    ``forms``, in parallel forms: q-1 and q-2 measure objective ``objective-1``, q-3 and q-4
    ``objective-2``, and so on."""
    card_ids = [f"card-{n}" for n in range(1, cards + 1)]
    question_list: list[dict[str, Any]] = [
        {"id": f"q-{n}", "options": ["a", "b", "c"], "correct": "abc"[n % 3]}
        for n in range(1, questions + 1)
    ]
    if forms:
        for n, question in enumerate(question_list):
            question["objective"] = f"objective-{n // 2 + 1}"
    files: dict[str, dict[str, Any]] = {
        "module.yaml": {
            "id": module_id,
            "topic": "digital_literacy",
            "order": 1,
            "minutes": 5,
            "pass_mark": pass_mark,
            "pretest": True,
            "as_of": date(2026, 11, 1),
            "cards": card_ids,
            "questions": question_list,
            "sources": [{"title": "Example", "url": "https://example.org/"}],
        }
    }
    for code in LANGUAGE_CODES:
        if code == "sr-Cyrl":
            continue
        cyrillic = code == "mk"
        files[f"{code}.yaml"] = {
            "title": "Пример" if cyrillic else f"Sample ({code})",
            "summary": "Модул за тестови." if cyrillic else "A module for tests.",
            "cards": {
                card: f"<b>{'Лекција' if cyrillic else 'Lekcija'}</b> broj {n}".replace(
                    "broj", "број" if cyrillic else "broj"
                )
                for n, card in enumerate(card_ids, 1)
            },
            "questions": {
                q["id"]: {
                    "text": f"{'Прашање' if cyrillic else 'Pitanje'} {q['id'][2:]}?",
                    "options": (
                        {"a": "Алфа", "b": "Бета", "c": "Гама"}
                        if cyrillic
                        else {"a": "Alfa", "b": "Beta", "c": "Gama"}
                    ),
                    "explanation": "Затоа." if cyrillic else "Zato.",
                }
                for q in question_list
            },
        }
    return files


def write_module(root: Path, files: dict[str, dict[str, Any]], folder: str = "sample") -> Path:
    target = root / folder
    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (target / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def sample_module(root: Path, **shape: Any) -> Module:
    """A valid module written under ``root`` and loaded as the bot loads its content (the
    shape of :func:`module_files`: three cards, four questions, pass mark 75 %)."""
    write_module(root, module_files(**shape))
    module = load_catalogue(root).get("sample")
    assert module is not None
    return module
