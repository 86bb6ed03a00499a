"""Words as search compares them: folded, stemmed, and the lexicon of what they stand for.

Words are compared folded: case, accents and apostrophes do not matter, and common English
endings are cut, so `exported` and `exports` are one word. The lexicon (lexicon.toml) says which
words are synonyms, which chemical symbols and countries name what, and which words are too
common to search for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

_APOSTROPHES = "'’‘ʻʼ`´"  # noqa: RUF001  # the apostrophes people and sources type
TOKEN = re.compile(rf"\d+(?:[.,]\d+)+|[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*")


# --- words ------------------------------------------------------------------------------------


def fold(word: str) -> str:
    """A word without case, accents or apostrophes: `Tashként` -> `tashkent`, `TMK's` -> `tmks`."""
    if word.isascii():  # most words: no accents to strip
        return word.lower().replace("'", "").replace("`", "")
    import unicodedata  # only for words with accents: most searches have none

    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in _APOSTROPHES)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The common root of a folded word's English forms: exports, exported, exporting -> export.

    Steps 1a, 1b and 5a of Porter's algorithm: plurals, -ed and -ing, and a final e, and no
    more, so stems stay recognisable and unlike words stay apart.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    elif word.endswith("ed") and _has_vowel(word[:-2]):
        word = _after_suffix(word[:-2])
    elif word.endswith("ing") and _has_vowel(word[:-3]):
        word = _after_suffix(word[:-3])
    if word.endswith("e") and len(word) > 3:
        root = word[:-1]
        if _measure(root) > 1 or (_measure(root) == 1 and not _cvc(root)):
            word = root
    return word


def _consonant(word: str, i: int) -> bool:
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0 or not _consonant(word, i - 1)
    return True


def _measure(word: str) -> int:
    """Porter's m: how many vowel-consonant sequences the word has."""
    pattern = "".join("c" if _consonant(word, i) else "v" for i in range(len(word)))
    return pattern.count("vc")


def _has_vowel(word: str) -> bool:
    return any(not _consonant(word, i) for i in range(len(word)))


def _cvc(word: str) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y: hop, mine (before the e)."""
    return (
        len(word) >= 3
        and _consonant(word, -3 + len(word))
        and not _consonant(word, -2 + len(word))
        and _consonant(word, len(word) - 1)
        and word[-1] not in "wxy"
    )


def _after_suffix(word: str) -> str:
    """Mend a root once -ed or -ing is gone: hoped -> hope, shipped -> ship, mining -> mine."""
    if word.endswith(("at", "bl", "iz")):
        return word + "e"
    if len(word) > 1 and word[-1] == word[-2] and _consonant(word, len(word) - 1):
        return word if word[-1] in "lsz" else word[:-1]
    if _measure(word) == 1 and _cvc(word):
        return word + "e"
    return word


def tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """The words of a text as (start, end, stem): numbers such as 21.3 stay whole."""
    for match in TOKEN.finditer(text):
        _, word = folded(match.group())
        if word:
            yield match.start(), match.end(), word


@lru_cache(maxsize=65536)
def folded(raw: str) -> tuple[str, str]:
    """A word as written, folded and stemmed; the same few thousand words recur in a base."""
    word = fold(raw)
    return word, stem(word)


def stems(text: str) -> list[str]:
    """The stems of a text's words, in order."""
    return [word for _, _, word in tokens(text)]


def spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where in text the words with these stems are, as (start, end) pairs: for highlighting."""
    wanted = set(words)
    return [(start, end) for start, end, word in tokens(text) if word in wanted]


# --- the lexicon: synonyms, symbols, countries, stop words ------------------------------------


class Lexicon(NamedTuple):
    """Domain knowledge for search, read from lexicon.toml: every phrase as a tuple of stems."""

    stopwords: frozenset[str]
    synonyms: tuple[tuple[tuple[str, ...], ...], ...]
    symbols: dict[str, tuple[str, ...]]
    countries: dict[str, tuple[tuple[str, ...], ...]]
    words: frozenset[str]  # every word of the synonyms and country names: none is a typo


@cache
def lexicon() -> Lexicon:
    """The lexicon shipped with tmkfacts, read once and then kept in the cache."""
    from tmkfacts import cache as kept

    data = (Path(__file__).parent / "lexicon.toml").read_bytes()
    entry = kept.key([("lexicon.toml", data)])
    return Lexicon(*kept.remembered("lexicon", entry, _read_lexicon, tuple))


def _read_lexicon() -> tuple[object, ...]:
    """The lexicon's fields, in order: plain data, which the cache keeps by marshal."""
    import tomli  # only when the cache does not hold the lexicon

    text = (Path(__file__).parent / "lexicon.toml").read_text(encoding="utf-8")
    data = tomli.loads(text)

    def phrase(words: str) -> tuple[str, ...]:
        return tuple(stems(words))

    synonyms = tuple(tuple(phrase(term) for term in group["terms"]) for group in data["synonyms"])
    countries = {
        country: (*(phrase(name) for name in names), (country_word(country),))
        for country, names in data["countries"].items()
    }
    groups = (*synonyms, *countries.values())
    return (
        frozenset(fold(word) for word in data["stopwords"]),
        synonyms,
        {symbol: phrase(name) for symbol, name in data["symbols"].items()},
        countries,
        frozenset(word for group in groups for each in group for word in each),
    )


def country_names(country: str) -> tuple[tuple[str, ...], ...]:
    """The phrases that find a country: its names and demonyms, and its code as indexed."""
    return lexicon().countries.get(country, ((country_word(country),),))


def country_word(country: str) -> str:
    """A country code as the index holds it for the entities based there; no word looks so."""
    return f"@{country.casefold()}"
