"""Words as people type them, and the lexicon of what they stand for.

The index (`tmkfacts.db`) splits, folds and stems words itself, with FTS5's porter tokenizer;
this module only folds words as typed (case, accents and apostrophes do not matter), finds
them in a text to highlight them, and reads the lexicon (lexicon.toml): which words are
synonyms, which chemical symbols and countries name what, and which words are too common to
search for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

_APOSTROPHES = "'’‘ʻʼ`´"  # noqa: RUF001  # the apostrophes people and sources type
#: A word as the index splits text: letters and digits; apostrophes and dots split words.
WORD = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """A word without case, accents or apostrophes: `Tashként` -> `tashkent`, `TMK's` -> `tmks`."""
    if word.isascii():  # most words: no accents to strip
        return word.lower().replace("'", "").replace("`", "")
    import unicodedata  # only for words with accents: most searches have none

    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in _APOSTROPHES)


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """The words of a text as (start, end, folded word), split as the index splits them."""
    for match in WORD.finditer(text):
        yield match.start(), match.end(), fold(match.group())


def spans(text: str, wanted: Iterable[str]) -> list[tuple[int, int]]:
    """Where in text the words are (folded), as (start, end) pairs: for highlighting them."""
    chosen = set(wanted)
    return [(start, end) for start, end, word in words(text) if word in chosen]


class Lexicon(NamedTuple):
    """Domain knowledge for search, as lexicon.toml writes it."""

    stopwords: tuple[str, ...]
    synonyms: tuple[tuple[str, ...], ...]
    symbols: dict[str, str]
    countries: dict[str, tuple[str, ...]]


@cache
def read_lexicon() -> Lexicon:
    """The lexicon shipped with tmkfacts, read once; the database keeps it split and stemmed."""
    import tomli

    text = (Path(__file__).parent / "lexicon.toml").read_text(encoding="utf-8")
    data = tomli.loads(text)
    return Lexicon(
        tuple(fold(word) for word in data["stopwords"]),
        tuple(tuple(group["terms"]) for group in data["synonyms"]),
        dict(data["symbols"]),
        {country: tuple(names) for country, names in data["countries"].items()},
    )


def country_named(name: str) -> str | None:
    """The ISO code of a country the lexicon names (`China`, `Chinese`), any case; else None."""
    wanted = " ".join(name.casefold().split())
    for code, names in read_lexicon().countries.items():
        if any(wanted == each.casefold() for each in names):
            return code
    return None
