"""Full-text search of a fact base: what people type, turned into the facts they mean.

A query is words, "quoted phrases", -excluded words and field filters (kind:membership,
date:2025Q1, ...). Words are compared folded: case, accents, apostrophes and common English
endings do not matter, so `exported` finds `exports`. A word also stands for its synonyms, and
a country's name, demonym or capitalised ISO code for the entities based there (see
lexicon.toml). A word the fact base does not know is read as the start of a longer word
(`rhen`) or, failing that, as a typo of the closest word it knows (`rhenim`).

Every word must match (AND). Facts are ranked by BM25F: a word counts more in the title and
in the names of the fact's entities than in its text, more when rare in the base, and less in
a long fact. Pure functions over a FactBase, like the rest of the core.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

from tmkfacts.errors import QueryError, known_hint
from tmkfacts.model import COUNTRIES, Entity, Fact, FactBase, Figure, PartialDate
from tmkfacts.query import Filter, date_key, explain_miss, select

#: How much a word counts in each field of a fact: headlines and names weigh most.
WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "names": 2.0,
    "topics": 2.0,
    "text": 1.0,
    "kind": 3.0,
    "country": 2.0,
    "date": 0.5,
    "id": 0.5,
}

#: Fields of what a fact says, whose length counts against it; the others describe it.
_CONTENT = ("title", "names", "topics", "text")

#: The field filters a query may hold, as `name:value`.
FIELDS = ("kind", "entity", "material", "tag", "country", "date", "after", "before")

_K1, _B = 2.0, 0.3  # facts are short and alike in length, so length says little
_APOSTROPHES = "'’‘ʻʼ`´"  # noqa: RUF001  # the apostrophes people and sources type
_TOKEN = re.compile(rf"\d+(?:[.,]\d+)+|[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*")
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_FILTER = re.compile(r"(-?)([A-Za-z]+):(.*)", re.DOTALL)
_QUARTER = re.compile(r"(\d{4})-?([QqHh])(\d)")
_MONTHS = (
    "january february march april may june july august september october november december"
).split()


# --- words ------------------------------------------------------------------------------------


def fold(word: str) -> str:
    """A word without case, accents or apostrophes: `Tashként` -> `tashkent`, `TMK's` -> `tmks`."""
    if word.isascii():  # most words: no accents to strip
        return word.lower().replace("'", "").replace("`", "")
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
    for match in _TOKEN.finditer(text):
        _, word = _folded(match.group())
        if word:
            yield match.start(), match.end(), word


@lru_cache(maxsize=65536)
def _folded(raw: str) -> tuple[str, str]:
    """A word as written, folded and stemmed; the same few thousand words recur in a base."""
    folded = fold(raw)
    return folded, stem(folded)


def stems(text: str) -> list[str]:
    """The stems of a text's words, in order."""
    return [word for _, _, word in tokens(text)]


def spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where in text the words with these stems are, as (start, end) pairs: for highlighting."""
    wanted = set(words)
    return [(start, end) for start, end, word in tokens(text) if word in wanted]


# --- the lexicon: synonyms, symbols, countries, stop words ------------------------------------


@dataclass(frozen=True, slots=True)
class Lexicon:
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
    return kept.remembered("lexicon", kept.key([("lexicon.toml", data)]), _read_lexicon, Lexicon)


def _read_lexicon() -> Lexicon:
    import tomli  # only when the cache does not hold the lexicon

    text = (Path(__file__).parent / "lexicon.toml").read_text(encoding="utf-8")
    data = tomli.loads(text)

    def phrase(words: str) -> tuple[str, ...]:
        return tuple(stems(words))

    synonyms = tuple(tuple(phrase(term) for term in group["terms"]) for group in data["synonyms"])
    countries = {
        code: (*(phrase(name) for name in names), (_code(code),))
        for code, names in data["countries"].items()
    }
    groups = (*synonyms, *countries.values())
    return Lexicon(
        stopwords=frozenset(fold(word) for word in data["stopwords"]),
        synonyms=synonyms,
        symbols={symbol: phrase(name) for symbol, name in data["symbols"].items()},
        countries=countries,
        words=frozenset(word for group in groups for each in group for word in each),
    )


def country_names(code: str) -> tuple[tuple[str, ...], ...]:
    """The phrases that find a country: its names and demonyms, and its code as indexed."""
    return lexicon().countries.get(code, ((_code(code),),))


def _code(country: str) -> str:
    """A country code as the index holds it for the entities based there; no word looks so."""
    return f"@{country.casefold()}"


# --- the index --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Doc:
    fields: dict[str, list[str]]  # field name -> stems in order
    weighted: dict[str, float]  # stem -> weighted count over all fields
    length: float


@dataclass(frozen=True, slots=True)
class Index:
    """Each fact's words by field, and which facts hold each word."""

    facts: tuple[Fact, ...]
    docs: tuple[_Doc, ...]
    postings: dict[str, set[int]]
    surface: dict[str, str]  # stem -> the first word seen with that stem, to show people
    spellings: dict[str, str]  # every folded word seen -> its stem, to mend typos against
    average_length: float
    names: tuple[tuple[tuple[str, ...], ...], ...]  # each entity's id and names, as phrases


def index(base: FactBase) -> Index:
    """The search index of a fact base, built once per base and kept while it is in use."""
    cached = _INDEXES.get(id(base))
    if cached is not None and cached[0] is base:
        return cached[1]
    from tmkfacts import cache

    # The cache keeps the index without the facts, which the base already holds.
    kept = cache.remembered("index", base.digest, lambda: replace(_build(base), facts=()), Index)
    built = replace(kept, facts=base.facts)
    _INDEXES.clear()
    _INDEXES[id(base)] = (base, built)
    return built


_INDEXES: dict[int, tuple[FactBase, Index]] = {}


def _build(base: FactBase) -> Index:
    docs = []
    postings: dict[str, set[int]] = {}
    surface: dict[str, str] = {}
    spellings: dict[str, str] = {}

    def words_of(text: str) -> list[str]:
        found = []
        for raw in _TOKEN.findall(text):
            folded, word = _folded(raw)
            if word:
                found.append(word)
                if folded not in spellings:
                    surface.setdefault(word, folded)
                    spellings[folded] = word
        return found

    by_entity = {entity.id: words_of(_entity_text(base, entity)) for entity in base.entities}
    for number, fact in enumerate(base.facts):
        fields: dict[str, list[str]] = {name: [] for name in WEIGHTS}
        for name, text in _fields(fact):
            fields[name].extend(words_of(text))
        for entity_id in fact.entities:
            fields["names"].extend(by_entity[entity_id])
            if country := base.entity(entity_id).country:
                fields["country"].append(_code(country))
        weighted: dict[str, float] = {}
        for name, words in fields.items():
            for word in words:
                weighted[word] = weighted.get(word, 0.0) + WEIGHTS[name]
                postings.setdefault(word, set()).add(number)
        length = sum(WEIGHTS[name] * len(fields[name]) for name in _CONTENT)
        docs.append(_Doc(fields, weighted, length))
    average = sum(doc.length for doc in docs) / len(docs) if docs else 1.0
    names = tuple(
        tuple(dict.fromkeys(tuple(stems(name)) for name in (entity.id, *entity.names)))
        for entity in base.entities
    )
    return Index(base.facts, tuple(docs), postings, surface, spellings, average or 1.0, names)


def _fields(fact: Fact) -> Iterator[tuple[str, str]]:
    """The text of each field of a fact, as search sees it, but for its entities."""
    yield "title", fact.title
    yield "text", fact.text
    if fact.place:
        yield "text", fact.place
    for figure in fact.figures:
        yield "text", " ".join(str(part) for part in _figure_parts(figure) if part is not None)
    yield "kind", fact.kind
    yield "topics", " ".join((*fact.materials, *fact.tags))
    yield "id", fact.id
    yield "date", str(fact.date.year)
    if fact.date.month:
        yield "date", _MONTHS[fact.date.month - 1]


def _entity_text(base: FactBase, entity: Entity) -> str:
    """What an entity adds to the names field of its facts: ids, names, relations, parents'.

    A parent's names find its subsidiary's facts: Chinalco finds Chalieco's contract.
    """
    parts = [entity.id, *entity.names, *entity.relations]
    parent = entity.parent
    while parent is not None:
        parts.extend(base.entity(parent).names)
        parent = base.entity(parent).parent
    return "\n".join(parts)


def _figure_parts(figure: Figure) -> tuple[object, ...]:
    return tuple(
        getattr(figure, name)
        for name in ("metric", "value", "unit", "scale", "period", "change_pct", "qualifier")
    )


# --- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a query asks for: any of its phrases.

    `exact` is the phrase as typed, when the others are its synonyms or other names: it counts
    twice, so a fact that says what was typed comes before one that says it in other words.
    """

    label: str
    phrases: tuple[tuple[str, ...], ...]
    exact: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the terms that must match, those that must not, and field filters."""

    terms: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    where: Filter = field(default_factory=Filter)
    not_where: tuple[Filter, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()


#: The longest query searched; a longer one is almost certainly a mistake, and slow to mend.
MAX_QUERY = 1000


def parse(base: FactBase, text: str) -> Query:
    """Parse a query against the words of a base; QueryError for a malformed one."""
    if len(text) > MAX_QUERY:
        message = f"the query is {len(text):,} characters long; at most {MAX_QUERY:,} are searched"
        raise QueryError(message)
    words: list[str] = []
    phrases: list[Term] = []
    excluded: list[Term] = []
    where, not_where = Filter(), []
    for match in _PART.finditer(text):
        negated, quoted, bare = match.group(1) == "-", match.group(2), match.group(3)
        if quoted is not None:
            term = Term(quoted.strip(), (tuple(stems(quoted)),))
            if term.phrases[0]:
                (excluded if negated else phrases).append(term)
            continue
        if (found := _FILTER.fullmatch(bare)) is not None:
            name, value, negative = found[2].casefold(), found[3], found[1] == "-"
            if name in FIELDS:
                condition = _filter(name, value)
                if negative:
                    not_where.append(condition)
                else:
                    where = _both(where, condition)
                continue
            hint = known_hint(name, FIELDS)
            message = f"unknown field '{name}:'{hint}; put text with ':' in quotes to search it"
            raise QueryError(message)
        if bare.startswith("-") and len(bare) > 1:
            excluded.extend(_terms(base, [bare[1:]], keep_stopwords=True)[0])
        else:
            words.append(bare)
    terms, corrections = _terms(base, words, keep_stopwords=not (phrases or excluded))
    if not terms and not phrases and not excluded and where == Filter() and not not_where:
        raise QueryError("give at least one word to search for")
    return Query((*terms, *phrases), tuple(excluded), where, tuple(not_where), tuple(corrections))


def _terms(
    base: FactBase, words: Sequence[str], *, keep_stopwords: bool
) -> tuple[list[Term], list[tuple[str, str]]]:
    """Bare words as terms: symbols and country codes, typos mended, synonyms, single words."""
    known = lexicon()
    vocabulary = index(base)
    units: list[tuple[str, str]] = []  # (as typed, stem); a symbol or code has no stem
    for word in words:
        if word in known.symbols or (word in COUNTRIES and word.isupper()):
            units.append((word, ""))
        else:
            units.extend((word[start:end], found) for start, end, found in tokens(word))
    content = [unit for unit in units if unit[1] not in known.stopwords]
    if content or not keep_stopwords:
        units = content
    corrections: list[tuple[str, str]] = []
    for position, (typed, word_stem) in enumerate(units):
        if word_stem and word_stem not in known.words and not _forms(vocabulary, word_stem):
            fixed = _closest(vocabulary, fold(typed))
            if fixed is not None:
                units[position] = (fixed, vocabulary.spellings[fixed])
                corrections.append((fold(typed), fixed))
    terms: list[Term] = []
    position = 0
    while position < len(units):
        typed, word_stem = units[position]
        if not word_stem:
            terms.append(_symbol(typed))
            position += 1
            continue
        group, length = _synonyms(vocabulary, [unit[1] for unit in units[position:]])
        if group:
            typed_units = units[position : position + length]
            label = " ".join(fold(unit[0]) for unit in typed_units)
            terms.append(Term(label, group, exact=tuple(unit[1] for unit in typed_units)))
            position += length
            continue
        terms.append(Term(fold(typed), tuple((form,) for form in _forms(vocabulary, word_stem))))
        position += 1
    return terms, corrections


def _symbol(typed: str) -> Term:
    known = lexicon()
    if typed in known.symbols:
        return Term(typed, (known.symbols[typed],))
    return Term(typed, country_names(typed))  # a country code in capitals


def _synonyms(
    vocabulary: Index, following: Sequence[str]
) -> tuple[tuple[tuple[str, ...], ...], int]:
    """The group of synonyms, country names or an entity's names that starts the words.

    The group with the longest phrase wins; on a tie, the lexicon's comes before an entity's,
    so "Uzbekistan" is the country with its demonyms, not only the entity of that name.
    """
    best: tuple[tuple[tuple[str, ...], ...], int] = ((), 0)
    known = lexicon()
    for group in (*known.synonyms, *known.countries.values(), *vocabulary.names):
        for phrase in group:
            if len(phrase) > best[1] and tuple(following[: len(phrase)]) == phrase:
                best = (group, len(phrase))
    return best


#: Endings that make a related word: recover -> recovery, contract -> contractor.
_DERIVED = ("y", "er", "or", "ery", "ion", "tion", "ation", "al", "ment", "ity")


def _forms(vocabulary: Index, word_stem: str) -> list[str]:
    """The known words a word stands for: itself and its related forms, else the words it starts.

    `rhen` finds `rhenium`; starts shorter than three letters match too much to mean anything.
    """
    postings = vocabulary.postings
    forms = [word_stem] if word_stem in postings else []
    if len(word_stem) >= 4 and word_stem.isalpha():
        for ending in _DERIVED:
            if word_stem + ending in postings:
                forms.append(word_stem + ending)
            root = word_stem.removesuffix(ending)
            if root != word_stem and len(root) >= 4 and root in postings:
                forms.append(root)
    if not forms and len(word_stem) >= 3:
        forms = sorted(word for word in postings if word.startswith(word_stem))
    return forms


def _closest(vocabulary: Index, word: str, more: int = 0) -> str | None:
    """The word of the fact base within a typo's reach of word, the most common on a tie.

    Words are compared as spelt, not by stem. Reach grows with the word: none below four
    letters, one edit up to six, then two; `more` widens it, to suggest rather than to mend.
    """
    if len(word) < 4 or not word.isalpha():
        return None
    reach = (1 if len(word) < 7 else 2) + more
    best: tuple[int, int, str] | None = None
    for known, known_stem in vocabulary.spellings.items():
        if abs(len(known) - len(word)) > reach or not known.isalpha():
            continue
        distance = _distance(word, known, reach)
        if distance <= reach:
            rank = (distance, -len(vocabulary.postings[known_stem]), known)
            if best is None or rank < best:
                best = rank
    return best[2] if best else None


def _suggestion(vocabulary: Index, word: str) -> str | None:
    """A word one edit further than a typo's reach, to suggest: long words, same first letter."""
    if len(word) < 6:
        return None
    near = _closest(vocabulary, word, more=1)
    return near if near and near[0] == word[0] else None


def _distance(a: str, b: str, limit: int) -> int:
    """Edits between two words (insert, delete, substitute, swap neighbours), capped past limit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# --- field filters ----------------------------------------------------------------------------


def _filter(name: str, value: str) -> Filter:
    """The Filter a field filter such as `kind:membership` or `date:2025Q1` stands for."""
    if not value:
        raise QueryError(f"'{name}:' needs a value, as in {_EXAMPLES[name]}")
    if name in _LISTS:
        return _LISTS[name](value)
    if name == "country":
        return Filter(countries=(_country(value),))
    if name == "after":
        return Filter(since=_day(_date(name, value).last_day, +1))
    if name == "before":
        return Filter(until=_day(_date(name, value).first_day, -1))
    since_text, dots, until_text = value.partition("..")
    if not dots:
        since_text = until_text = value
    since = _range_end(name, since_text, first=True) if since_text else None
    until = _range_end(name, until_text, first=False) if until_text else None
    if since and until and since.first_day > until.last_day:
        raise QueryError(f"'date:{value}' ends before it starts; nothing can match")
    return Filter(since=since, until=until)


_LISTS: dict[str, Callable[[str], Filter]] = {
    "kind": lambda value: Filter(kinds=(value,)),
    "entity": lambda value: Filter(entities=(value,)),
    "material": lambda value: Filter(materials=(value,)),
    "tag": lambda value: Filter(tags=(value,)),
}
_EXAMPLES = {
    "kind": "kind:membership",
    "entity": "entity:chalieco",
    "material": "material:tungsten",
    "tag": "tag:europe",
    "country": "country:CN",
    "date": "date:2025-03, date:2025Q1 or date:2025-03..2025-08",
    "after": "after:2025-06",
    "before": "before:2026",
}


def _date(name: str, value: str) -> PartialDate:
    try:
        return PartialDate.parse(value)
    except ValueError as error:
        raise QueryError(f"{name}:{value}: {error}") from None


def _range_end(name: str, value: str, *, first: bool) -> PartialDate:
    """One end of a date range: a date, or a quarter or half (2025Q1, 2025H2) as its months."""
    quarter = _QUARTER.fullmatch(value)
    if quarter is None:
        return _date(name, value)
    year, period, number = int(quarter[1]), quarter[2].upper(), int(quarter[3])
    months = 3 if period == "Q" else 6
    if number > 12 // months:
        raise QueryError(f"{name}:{value}: a year has no {period}{number}")
    month = (number - 1) * months + 1 if first else number * months
    return PartialDate(year, month)


def _day(day: dt.date, step: int) -> PartialDate:
    moved = day + dt.timedelta(days=step)
    return PartialDate(moved.year, moved.month, moved.day)


def _country(value: str) -> str:
    """A country code from a code in any case, or from a name or demonym the lexicon knows."""
    code = value.upper()
    if code in COUNTRIES:
        return code
    wanted = tuple(stems(value))
    for known, names in lexicon().countries.items():
        if wanted in names:
            return known
    raise QueryError(f"unknown country '{value}': give its ISO code, as in country:CN")


def _both(first: Filter, second: Filter) -> Filter:
    """A filter that needs both: lists add up and date ranges narrow."""
    since = max((d for d in (first.since, second.since) if d), key=_first_day, default=None)
    until = min((d for d in (first.until, second.until) if d), key=_last_day, default=None)
    return replace(
        first,
        kinds=first.kinds + second.kinds,
        entities=first.entities + second.entities,
        materials=first.materials + second.materials,
        tags=first.tags + second.tags,
        countries=first.countries + second.countries,
        since=since,
        until=until,
    )


def _first_day(date: PartialDate) -> dt.date:
    return date.first_day


def _last_day(date: PartialDate) -> dt.date:
    return date.last_day


# --- searching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """A fact found by a search, how well it matched, and the search terms that matched.

    `words` are the stems that matched in the fact, for highlighting them.
    """

    fact: Fact
    score: float
    matched: tuple[str, ...]
    words: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Results:
    """What a search found, best first, and what it searched for instead of what was typed."""

    hits: tuple[Hit, ...]
    corrections: tuple[tuple[str, str], ...] = ()
    hint: str | None = None


def search(
    base: FactBase, text: str, where: Filter | None = None, limit: int | None = None
) -> Results:
    """Facts matching every word of the query and its filters, best match first.

    Ties go to the newer fact. QueryError when the query is empty or malformed.
    """
    query = parse(base, text)
    built = index(base)
    numbers = _candidates(built, query.terms)
    for condition, keep in (
        (where, True),
        (query.where, True),
        *((c, False) for c in query.not_where),
    ):
        if condition is not None and condition != Filter():
            chosen = {fact.id for fact in select(base, condition)}
            numbers = [n for n in numbers if (built.facts[n].id in chosen) == keep]
    numbers.sort(key=lambda number: date_key(built.facts[number].date), reverse=True)
    rarity = [_idf(built, term) for term in query.terms]
    labels = tuple(term.label for term in query.terms)
    scored = []
    for number in numbers:
        doc = built.docs[number]
        if any(_frequency(doc, term) for term in query.excluded):
            continue
        score, words = 0.0, set[str]()
        for term, idf in zip(query.terms, rarity, strict=True):
            frequency = _frequency(doc, term)
            if not frequency:
                break
            score += idf * _saturate(frequency, doc.length / built.average_length)
            words.update(_found(doc, term))
        else:
            scored.append(Hit(built.facts[number], round(score, 3), labels, frozenset(words)))
    within = _certainly_within(_both(where or Filter(), query.where))
    scored.sort(key=lambda hit: (within(hit.fact), hit.score), reverse=True)
    hint = None if scored else _hint(base, built, query)
    return Results(tuple(scored[:limit]), query.corrections, hint)


def _candidates(built: Index, terms: Sequence[Term]) -> list[int]:
    """The facts, by number and in file order, that hold at least the words of every term."""
    found: set[int] | None = None
    for term in terms:
        holding: set[int] = set()
        for phrase in term.phrases:
            sets = [built.postings.get(word, set()) for word in phrase]
            holding |= set.intersection(*sets) if sets else set()
        found = holding if found is None else found & holding
        if not found:
            return []
    return sorted(found) if found is not None else list(range(len(built.facts)))


def _certainly_within(where: Filter) -> Callable[[Fact], bool]:
    """Whether a fact's whole date lies in the filter's range, not merely overlaps it.

    Under after:2025-06, a fact of 2025-11 answers for certain and comes before one of 2025.
    """
    since = where.since.first_day if where.since else dt.date.min
    until = where.until.last_day if where.until else dt.date.max
    return lambda fact: since <= fact.date.first_day and fact.date.last_day <= until


def _occurrences(words: Sequence[str], phrase: tuple[str, ...]) -> int:
    if len(phrase) == 1:
        return words.count(phrase[0])
    size = len(phrase)
    return sum(
        1
        for start in range(len(words) - size + 1)
        if words[start] == phrase[0] and tuple(words[start : start + size]) == phrase
    )


def _frequency(doc: _Doc, term: Term) -> float:
    """How often the term occurs in the fact, each occurrence weighted by its field."""
    total = 0.0
    for phrase in (*term.phrases, term.exact) if term.exact else term.phrases:
        if len(phrase) == 1:
            total += doc.weighted.get(phrase[0], 0.0)
        elif phrase[0] in doc.weighted:
            total += sum(
                WEIGHTS[name] * _occurrences(words, phrase) for name, words in doc.fields.items()
            )
    return total


def _found(doc: _Doc, term: Term) -> Iterator[str]:
    for phrase in term.phrases:
        if all(word in doc.weighted for word in phrase):
            yield from phrase


def _idf(built: Index, term: Term) -> float:
    """How rare the term is: facts holding any of its first words, an upper bound that is cheap."""
    holding: set[int] = set()
    for phrase in term.phrases:
        holding |= built.postings.get(phrase[0], set())
    count = len(built.facts)
    return math.log(1 + (count - len(holding) + 0.5) / (len(holding) + 0.5))


def _saturate(frequency: float, relative_length: float) -> float:
    return frequency * (_K1 + 1) / (frequency + _K1 * (1 - _B + _B * relative_length))


def _hint(base: FactBase, built: Index, query: Query) -> str | None:
    """Why nothing was found, when a word or a filter's value is unknown."""
    for term in query.terms:
        if not term.phrases:
            near = _suggestion(built, term.label)
            return f"no fact has the word '{term.label}'" + (
                f" (did you mean '{near}'?)" if near else ""
            )
    reason = explain_miss(base, query.where)
    if reason is None and len(query.terms) > 1:
        reason = "no fact matches all of " + ", ".join(f"'{term.label}'" for term in query.terms)
    return reason
