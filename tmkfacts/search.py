"""Full-text search of a fact base: what people type, turned into an FTS5 query over SQLite.

A query is words, "quoted phrases", -excluded words and field filters (kind:membership,
date:2025Q1, ...). The index (`tmkfacts.db`) folds and stems words itself, so case, accents
and English endings do not matter: `exported` finds `exports`. Here a word also stands for its
synonyms, and a country's name, demonym or capitalised ISO code for the entities based there
(see lexicon.toml); a word the index does not know is read as the start of a longer word
(`rhen`) or, failing that, as a typo of the closest word it knows (`rhenim`).

Every word must match (AND). Each becomes a quoted FTS5 phrase, never FTS5 syntax, and the
facts are ranked by FTS5's bm25 with the weights of `db.WEIGHTS`: a word counts more in the
title and in the names of the fact's entities than in its text, more when rare, and less in a
long fact. Ties go to the newer fact, then to the one first in the files; under a date filter
a fact certainly within the range comes before one that only overlaps it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from tmkfacts import db as databases
from tmkfacts.db import FACT_COLUMNS, WEIGHTS, Database, database_of, fact_of
from tmkfacts.errors import QueryError, closest, known_hint
from tmkfacts.filters import EVERY, Filter, condition, explain_miss
from tmkfacts.model import Fact, FactBase, PartialDate
from tmkfacts.vocabularies import COUNTRIES
from tmkfacts.words import WORD, fold

#: The field filters a query may hold, as `name:value`.
FIELDS = ("kind", "entity", "material", "tag", "country", "date", "after", "before")
#: How much more a fact about the base's subject (TMK) counts than another that matches as well:
#: this is a tool about TMK, and its own record answers a question before the context does.
SUBJECT_BOOST = 1.25
#: The longest query searched; a longer one is almost certainly a mistake, and slow to mend.
MAX_QUERY = 1000

_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_FILTER = r"(?s)(-?)([A-Za-z]+):(.*)"
_QUARTER = r"(\d{4})-?([QqHh])(\d)"
#: Endings that make a related word: recover -> recovery, contract -> contractor.
_DERIVED = ("y", "er", "or", "ery", "ion", "tion", "ation", "al", "ment", "ity")
#: Endings of a word's own forms, cut before a related word's ending is added: buys -> buyer.
_INFLECTED = ("s", "es", "ed", "ing")
_MARK, _END = "\x02", "\x03"  # around the words highlight() finds


class Phrase(NamedTuple):
    """Words that must follow each other: their stems, and the text FTS5 reads them from."""

    stems: tuple[str, ...]
    text: str
    prefix: bool = False  # the text is the start of words

    def expression(self) -> str:
        """The phrase as an FTS5 string: quoted, so that nothing in it is FTS5 syntax."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return f"{quoted}*" if self.prefix else quoted


class Term(NamedTuple):
    """One thing a query asks for: any of its phrases.

    `exact` is the phrase as typed, when the others are its synonyms or other names: it counts
    twice, so a fact that says what was typed comes before one that says it in other words.
    """

    label: str
    phrases: tuple[Phrase, ...]
    exact: Phrase | None = None

    def expression(self) -> str:
        """Any of the phrases, as FTS5 reads it."""
        every = [*self.phrases, self.exact] if self.exact else self.phrases
        return "(" + " OR ".join(phrase.expression() for phrase in every) + ")"


class Query(NamedTuple):
    """A parsed query: the terms that must match, those that must not, and field filters."""

    terms: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    where: Filter = EVERY
    not_where: tuple[Filter, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()


class Hit(NamedTuple):
    """A fact found by a search, how well it matched, and the search terms that matched.

    `words` are the words (folded) that matched in its title and text, for highlighting them.
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


# --- what a query is read against ----------------------------------------------------------------


class _Vocabulary:
    """The words of a database, and the lexicon's and entities' phrases as it splits them."""

    def __init__(self, database: Database) -> None:
        self.connection = database.connection
        self.stopwords: set[str] = set()
        self.synonyms: dict[str, list[Phrase]] = {}
        self.countries: dict[str, list[Phrase]] = {}
        self.symbols: dict[str, Phrase] = {}
        for group, phrase, text in self.connection.execute(
            "SELECT grp, phrase, text FROM search_phrases WHERE grp NOT LIKE 'entity:%' "
            "ORDER BY rowid"
        ):
            kind, _, key = group.partition(":")
            if kind == "stopword":
                self.stopwords.add(phrase)
                continue
            made = Phrase(tuple(phrase.split()), text)
            if kind == "symbol":
                self.symbols[key] = made
            else:
                chosen = self.synonyms if kind == "synonym" else self.countries
                chosen.setdefault(key, []).append(made)
        #: Every word of the synonyms and country names: none is a typo.
        self.words = {
            word
            for groups in (self.synonyms, self.countries)
            for phrases in groups.values()
            for phrase in phrases
            for word in phrase.stems
        }
        self._known: dict[str, int] = {}

    def names(self, first: str) -> list[list[Phrase]]:
        """The names of each entity that has a name starting with this word, in file order."""
        found: dict[str, list[Phrase]] = {}
        for group, phrase, text in self.connection.execute(
            "SELECT grp, phrase, text FROM search_phrases WHERE grp IN (SELECT grp FROM "
            "search_phrases WHERE first = ? AND grp LIKE 'entity:%') ORDER BY rowid",
            (first,),
        ):
            found.setdefault(group, []).append(Phrase(tuple(phrase.split()), text))
        return list(found.values())

    def stems(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Each text's words as the index holds them."""
        return databases.stems(self.connection, texts)

    def count(self, term: str) -> int:
        """How many facts hold the word; 0 when none does."""
        if term not in self._known:
            row = self.connection.execute(
                "SELECT doc FROM facts_vocab WHERE term = ?", (term,)
            ).fetchone()
            self._known[term] = row[0] if row else 0
        return self._known[term]

    def starts(self, start: str) -> bool:
        """Whether a word starts so."""
        return bool(
            self.connection.execute(
                "SELECT 1 FROM facts_vocab WHERE term >= ? AND term < ? LIMIT 1",
                (start, start + "\U0010ffff"),
            ).fetchone()
        )

    def spelt(self, term: str) -> Phrase | None:
        """The word as a fact writes it, which the index reads as `term`; None if none does."""
        found = self.connection.execute(
            "SELECT doc, col, offset FROM facts_vocab_instance WHERE term = ? LIMIT 1", (term,)
        ).fetchone()
        if found is None:
            return None
        doc, column, offset = found
        if column not in WEIGHTS:
            return None
        (text,) = self.connection.execute(
            f"SELECT {column} FROM facts WHERE rowid = ?",
            (doc,),  # a column named by WEIGHTS
        ).fetchone()
        spellings = WORD.findall(text)
        if offset >= len(spellings):
            return None
        return Phrase((term,), spellings[offset])


@lru_cache(maxsize=4)
def _vocabulary(database: Database) -> _Vocabulary:
    return _Vocabulary(database)


# --- parsing a query ---------------------------------------------------------------------------


def parse(base: FactBase | Database, text: str) -> Query:
    """Parse a query against the words of a base; QueryError for a malformed one."""
    vocabulary = _vocabulary(database_of(base))
    if len(text) > MAX_QUERY:
        message = f"the query is {len(text):,} characters long; at most {MAX_QUERY:,} are searched"
        raise QueryError(message)
    words: list[str] = []
    phrases: list[Term] = []
    excluded: list[Term] = []
    where, not_where = EVERY, []
    text = text.replace("\x00", " ")  # SQLite ends a string at NUL: FTS5 would see it cut
    for match in _PART.finditer(text):
        negated, quoted, bare = match.group(1) == "-", match.group(2), match.group(3)
        if quoted is not None:
            stems = vocabulary.stems([quoted])[0]
            if stems:
                term = Term(quoted.strip(), (Phrase(stems, quoted),))
                (excluded if negated else phrases).append(term)
            continue
        if ":" in bare and (found := re.fullmatch(_FILTER, bare)) is not None:
            name, value, negative = found[2].casefold(), found[3], found[1] == "-"
            if name in FIELDS:
                chosen = _filter(name, value, vocabulary)
                if negative:
                    not_where.append(chosen)
                else:
                    where = _both(where, chosen)
                continue
            hint = known_hint(name, FIELDS)
            message = f"unknown field '{name}:'{hint}; put text with ':' in quotes to search it"
            raise QueryError(message)
        if bare.startswith("-") and len(bare) > 1:
            excluded.extend(_terms(vocabulary, [bare[1:]], keep_stopwords=True)[0])
        else:
            words += [part for part in re.split(r"(\|)", bare) if part]  # a|b is a | b
    words, either = _alternatives(words)
    terms, corrections = _terms(vocabulary, words, keep_stopwords=not (phrases or excluded))
    for group in either:
        term, mended = _either(vocabulary, group)
        terms.append(term)
        corrections += mended
    if not terms and not phrases and not excluded and where == EVERY and not not_where:
        raise QueryError("give at least one word to search for")
    return Query((*terms, *phrases), tuple(excluded), where, tuple(not_where), tuple(corrections))


def _alternatives(words: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The words, apart from those joined by OR or | (`rhenium OR tungsten`): either will do."""
    plain: list[str] = []
    groups: list[list[str]] = []
    joining = False
    for word in words:
        if word in ("OR", "|"):
            if plain and not joining:  # the word before starts a group, or joins the last
                groups.append([plain.pop()])
            joining = bool(groups)
            continue
        if joining:
            groups[-1].append(word)
            joining = False
        else:
            plain.append(word)
    return plain, groups


def _either(vocabulary: _Vocabulary, words: Sequence[str]) -> tuple[Term, list[tuple[str, str]]]:
    """One term that any of the words meets, with the typos mended among them."""
    phrases: list[Phrase] = []
    corrections: list[tuple[str, str]] = []
    for word in words:
        terms, mended = _terms(vocabulary, [word], keep_stopwords=True)
        corrections += mended
        for term in terms:
            phrases += [*term.phrases, *([term.exact] if term.exact else [])]
    return Term(" OR ".join(words), tuple(phrases)), corrections


class _Unit(NamedTuple):
    """A word of a query: as typed, and its stem; a symbol or country code has no stem."""

    typed: str
    stem: str


def _terms(
    vocabulary: _Vocabulary, words: Sequence[str], *, keep_stopwords: bool
) -> tuple[list[Term], list[tuple[str, str]]]:
    """Bare words as terms: symbols and country codes, typos mended, synonyms, single words."""
    units = _units(vocabulary, words)
    stopwords = vocabulary.stopwords
    dropping = any(unit.typed not in stopwords for unit in units) or not keep_stopwords
    corrections: list[tuple[str, str]] = []
    for position, unit in enumerate(units):
        known = not unit.stem or unit.stem in vocabulary.words or unit.typed in stopwords
        if not known and not _forms(vocabulary, unit) and (fixed := _nearest(vocabulary, unit)):
            units[position] = _Unit(fixed.text, fixed.stems[0])
            corrections.append((unit.typed, fold(fixed.text)))
    terms: list[Term] = []
    position = 0
    while position < len(units):
        unit = units[position]
        if not unit.stem:
            terms.append(_symbol(vocabulary, unit.typed))
            position += 1
            continue
        # Names and synonyms are matched with their stop words: "Aluminum Corporation of China".
        group, length = _synonyms(vocabulary, units[position:])
        if group:
            typed = units[position : position + length]
            label = " ".join(each.typed for each in typed)
            exact = Phrase(tuple(each.stem for each in typed), label)
            terms.append(Term(label, tuple(group), exact=exact))
            position += length
            continue
        if not (dropping and unit.typed in stopwords):
            terms.append(Term(unit.typed, tuple(_forms(vocabulary, unit))))
        position += 1
    return terms, corrections


def _units(vocabulary: _Vocabulary, words: Sequence[str]) -> list[_Unit]:
    """The words typed, folded and split as the index splits them, each with its stem."""
    units: list[_Unit] = []
    plain: list[str] = []
    for word in words:
        if word in vocabulary.symbols or (word in COUNTRIES and word.isupper()):
            units.append(_Unit(word, ""))
        else:
            spelt = WORD.findall(fold(word))
            plain += spelt
            units += (_Unit(each, "?") for each in spelt)
    stemmed = iter(vocabulary.stems(plain) if plain else [])
    found: list[_Unit] = []
    for unit in units:
        if not unit.stem:
            found.append(unit)
        elif stems := next(stemmed):  # a word of no letters or digits has none
            found.append(_Unit(unit.typed, stems[0]))
    return found


def _symbol(vocabulary: _Vocabulary, typed: str) -> Term:
    if typed in vocabulary.symbols:
        return Term(typed, (vocabulary.symbols[typed],))
    code_word = f"xx{typed.casefold()}xx"  # as the index holds an entity's country
    return Term(typed, tuple(vocabulary.countries.get(typed, [Phrase((code_word,), code_word)])))


def _synonyms(vocabulary: _Vocabulary, following: Sequence[_Unit]) -> tuple[list[Phrase], int]:
    """The group of synonyms, country names or an entity's names that starts the words.

    The group with the longest phrase wins; on a tie, the lexicon's comes before an entity's,
    so "Uzbekistan" is the country with its demonyms, not only the entity of that name. An
    abbreviation of one word (US, EU, TMK) stands only for itself typed in any case, not for
    every word the index stems like it: "used" is not the "US".
    """
    best: tuple[list[Phrase], int] = ([], 0)
    stems = tuple(unit.stem for unit in following)
    lexicon = (vocabulary.synonyms, vocabulary.countries)
    groups = [*(phrases for each in lexicon for phrases in each.values())]
    for group in [*groups, *vocabulary.names(stems[0])] if following else groups:
        for phrase in group:
            size = len(phrase.stems)
            if size > best[1] and stems[:size] == phrase.stems:
                if size == 1 and phrase.text.isupper() and fold(phrase.text) != following[0].typed:
                    continue
                best = (group, size)
    return best


def _forms(vocabulary: _Vocabulary, unit: _Unit) -> list[Phrase]:
    """The known words a word stands for: itself and its related forms, else the words it starts.

    `buys` finds `buyer`; `rhen` finds `rhenium`; starts shorter than three letters match too
    much to mean anything.
    """
    word, typed = unit.stem, unit.typed
    forms = [Phrase((word,), typed)] if vocabulary.count(word) else []
    if len(typed) >= 4 and typed.isalpha():
        roots = {typed, *(typed.removesuffix(end) for end in _INFLECTED if typed.endswith(end))}
        related = {root + ending for root in roots for ending in _DERIVED}
        related |= {
            root.removesuffix(ending)
            for root in roots
            for ending in _DERIVED
            if root.endswith(ending) and len(root) - len(ending) >= 4
        }
        related -= roots
        candidates = sorted(related)
        seen = {word}
        for text, stems in zip(candidates, vocabulary.stems(candidates), strict=True):
            if len(stems) == 1 and stems[0] not in seen and vocabulary.count(stems[0]):
                seen.add(stems[0])
                forms.append(Phrase(stems, text))
    if not forms and len(word) >= 3 and vocabulary.starts(word):
        forms = [Phrase((word,), typed, prefix=True)]
    return forms


def _nearest(vocabulary: _Vocabulary, unit: _Unit, *, suggest: bool = False) -> Phrase | None:
    """The known word, as a fact spells it, within a typo's reach of the typed word.

    Words are compared as spelt, not by stem. Reach grows with the word: none below four
    letters, one edit up to six, then two; of equals, the most common word wins. To `suggest`
    a word, rather than search for it, reach is one edit further, from six letters on.
    """
    from difflib import SequenceMatcher

    typed, word = unit.typed, unit.stem
    if len(typed) < (6 if suggest else 4) or not typed.isalpha():
        return None
    reach = (1 if len(typed) < 7 else 2) + suggest
    counts = {
        term: count
        for term, count in vocabulary.connection.execute("SELECT term, doc FROM facts_vocab")
        if abs(len(term) - len(word)) <= reach + 2 and term.isalpha()
    }
    best: tuple[int, int, str] | None = None
    found: Phrase | None = None
    for term in closest(word, counts, n=10, cutoff=0.5):
        spelt = vocabulary.spelt(term)
        if spelt is None:
            continue
        spelling = fold(spelt.text)
        blocks = SequenceMatcher(None, typed, spelling).get_matching_blocks()
        edits = max(len(typed), len(spelling)) - sum(block.size for block in blocks)
        rank = (edits, -counts[term], spelling)
        if edits <= reach and (best is None or rank < best):
            best, found = rank, Phrase(spelt.stems, spelling)
    if suggest and found is not None and found.text[0] != typed[0]:
        return None
    return found


# --- field filters ------------------------------------------------------------------------------


def _filter(name: str, value: str, vocabulary: _Vocabulary) -> Filter:
    """The Filter a field filter such as `kind:membership` or `date:2025Q1` stands for."""
    if not value:
        raise QueryError(f"'{name}:' needs a value, as in {_EXAMPLES[name]}")
    lists = {"kind": "kinds", "entity": "entities", "material": "materials", "tag": "tags"}
    if name in lists:
        return EVERY._replace(**{lists[name]: (value,)})  # type: ignore[arg-type]
    if name == "country":
        return Filter(countries=(_country(value, vocabulary),))
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


def _country(value: str, vocabulary: _Vocabulary) -> str:
    """A country code from a code in any case, or from a name or demonym the lexicon knows."""
    code = value.upper()
    if code in COUNTRIES:
        return code
    wanted = vocabulary.stems([value])[0]
    for known, names in vocabulary.countries.items():
        if any(wanted == phrase.stems for phrase in names):
            return known
    raise QueryError(f"unknown country '{value}': give its ISO code, as in country:CN")


def _both(first: Filter, second: Filter) -> Filter:
    """A filter that needs both: lists add up and date ranges narrow."""
    dates = (first.since, second.since), (first.until, second.until)
    since = max(filter(None, dates[0]), key=lambda date: date.first_day, default=None)
    until = min(filter(None, dates[1]), key=lambda date: date.last_day, default=None)
    return first._replace(
        kinds=first.kinds + second.kinds,
        entities=first.entities + second.entities,
        materials=first.materials + second.materials,
        tags=first.tags + second.tags,
        countries=first.countries + second.countries,
        since=since,
        until=until,
    )


# --- searching ------------------------------------------------------------------------------------


def search(
    base: FactBase | Database,
    text: str,
    where: Filter | None = None,
    limit: int | None = None,
    *,
    marks: bool = True,
) -> Results:
    """Facts matching every word of the query and its filters, best match first.

    Ties go to the newer fact, then to the one first in the files. QueryError when the query
    is empty or malformed. `marks` finds the words that matched in each title and text, for
    highlighting them; output for scripts does without.
    """
    database = database_of(base)
    query = parse(database, text)
    vocabulary = _vocabulary(database)
    conditions, params = [], []
    for chosen, negation in [(where or EVERY, ""), (query.where, "")] + [
        (each, "NOT ") for each in query.not_where
    ]:
        sql, values = condition(database, chosen)
        conditions.append(f"{negation}({sql})")
        params += values
    if any(not term.phrases for term in query.terms):  # nothing found: nothing was mended
        return Results((), (), _hint(database, vocabulary, query))
    labels = tuple(term.label for term in query.terms)
    scope = _both(where or EVERY, query.where)
    order = "score DESC, facts.latest DESC, facts.earliest DESC, facts.position"
    order_params: list[str] = []
    if scope.since or scope.until:  # a fact certainly within the range before one that may be
        order = f"(facts.earliest >= ? AND facts.latest <= ?) DESC, {order}"
        since = scope.since.first_day if scope.since else dt.date.min
        until = scope.until.last_day if scope.until else dt.date.max
        order_params = [since.isoformat(), until.isoformat()]
    excluded = " OR ".join(term.expression() for term in query.excluded if term.phrases)
    positive = " AND ".join(term.expression() for term in query.terms)
    if positive:
        weights = ", ".join(str(weight) for weight in WEIGHTS.values())
        match = f"({positive}) NOT ({excluded})" if excluded else positive
        sql = (
            f"SELECT facts.rowid, round(-bm25(facts_fts, {weights}) * "
            f"(CASE WHEN facts.subject THEN {SUBJECT_BOOST} ELSE 1 END), 3) AS score "
            "FROM facts_fts JOIN facts ON facts.rowid = facts_fts.rowid WHERE facts_fts MATCH ?"
        )
        params = [match, *params]
    else:
        sql = "SELECT facts.rowid, 0.0 AS score FROM facts WHERE 1"
        if excluded:
            sql += " AND facts.rowid NOT IN (SELECT rowid FROM facts_fts WHERE facts_fts MATCH ?)"
            params = [excluded, *params]
    sql += "".join(f" AND {each}" for each in conditions if each != "(1)")
    sql += f" ORDER BY {order}" + (f" LIMIT {max(int(limit), 1)}" if limit is not None else "")
    dates = order_params
    # Ranked first, by what is small; then only the facts shown are read, and marked.
    ranked = database.connection.execute(sql, [*params, *dates]).fetchall()
    hint = None if ranked else _hint(database, vocabulary, query)
    if query.corrections and not ranked:  # a repair that finds nothing did not fit the query
        typed, meant = query.corrections[0]
        return Results((), (), f"no fact has the word '{typed}' (did you mean '{meant}'?)")
    ranked = ranked[:limit]
    shown = json.dumps([number for number, _ in ranked])
    among = "rowid IN (SELECT value FROM json_each(?))"
    facts = {
        row[0]: fact_of(row[1:], database.files)
        for row in database.connection.execute(
            f"SELECT facts.rowid, {FACT_COLUMNS} FROM facts WHERE {among}", (shown,)
        )
    }
    found: dict[int, frozenset[str]] = {}
    if marks and positive:
        column = list(WEIGHTS).index("text")
        for number, *marked in database.connection.execute(
            f"SELECT rowid, highlight(facts_fts, 0, '{_MARK}', '{_END}'), highlight(facts_fts, "
            f"{column}, '{_MARK}', '{_END}') FROM facts_fts WHERE facts_fts MATCH ? AND {among}",
            (positive, shown),
        ):
            found[number] = frozenset(
                fold(word)
                for each in marked
                for part in re.findall(f"{_MARK}([^{_END}]*){_END}", each)
                for word in WORD.findall(part)
            )
    hits = tuple(Hit(facts[n], score, labels, found.get(n, frozenset())) for n, score in ranked)
    return Results(hits, query.corrections, hint)


def _hint(database: Database, vocabulary: _Vocabulary, query: Query) -> str | None:
    """Why nothing was found, when a word or a filter's value is unknown."""
    for term in query.terms:
        if not term.phrases:
            near = _nearest(vocabulary, _Unit(term.label, term.label), suggest=True)
            hint = f" (did you mean '{near.text}'?)" if near else ""
            return f"no fact has the word '{term.label}'{hint}"
    reason = explain_miss(database, query.where)
    if reason is None and len(query.terms) > 1:
        reason = "no fact matches all of " + ", ".join(f"'{term.label}'" for term in query.terms)
    return reason
