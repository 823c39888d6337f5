"""Serbian Latin (Gaj's alphabet) to Serbian Cyrillic, safe for bot texts.

The Serbian Cyrillic catalogue falls back to transliterated Serbian Latin, and
those texts are not plain prose: they carry Telegram HTML, Python placeholders,
links, commands and technical names. :func:`latin_to_cyrillic` therefore only
converts ordinary words and leaves everything else exactly as it was.

What is left untouched, byte for byte:

* ``<code>…</code>`` blocks, with everything inside them;
* HTML tags, attribute values included (``<a href="https://…">``);
* HTML entities (``&amp;``, ``&#123;``, ``&#x1F600;``);
* URLs (``https://…``, ``www.…``, ``mailto:…``), bare domains and file names
  with a known ending (``europa.eu``, ``izvestaj.pdf``), e-mail addresses;
* ``str.format`` placeholders (``{name}``, ``{count:d}``) and the ``{{``/``}}``
  escapes, ``%``-style placeholders (``%s``, ``%(count)d``, ``%%``);
* bot commands (``/start``, ``/mydata@kapacitet_bot``) and ``@usernames``;
* words that are not Serbian: any word with a Latin letter outside Gaj's
  alphabet (q, w, x, y, é, ü, …), words with an underscore (identifiers),
  the Roman numerals II, III, IV, VII and VIII, and the tokens in
  :data:`KEEP_LATIN`. A Serbian case ending after a hyphen is still converted:
  ``PDF-a`` gives ``PDF-а``.

Known limits: a lone ``I``, ``V`` or ``VI`` is read as a Serbian word (``и``,
``в``, ``ви``), not as a Roman numeral; a hyphenated compound with a foreign
part stays Latin as a whole (``YouTube-kanal``); the two-letter exceptions
below are matched at the start of a word only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import partial

__all__ = ["KEEP_LATIN", "latin_to_cyrillic"]

# Serbian Cyrillic typography keeps technical acronyms, file formats and brand
# names in Latin script ("PDF", "JSON", "Google") instead of spelling them out
# letter by letter ("ПДФ") or garbling them ("Гоогле"). Acronyms that Serbian
# writes in Cyrillic (ЕУ, НАТО, УН) and names that transliterate correctly
# (Телеграм, Инстаграм) are deliberately absent. Matched case-insensitively,
# on the whole word or hyphenated compound.
KEEP_LATIN: frozenset[str] = frozenset(
    {
        # technical acronyms and formats
        "2FA",
        "API",
        "CERT",
        "COM",
        "CSV",
        "DOCX",
        "GDPR",
        "HTML",
        "HTTP",
        "HTTPS",
        "ID",
        "IP",
        "IT",
        "JSON",
        "NIST",
        "SP",
        "NFC",
        "FIDO",
        "SIM",
        "ENISA",
        "OSCE",
        "PDF",
        "QR",
        "SMS",
        "UNODC",
        "URL",
        "USB",
        "VPN",
        "XLSX",
        # brand names and loanwords that a letter-by-letter reading garbles
        "Android",
        "Apple",
        "Chrome",
        "e-mail",
        "email",
        "Facebook",
        "GitHub",
        "Gmail",
        "Google",
        "iOS",
        "iPhone",
        "LinkedIn",
        "Microsoft",
        "offline",
        "online",
        "Outlook",
        "Viber",
        "Zoom",
    }
)
_KEEP_FOLDED = frozenset(token.casefold() for token in KEEP_LATIN)

# Roman numerals are written with Latin letters in Cyrillic text too. Those
# with an X are kept anyway (foreign letter); "I", "V" and "VI" are left out
# because they are also the Serbian words "i", "v" and "vi" (in capitals).
_ROMAN_NUMERALS = frozenset({"II", "III", "IV", "VII", "VIII"})

# Case endings that Serbian attaches with a hyphen to a word kept in Latin:
# "PDF-a", "SMS-om", "Wi-Fi-ja". These are converted although the word is not.
_CASE_ENDINGS = frozenset(
    {"a", "e", "i", "u", "om", "em", "ima", "ja", "je", "ji", "ju", "jem", "jom"}
    | {"ov", "ova", "ove", "ovi", "ovu", "ovima", "ovog", "ovom"}
)

# Where "lj", "nj" or "dž" are two letters, not one: a prefix ending in d/n
# (nad-, od-, pod-, in-, kon-, van-) meets a root beginning with ž/j. Gaj's
# spelling cannot show the boundary, Cyrillic must ("надживети", not
# "наџивети"), so these word beginnings are converted letter by letter. Each
# entry is the shortest beginning that is safe; all forms of the word follow
# (nadživeti, nadživjeti, nadživljavati, ...). Matched on the start of the
# word, case-insensitively, with the word's own letter case kept.
_TWO_LETTER_STEMS: tuple[str, ...] = (
    "nadž",  # nadživeti/nadživjeti, nadžnjeti, nadžupan
    "odž",  # odžaliti, odžvakati
    "podž",  # podžanr, podžupan, podželudačni
    "predž",  # predžetveni
    "injek",  # injekcija, injektor
    "injunk",  # injunkcija
    "konjug",  # konjugacija, konjugovati
    "konjunk",  # konjunkcija, konjunktura, konjunktiv
    "vanjez",  # vanjezički
)
# Words that start like an exception but do have the single letter џ.
_REAL_DZ_STEMS: tuple[str, ...] = (
    "nadžak",  # наџак (a war hammer)
    "odžak",  # оџак (chimney), odžaka, odžaku
    "odžac",  # оџаци
    "odžač",  # оџачар
)

_LETTERS: dict[str, str] = {
    "a": "а",
    "b": "б",
    "c": "ц",
    "č": "ч",
    "ć": "ћ",
    "d": "д",
    "đ": "ђ",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "ј",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    # Montenegrin: no precomposed Cyrillic letters exist, so base + U+0301.
    "ś": "с\u0301",
    "š": "ш",
    "t": "т",
    "u": "у",
    "v": "в",
    "z": "з",
    "ź": "з\u0301",
    "ž": "ж",
}
_LETTERS.update({latin.upper(): cyrillic.upper() for latin, cyrillic in list(_LETTERS.items())})
# Unicode's single-code-point digraphs (compatibility characters, which NFC
# keeps): lower, title and upper case.
_LETTERS.update(
    {
        "ǉ": "љ",
        "ǈ": "Љ",
        "Ǉ": "Љ",
        "ǌ": "њ",
        "ǋ": "Њ",
        "Ǌ": "Њ",
        "ǆ": "џ",
        "ǅ": "Џ",
        "Ǆ": "Џ",
    }
)

_DIGRAPHS: dict[str, str] = {"lj": "љ", "nj": "њ", "dž": "џ"}
_GAJ_LATIN = frozenset(_LETTERS)

# Leftmost match wins, and among alternatives starting at the same place the
# first listed wins: <code> blocks before plain tags, e-mails before @names.
_PROTECTED = re.compile(
    r"""
      <code\b[^>]*>.*?</code\s*>                      # code block, kept whole
    | </?[a-z][\w-]*(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?>  # HTML tag
    | &(?:[a-z][a-z0-9]*|\#[0-9]+|\#x[0-9a-f]+);       # HTML entity
    | (?:https?|ftp|tg)://[^\s<>"]+                    # URL
    | (?:www\.|mailto:)[^\s<>"]+
    | (?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+  # e-mail address
    | (?<![\w@.-])(?:[\w-]+\.)+                        # bare domain or file name
      (?:com|org|net|info|io|eu|int|gov|edu|rs|me|ba|hr|mk|al|xk
        |pdf|csv|xlsx|xls|docx|doc|json|txt|zip|png|jpe?g)\b
      (?:/[^\s<>"]*)?
    | \{\{ | \}\}                                      # escaped braces
    | \{[^{}\s]*\}                                     # {name}, {count:d}, {}
    | %(?:\([^()\s]*\))?[\#0+-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxefgcrsa%]  # %s, %(n)d
    | (?<![\w/])/[a-z][a-z0-9_]*(?:@[a-z0-9_]+)?       # /command, /command@bot
    | (?<![\w@.])@[a-z0-9_]+                           # @username
    | (?<![\w-])(?=[\w-]*\d)(?=[\w-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)+\b  # 800-63B, COM-2020
    """,
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)

# A word: letters, digits, underscores and combining marks, optionally joined
# by hyphens or apostrophes into a compound ("Wi-Fi", "PDF-a", "rek'o").
_WORD = re.compile(r"[\w\u0300-\u036f]+(?:[-'’][\w\u0300-\u036f]+)*")
_JOINER = re.compile(r"([-'’])")


def latin_to_cyrillic(text: str, keep: Iterable[str] = ()) -> str:
    """Convert Serbian Latin ``text`` to Serbian Cyrillic, keeping markup intact.

    Text outside the protected spans (see the module docstring) is normalised
    to NFC and converted word by word; Cyrillic and all other characters pass
    through unchanged, so converting Cyrillic text again changes nothing.
    ``keep`` adds names written in Latin letters in Serbian Cyrillic text too
    (a content module's ``latin_terms``: "e-Albania", "Aegis"), matched like
    :data:`KEEP_LATIN`, case-insensitively, on the whole word or compound.
    """
    kept = _KEEP_FOLDED | frozenset(token.casefold() for token in keep)
    convert = partial(_convert_compound, kept=kept)
    parts: list[str] = []
    position = 0
    for match in _PROTECTED.finditer(text):
        parts.append(_convert_plain(text[position : match.start()], convert))
        parts.append(match.group())
        position = match.end()
    parts.append(_convert_plain(text[position:], convert))
    return "".join(parts)


def _convert_plain(text: str, convert: Callable[[re.Match[str]], str]) -> str:
    if not text:
        return text
    return _WORD.sub(convert, unicodedata.normalize("NFC", text))


def _convert_compound(match: re.Match[str], kept: frozenset[str] = _KEEP_FOLDED) -> str:
    compound = match.group()
    pieces = _JOINER.split(compound)  # words at even indexes, joiners at odd
    ending = ""
    if len(pieces) >= 3 and pieces[-2] == "-" and pieces[-1] in _CASE_ENDINGS:
        ending = "-" + _convert_word(pieces[-1])
        pieces = pieces[:-2]
    body = "".join(pieces)
    if body.casefold() in kept or any(_is_not_serbian(word) for word in pieces[::2]):
        return body + ending
    return "".join(_convert_word(piece) for piece in pieces) + ending


def _is_not_serbian(word: str) -> bool:
    if "_" in word or word.casefold() in _KEEP_FOLDED or word in _ROMAN_NUMERALS:
        return True
    return any(
        char not in _GAJ_LATIN and char.isalpha() and unicodedata.name(char, "").startswith("LATIN")
        for char in word
    )


def _convert_word(word: str) -> str:
    lower = word.lower()
    split = 0
    if len(lower) == len(word) and not lower.startswith(_REAL_DZ_STEMS):
        split = next((len(stem) for stem in _TWO_LETTER_STEMS if lower.startswith(stem)), 0)
    return _convert_letters(word[:split], digraphs=False) + _convert_letters(word[split:])


def _convert_letters(word: str, *, digraphs: bool = True) -> str:
    out: list[str] = []
    index = 0
    while index < len(word):
        pair = word[index : index + 2]
        # "lj", "Lj" and "LJ" are one letter; "lJ" or "dŽ" (camel case, as in
        # "poredŽivota") are two.
        if digraphs and pair.lower() in _DIGRAPHS and not (pair[0].islower() and pair[1].isupper()):
            cyrillic = _DIGRAPHS[pair.lower()]
            out.append(cyrillic.upper() if pair[0].isupper() else cyrillic)
            index += 2
            continue
        out.append(_LETTERS.get(word[index], word[index]))
        index += 1
    return "".join(out)
