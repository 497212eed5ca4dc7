"""How text becomes words, the same way for what is indexed and what is asked. No I/O here.

Folding: Unicode NFKD, combining marks dropped, case folded ("Amélie" -> "amelie", "ß" ->
"ss"). Words are runs of letters and digits; an apostrophe inside a word joins it ("d'amelie"
-> "damelie", "o'brien" -> "obrien"). A few phrases are one concept (the synonym table), written
the same way on both sides so either spelling finds the other. Roman numerals II-XX and the
digits 1-20 are one word each way ("Rocky II" is found by "rocky 2"): the index keeps the other
spelling as an alias at the same position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})

# One canonical spelling per concept, applied to indexed and asked text alike (whole words).
SYNONYMS: dict[str, str] = {
    "sci-fi": "science fiction",
    "sci fi": "science fiction",
    "scifi": "science fiction",
    "sf": "science fiction",
    "rom-com": "romantic comedy",
    "romcom": "romantic comedy",
    "rom com": "romantic comedy",
    "doc": "documentary",
    "docs": "documentary",
    "documentaries": "documentary",
    "anime": "animation",
    "cartoon": "animation",
    "cartoons": "animation",
    "tv show": "series",
    "tv series": "series",
    "mr": "mister",
    "mr.": "mister",
    "dr": "doctor",
    "dr.": "doctor",
    "st": "saint",
    "&": "and",
}
_SYNONYM = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(SYNONYMS, key=len, reverse=True)) + r")(?![\w-])"
)

# Words a query need not match (they still count for proximity and exactness when they do).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "from",
        "by",
        "is",
        "it",
        "its",
        "la",
        "le",
        "les",
        "el",
        "los",
        "las",
        "de",
        "du",
        "des",
        "der",
        "die",
        "das",
    ]
)

_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
ROMAN_TO_NUMBER: dict[str, str] = {
    **{numeral: str(value) for value, numeral in enumerate(_ROMAN, start=1)},
    **{"x" + numeral: str(10 + value) for value, numeral in enumerate(_ROMAN, start=1)},
}
NUMBER_TO_ROMAN: dict[str, str] = {number: numeral for numeral, number in ROMAN_TO_NUMBER.items()}


def fold(text: str) -> str:
    """Lower case, no accents, compatibility forms unified ("ﬁ" -> "fi", full-width -> ASCII)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def canonical(folded: str) -> str:
    """Synonym phrases written their one way (on folded text)."""
    return _SYNONYM.sub(lambda match: SYNONYMS[match.group(1)], folded)


def words(text: str) -> list[str]:
    """The words of `text`, folded and canonical: what the index stores and a query asks."""
    return [word.replace("'", "") for word in _WORD.findall(canonical(fold(text)))]


def alias(word: str) -> str | None:
    """The other spelling of a numeral (roman <-> digits), or None."""
    return ROMAN_TO_NUMBER.get(word) or NUMBER_TO_ROMAN.get(word)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    word: str  # folded


def spans(text: str) -> list[Span]:
    """The words of `text` with their character offsets in it (for highlighting); no synonyms,
    so offsets stay those of the original."""
    found = []
    for match in _WORD.finditer(text.translate(_APOSTROPHES)):
        found.append(Span(match.start(), match.end(), fold(match.group()).replace("'", "")))
    return found


def max_typos(word: str) -> int:
    """Typesense's rule: one typo from 4 letters, two from 7."""
    if len(word) >= 7:
        return 2
    if len(word) >= 4:
        return 1
    return 0
