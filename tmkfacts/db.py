"""The SQLite database of a fact base: its records, and the FTS5 index that search queries.

Fact files are read (`tmkfacts.store`) into a database in the user's cache folder, named by a
key of the files' content, the files' names and this version of tmkfacts. A command opens it
read-only; it is never parsed again while the files are unchanged. A new database is written
under a temporary name and renamed into place, so no reader ever sees half of one. After an
edit, the newest database of the same files is copied and only the facts whose bytes changed
are parsed and indexed again (each fact's digest is kept beside it). A folder that cannot be
written means a database in memory; a damaged file is rebuilt. TMKFACTS_NO_CACHE=1 turns the
cache off.

`export --to FILE.db` writes a copy of this very database, so what a user opens in sqlite3 or
Datasette is what `search` uses. This is the only module that writes the database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, suppress
from functools import cache, cached_property, lru_cache
from itertools import groupby
from pathlib import Path
from sqlite3 import Connection
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from tmkfacts.dates import PartialDate, Span
from tmkfacts.locations import MAX_FILE_BYTES, StrPath, default_paths, resolve
from tmkfacts.model import Entity, Fact, FactBase, Figure, Origin, Source
from tmkfacts.vocabularies import SUBJECT

try:  # the built-in module: hashlib would load OpenSSL, a tenth of a search's start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover  # an interpreter built without it
    from hashlib import blake2b

if TYPE_CHECKING:
    from tmkfacts import store

#: The columns of the full-text index, in order, and how much a word counts in each (bm25).
WEIGHTS: dict[str, float] = {
    "title": 3.0, "kind": 3.0, "names": 2.0, "topics": 2.0, "countries": 4.0, "text": 1.0,
    "details": 1.0, "id": 0.5, "period": 0.5,
}  # fmt: skip
#: How the index splits and compares words: case, accents and English endings do not matter.
TOKENIZE = "porter unicode61 remove_diacritics 2"

#: Changes whenever what the database holds, or how, changes.
FORMAT = "3"
#: The columns a Fact is made of, in the order `fact_of` reads them.
FACT_COLUMNS = (
    "facts.id, facts.date, facts.kind, facts.title, facts.text, facts.entities, facts.sources, "
    "facts.date_note, facts.place, facts.materials, facts.figures, facts.tags, "
    "facts.not_before, facts.not_after, facts.disputes, facts.span_start, facts.span_end, "
    "facts.file, facts.line"
)
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_BATCH = 2000  # facts parsed and written at a time: memory stays bounded for any base


class Database:
    """A fact base in SQLite: its sources and entities at hand, its facts read as asked."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        meta = dict(connection.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            raise sqlite3.DatabaseError("not a tmkfacts database of this version")
        self.files: tuple[str, ...] = tuple(json.loads(meta["files"]))
        self.count: int = connection.execute("SELECT count(*) FROM facts").fetchone()[0]

    @cached_property
    def cited(self) -> FactBase:
        """The sources alone: all that a fact's rows need, and few."""
        files = self.files
        sources = tuple(
            Source(id_, title, publisher, url, PartialDate.parse(published), notes,
                   bool(supplied), language, _origin(files, file, line))
            for id_, title, publisher, url, published, notes, supplied, language, file, line
            in self.connection.execute(
                "SELECT id, title, publisher, url, published, notes, title_supplied, language, "
                "file, line FROM sources ORDER BY rowid"
            )
        )  # fmt: skip
        return FactBase(sources, (), (), files)

    @cached_property
    def base(self) -> FactBase:
        """The sources and entities, without the facts, which are read as asked."""
        files = self.files
        loads = json.loads
        entities = tuple(
            Entity(id_, name, type_, short, tuple(loads(aliases)), country, parent, role, org,
                   about, tuple(loads(relations)), tuple(loads(typed)), _origin(files, file, line))
            for (id_, name, type_, short, aliases, country, parent, role, org, about, relations,
                 typed, file, line) in self.connection.execute(
                "SELECT id, name, type, short_name, aliases, country, parent, role, organization,"
                " description, relations, search_aliases, file, line FROM entities ORDER BY rowid"
            )
        )  # fmt: skip
        return FactBase(self.cited.sources, entities, (), files)

    @classmethod
    def open(cls, path: Path) -> Database:
        """The database in this file, read-only; sqlite3.DatabaseError if damaged or not one."""
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True)
        try:
            return cls(connection)
        except BaseException:
            connection.close()
            raise

    def facts(
        self, where: str = "1", params: Sequence[object] = (), order: str = "facts.position"
    ) -> Iterator[Fact]:
        """The facts meeting an SQL condition on `facts`, in this order, each made as read."""
        sql = f"SELECT {FACT_COLUMNS} FROM facts WHERE {where} ORDER BY {order}"  # ours
        return (fact_of(row, self.files) for row in self.connection.execute(sql, params))

    def fact(self, fact_id: str) -> Fact | None:
        """The fact with this id, or None."""
        return next(self.facts("facts.id = ?", (fact_id,)), None)

    def with_facts(self) -> FactBase:
        """The whole base, every fact made: for small bases and the Python API."""
        base = self.base
        return FactBase(base.sources, base.entities, tuple(self.facts()), base.files)

    def fact_ids(self) -> list[str]:
        """Every fact id, in file order."""
        return [row[0] for row in self.connection.execute("SELECT id FROM facts ORDER BY position")]

    def facts_per_file(self) -> dict[int, int]:
        """How many facts each file holds, by its number in `files`."""
        return dict(self.connection.execute("SELECT file, count(*) FROM facts GROUP BY file"))


def fact_of(row: Sequence[Any], files: Sequence[str]) -> Fact:
    """The Fact of a row of FACT_COLUMNS."""
    loads = json.loads
    fact_id, date, kind, title, text, entities, sources, date_note, place = row[:9]
    materials, figures, tags, not_before, not_after, disputes, start, end, file, line = row[9:]
    written = _date(date)
    return Fact(
        fact_id, written, kind, title, text, _slugs(entities), _slugs(sources),
        date_note, place, _slugs(materials), tuple(Figure(*each) for each in loads(figures)),
        _slugs(tags), not_before and _date(not_before), not_after and _date(not_after),
        _slugs(disputes), Span(_date(start), _date(end)), _origin(files, file, line),
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _date(text: str) -> PartialDate:
    """A date column's date: few distinct ones, read for every fact."""
    return PartialDate.parse(text)


def _slugs(array: str) -> tuple[str, ...]:
    """The ids, materials or tags of a JSON array as `_ids` writes it: slugs, unescaped."""
    return tuple(array[2:-2].split('", "')) if len(array) > 2 else ()


def _origin(files: Sequence[str], file: int | None, line: int | None) -> Origin | None:
    return None if file is None else Origin(files[file], line)


# --- opening, and building when needed ---------------------------------------------------------


def cache_dir() -> Path | None:
    """The folder of the databases, by the platform's convention; None when there is none."""
    if os.environ.get("TMKFACTS_NO_CACHE"):
        return None
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "tmkfacts" / "Cache"
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "tmkfacts"
    try:
        home = Path.home()
    except (RuntimeError, KeyError):
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "tmkfacts"
    return home / ".cache" / "tmkfacts"


def load(
    paths: Iterable[StrPath] | None = None,
    *,
    reading: Callable[[int], object] = lambda _size: None,
    warn: Callable[[str], object] = lambda _line: None,
) -> Database:
    """The database of these fact files (default: the shipped base and the user's own).

    Opened from the cache when kept; else the files are read, validated (FactsError) and
    written into a new one. `reading` is told the files' size before they are read anew;
    `warn` is told, in one line, of a damaged database that had to be rebuilt.
    """
    files = [resolve(p) for p in paths] if paths is not None else default_paths()
    folder = cache_dir()
    try:
        key = _key(files, folder)
    except OSError:  # the store says which file cannot be read, and why
        from tmkfacts import store

        store.load(files)
        raise  # not reached: a file that cannot be read is a FactsError
    if folder is None:
        _tell(reading, files)
        return Database(_build(files, None, "", None))
    path = folder / f"facts-{key}.db"
    if path.exists():
        try:
            return Database.open(path)
        except sqlite3.DatabaseError:
            warn(f"the cached database {path} was damaged; rebuilding it")
            path.unlink(missing_ok=True)
    _tell(reading, files)
    temporary = _temporary(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _build(files, folder, key, temporary).close()
        temporary.replace(path)
    except (OSError, sqlite3.OperationalError):  # a read-only or full disk: work in memory
        return Database(_build(files, None, "", None))
    finally:  # gone once renamed; else, half written
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
    _tidy(folder, path)
    return Database.open(path)


def of_base(base: FactBase) -> Database:
    """A database in memory holding a base already loaded."""
    return Database(_write_base(_connect(None), base, key=""))


def database_of(base: FactBase | Database) -> Database:
    """The database given, or one in memory made once for a base already loaded."""
    return base if isinstance(base, Database) else _of_base(base)


@lru_cache(maxsize=2)
def _of_base(base: FactBase) -> Database:
    return of_base(base)


def _connect(path: Path | None) -> Connection:
    """A new, empty database to write: in this file, or in memory."""
    if path is not None:
        path.unlink(missing_ok=True)
    connection = sqlite3.connect(path or ":memory:")
    connection.execute("PRAGMA journal_mode = OFF")  # a file is renamed into place when whole
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -65536")  # 64 MiB: a big base is written in passes
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection


def _tell(told: Callable[[int], object], files: list[Path]) -> None:
    with suppress(OSError):
        told(sum(path.stat().st_size for path in files))


# --- the key: the files' content, their names and this code ------------------------------------


@cache
def code_stamp() -> str:
    """What tells this tmkfacts's code from another's: its version and its files' stamps."""
    from tmkfacts import __version__

    here = Path(__file__).parent
    digest = blake2b(f"{FORMAT} {__version__} {sqlite3.sqlite_version}".encode(), digest_size=16)
    for path in [*sorted(here.glob("*.py")), here / "lexicon.toml", here / "database.sql"]:
        status = path.stat()
        digest.update(f"{path.name}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


#: How long a file must have stood unchanged, in nanoseconds, for its key to be remembered.
SETTLED_NS = 3 * 10**9


def _key(files: Sequence[Path], folder: Path | None) -> str:
    """The key of the files' database: their names and content, and this code.

    OSError if one cannot be read or is too big. Hashing 45 MB takes a good part of a search
    answered from the cache, so the key is remembered by the files' status (device, inode,
    size and times) once they have stood unchanged for a while, as git remembers its hashes:
    any later write sets a file's change time to the time then, which no user can set back.
    """
    statuses = [path.stat() for path in files]
    if any(s.st_size > MAX_FILE_BYTES or not S_ISREG(s.st_mode) for s in statuses):
        raise OSError("not a fact file that can be read")
    stamps = _stamps(files, statuses)
    stamp = blake2b(f"{code_stamp()}{stamps}".encode("utf-8", "surrogatepass"), digest_size=20)
    memo = folder / f"stamp-{stamp.hexdigest()}" if folder and os.name == "posix" else None
    if memo is not None:
        with suppress(OSError):
            return memo.read_text(encoding="ascii")
    began = time.time_ns()
    key = _hashed(files)
    latest = max((max(s.st_mtime_ns, s.st_ctime_ns) for s in statuses), default=0)
    if memo and latest <= began - SETTLED_NS and _stamps(files, map(os.stat, files)) == stamps:
        with suppress(OSError):
            _write_atomically(memo, key.encode())
    return key


def _hashed(files: Sequence[Path]) -> str:
    digest = blake2b(code_stamp().encode(), digest_size=20)
    for path in files:
        content = blake2b(path.read_bytes(), digest_size=20).hexdigest()
        digest.update(f"\n{path}\0{content}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _stamps(files: Sequence[Path], statuses: Iterable[os.stat_result]) -> str:
    """What tells files apart from themselves changed: where they are, their sizes and times."""
    found = [(s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns) for s in statuses]
    return repr(list(zip(map(str, files), found, strict=True)))


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = _temporary(path.parent)
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    finally:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)


def _temporary(folder: Path) -> Path:
    """A new name to write a file under, in the folder, before it is renamed into place."""
    return folder / f".facts-{os.getpid()}-{time.monotonic_ns()}.tmp"


#: How many databases the cache folder keeps; a temporary file this old was abandoned.
_KEPT = 4
_ABANDONED = 24 * 3600


def _tidy(folder: Path, kept: Path) -> None:
    """Forget all but the newest few databases, and what processes left or older versions kept."""

    def newest(pattern: str) -> list[Path]:
        return sorted(folder.glob(pattern), key=lambda path: -path.stat().st_mtime)

    with suppress(OSError):  # another tmkfacts tidying up at once finishes the job
        for old in newest("facts-*.db")[_KEPT:] + newest("stamp-*")[4 * _KEPT :]:
            if old != kept:
                old.unlink(missing_ok=True)
        for old in newest("latest-*")[4 * _KEPT :] + newest("index-*.sqlite") + newest("*.marshal"):
            old.unlink(missing_ok=True)  # the last two: what the engine before this one kept
        for temporary in folder.glob(".facts-*.tmp"):
            if temporary.stat().st_mtime < time.time() - _ABANDONED:
                temporary.unlink(missing_ok=True)


# --- building ------------------------------------------------------------------------------------


def _build(files: list[Path], folder: Path | None, key: str, path: Path | None) -> Connection:
    """Write the database of the files: a kept one of the same files updated, else afresh.

    FactsError, with every problem, when the files do not validate.
    """
    from tmkfacts import store  # only to build: a database kept needs no parser

    cut = store.cut_files(files)
    if cut is not None:
        # The newest database of files of these names and heads, by this code, can be updated.
        heads = repr((code_stamp(), [str(each) for each in files], cut.head_digests))
        latest = folder / f"latest-{blake2b(heads.encode()).hexdigest()[:40]}" if folder else None
        if latest is not None and latest.is_file():
            connection = _connect(path)
            if _update(connection, latest.with_name(latest.read_text(encoding="utf-8")), cut, key):
                _remember(latest, key)
                return connection
            connection.close()
        connection = _connect(path)
        connection.executescript(_schema()[0])
        _write_head(connection, cut.base)
        with suppress(sqlite3.IntegrityError):  # a fact id twice
            if _write_cut(connection, cut):
                _remember(latest, key)
                return _finish(connection, cut.base, key=key)
        connection.close()
    # Files that cannot be cut into facts, or hold a problem: read whole, which says what it is.
    return _write_base(_connect(path), store.load(files), key)


@cache
def _schema() -> list[str]:
    """The tables, and the indexes written once the rows are: database.sql."""
    sql = Path(__file__).with_name("database.sql").read_text(encoding="utf-8")
    return sql.split("-- after the rows are written")


def _remember(latest: Path | None, key: str) -> None:
    """Note the database of this key as the newest of its files, to be updated after an edit."""
    with suppress(OSError):
        if latest is not None:
            _write_atomically(latest, f"facts-{key}.db".encode())


def _write_cut(connection: Connection, cut: store.Cut) -> bool:
    """Parse and write the facts of every file, a batch at a time; False for any problem."""
    from tmkfacts import store

    writer = _FactWriter(connection, cut.base)
    position = 0
    for number, segments in enumerate(cut.segments):
        for start in range(0, len(segments), _BATCH):
            batch = segments[start : start + _BATCH]
            facts = store.facts_of(cut, number, batch)
            if facts is None:
                return False
            for fact, segment in zip(facts, batch, strict=True):
                writer.add(fact, position, number, segment.line, segment.digest)
                position += 1
    writer.flush()
    return True


def _write_base(connection: Connection, base: FactBase, key: str) -> Connection:
    """Write a base already read, each fact where its origin says it was."""
    connection.executescript(_schema()[0])
    _write_head(connection, base)
    files = {name: number for number, name in enumerate(base.files)}
    writer = _FactWriter(connection, base)
    for position, fact in enumerate(base.facts):
        origin = fact.origin
        number = files.get(origin.file) if origin else None
        writer.add(fact, position, number, origin.line if origin else None, None)
    writer.flush()
    return _finish(connection, base, key=key)


def _write_head(connection: Connection, base: FactBase) -> None:
    files = {name: number for number, name in enumerate(base.files)}

    def where(origin: Origin | None) -> tuple[int | None, int | None]:
        return (files.get(origin.file), origin.line) if origin else (None, None)

    connection.executemany(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(s.id, s.title, s.publisher, s.url, str(s.published), s.notes, s.title_supplied,
          s.language, *where(s.origin)) for s in base.sources],
    )  # fmt: skip
    connection.executemany(
        "INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.id, e.name, e.short_name, e.type, e.country, e.parent, e.role, e.organization,
          e.description, json.dumps(e.aliases), json.dumps(e.relations),
          json.dumps(e.search_aliases), *where(e.origin))
         for e in base.entities],
    )  # fmt: skip
    connection.execute("INSERT INTO meta VALUES ('files', ?)", (json.dumps(list(base.files)),))


class _FactWriter:
    """Writes facts into the tables, a batch at a time; the index is filled from them after."""

    def __init__(self, connection: Connection, base: FactBase) -> None:
        self.connection = connection
        self.names = {entity.id: _entity_text(base, entity) for entity in base.entities}
        self.countries = {e.id: f"xx{e.country.casefold()}xx" for e in base.entities if e.country}
        self.facts: list[tuple[object, ...]] = []
        self.named: list[tuple[str, str]] = []
        self.rowids: list[int] = []

    def add(
        self, fact: Fact, position: int, file: int | None, line: int | None, digest: bytes | None
    ) -> None:
        """Add a fact, at this place in the files."""
        *dated, period = _dated(fact.date, fact.not_before, fact.not_after, fact.when)
        details = " ".join(
            [fact.place or "", *(_figure_text(figure) for figure in fact.figures)]
        ).strip()
        self.facts.append((
            fact.id, *dated, fact.date_note, fact.kind, fact.title, fact.text, fact.place,
            _ids(fact.entities), _ids(fact.sources), _ids(fact.materials), _ids(fact.tags),
            _ids(fact.disputes),
            json.dumps([list(figure) for figure in fact.figures]) if fact.figures else "[]",
            position, file, line, digest, SUBJECT in fact.entities,
            "\n".join(self.names.get(entity, entity) for entity in fact.entities),
            " ".join([*fact.materials, *fact.tags]),
            " ".join(self.countries[e] for e in fact.entities if e in self.countries),
            details, period,
        ))  # fmt: skip
        self.named += ((fact.id, each) for each in fact.entities)
        if len(self.facts) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what was added; sqlite3.IntegrityError for a fact id written twice."""
        connection = self.connection
        (before,) = connection.execute("SELECT coalesce(max(rowid), 0) FROM facts").fetchone()
        connection.executemany(
            "INSERT INTO facts (id, date, not_before, not_after, span_start, span_end, earliest, "
            "latest, "
            "date_note, kind, title, text, place, entities, sources, materials, tags, disputes, "
            "figures, position, file, line, digest, subject, names, topics, countries, details, "
            f"period) VALUES ({', '.join('?' * 29)})",
            self.facts,
        )
        # Each new row takes the next rowid, as the table is only ever appended to here.
        self.rowids += range(before + 1, before + 1 + len(self.facts))
        connection.executemany("INSERT INTO fact_entities VALUES (?, ?)", self.named)
        self.named.clear()
        self.facts.clear()


@lru_cache(maxsize=4096)
def _dated(
    date: PartialDate, not_before: PartialDate | None, not_after: PartialDate | None, when: Span
) -> tuple[str | None, ...]:
    """A date's columns: as written, its bounds, its span and its days, and its words."""
    month = f" {_MONTHS[date.month - 1]}" if date.month else ""
    return (
        str(date), not_before and str(not_before), not_after and str(not_after),
        str(when.start), str(when.end), when.earliest.isoformat(), when.latest.isoformat(),
        f"{date.year}{month}",
    )  # fmt: skip


def _ids(values: tuple[str, ...]) -> str:
    """A JSON array of ids, materials or tags: slugs, which need no escaping."""
    return '["' + '", "'.join(values) + '"]' if values else "[]"


def _finish(connection: Connection, base: FactBase, *, key: str) -> Connection:
    """Index the facts written, note what the database is, and write it out."""
    connection.executescript(_schema()[1])
    connection.execute("INSERT INTO facts_fts(facts_fts) VALUES ('rebuild')")
    _write_phrases(connection, base)
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("format", FORMAT), ("key", key), ("code", code_stamp())],
    )
    connection.commit()
    return connection


def _write_phrases(connection: Connection, base: FactBase) -> None:
    """The lexicon's phrases and the entities' names, as the index splits and stems them."""
    from tmkfacts.words import read_lexicon

    lexicon = read_lexicon()
    groups: list[tuple[str, str]] = [("stopword", word) for word in lexicon.stopwords]
    for number, terms in enumerate(lexicon.synonyms):
        groups += ((f"synonym:{number}", term) for term in terms)
    for country, names in lexicon.countries.items():
        groups += ((f"country:{country}", name) for name in (*names, f"xx{country.lower()}xx"))
    groups += ((f"symbol:{symbol}", name) for symbol, name in lexicon.symbols.items())
    groups += ((f"entity:{e.id}", name) for e in base.entities for name in (e.id, *e.names))
    found = zip(groups, stems(connection, [text for _, text in groups]), strict=True)
    connection.executemany(
        "INSERT INTO search_phrases VALUES (?, ?, ?, ?)",
        [(group, text if group == "stopword" else " ".join(words), text, words[0])
         for (group, text), words in found if words],
    )  # fmt: skip


def stems(connection: Connection, texts: Sequence[str]) -> list[tuple[str, ...]]:
    """Each text's words as the index holds them: split, folded and stemmed by FTS5 itself."""
    connection.executescript(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5(t, tokenize='{TOKENIZE}');"
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer_words "
        "USING fts5vocab(temp, stemmer, 'instance'); DELETE FROM temp.stemmer;"
    )
    connection.executemany("INSERT INTO temp.stemmer(rowid, t) VALUES (?, ?)", enumerate(texts, 1))
    found: list[tuple[str, ...]] = [() for _ in texts]
    for doc, term in connection.execute(
        "SELECT doc, term FROM temp.stemmer_words ORDER BY doc, offset"
    ):
        found[doc - 1] += (term,)
    return found


def _entity_text(base: FactBase, entity: Entity) -> str:
    """What an entity adds to its facts' names: its id, names, relations and its parents' names.

    A parent's names find its subsidiary's facts: Chinalco finds Chalieco's contract.
    """
    parts = [entity.id, *entity.names, *entity.relations]
    seen = {entity.id}
    parent = entity.parent
    while parent is not None and parent not in seen:
        seen.add(parent)
        try:
            above = base.entity(parent)
        except KeyError:
            break
        parts.extend(above.names)
        parent = above.parent
    return "\n".join(parts)


def _figure_text(figure: Figure) -> str:
    """What search sees of a figure: its parts, as words."""
    return " ".join(str(part) for part in figure if part is not None)


# --- updating a kept database --------------------------------------------------------------------


def _update(connection: Connection, old: Path, cut: store.Cut, key: str) -> bool:
    """Write into `connection` a copy of the old database, with only the changed facts read.

    False when the old one cannot be read, little of it can stay, or the changed facts hold a
    problem: the caller then builds afresh.
    """
    from tmkfacts import store

    try:
        with closing(sqlite3.connect(old.resolve().as_uri() + "?mode=ro", uri=True)) as source:
            source.backup(connection)
    except sqlite3.Error:
        return False
    kept = {
        digest: (rowid, position, file, line)
        for digest, rowid, position, file, line in connection.execute(
            "SELECT digest, rowid, position, file, line FROM facts WHERE digest IS NOT NULL"
        )
    }
    moved: list[tuple[int, int, int | None, int]] = []  # position, file, line, rowid
    fresh: list[tuple[int, int, store.Segment]] = []  # position, file, segment
    position = 0
    for number, segments in enumerate(cut.segments):
        for segment in segments:
            found = kept.pop(segment.digest, None)
            if found is None:
                fresh.append((position, number, segment))
            elif found[1:] != (position, number, segment.line):
                moved.append((position, number, segment.line, found[0]))
            position += 1
    if len(fresh) > position // 2:  # most of it changed: building afresh costs no more
        return False
    gone = [rowid for rowid, *_ in kept.values()]
    _delete(connection, gone)
    connection.executemany(
        "UPDATE facts SET position = ?, file = ?, line = ? WHERE rowid = ?", moved
    )
    writer = _FactWriter(connection, cut.base)
    try:
        # Facts that follow each other in a file are parsed together.
        for (number, _), run in groupby(enumerate(fresh), lambda n: (n[1][1], n[1][0] - n[0])):
            group = [item for _, item in run]
            facts = store.facts_of(cut, number, [segment for _, _, segment in group])
            if facts is None:
                return False
            for fact, (place, _, segment) in zip(facts, group, strict=True):
                writer.add(fact, place, number, segment.line, segment.digest)
        writer.flush()
    except sqlite3.IntegrityError:  # a fact id twice: reading whole says where
        return False
    columns = ", ".join(WEIGHTS)
    connection.executemany(
        f"INSERT INTO facts_fts (rowid, {columns}) SELECT rowid, {columns} FROM facts "
        "WHERE rowid = ?",
        [(rowid,) for rowid in writer.rowids],
    )
    connection.execute("UPDATE meta SET value = ? WHERE key = 'key'", (key,))
    connection.commit()
    return True


def _delete(connection: Connection, rowids: list[int]) -> None:
    """Delete facts, with their index entries and the rows that name them."""
    columns = ", ".join(WEIGHTS)
    connection.execute("CREATE TEMP TABLE gone (rowid INTEGER PRIMARY KEY)")
    connection.executemany("INSERT INTO gone VALUES (?)", [(rowid,) for rowid in rowids])
    connection.execute(
        f"INSERT INTO facts_fts (facts_fts, rowid, {columns}) "
        f"SELECT 'delete', rowid, {columns} FROM facts WHERE rowid IN gone"
    )
    connection.execute(
        "DELETE FROM fact_entities WHERE fact IN (SELECT id FROM facts WHERE rowid IN gone)"
    )
    connection.execute("DELETE FROM facts WHERE rowid IN gone")


# --- exporting ---------------------------------------------------------------------------------


def copy(database: Database, target: Path) -> None:
    """Write a copy of the database into a new file."""
    with closing(sqlite3.connect(target)) as out:
        database.connection.backup(out)
