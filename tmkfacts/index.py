"""The search index: which facts hold each word, how much it weighs in each, and the facts.

It lives in SQLite, so that a search reads only the words it asks for and the facts it shows,
never the whole base: in memory for a base already loaded (`of_base`), or in a file of the
cache folder for fact files (`build`, then `Index.open`), which is written once and never
changed. A word's postings are the numbers of the facts that hold it, in file order, with the
word's weighted count in each: every occurrence counts by its field (WEIGHTS), so a word in a
title counts three times one in the text.

The words an entity gives its facts (its names, its parents', its country: see `_Reader`) are
not written into their postings: the table named holds the facts that name each entity, and
entity_words how much each of its words weighs there, and reading a word's postings adds them
in. Both are written anew whenever an index is, from the base; so renaming an entity, even
one that every fact names, changes no run.

The index is written run by run, as `tmkfacts.store.stream` cuts the files: each run's
postings and facts are kept apart, and a record of what else it adds (its facts' ids, lengths,
dates and spellings, and the records they name), with the digest of its bytes. When some
facts, sources or entities change, `update` copies the index and indexes only the runs that
changed or name a record that went; the runs it keeps may now start at another fact number or
line, which the index adds as it reads them. A new index of a big base is built by two
processes at once, each indexing half of the runs; the first then copies the other's runs into
its own index and places them after its own, as `update` places the runs it keeps.
"""

from __future__ import annotations

import marshal
import shutil
import sqlite3
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from itertools import repeat
from operator import add, mul
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from tmkfacts import packed
from tmkfacts.filters import Filter, explain_miss
from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate
from tmkfacts.words import TOKEN, country_word, fold, stem, stems

if TYPE_CHECKING:
    from tmkfacts import store
    from tmkfacts.fingerprint import Fingerprint

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
CONTENT = ("title", "names", "topics", "text")

#: Changes whenever what the index holds or how it is laid out changes; marshal's format
#: belongs to the Python version.
VERSION = f"7 {sys.version_info[0]}.{sys.version_info[1]} {marshal.version}"

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
# A run's facts are numbered run << 32 | place in the run; its postings hold the numbers the
# facts had when it was written, and its record (see `_Writer.end_run`) what else it adds.
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE runs(run INTEGER PRIMARY KEY, file INTEGER NOT NULL, digest BLOB, ids BLOB NOT NULL,
    refs BLOB NOT NULL, record BLOB NOT NULL);
CREATE TABLE facts(number INTEGER PRIMARY KEY, fact BLOB NOT NULL);
CREATE TABLE postings(word TEXT NOT NULL, run INTEGER NOT NULL, facts BLOB NOT NULL,
    weights BLOB NOT NULL);
CREATE TABLE spellings(length INTEGER, spelling TEXT, word TEXT, PRIMARY KEY(length, spelling))
    WITHOUT ROWID;
CREATE TABLE named(entity TEXT PRIMARY KEY, facts BLOB NOT NULL);
CREATE TABLE entity_words(word TEXT, entity TEXT, weight REAL NOT NULL, PRIMARY KEY(word, entity))
    WITHOUT ROWID;
"""
_INDEXES = "CREATE INDEX IF NOT EXISTS postings_by_word ON postings(word);"
_DROP = """DROP TABLE meta; DROP TABLE runs; DROP TABLE facts; DROP TABLE postings;
DROP TABLE spellings; DROP TABLE named; DROP TABLE entity_words;"""
_PLACES = 32  # bits of a fact's number that give its place in its run
_BATCH = 500  # facts written, or fetched, per statement
#: Postings kept in memory before they are written: a word's postings are then in several
#: rows, in order, and a big base never needs all of them in memory at once.
_SPILL = 1_000_000
#: The CONTENT a fact says itself; its entities' names, which count too, are added when the
#: index is finished (see `_Writer._add_entities`).
_OWN_CONTENT = tuple(name for name in CONTENT if name != "names")


Fields = dict[str, list[str]]
#: The files an index was built from: each one's fingerprint, and whether it was read in runs.
BuiltFrom = Sequence[tuple["Fingerprint", bool]]
#: The meta rows a search reads; the others (files, heads) only updating an index does.
_SEARCHED = "('version', 'base', 'lengths', 'dates', 'materials', 'tags', 'names', 'runs')"


class Placed(NamedTuple):
    """A run as an index holds it now: where it starts, and how far it moved since written."""

    run: int
    start: int  # the number of its first fact
    size: int  # its facts
    shift: int  # what to add to the numbers its postings hold
    lines: int  # what to add to the lines its facts were read on


class Held(NamedTuple):
    """A run an index holds, as `Index.kept_runs` tells of it."""

    run: int  # its number
    ids: tuple[str, ...]  # the ids of its facts
    refs: frozenset[tuple[str, str]]  # the records they name: ("entity" or "source", id)


class Kept(NamedTuple):
    """A run of the index being updated that stays: its number, and the line it now starts on."""

    run: int
    line: int


class Fresh(NamedTuple):
    """A run that `update` indexes: its file's number, first line, digest, and its facts."""

    file: int
    line: int
    digest: bytes
    facts: list[Fact]


class Index:
    """A built index, read through its SQLite connection; what it has read, it keeps."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        meta = dict(db.execute(f"SELECT key, value FROM meta WHERE key IN {_SEARCHED}"))
        if meta.get("version") != VERSION.encode():
            raise sqlite3.DatabaseError("an index of another version")
        #: The base without its facts: its sources, entities and files.
        self.base: FactBase = packed.base_of(marshal.loads(meta["base"]))
        self.lengths = array("d", meta["lengths"])
        self.dates = array("q", meta["dates"])
        self.materials: frozenset[str] = marshal.loads(meta["materials"])
        self.tags: frozenset[str] = marshal.loads(meta["tags"])
        #: Each entity's id and names, as phrases of words.
        self.names: tuple[tuple[tuple[str, ...], ...], ...] = marshal.loads(meta["names"])
        #: The runs, in file order.
        self.runs = [Placed(*each) for each in marshal.loads(meta["runs"])]
        self._starts = [run.start for run in self.runs]
        self._placed = {run.run: (place, run.shift) for place, run in enumerate(self.runs)}
        self.count = len(self.lengths)
        self.average_length = (sum(self.lengths) / self.count if self.count else 1.0) or 1.0
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        self._holding: dict[str, set[int]] = {}
        self._holding_itself: dict[str, set[int]] = {}
        self._weights: dict[str, dict[int, float]] = {}
        self._reader: _Reader | None = None  # made when first needed: it reads every entity

    @classmethod
    def open(cls, path: Path) -> Index:
        """The index kept in this file; sqlite3.DatabaseError if it is not one, or damaged."""
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        return cls(sqlite3.connect(uri, uri=True))

    def close(self) -> None:
        """Close the index's file."""
        self._db.close()

    def built_from(self) -> tuple[str, BuiltFrom]:
        """Who built the index (`made_by` as given to `build`), and from which files.

        Each file's fingerprint as read, and whether it was read in runs (see store.Streamed);
        no files for the index of a loaded base.
        """
        made_by, files = self._meta("made_by"), self._meta("files")
        built_from = marshal.loads(files) if files else ()
        return (made_by or b"").decode(), [((n, size, d), runs) for n, size, d, runs in built_from]

    def heads(self) -> list[bytes | None]:
        """The digest of each file's part before its facts (see `store.Streamed`)."""
        return list(marshal.loads(self._meta("heads") or marshal.dumps(())))

    def kept_runs(self) -> dict[tuple[int, bytes], Held]:
        """The runs read from files, by the number of their file and the digest of their bytes."""
        rows = self._db.execute(
            "SELECT run, file, digest, ids, refs FROM runs WHERE digest NOT NULL"
        )
        return {
            (file, digest): Held(run, marshal.loads(ids), marshal.loads(refs))
            for run, file, digest, ids, refs in rows
        }

    def _meta(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def postings(self, word: str) -> tuple[array[int], array[float]]:
        """The facts that hold the word, by number in file order, and its weight in each."""
        found = self._postings.get(word)
        if found is None:
            found = self._own_postings(word)
            named = self._db.execute(
                "SELECT entity, weight FROM entity_words WHERE word = ?", (word,)
            ).fetchall()
            if named:
                found = self._with_entities(found, named)
            self._postings[word] = found
        return found

    def _own_postings(self, word: str) -> tuple[array[int], array[float]]:
        """`postings` in the fields of the facts themselves, without their entities' words."""
        found = (array("I"), array("f"))
        placed = self._placed
        rows = self._db.execute(
            "SELECT run, facts, weights FROM postings WHERE word = ? ORDER BY rowid", (word,)
        ).fetchall()
        rows.sort(key=lambda row: placed[row[0]][0])  # in file order; a run's rows in order
        for run, facts, weights in rows:
            shift = placed[run][1]
            if shift:  # the run moved since it was written
                numbers = array("I", facts)
                found[0].extend([number + shift for number in numbers])
            else:
                found[0].frombytes(facts)
            found[1].frombytes(weights)
        return found

    def _with_entities(
        self, own: tuple[array[int], array[float]], named: list[tuple[str, float]]
    ) -> tuple[array[int], array[float]]:
        """A word's postings in the facts themselves, with its weight in the entities they name.

        An entity may be named by most facts, so the sums are made by `map` and `Counter`,
        whose loops run in C: how many times the facts name entities whose words give the word
        each weight, times that weight.
        """
        weight_of = dict(named)
        by_weight: dict[float, list[bytes]] = {}  # the facts naming entities, by their weight
        for start in range(0, len(named), _BATCH):
            batch = [entity for entity, _ in named[start : start + _BATCH]]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT entity, facts FROM named WHERE entity IN ({marks})", batch
            )
            for entity, facts in rows:
                by_weight.setdefault(weight_of[entity], []).append(facts)
        mine = dict(zip(own[0], own[1], strict=True))
        times = {
            weight: Counter(array("I", b"".join(facts))) for weight, facts in by_weight.items()
        }
        found = sorted(set(mine).union(*times.values()))
        total: Iterable[float] = map(mine.get, found, repeat(0.0))
        for weight, counted in times.items():
            total = map(add, total, map(mul, map(counted.get, found, repeat(0)), repeat(weight)))
        return array("I", found), array("f", total)

    def holding(self, word: str) -> set[int]:
        """The numbers of the facts that hold the word."""
        if word not in self._holding:
            self._holding[word] = set(self.postings(word)[0])
        return self._holding[word]

    def holding_itself(self, word: str) -> set[int]:
        """The numbers of the facts whose own fields hold the word (see `own_fields`)."""
        if word not in self._holding_itself:
            self._holding_itself[word] = set(self._own_postings(word)[0])
        return self._holding_itself[word]

    def weights(self, word: str) -> dict[int, float]:
        """Fact number -> how much the word weighs in that fact, for the facts that hold it."""
        if word not in self._weights:
            numbers, weights = self.postings(word)
            # The numbers that `holding` holds, not new ones, and each weight once: a word that
            # most facts hold would otherwise make two objects a fact.
            keys: Iterable[int] = numbers
            if word in self._holding:
                held = sorted(self._holding[word])
                if held == numbers.tolist():  # as it is: postings are in order
                    keys = held
            shared: dict[float, float] = {}
            values = map(shared.setdefault, weights, weights)
            self._weights[word] = dict(zip(keys, values, strict=True))
        return self._weights[word]

    def has(self, word: str) -> bool:
        """Whether any fact holds the word."""
        return bool(self.postings(word)[0])

    def starting(self, prefix: str) -> list[str]:
        """The words that start with prefix, in order."""
        rows = self._db.execute(
            "SELECT word FROM postings WHERE word >= ?1 AND word < ?2 UNION "
            "SELECT word FROM entity_words WHERE word >= ?1 AND word < ?2 ORDER BY word",
            (prefix, prefix + "\U0010ffff"),
        )
        return [word for (word,) in rows if word.startswith(prefix)]

    def spellings(self, shortest: int, longest: int) -> list[tuple[str, str]]:
        """Every folded word of these lengths as written, with its word: (spelling, stem).

        Words no fact holds are among them (an entity's that no fact names): see `how_many`.
        """
        rows = self._db.execute(
            "SELECT spelling, word FROM spellings WHERE length BETWEEN ? AND ?",
            (shortest, longest),
        )
        return rows.fetchall()

    def how_many(self, word: str) -> int:
        """How many facts hold the word."""
        if (
            word in self._postings
            or self._db.execute("SELECT 1 FROM entity_words WHERE word = ?", (word,)).fetchone()
        ):
            return len(self.postings(word)[0])
        row = self._db.execute(
            "SELECT sum(length(facts)) FROM postings WHERE word = ?", (word,)
        ).fetchone()
        return (row[0] or 0) // array("I").itemsize

    def date(self, number: int) -> PartialDate:
        """The date of the fact with this number, without reading the fact."""
        return packed.date_of(self.dates[number])

    def facts(self, numbers: Iterable[int]) -> dict[int, Fact]:
        """The facts with these numbers."""
        runs, starts = self.runs, self._starts
        wanted: dict[int, tuple[int, int]] = {}  # the key of each fact: its number, lines moved
        for number in numbers:
            run = runs[bisect_right(starts, number) - 1]
            wanted[run.run << _PLACES | (number - run.start)] = number, run.lines
        keys = list(wanted)
        found: dict[int, Fact] = {}
        shared = packed.Shared()
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT number, fact FROM facts WHERE number IN ({marks})", batch
            )
            for key, blob in rows:
                number, lines = wanted[key]
                found[number] = packed.fact_of(_values(blob, lines), shared)
        return dict(sorted(found.items()))  # in file order

    def every_fact(self) -> Iterator[packed.FactValues]:
        """Every fact, as values (see `tmkfacts.packed`), in file order, as they are read."""
        for run in self.runs:
            low = run.run << _PLACES
            rows = self._db.execute(
                "SELECT fact FROM facts WHERE number >= ? AND number < ? ORDER BY number",
                (low, low + run.size),
            )
            yield from (_values(blob, run.lines) for (blob,) in rows)

    def own_fields(self, fact: Fact) -> Fields:
        """The words of each field of a fact but those its entities give: to find phrases in.

        What the fields of a fact hold is what these and `entity_fields` hold; a word of the
        ones is in the fact's postings, `holding_itself`, and a word of the others is not.
        """
        return self._reader_of_facts().own_fields(fact)

    def entity_fields(self, entities: tuple[str, ...]) -> Fields:
        """The words of the fields a fact's entities give it (names and country), in order."""
        return self._reader_of_facts().entity_fields(entities)

    def _reader_of_facts(self) -> _Reader:
        if self._reader is None:
            self._reader = _Reader(self.base)
        return self._reader

    def explain_miss(self, where: Filter) -> str | None:
        """Why the filter found nothing, when a value it names is unknown (see query)."""
        return explain_miss(self.base, where, self.materials, self.tags)

    def with_facts(self, facts: Iterable[Fact]) -> FactBase:
        """The base with only these facts: what filters are applied to."""
        return FactBase(self.base.sources, self.base.entities, tuple(facts), self.base.files)


def of_base(base: FactBase, path: Path | None = None) -> Index:
    """The index of a loaded base, written into a new file at path, or in memory."""
    db = _create(path)
    try:
        writer = _Writer(db, base)
        for fact in base.facts:
            writer.add(fact)
        writer.finish()
    except BaseException:
        _discard(db, path)
        raise
    return Index(db)


def _create(path: Path | None) -> sqlite3.Connection:
    db = sqlite3.connect(str(path) if path else ":memory:")
    db.execute("PRAGMA journal_mode = OFF")  # a file is renamed into place only when whole
    db.execute("PRAGMA synchronous = OFF")
    return db


def _discard(db: sqlite3.Connection, path: Path | None) -> None:
    db.close()
    if path:
        path.unlink(missing_ok=True)


def build(
    files: Sequence[Path], path: Path | None, made_by: str = ""
) -> tuple[Index, list[Fingerprint]]:
    """Validate fact files and index them into a new SQLite file at path, or in memory.

    The facts stream from the files into the index, so that no more than a run of them is held
    at a time. Returns the index and the fingerprint of each file as it was read. Raises
    FactsError as `store.load` does, and then leaves nothing at path. `made_by` names the code
    that built it (see `Index.built_from`).
    """
    from tmkfacts import forked, store  # only to build: a search reads a built index

    if path is not None and (share := forked.half_of(files)) is not None:
        split = _build_split(files, path, made_by, share)
        if split is not None:
            return split
    db = _create(path)
    try:
        writers: list[_Writer] = []

        def begin(base: FactBase) -> Callable[[Fact], None]:
            if writers:  # reading started again: start the index again
                db.executescript(_DROP)
            writers[:] = [_Writer(db, base)]
            return writers[0].add

        def mark(file: int, line: int, digest: bytes | None) -> None:
            writers[0].start_run(file, line, digest)

        streamed = store.stream(files, begin, mark)
        built_from = list(zip(streamed.fingerprints, streamed.in_runs, strict=True))
        writers[0].finish(built_from, made_by, streamed.heads)
    except BaseException:
        _discard(db, path)
        raise
    return Index(db), streamed.fingerprints


def _build_split(
    files: Sequence[Path], path: Path, made_by: str, share: int
) -> tuple[Index, list[Fingerprint]] | None:
    """`build`, with the runs of facts after the first `share` bytes indexed by a fork.

    Both processes cut the files (`store.share_runs`); this one indexes the runs that start in
    the first `share` bytes, the other the rest into a file of its own, whose runs this one then
    copies into its index and places after its own, as `update` places the runs it keeps. None
    when the files cannot be cut, hold any problem, a fact id twice, or changed while they were
    read: `build` then reads them, and says what the problem is.
    """
    from tmkfacts import forked, store

    heads = store.heads(files)
    base = store.heads_base(files, heads) if heads is not None else None
    if heads is None or base is None:
        return None
    theirs = path.with_name(path.name + ".part")
    made: list[sqlite3.Connection] = []  # this process's index, once begun

    def mine(going: forked.Going) -> tuple[_Writer, store.Cut] | None:
        made.append(db := _create(path))
        writer = _Writer(db, base)
        cut = _index_share(files, base, writer, going, share)
        return None if cut is None else (writer, cut)

    try:
        done = forked.halves(mine, lambda going: _index_rest(files, base, theirs, going, share))
        if done is None:
            return None
        writer, cut = done
        db = made[0]
        db.commit()
        if cut.heads != [head.digest for head in heads] or not _add_runs(db, writer, theirs, cut):
            return None
        writer.finish([(each, True) for each in cut.fingerprints], made_by, cut.heads)
        made.clear()
        return Index(db), cut.fingerprints
    finally:
        theirs.unlink(missing_ok=True)
        if made:  # no index: `build` makes one anew in the same file
            _discard(made[0], path)


def _index_rest(
    files: Sequence[Path], base: FactBase, into: Path, going: Callable[[], bool], share: int
) -> bool:
    """In the fork: index the runs after the first `share` bytes into a new file at `into`.

    Its meta table gets the files' fingerprints and heads as cut. False, and no file, when
    `_index_share` fails.
    """
    done = False
    try:
        with closing(_create(into)) as db:
            cut = _index_share(files, base, _Writer(db, base), going, share, rest=True)
            if cut is not None:
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("files", marshal.dumps(cut.fingerprints)),
                        ("heads", marshal.dumps(cut.heads)),
                    ],
                )
                db.commit()
                done = True
    finally:
        if not done:
            into.unlink(missing_ok=True)
    return done


def _index_share(
    files: Sequence[Path],
    base: FactBase,
    writer: _Writer,
    going: Callable[[], bool],
    share: int,
    *,
    rest: bool = False,
) -> store.Cut | None:
    """Index the runs of facts that start in the files' first `share` bytes, or the rest.

    Returns the files as cut; None when a run holds any problem, the files cannot be cut, or
    `going`, asked as each part of a run is read, says to stop.
    """
    from tmkfacts import store

    cut = store.Cut([], [], [])
    try:
        for number, data, line, digest in store.share_runs(files, cut, share, rest=rest):
            writer.start_run(number, line, digest)
            for facts in store.run_parts(str(files[number]), data, line, base):
                if facts is None or not going():
                    return None
                for fact in facts:
                    writer.add(fact)
    except store.Uncut:
        return None
    writer.end_run()
    return cut


def _add_runs(db: sqlite3.Connection, writer: _Writer, theirs: Path, cut: store.Cut) -> bool:
    """Copy the runs the forked process indexed into db, after the writer's, and place them.

    False when it read other files than this process did, or a fact id is twice in all.
    """
    db.execute("ATTACH DATABASE ? AS theirs", (str(theirs),))
    meta = dict(db.execute("SELECT key, value FROM theirs.meta"))
    if (marshal.loads(meta["files"]), marshal.loads(meta["heads"])) != (
        cut.fingerprints,
        cut.heads,
    ):
        return False
    ids = [
        fact_id
        for (run_ids,) in db.execute("SELECT ids FROM runs UNION ALL SELECT ids FROM theirs.runs")
        for fact_id in marshal.loads(run_ids)
    ]
    if len(set(ids)) < len(ids):
        return False
    runs = [run for (run,) in db.execute("SELECT run FROM theirs.runs ORDER BY run")]
    first = writer.next_run
    db.execute(
        "INSERT INTO runs SELECT run + ?, file, digest, ids, refs, record FROM theirs.runs",
        (first,),
    )
    db.execute("INSERT INTO facts SELECT number + ?, fact FROM theirs.facts", (first << _PLACES,))
    db.execute(
        "INSERT INTO postings SELECT word, run + ?, facts, weights FROM theirs.postings"
        " ORDER BY rowid",
        (first,),
    )
    db.commit()
    db.execute("DETACH DATABASE theirs")
    for run in runs:
        writer.keep_run(first + run)
    return True


def gone(before: FactBase, now: FactBase) -> frozenset[tuple[str, str]]:
    """The entities and sources that `before` has and `now` has not, as (table, id).

    A run of facts that names none of them names only records that `now` has, and is indexed
    alike with either base: what an entity adds to its facts is not in their runs.
    """
    entities = {e.id for e in before.entities} - {e.id for e in now.entities}
    sources = {s.id for s in before.sources} - {s.id for s in now.sources}
    return frozenset([("entity", key) for key in entities] + [("source", key) for key in sources])


def update(
    kept: Path,
    path: Path | None,
    *,
    base: FactBase,
    runs: Iterable[Kept | Fresh],
    built_from: BuiltFrom,
    heads: Sequence[bytes | None],
    made_by: str,
) -> Index:
    """The index in the file `kept`, with these runs in this order, in a new file at path.

    For files cut as `tmkfacts.store.cut` cuts them, whose heads now hold the sources and
    entities of `base`: the runs the kept index holds stay as they are, moved if they must
    be, and only the fresh ones are indexed. The index answers as one built from the files
    would, and costs what the fresh runs cost, not the whole base. The caller checks the fresh
    runs' facts, that the kept ones name no record `gone` gives, and that no two facts of
    all the runs have the same id.
    """
    if path is not None:
        try:
            shutil.copyfile(kept, path)  # the operating system's copy: quicker than SQLite's
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    db = _create(path)
    try:
        if path is None:
            with closing(sqlite3.connect(kept.resolve().as_uri() + "?mode=ro", uri=True)) as old:
                old.backup(db)
        writer = _Writer(db, base, updating=True)
        for run in runs:
            if isinstance(run, Kept):
                writer.keep_run(run.run, run.line)
                continue
            writer.start_run(run.file, run.line, run.digest)
            for fact in run.facts:
                writer.add(fact)
        writer.finish(built_from, made_by, heads)
    except BaseException:
        _discard(db, path)
        raise
    return Index(db)


class _Reader:
    """Turns a fact into the words of its fields, as the index holds them."""

    def __init__(self, base: FactBase) -> None:
        self.known: dict[str, str] = {}  # each word as written -> its stem
        self.folded: dict[str, str] = {}  # each word as written -> folded
        self.raws: set[str] = set()  # the words as written since `spelled` was last asked
        self.seen: dict[str, tuple[list[str], list[str]]] = {}  # see `recurring`
        self.entity_words = {
            entity.id: self.words(_entity_text(base, entity)) for entity in base.entities
        }
        self.countries = {e.id: country_word(e.country) for e in base.entities if e.country}

    def words(self, text: str) -> list[str]:
        raws: list[str] = TOKEN.findall(text)
        self.raws.update(raws)
        found = list(map(self.known.get, raws))  # most words were met before
        words = [
            self.learn(raw) if word is None else word
            for raw, word in zip(raws, found, strict=True)
        ] if None in found else cast(list[str], found)  # fmt: skip
        return [word for word in words if word] if "" in words else words

    def learn(self, raw: str) -> str:
        folded = fold(raw)
        if folded == raw:  # most words: then one string, not two, for as long as the index is
            folded = raw  # built (`stem` gives back a word it leaves as it is)
        self.folded[raw] = folded
        word = self.known[raw] = stem(folded)
        return word

    def spelled(self) -> dict[str, str]:
        """Each word written since last asked, folded, with its word (stem); then forgets them."""
        raws, self.raws = self.raws, set()
        known, folded = self.known, self.folded
        return {folded[raw]: known[raw] for raw in raws}

    def recurring(self, text: str) -> list[str]:
        """The words of a text that many facts share, such as a kind, a tag or a year."""
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = (self.words(text), TOKEN.findall(text))
        self.raws.update(found[1])
        return found[0]

    def entity_fields(self, entities: tuple[str, ...]) -> Fields:
        """The words the entities a fact names give it: their names, and their countries."""
        names: list[str] = []
        countries = []
        for entity_id in entities:
            names += self.entity_words[entity_id]
            if entity_id in self.countries:
                countries.append(self.countries[entity_id])
        return {"names": names, "country": countries}

    def own_fields(self, fact: Fact) -> Fields:
        """The words of the fields of a fact but those of its entities (names and country)."""
        words, recurring = self.words, self.recurring
        text = words(fact.text)
        if fact.place:
            text += words(fact.place)
        for figure in fact.figures:
            text += words(_figure_text(figure))
        topics: list[str] = []
        for topic in (*fact.materials, *fact.tags):
            topics += recurring(topic)
        date = recurring(str(fact.date.year))
        if fact.date.month:
            date = date + recurring(_MONTHS[fact.date.month - 1])
        return {
            "title": words(fact.title),
            "topics": topics,
            "text": text,
            "kind": list(recurring(fact.kind)),
            "date": list(date),
            "id": words(fact.id),
        }


class _Run:
    """The run a `_Writer` is writing: where it starts, and what it adds but for its facts."""

    def __init__(self, run: int, file: int, line: int, digest: bytes | None, start: int) -> None:
        self.run, self.file, self.line, self.digest, self.start = run, file, line, digest, start
        self.ids: list[str] = []
        self.materials: set[str] = set()
        self.tags: set[str] = set()
        self.refs: set[tuple[str, str]] = set()


class _Writer:
    """Writes facts into a new index, or an updated copy of one, a run at a time.

    Postings are kept in memory until the run ends, or until there are _SPILL of them.
    """

    def __init__(self, db: sqlite3.Connection, base: FactBase, updating: bool = False) -> None:
        self.db = db
        self.base = FactBase(base.sources, base.entities, (), base.files, base.digest)
        self.reader = _Reader(base)
        self.spellings = self.reader.spelled()  # of the entities; then of each run
        self.postings: dict[str, tuple[array[int], array[float]]] = {}
        self.held = 0  # postings in memory
        self.lengths = array("d")  # of what facts say themselves, until `_add_entities`
        self.dates = array("q")
        self.named: list[tuple[str, ...]] = []  # the entities each fact names
        self.sets: dict[tuple[str, ...], tuple[str, ...]] = {}  # each set of them, once
        self.ids = {entity.id: entity.id for entity in base.entities}
        self.materials: set[str] = set()
        self.tags: set[str] = set()
        self.rows: list[tuple[int, bytes]] = []
        self.placed: list[Placed] = []
        self.run: _Run | None = None
        self.next_run = 0
        if not updating:
            db.executescript(_SCHEMA)
        else:
            (most,) = db.execute("SELECT max(run) FROM runs").fetchone()
            self.next_run = 0 if most is None else most + 1

    def start_run(self, file: int, line: int, digest: bytes | None) -> None:
        """Start a run of facts: of file number `file`, from `line`, with this digest if any."""
        self.end_run()
        self.run = _Run(self.next_run, file, line, digest, len(self.lengths))
        self.next_run += 1

    def keep_run(self, number: int, line: int | None = None) -> None:
        """Keep a run the index being updated holds, now starting on `line`, as the next run.

        Without a line, on the line it started on when written.
        """
        self.end_run()
        (record,) = self.db.execute("SELECT record FROM runs WHERE run = ?", (number,)).fetchone()
        start, written_line, lengths, dates, materials, tags, spellings, named = marshal.loads(
            record
        )
        now = len(self.lengths)
        line = written_line if line is None else line
        self.lengths.frombytes(lengths)
        self.dates.frombytes(dates)
        self.materials.update(materials)
        self.tags.update(tags)
        self.spellings.update(spellings)
        self.named += named
        size = len(self.lengths) - now
        self.placed.append(Placed(number, now, size, now - start, line - written_line))

    def end_run(self) -> None:
        """End the run being written, if any, and keep its record."""
        run, self.run = self.run, None
        if run is None:
            return
        self._flush()
        self._spill(run.run)
        start = run.start
        spellings = self.reader.spelled()
        record = (
            start, run.line, self.lengths[start:].tobytes(), self.dates[start:].tobytes(),
            tuple(run.materials), tuple(run.tags), tuple(spellings.items()),
            tuple(self.named[start:]),
        )  # fmt: skip
        self.db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
            (run.run, run.file, run.digest, marshal.dumps(tuple(run.ids)),
             marshal.dumps(frozenset(run.refs)), marshal.dumps(record)),
        )  # fmt: skip
        self.spellings.update(spellings)
        self.materials |= run.materials
        self.tags |= run.tags
        self.placed.append(Placed(run.run, start, len(self.lengths) - start, 0, 0))

    def add(self, fact: Fact) -> None:
        run = self.run
        if run is None:  # facts of a base, not read from files: one run
            self.start_run(-1, 0, None)
            run = cast(_Run, self.run)
        number = len(self.lengths)
        fields = self.reader.own_fields(fact)
        weighted = cast(dict[str, float], Counter(fields["text"]))  # its weight is 1: counted in C
        for name, words in fields.items():
            if name != "text":
                weight = WEIGHTS[name]
                for word in words:
                    weighted[word] = weighted.get(word, 0.0) + weight
        postings = self.postings
        for word, weight in weighted.items():
            found = postings.get(word)
            if found is None:
                found = postings[word] = (array("I"), array("f"))
            found[0].append(number)
            found[1].append(weight)
        self.held += len(weighted)
        if self.held >= _SPILL:
            self._spill(run.run)
        self.lengths.append(sum(WEIGHTS[name] * len(fields[name]) for name in _OWN_CONTENT))
        self.dates.append(packed.date_key(fact.date))
        named = tuple(map(self.ids.__getitem__, fact.entities))  # one str an id
        self.named.append(self.sets.setdefault(named, named))  # and one tuple a set of them
        run.materials.update(fact.materials)
        run.tags.update(fact.tags)
        run.refs.update([("entity", key) for key in fact.entities])
        run.refs.update([("source", key) for key in fact.sources])
        run.ids.append(fact.id)
        self.rows.append((run.run << _PLACES | (number - run.start), _pack(fact)))
        if len(self.rows) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO facts VALUES (?, ?)", self.rows)
        self.rows.clear()

    def _spill(self, run: int) -> None:
        self.db.executemany(
            "INSERT INTO postings VALUES (?, ?, ?, ?)",
            (
                (word, run, facts.tobytes(), weights.tobytes())
                for word, (facts, weights) in self.postings.items()
            ),
        )
        self.postings.clear()
        self.held = 0

    def finish(
        self, built_from: BuiltFrom = (), made_by: str = "", heads: Sequence[bytes | None] = ()
    ) -> None:
        self.end_run()
        self._forget_others()
        self.db.executescript(_INDEXES)
        self._add_entities()
        self.db.executemany(
            "INSERT INTO spellings VALUES (?, ?, ?)",
            ((len(spelling), spelling, word) for spelling, word in self.spellings.items()),
        )
        meta = {
            "version": VERSION.encode(),
            "base": marshal.dumps(packed.base_values(self.base)),
            "lengths": self.lengths.tobytes(),
            "dates": self.dates.tobytes(),
            "materials": marshal.dumps(frozenset(self.materials)),
            "tags": marshal.dumps(frozenset(self.tags)),
            "names": marshal.dumps(tuple(_phrases(e) for e in self.base.entities)),
            "runs": marshal.dumps(tuple(tuple(run) for run in self.placed)),
            "files": marshal.dumps([(*each, in_runs) for each, in_runs in built_from]),
            "heads": marshal.dumps(tuple(heads)),
            "made_by": made_by.encode(),
        }
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        self.db.commit()

    def _forget_others(self) -> None:
        """Remove what the index being updated held of runs it no longer has, and its spellings."""
        kept = [run.run for run in self.placed]
        self.db.execute("CREATE TEMPORARY TABLE kept(run INTEGER PRIMARY KEY)")
        self.db.executemany("INSERT INTO kept VALUES (?)", ((run,) for run in kept))
        gone = [row[0] for row in self.db.execute("SELECT run FROM runs WHERE run NOT IN kept")]
        if gone:
            self.db.execute("DELETE FROM postings WHERE run NOT IN kept")
            self.db.executemany(
                "DELETE FROM facts WHERE number >= ? AND number < ?",
                ((run << _PLACES, (run + 1) << _PLACES) for run in gone),
            )
            self.db.execute("DELETE FROM runs WHERE run NOT IN kept")
        self.db.execute("DROP TABLE kept")
        self.db.execute("DELETE FROM spellings")
        self.db.execute("DELETE FROM named")
        self.db.execute("DELETE FROM entity_words")

    def _add_entities(self) -> None:
        """Add the entities' names to the facts' lengths; write what names them, and what for.

        The table named gets the facts that name each entity, and entity_words what each of
        its words weighs in them. The runs' records hold the lengths of what facts say
        themselves (_OWN_CONTENT), and the entities each fact names; what those add is reckoned
        from the base the index is finished with, so that a run is indexed alike whatever its
        entities were called when it was written.
        """
        words_of, countries = self.reader.entity_words, self.reader.countries
        length_of = {entity: WEIGHTS["names"] * len(words) for entity, words in words_of.items()}
        added = [sum(map(length_of.__getitem__, entities)) for entities in self.named]
        self.lengths = array("d", map(add, self.lengths, added))
        naming: dict[str, array[int]] = {}
        for number, entities in enumerate(self.named):
            for entity in entities:
                found = naming.get(entity)
                if found is None:
                    found = naming[entity] = array("I")
                found.append(number)
        self.db.executemany(
            "INSERT INTO named VALUES (?, ?)",
            ((entity, facts.tobytes()) for entity, facts in naming.items()),
        )
        weighs: list[tuple[str, str, float]] = []
        for entity in naming:
            weights = {
                word: WEIGHTS["names"] * count for word, count in Counter(words_of[entity]).items()
            }
            if entity in countries:
                weights[countries[entity]] = (
                    weights.get(countries[entity], 0.0) + WEIGHTS["country"]
                )
            weighs += ((word, entity, weight) for word, weight in weights.items())
        self.db.executemany("INSERT INTO entity_words VALUES (?, ?, ?)", weighs)


def _pack(fact: Fact) -> bytes:
    """A fact as bytes: marshal, which is many times quicker than pickle, of its values."""
    return marshal.dumps(packed.fact_values(fact))


def _values(data: bytes, lines: int) -> packed.FactValues:
    """The values of the fact that `_pack` made these bytes of, `lines` lines further down."""
    values: packed.FactValues = marshal.loads(data)
    if lines and values[-1] is not None:
        values = (*values[:-1], values[-1] + lines)
    return values


def _phrases(entity: Entity) -> tuple[tuple[str, ...], ...]:
    """An entity's id and names as phrases of words, each once; none of a name without words.

    A name may be of signs alone, such as "—": no phrase of none would match, nor be read.
    """
    phrases = (tuple(stems(name)) for name in (entity.id, *entity.names))
    return tuple(dict.fromkeys(phrase for phrase in phrases if phrase))


def _figure_text(figure: Figure) -> str:
    """What search sees of a figure: its parts, as words."""
    parts = (
        figure.metric, figure.value, figure.unit, figure.scale, figure.period, figure.change_pct,
        figure.qualifier,
    )  # fmt: skip
    return " ".join(str(part) for part in parts if part is not None)


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
