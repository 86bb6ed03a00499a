"""Full-text search of a fact base: what people type, turned into the facts they mean.

A query is words, "quoted phrases", -excluded words and field filters (kind:membership,
date:2025Q1, ...). Words are compared folded: case, accents, apostrophes and common English
endings do not matter, so `exported` finds `exports`. A word also stands for its synonyms, and
a country's name, demonym or capitalised ISO code for the entities based there (see
lexicon.toml). A word the fact base does not know is read as the start of a longer word
(`rhen`) or, failing that, as a typo of the closest word it knows (`rhenim`).

Every word must match (AND). Facts are ranked by BM25F: a word counts more in the title and
in the names of the fact's entities than in its text, more when rare in the base, and less in
a long fact. Pure functions over an Index (see tmkfacts.index) or a FactBase.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple, overload

from tmkfacts.errors import QueryError, known_hint
from tmkfacts.filters import Filter, select
from tmkfacts.index import WEIGHTS, Fields, Index
from tmkfacts.model import Fact, FactBase, PartialDate
from tmkfacts.vocabularies import COUNTRIES
from tmkfacts.words import country_names, fold, lexicon, stems, tokens

#: The field filters a query may hold, as `name:value`.
FIELDS = ("kind", "entity", "material", "tag", "country", "date", "after", "before")

_K1, _B = 2.0, 0.3  # facts are short and alike in length, so length says little
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Compiled by `re` when first used: few queries hold a filter or a quarter.
_FILTER = r"(?s)(-?)([A-Za-z]+):(.*)"
_QUARTER = r"(\d{4})-?([QqHh])(\d)"


# --- the index --------------------------------------------------------------------------------


def index(base: FactBase) -> Index:
    """The search index of a loaded base, built once per base and kept while it is in use."""
    cached = _INDEXES.get(id(base))
    if cached is not None and cached[0] is base:
        return cached[1]
    from tmkfacts import cache

    built = cache.index_of(base)
    _INDEXES.clear()
    _INDEXES[id(base)] = (base, built)
    return built


_INDEXES: dict[int, tuple[FactBase, Index]] = {}


# --- queries ----------------------------------------------------------------------------------


class Term(NamedTuple):
    """One thing a query asks for: any of its phrases.

    `exact` is the phrase as typed, when the others are its synonyms or other names: it counts
    twice, so a fact that says what was typed comes before one that says it in other words.
    """

    label: str
    phrases: tuple[tuple[str, ...], ...]
    exact: tuple[str, ...] = ()


class Query(NamedTuple):
    """A parsed query: the terms that must match, those that must not, and field filters."""

    terms: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    where: Filter = Filter()  # immutable: one empty filter serves every query
    not_where: tuple[Filter, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()


#: The longest query searched; a longer one is almost certainly a mistake, and slow to mend.
MAX_QUERY = 1000


def parse(base: Index | FactBase, text: str) -> Query:
    """Parse a query against the words of a base; QueryError for a malformed one."""
    vocabulary = base if isinstance(base, Index) else index(base)
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
        if ":" in bare and (found := re.fullmatch(_FILTER, bare)) is not None:
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
            excluded.extend(_terms(vocabulary, [bare[1:]], keep_stopwords=True)[0])
        else:
            words.append(bare)
    terms, corrections = _terms(vocabulary, words, keep_stopwords=not (phrases or excluded))
    if not terms and not phrases and not excluded and where == Filter() and not not_where:
        raise QueryError("give at least one word to search for")
    return Query((*terms, *phrases), tuple(excluded), where, tuple(not_where), tuple(corrections))


def _terms(
    vocabulary: Index, words: Sequence[str], *, keep_stopwords: bool
) -> tuple[list[Term], list[tuple[str, str]]]:
    """Bare words as terms: symbols and country codes, typos mended, synonyms, single words."""
    known = lexicon()
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
                units[position] = fixed
                corrections.append((fold(typed), fixed[0]))
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
    forms = [word_stem] if vocabulary.has(word_stem) else []
    if len(word_stem) >= 4 and word_stem.isalpha():
        for ending in _DERIVED:
            if vocabulary.has(word_stem + ending):
                forms.append(word_stem + ending)
            root = word_stem.removesuffix(ending)
            if root != word_stem and len(root) >= 4 and vocabulary.has(root):
                forms.append(root)
    if not forms and len(word_stem) >= 3:
        forms = vocabulary.starting(word_stem)
    return forms


def _closest(vocabulary: Index, word: str, more: int = 0) -> tuple[str, str] | None:
    """The word of the fact base within a typo's reach of word, the most common on a tie.

    Words are compared as spelt, not by stem; the answer is (spelling, stem). Reach grows with
    the word: none below four letters, one edit up to six, then two; `more` widens it, to
    suggest rather than to mend.
    """
    if len(word) < 4 or not word.isalpha():
        return None
    reach = (1 if len(word) < 7 else 2) + more
    best: tuple[int, int, str, str] | None = None
    for known, known_stem in vocabulary.spellings(len(word) - reach, len(word) + reach):
        if not known.isalpha():
            continue
        distance = _distance(word, known, reach)
        if distance <= reach and (holding := vocabulary.how_many(known_stem)):
            rank = (distance, -holding, known, known_stem)
            if best is None or rank < best:
                best = rank
    return (best[2], best[3]) if best else None


def _suggestion(vocabulary: Index, word: str) -> str | None:
    """A word one edit further than a typo's reach, to suggest: long words, same first letter."""
    if len(word) < 6:
        return None
    near = _closest(vocabulary, word, more=1)
    return near[0] if near and near[0][0] == word[0] else None


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
    quarter = re.fullmatch(_QUARTER, value)
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
    return first._replace(
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


class Hit(NamedTuple):
    """A fact found by a search, how well it matched, and the search terms that matched.

    `words` are the stems that matched in the fact, for highlighting them.
    """

    fact: Fact
    score: float
    matched: tuple[str, ...]
    words: frozenset[str] = frozenset()


class Results(NamedTuple):
    """What a search found, best first, and what it searched for instead of what was typed."""

    hits: Sequence[Hit]
    corrections: tuple[tuple[str, str], ...] = ()
    hint: str | None = None


def search(
    base: Index | FactBase, text: str, where: Filter | None = None, limit: int | None = None
) -> Results:
    """Facts matching every word of the query and its filters, best match first.

    Ties go to the newer fact, then to the one first in the files. QueryError when the query
    is empty or malformed.
    """
    built = base if isinstance(base, Index) else index(base)
    query = parse(built, text)
    numbers = _candidates(built, query.terms)
    conditions = [
        (condition, keep)
        for condition, keep in ((where, True), (query.where, True), *_negated(query.not_where))
        if condition is not None and condition != Filter()
    ]
    for condition, _ in conditions:  # an impossible filter is an error, whatever is found
        select(built.with_facts(()), condition)
    phrases = any(
        len(phrase) > 1
        for term in (*query.terms, *query.excluded)
        for phrase in (*term.phrases, term.exact)
    )
    rank = _ranking(built, _certainly_within(_both(where or Filter(), query.where)))
    facts: dict[int, Fact] = {}
    if phrases and limit is not None and not conditions:
        scored = _best(built, query, numbers, rank, count=max(limit, 1), facts=facts)
    else:
        scored = _every(built, query, numbers, phrases)
    labels = tuple(term.label for term in query.terms)
    if limit is None and not conditions:  # every match: each fact read only as it is shown
        scored.sort(key=rank, reverse=True)
        ranked = _Ranked(built, scored, labels, query.terms)
        return Results(ranked, query.corrections, None if ranked else _hint(built, query))
    # Filters need the facts themselves: they are read a page at a time, best first, until
    # there are enough, so that a filtered search of a big base reads few of them.
    hits: list[Hit] = []
    size = _PAGE if conditions else max(limit or 1, 1)  # unfiltered: just those shown
    for page in _pages(scored, rank, size):
        facts.update(built.facts(number for number, _ in page if number not in facts))
        kept = _meeting(built, {number: facts[number] for number, _ in page}, conditions)
        hits += (
            Hit(facts[n], score, labels, _matched(built, n, query.terms))
            for n, score in page
            if n in kept
        )
        if limit is not None and len(hits) >= max(limit, 1):
            break
    return Results(tuple(hits[:limit]), query.corrections, None if hits else _hint(built, query))


#: How many facts a filtered search reads at a time, and a search showing every match.
_PAGE = 200


class _Ranked(Sequence[Hit]):
    """Every match of a search, best first, each fact read from the index as its hit is read.

    A search that most facts of a big base match would otherwise hold them all at once.
    Equal to the tuple of its hits, as `Results.hits` is when there is a limit or a filter.
    """

    def __init__(
        self, built: Index, ranked: list[tuple[int, float]], labels: tuple[str, ...],
        terms: Sequence[Term],
    ) -> None:  # fmt: skip
        self._built, self._ranked, self._labels, self._terms = built, ranked, labels, terms

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Hit, ...]: ...
    def __getitem__(self, index: int | slice) -> Hit | tuple[Hit, ...]:
        if isinstance(index, slice):
            return tuple(self._hits(self._ranked[index]))
        return next(self._hits([self._ranked[index]]))

    def __iter__(self) -> Iterator[Hit]:
        for start in range(0, len(self._ranked), _PAGE):
            yield from self._hits(self._ranked[start : start + _PAGE])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple | _Ranked):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as a tuple's, were it unhashable

    def __repr__(self) -> str:
        return f"<{len(self)} hits>"

    def _hits(self, page: list[tuple[int, float]]) -> Iterator[Hit]:
        built = self._built
        facts = built.facts(number for number, _ in page)
        for number, score in page:
            yield Hit(facts[number], score, self._labels, _matched(built, number, self._terms))


def _every(
    built: Index, query: Query, numbers: list[int], phrases: bool
) -> list[tuple[int, float]]:
    """Every candidate that matches the query, with its score.

    With phrases, which are looked for in the words of the facts, the facts are read a page
    at a time, and let go once scored.
    """
    if not phrases:
        return _scorer(built, query, {})(numbers)
    facts: dict[int, Fact] = {}
    score = _scorer(built, query, facts)
    found: list[tuple[int, float]] = []
    for start in range(0, len(numbers), _READ):
        batch = numbers[start : start + _READ]
        facts.clear()
        facts.update(built.facts(batch))
        found += score(batch)
    return found


#: How many facts a search that looks for phrases in every candidate reads at a time.
_READ = 1000


def _pages(
    scored: list[tuple[int, float]],
    rank: Callable[[tuple[int, float]], tuple[object, ...]],
    size: int,
) -> Iterator[list[tuple[int, float]]]:
    """Scored facts best first by rank, `size` at a time; the first page without sorting all.

    heapq's nlargest gives what sorting all and keeping the first few gives, ties included.
    """
    start = 0
    if len(scored) > size:
        yield heapq.nlargest(size, scored, key=rank)
        start = size
    scored.sort(key=rank, reverse=True)
    for first in range(start, len(scored), size):
        yield scored[first : first + size]


def _meeting(
    built: Index, facts: dict[int, Fact], conditions: Sequence[tuple[Filter, bool]]
) -> set[int]:
    """The numbers of the facts that meet every condition (or, marked False, fail it)."""
    kept = set(facts)
    for condition, keep in conditions:
        chosen = {fact.id for fact in select(built.with_facts(facts.values()), condition)}
        kept = {number for number in kept if (facts[number].id in chosen) == keep}
    return kept


def _negated(filters: Sequence[Filter]) -> list[tuple[Filter, bool]]:
    return [(condition, False) for condition in filters]


def _candidates(built: Index, terms: Sequence[Term]) -> list[int]:
    """The facts, by number and in file order, that hold at least the words of every term."""
    found: set[int] | None = None
    for term in terms:
        holding: set[int] = set()
        for phrase in term.phrases:
            sets = [built.holding(word) for word in phrase]
            holding |= set.intersection(*sets) if sets else set()
        found = holding if found is None else found & holding
        if not found:
            return []
    return sorted(found) if found is not None else list(range(built.count))


def _certainly_within(where: Filter) -> Callable[[PartialDate], bool] | None:
    """Whether a fact's whole date lies in the filter's range, not merely overlaps it.

    Under after:2025-06, a fact of 2025-11 answers for certain and comes before one of 2025.
    None when the filter has no range, and every fact is within it.
    """
    if where.since is None and where.until is None:
        return None
    since = where.since.first_day if where.since else dt.date.min
    until = where.until.last_day if where.until else dt.date.max
    return lambda date: since <= date.first_day and date.last_day <= until


def _occurrences(words: Sequence[str], phrase: tuple[str, ...]) -> int:
    if len(phrase) == 1:
        return words.count(phrase[0])
    size = len(phrase)
    return sum(
        1
        for start in range(len(words) - size + 1)
        if words[start] == phrase[0] and tuple(words[start : start + size]) == phrase
    )


def _scorer(
    built: Index, query: Query, facts: dict[int, Fact], *, at_most: bool = False
) -> Callable[[Iterable[int]], list[tuple[int, float]]]:
    """What scores facts by number: those that match the query, each with its BM25F score.

    `facts` holds every fact scored when the query has phrases, which are looked for in the
    words of the facts' fields. `at_most` scores by the index alone: a phrase as often as its
    rarest word, and no word excluded, which gives each fact no less than its score.
    """
    own: dict[int, Fields] = {}  # of the fact being scored: its terms may look at it again
    given: dict[tuple[tuple[str, ...], tuple[str, ...]], float] = {}  # by entities and phrase

    def in_fields(number: int, phrase: tuple[str, ...]) -> float:
        """How often a phrase of words is in the fact's fields, each time weighted by its field.

        Its entities' fields are the same for every fact that names them, so they are read
        once; the fact's own fields only when they hold every word of the phrase.
        """
        fact = facts[number]
        key = (fact.entities, phrase)
        total = given.get(key)
        if total is None:
            total = given[key] = _weighted(built.entity_fields(fact.entities), phrase)
        if all(number in built.holding_itself(word) for word in phrase):
            if number not in own:
                own.clear()
                own[number] = built.own_fields(fact)
            total += _weighted(own[number], phrase)
        return total

    rarity = [_idf(built, term) for term in query.terms]
    # A term of single words has its weight in each fact in the index: one lookup a fact.
    tables = [_weights(built, term, at_most=at_most) for term in query.terms]
    lengths, average = built.lengths, built.average_length
    excluded = () if at_most else query.excluded

    if not excluded and len(tables) == 1 and (table := tables[0]) is not None:
        idf = rarity[0]  # the commonest query, one word: what the loop below gives, quicker

        def one_word(numbers: Iterable[int]) -> list[tuple[int, float]]:
            return [
                (number, round(idf * _saturate(frequency, lengths[number] / average), 3))
                for number in numbers
                if (frequency := table.get(number, 0.0))
            ]

        return one_word

    def scored(numbers: Iterable[int]) -> list[tuple[int, float]]:
        found = []
        for number in numbers:
            if excluded and any(_frequency(built, number, term, in_fields) for term in excluded):
                continue
            score = 0.0
            for term, idf, table in zip(query.terms, rarity, tables, strict=True):
                if table is not None:
                    frequency = table.get(number, 0.0)
                else:
                    frequency = _frequency(built, number, term, in_fields)
                if not frequency:
                    break
                score += idf * _saturate(frequency, lengths[number] / average)
            else:
                found.append((number, round(score, 3)))
        return found

    return scored


def _best(
    built: Index,
    query: Query,
    numbers: Sequence[int],
    rank: Callable[[tuple[int, float]], tuple[object, ...]],
    *,
    count: int,
    facts: dict[int, Fact],
) -> list[tuple[int, float]]:
    """The `count` best matches, as scoring them all and sorting them by rank would give them.

    For a query with phrases, which scores a fact only once its words are read: facts are read
    in order of the most they can score, until the next cannot rank above the last of the best.
    Each read takes twice as many as the one before. Adds the facts read to `facts`.

    A fact's score is never more than the most it can score: both are the same sums of the
    same weights (multiples of 0.5, so exact), the one of a phrase's occurrences no more than
    the other's of its rarest word, saturated, added up and rounded alike. With its date and
    place in the file, its rank is no higher either; so a fact left that would tie with the
    last of the best on score, and lose on date, is not read: when every fact holds a phrase
    alike, as every fact of a base may name its main entity, the first read is the last.
    """
    most = _scorer(built, query, {}, at_most=True)(numbers)
    most.sort(key=rank, reverse=True)
    scored = _scorer(built, query, facts)
    best: list[tuple[int, float]] = []
    start, size = 0, _FIRST_READ
    while start < len(most):
        if len(best) == count and rank(best[-1]) > rank(most[start]):
            break  # no fact left can rank above the last of the best
        batch = [number for number, _ in most[start : start + size]]
        facts.update(built.facts(batch))
        best = heapq.nlargest(count, [*best, *scored(batch)], key=rank)
        start, size = start + size, size * 2
    return best


#: How many facts `_best` reads first.
_FIRST_READ = 50


def _ranking(
    built: Index, within: Callable[[PartialDate], bool] | None
) -> Callable[[tuple[int, float]], tuple[object, ...]]:
    """The key that sorts scored facts, largest first: by score, then newest, then first in file.

    Under a date filter, a fact certainly within its range comes before one that overlaps it.
    """
    dates = built.dates
    if within is None:
        return lambda hit: (hit[1], dates[hit[0]], -hit[0])
    return lambda hit: (within(built.date(hit[0])), hit[1], dates[hit[0]], -hit[0])


def _weights(built: Index, term: Term, *, at_most: bool = False) -> dict[int, float] | None:
    """Fact number -> the term's weighted count, as `_frequency` gives it; None for phrases.

    `at_most`: for phrases too, the most it can be by the index alone. A phrase occurs in a
    field no more often than each of its words, so it weighs no more than its rarest word.
    """
    phrases = (*term.phrases, term.exact) if term.exact else term.phrases
    if not at_most and any(len(phrase) != 1 for phrase in phrases):
        return None
    if len(phrases) == 1 and len(phrases[0]) == 1:
        return built.weights(phrases[0][0])
    total: dict[int, float] = {}
    for phrase in phrases:  # added up in _frequency's order, so to the same sums
        if not phrase:
            continue
        rarest, *others = sorted((built.weights(word) for word in phrase), key=len)
        for number, weight in rarest.items():
            least = weight
            for table in others:
                least = min(least, table.get(number, 0.0))
            total[number] = total.get(number, 0.0) + least
    return total


def _frequency(
    built: Index,
    number: int,
    term: Term,
    in_fields: Callable[[int, tuple[str, ...]], float],
) -> float:
    """How often the term occurs in the fact, each occurrence weighted by its field.

    A word's count is in the index; a phrase is looked for in the words of the fact's fields.
    """
    total = 0.0
    for phrase in (*term.phrases, term.exact) if term.exact else term.phrases:
        if len(phrase) == 1:
            total += built.weights(phrase[0]).get(number, 0.0)
        elif number in built.holding(phrase[0]):
            total += in_fields(number, phrase)
    return total


def _weighted(fields: Fields, phrase: tuple[str, ...]) -> float:
    """How often the phrase is in these fields, each time weighted by its field."""
    return sum(WEIGHTS[name] * _occurrences(words, phrase) for name, words in fields.items())


def _matched(built: Index, number: int, terms: Sequence[Term]) -> frozenset[str]:
    """The words of a fact that the terms matched: only asked of the facts shown."""
    return frozenset(word for term in terms for word in _found(built, number, term))


def _found(built: Index, number: int, term: Term) -> Iterator[str]:
    for phrase in term.phrases:
        if all(number in built.holding(word) for word in phrase):
            yield from phrase


def _idf(built: Index, term: Term) -> float:
    """How rare the term is: facts holding any of its first words, an upper bound that is cheap."""
    holding: set[int] = set()
    for phrase in term.phrases:
        holding |= built.holding(phrase[0])
    count = built.count
    return math.log(1 + (count - len(holding) + 0.5) / (len(holding) + 0.5))


def _saturate(frequency: float, relative_length: float) -> float:
    return frequency * (_K1 + 1) / (frequency + _K1 * (1 - _B + _B * relative_length))


def _hint(built: Index, query: Query) -> str | None:
    """Why nothing was found, when a word or a filter's value is unknown."""
    for term in query.terms:
        if not term.phrases:
            near = _suggestion(built, term.label)
            return f"no fact has the word '{term.label}'" + (
                f" (did you mean '{near}'?)" if near else ""
            )
    reason = built.explain_miss(query.where)
    if reason is None and len(query.terms) > 1:
        reason = "no fact matches all of " + ", ".join(f"'{term.label}'" for term in query.terms)
    return reason
