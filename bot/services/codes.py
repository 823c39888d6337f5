"""Codes that people type from a screen or a sheet of paper (check-in codes, certificate
codes): what they type is made comparable with what was shown."""

from __future__ import annotations

import unicodedata

LOOKALIKES = str.maketrans(
    {
        # Cyrillic capitals (after upper-casing) that look like a Latin capital or a digit:
        # a phone set to Serbian or Macedonian offers them first.
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "Ј": "J",
        "Ѕ": "S",
        "З": "3",
        # Greek capitals, for good measure.
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
    }
)


def typed_code(text: str) -> str:
    """A typed code as it was shown: full-width forms folded (NFKC), upper case, look-alike
    Cyrillic and Greek capitals as Latin, and spaces, punctuation and invisible characters
    dropped. Whether the result is a valid code is for the caller to say."""
    text = unicodedata.normalize("NFKC", text).upper().translate(LOOKALIKES)
    return "".join(char for char in text if unicodedata.category(char)[0] not in ("Z", "P", "C"))
