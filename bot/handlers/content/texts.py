"""What /content says: the problems of a workbook in the editor's language, the refusals."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.content.catalogue import Problem
from bot.i18n.translator import Html, Translator
from bot.services.content_versions import ContentVersionError, Reason

MAX_PROBLEMS = 30
"""Problems listed in one message (a message holds 4096 characters); "and N more" after."""

Message = Callable[[Translator, re.Match[str]], str]

MESSAGES: tuple[tuple[re.Pattern[str], Message], ...] = (
    (
        re.compile(r"^(\d+) characters, at most (\d+)$"),
        lambda tr, m: tr._(
            "{count} characters, at most {limit}: make it shorter",
            count=int(m[1]),
            limit=int(m[2]),
        ),
    ),
    (re.compile(r"^the text is missing$"), lambda tr, m: tr._("the text is missing")),
    (
        re.compile(r"^placeholders differ from the English text$"),
        lambda tr, m: tr._("the placeholders differ from the English text"),
    ),
    (
        re.compile(r"^links differ from the English text$"),
        lambda tr, m: tr._("the links differ from the English text"),
    ),
    (
        re.compile(r"^tag <(\w+)> is not allowed$"),
        lambda tr, m: tr._("the tag &lt;{tag}&gt; is not allowed", tag=m[1]),
    ),
    (
        re.compile(r"^<(\w+)> is never closed$"),
        lambda tr, m: tr._("&lt;{tag}&gt; is opened and never closed", tag=m[1]),
    ),
    (
        re.compile(r"^a bare '&' must be written &amp;$"),
        lambda tr, m: tr._("write &amp; as &amp;amp;"),
    ),
    (
        re.compile(r"^Latin word '(.+)' in Cyrillic text"),
        lambda tr, m: tr._("the Latin word “{word}” in Cyrillic text", word=m[1]),
    ),
    (
        re.compile(r"^Cyrillic word '(.+)' in Latin-script text$"),
        lambda tr, m: tr._("the Cyrillic word “{word}” in Latin text", word=m[1]),
    ),
    (
        re.compile(r"^'(.+)' mixes Latin and Cyrillic letters$"),
        lambda tr, m: tr._("“{word}” mixes Latin and Cyrillic letters", word=m[1]),
    ),
    (
        re.compile(r"^no such text in the module$"),
        lambda tr, m: tr._("there is no such text in the module (column A was changed)"),
    ),
    (
        re.compile(r"^not a valid PO file"),
        lambda tr, m: tr._("this is not a PO file that the bot can read"),
    ),
    (
        re.compile(r"^the header does not name the module"),
        lambda tr, m: tr._(
            "the file does not say which module it is for: get it with /translate and keep "
            "its header"
        ),
    ),
    (
        re.compile(r"^the file is for the module (\S+), not (\S+)$"),
        lambda tr, m: tr._("the file is for the module {module}", module=m[1]),
    ),
    (
        re.compile(r"^the file is for (\S+), not (\S+)$"),
        lambda tr, m: tr._("the file is for the language {language}", language=m[1]),
    ),
    (re.compile(r"^the text appears twice$"), lambda tr, m: tr._("the text appears twice")),
    (
        re.compile(r"^not translated: the current text stays$"),
        lambda tr, m: tr._("not translated: the current text stays"),
    ),
    (
        re.compile(r"^the English text changed since the file was made"),
        lambda tr, m: tr._(
            "the English text changed since the file was made: the translation is taken and "
            "marked as needing review"
        ),
    ),
    (
        re.compile(r"^unknown language sheet$"),
        lambda tr, m: tr._("there is no such language: the sheet's name was changed"),
    ),
    (
        re.compile(r"^options of (\d+) to (\d+) characters"),
        lambda tr, m: tr._(
            "the options have {low} to {high} characters: the longest may be at most twice "
            "as long as the shortest",
            low=int(m[1]),
            high=int(m[2]),
        ),
    ),
    (
        re.compile(r"^the correct option is strictly the longest in (\d+)/(\d+) questions"),
        lambda tr, m: tr._(
            "the right answer is the longest option in {count} of {total} questions (at most "
            "a third may be)",
            count=int(m[1]),
            total=int(m[2]),
        ),
    ),
)
"""The content rules' messages (``bot.content``, in English for developers) as editors read
them; a message not listed here is shown as it is."""


def problem_message(tr: Translator, message: str) -> str:
    for pattern, say in MESSAGES:
        found = pattern.match(message)
        if found:
            return say(tr, found)
    return html.escape(message, quote=False)


def problem_line(tr: Translator, problem: Problem) -> str:
    where = problem.file if "!" in problem.file else f"{problem.file} · {problem.field}"
    return tr._(
        "• <code>{where}</code>: {problem}",
        where=where,
        problem=Html(problem_message(tr, problem.message)),
    )


def problems_text(tr: Translator, problems: tuple[Problem, ...]) -> str:
    lines = [
        tr.ngettext(
            "The workbook has {n} problem. Nothing was changed; fix it and send the file again:",
            "The workbook has {n} problems. Nothing was changed; fix them and send the file again:",
            len(problems),
        ),
        "",
    ]
    lines += [problem_line(tr, problem) for problem in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(tr._("… and {count} more", count=len(problems) - MAX_PROBLEMS))
    return "\n".join(lines)


def error_text(tr: Translator, error: ContentVersionError, languages: str) -> str:
    """A refused workbook, publish or preview (``languages``: the editor's, by name)."""
    match error.reason:
        case Reason.INVALID:
            return problems_text(tr, error.problems)
        case Reason.LANGUAGE_NOT_ALLOWED:
            return tr._(
                "You may change only these languages: {languages}. Cell <code>{cell}</code> "
                "changes another one. Nothing was changed.",
                languages=languages,
                cell=error.value or "",
            )
        case Reason.BAD_FILE:
            return tr._("This file is not a module's workbook. Get one with /content.")
        case Reason.UNCHANGED:
            return tr._("The workbook changes nothing: there is no new draft.")
        case Reason.NO_DRAFT:
            return tr._("There is no draft of this module (it may have been published already).")
        case Reason.NOT_FOUND:
            return tr._("The bot has no module “{module}”.", module=html.escape(error.value or ""))
        case _:
            return tr._("That did not work.")
