"""Read fact files into a validated FactBase: bytes -> tomli -> typed records -> references.

This is the only module that parses fact files, and it never writes one. Every problem in every
file is collected, each with its file and line, and raised together as one FactsError.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple, NoReturn, TypeVar
from zlib import crc32

import tomli

from tmkfacts.bulk import uncollected
from tmkfacts.errors import FactsError, Problem, did_you_mean, known_hint
from tmkfacts.fingerprint import Fingerprint, Hasher, blake2b
from tmkfacts.locations import (
    BUILTIN,
    MAX_FILE_BYTES,
    builtin_path,
    default_paths,
    resolve,
    user_data_dir,
)
from tmkfacts.model import (
    Entity,
    Fact,
    FactBase,
    Figure,
    Origin,
    PartialDate,
    Source,
)
from tmkfacts.vocabularies import (
    COUNTRIES,
    ENTITY_TYPES,
    KINDS,
    NOT_ORGANIZATIONS,
    RELATIONS,
    SCALES,
)

StrPath = str | os.PathLike[str]
_T = TypeVar("_T")

_TABLES = ("source", "entity", "fact")
_FIELDS: dict[str, frozenset[str]] = {
    "source": frozenset("id title publisher url published notes".split()),
    "entity": frozenset(
        "id name short_name aliases type country parent role organization description "
        "relations".split()
    ),
    "fact": frozenset(
        "id date date_note kind title text place entities materials figures sources tags".split()
    ),
    "figure": frozenset("metric value unit scale period change_pct qualifier".split()),
}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}


__all__ = [
    "BUILTIN",
    "MAX_FILE_BYTES",
    "Cut",
    "Head",
    "RunMark",
    "Streamed",
    "builtin_path",
    "cut",
    "default_paths",
    "heads",
    "heads_base",
    "load",
    "loads",
    "resolve",
    "run_facts",
    "stream",
    "user_data_dir",
]


def load(paths: Iterable[StrPath] | None = None) -> FactBase:
    """Read, merge and validate fact files; raise FactsError.

    Without paths: the shipped base and the user's own files (see `default_paths`). A path may
    be `builtin` for the shipped base. This always reads and validates the files;
    `tmkfacts.load` answers from the cache when they are unchanged.
    """
    files = [resolve(p) for p in paths] if paths is not None else default_paths()
    parsed: list[_ParsedFile] = []
    problems: list[Problem] = []
    with uncollected():
        for path in files:
            name = str(path)
            try:
                size = path.stat().st_size
                if size > MAX_FILE_BYTES and path.is_file():
                    problems.append(Problem(name, None, _too_big(size), category="io"))
                    continue
                data = path.read_bytes()
            except OSError as error:
                problems.append(Problem(name, None, _describe_os_error(error), category="io"))
                continue
            parsed.append(_parse(name, data))
        return _assemble(parsed, problems)


class Streamed(NamedTuple):
    """What `stream` read: the base without its facts, and each file's fingerprint as read.

    `in_runs` says of each file whether it was read in runs of [[fact]] tables, which it can be
    when nothing but such tables follows its first fact. `heads` holds the digest of each
    file's part before its first fact, or None when that part held facts or the file was read
    whole: an index of files whose heads are unchanged can keep the runs that are (see `cut`).
    """

    base: FactBase
    fingerprints: list[Fingerprint]
    in_runs: list[bool]
    heads: list[bytes | None]


#: Called before each run of facts that `stream` hands over: the number of the file it is in,
#: the line it starts on and the digest of its bytes (None for facts not read in a run).
RunMark = Callable[[int, int, bytes | None], None]


def stream(
    paths: Sequence[Path],
    begin: Callable[[FactBase], Callable[[Fact], None]],
    mark: RunMark | None = None,
) -> Streamed:
    """Validate fact files as `load` does, handing each fact over instead of keeping it.

    `begin` is given the base without its facts (its sources, entities and files) and returns
    what takes each fact, in order; `mark`, if given, is told where each run starts. A file is
    read a block, and parsed a run of [[fact]] tables, at a time, so that neither its bytes nor
    its document are ever held whole. Raises FactsError as `load` would, possibly after some
    facts were taken.
    """
    whole: set[int] = set()  # the files that turned out to need reading whole
    with uncollected():  # what takes the facts makes many objects too
        while True:
            try:
                return _stream(paths, begin, mark or _unmarked, whole)
            except _ReadWhole as again:  # facts already taken are taken again, from the start
                whole.add(again.file)


class _ReadWhole(Exception):  # noqa: N818  # not an error: a file must be read another way
    def __init__(self, file: int) -> None:
        self.file = file


def _unmarked(_file: int, _line: int, _digest: bytes | None) -> None:
    pass


def _stream(
    paths: Sequence[Path],
    begin: Callable[[FactBase], Callable[[Fact], None]],
    mark: RunMark,
    whole: set[int],
) -> Streamed:
    with ExitStack() as stack:
        files = []
        for number, path in enumerate(paths):
            try:
                handle = stack.enter_context(path.open("rb"))
            except OSError:
                _raise_precisely(paths)
            files.append(_Pieces(str(path), handle, paths, whole=number in whole))
        heads = [_parse_text(file.name, file.head()) for file in files]
        held = [head.facts for head in heads]  # the facts of files read whole
        extras = [
            _read_extras(file, head, paths, number)
            for number, (file, head) in enumerate(zip(files, heads, strict=True))
        ]
        digests = [
            None if file.whole or head.facts else _with_tables(file.head_digest, among)
            for file, head, among in zip(files, heads, extras, strict=True)
        ]
        for head in heads:
            head.facts = []
        try:
            base = _assemble(heads, [])
        except FactsError:
            _raise_precisely(paths)
        known = _known(base)
        seen = {fact_id for head in heads for fact_id, _ in head.ids.get("fact", ())}
        del heads
        take = begin(base)
        for number, (file, facts) in enumerate(zip(files, held, strict=True)):
            if facts:
                mark(number, 1, None)
            for fact in facts:
                take(fact)
            tables = _take_runs(file, number, lambda part: _fits(part, seen, known), mark, take)
            if tables != extras[number]:  # the file changed since its tables were read
                _raise_precisely(paths)
        fingerprints = [file.fingerprint() for file in files]
        return Streamed(base, fingerprints, [not file.whole for file in files], digests)


def _take_runs(
    file: _Pieces,
    number: int,
    fits: Callable[[_ParsedFile], bool],
    mark: RunMark,
    take: Callable[[Fact], None],
) -> list[tuple[int, bytes]]:
    """Parse file number `number` a run at a time, and hand its facts over; return its tables.

    The tables are the [[source]] and [[entity]] tables among its facts (see `_Pieces.runs`).
    """
    tables: list[tuple[int, bytes]] = []
    for data, first_line, digest, among in file.runs():
        if data is None:
            raise _ReadWhole(number)
        tables += among
        for at, (piece, line) in enumerate(_parts(data, first_line)):
            part = _parse_text(file.name, file.text(piece), line)
            if part.problems or part.sources or part.entities:  # perhaps a cut inside a
                raise _ReadWhole(number)  # multi-line string
            if not fits(part):
                _raise_precisely(file.paths)
            if at == 0:
                mark(number, first_line, digest)
            for fact in part.facts:
                take(fact)
    return tables


def _parts(data: bytes, line: int) -> Iterator[tuple[bytes, int]]:
    """A run's bytes in parts of at most _PART [[fact]] tables, each with the line it starts on.

    A long run (a few hold several thousand tables) is so never held parsed whole. Each part
    starts at a [[fact]] line, as a run does, and so means what it means in the run: or, cut
    inside a multi-line string, does not parse.
    """
    start = at = tables = 0
    while (found := _search_fact_line(data, at + 1)) is not None:
        at, tables = found.start(), tables + 1
        if tables % _PART == 0:
            yield data[start:at], line
            line += data.count(b"\n", start, at)
            start = at
    yield data[start:], line


def _read_extras(
    file: _Pieces, head: _ParsedFile, paths: Sequence[Path], number: int
) -> list[tuple[int, bytes]]:
    """Read the [[source]] and [[entity]] tables among a file's facts into its head, first.

    Facts may name them before they are defined. Returns them, as `_extras` does.
    """
    if file.whole:
        return []
    tables = _extras(paths[number], paths)
    if not _add_tables(head, tables):
        raise _ReadWhole(number)
    return tables


def _extras(path: Path, paths: Sequence[Path]) -> list[tuple[int, bytes]]:
    """The [[source]] and [[entity]] tables among a file's facts, as its runs give them.

    Each one's first line and bytes; none when the file would be read whole. They are read
    before the facts, which may name them before they are defined.
    """
    if not _after_first_fact(path, (b"[[source]]", b"[[entity]]")):
        return []
    found: list[tuple[int, bytes]] = []
    with path.open("rb") as handle:
        pieces = _Pieces(str(path), handle, paths, whole=False)
        pieces.head()
        if not pieces.whole:
            for data, _, _, tables in pieces.runs():
                if data is None:
                    break
                found += tables
    return found


def _after_first_fact(path: Path, marks: Sequence[bytes]) -> bool:
    """Whether any of the marks is in the file after a `[[fact]]`: quick, without parsing."""
    overlap = max(map(len, (b"[[fact]]", *marks))) - 1
    with path.open("rb") as handle:
        tail, after, size = b"", False, 0
        while (block := handle.read(_Pieces.BLOCK)) and size <= MAX_FILE_BYTES:
            size += len(block)
            data, start = tail + block, 0
            if not after:
                start = data.find(b"[[fact]]")
                after = start >= 0
            if after and any(data.find(mark, start) >= 0 for mark in marks):
                return True
            tail = data[-overlap:]
    return False


def _add_tables(head: _ParsedFile, tables: Sequence[tuple[int, bytes]]) -> bool:
    """Add the [[source]] and [[entity]] tables read among a file's facts to its head.

    False when one is not UTF-8, holds a problem, or facts: the file is then read whole,
    which says what.
    """
    for line, data in tables:
        try:
            table = _parse_text(head.name, data.decode("utf-8"), line)
        except UnicodeDecodeError:
            return False
        if table.problems or table.facts:
            return False
        head.sources += table.sources
        head.entities += table.entities
        for kind, ids in table.ids.items():
            head.ids.setdefault(kind, []).extend(ids)
        head.refs += table.refs
        head.relocate = None  # it would read the head alone; a problem makes it read whole
    return True


def _known(base: FactBase) -> dict[str, set[str]]:
    """The ids of a base's records that facts may name, by table: what `_fits` checks against."""
    return {"entity": {e.id for e in base.entities}, "source": {s.id for s in base.sources}}


def _fits(part: _ParsedFile, seen: set[str], known: dict[str, set[str]]) -> bool:
    """Whether a run's facts have new ids and name known records; if so, their ids are seen."""
    ids = [fact_id for fact_id, _ in part.ids.get("fact", ())]
    if (
        not seen.isdisjoint(ids)
        or len(set(ids)) < len(ids)
        or any(not known[ref.table].issuperset(ref.targets) for ref in part.refs)
    ):
        return False
    seen.update(ids)
    return True


class Cut(NamedTuple):
    """Fact files cut as `stream` cuts them, unparsed: see `cut`."""

    #: The digest of each file's part before its first fact.
    heads: list[bytes]
    #: Each run of [[fact]] tables: the number of its file, its bytes (None for a run already
    #: known), the line it starts on, and the digest of its bytes.
    runs: list[tuple[int, bytes | None, int, bytes]]
    #: Each file's fingerprint, of the bytes cut.
    fingerprints: list[Fingerprint]


class Head(NamedTuple):
    """A file's sources and entities as `stream` reads them, unparsed: see `heads`."""

    #: The digest of the part before the first fact, and of the tables and their lines.
    digest: bytes
    #: The text of the part before the first fact.
    text: str
    #: Each [[source]] or [[entity]] table among the facts: the line it starts on, its bytes.
    tables: list[tuple[int, bytes]]


def heads(paths: Sequence[Path]) -> list[Head] | None:
    """Each file's part before its first fact, and its tables among the facts: see `Head`.

    As `stream` reads them; None when a file cannot be read, or would be read whole.
    """
    try:
        found = []
        for number, (pieces, text) in enumerate(_opened(paths)):
            tables = _extras(paths[number], paths)
            found.append(Head(_with_tables(pieces.head_digest, tables), text, tables))
    except (OSError, FactsError, _ReadWhole):
        return None
    return found


def _with_tables(head: bytes, tables: Sequence[tuple[int, bytes]]) -> bytes:
    """The digest of a file's head (the digest of its part before the first fact) and tables."""
    if not tables:
        return head
    lines = (line.to_bytes(8, "big") + _digest(data) for line, data in tables)
    return _digest(head + b"".join(lines))


def _opened(paths: Sequence[Path]) -> Iterator[tuple[_Pieces, str]]:
    """Each file, open and read up to its first fact, with the text before it.

    Raises _ReadWhole for a file that has to be read whole, and OSError or FactsError for one
    that cannot be read.
    """
    for number, path in enumerate(paths):
        with path.open("rb") as handle:
            pieces = _Pieces(str(path), handle, paths, whole=False)
            text = pieces.head()
            if pieces.whole:
                raise _ReadWhole(number)
            yield pieces, text


def heads_base(paths: Sequence[Path], heads: Sequence[Head]) -> FactBase | None:
    """The sources and entities of the files' heads (see `heads`), checked as `stream` does.

    None when they hold a problem, or facts.
    """
    with uncollected():
        parsed = [
            _parse_text(str(path), head.text) for path, head in zip(paths, heads, strict=True)
        ]
        if not all(_add_tables(one, head.tables) for one, head in zip(parsed, heads, strict=True)):
            return None
    if any(one.facts or one.ids.get("fact") for one in parsed):
        return None
    try:
        return _assemble(parsed, [])
    except FactsError:
        return None


def cut(paths: Sequence[Path], known: Container[tuple[int, bytes]] = ()) -> Cut | None:
    """The files cut into their heads and runs of facts as `stream` cuts them, without parsing.

    A run's facts mean to TOML what they mean in the whole file, and the cuts depend only on
    the bytes near them, so a change to some facts changes only the runs that hold them. The
    bytes of runs in `known`, by file number and digest, are not kept. None when a file cannot
    be read, or would be read whole; `stream` then says why, or reads it.
    """
    done = Cut([], [], [])
    try:
        for number, data, line, digest in each_run(paths, done):
            done.runs.append((number, None if (number, digest) in known else data, line, digest))
    except Uncut:
        return None
    return done


class Uncut(Exception):  # noqa: N818  # not an error: the files must be read another way
    """Raised by `each_run` when a file cannot be read, or would be read whole."""


def each_run(paths: Sequence[Path], into: Cut) -> Iterator[tuple[int, bytes, int, bytes]]:
    """The runs `cut` gives, one at a time as the files are cut, each with its bytes.

    Each file's head digest and fingerprint are added to `into` once it is cut (its runs are
    not). Raises Uncut when a file cannot be read, or would be read whole.
    """
    try:
        for number, (pieces, _) in enumerate(_opened(paths)):
            tables: list[tuple[int, bytes]] = []
            for data, first_line, digest, among in pieces.runs():
                if data is None:
                    raise Uncut
                tables += among
                yield number, data, first_line, digest
            into.heads.append(_with_tables(pieces.head_digest, tables))
            into.fingerprints.append(pieces.fingerprint())
    except (OSError, FactsError, _ReadWhole) as error:
        raise Uncut from error


def share_runs(
    paths: Sequence[Path], into: Cut, share: int, *, rest: bool = False
) -> Iterator[tuple[int, bytes, int, bytes]]:
    """The runs `each_run` gives that start in the files' first `share` bytes, or the rest.

    Every run is cut, so that `into` gets every file's head and fingerprint.
    """
    position = 0
    for number, data, line, digest in each_run(paths, into):
        taken = (position >= share) == rest
        position += len(data)
        if taken:
            yield number, data, line, digest


def run_facts(name: str, data: bytes, first_line: int, base: FactBase) -> list[Fact] | None:
    """The facts of a run that `cut` cut from the file `name`, read as `stream` reads them.

    `base` holds the sources and entities of the files' heads. The run's fact ids are not
    checked against other runs'; the caller does that. None when the run holds any problem at
    all: reading the files again says what it is.
    """
    facts: list[Fact] = []
    for part in run_parts(name, data, first_line, base):
        if part is None:
            return None
        facts += part
    return facts


def run_parts(
    name: str, data: bytes, first_line: int, base: FactBase
) -> Iterator[list[Fact] | None]:
    """The facts of a run as `run_facts` reads them, a part of at most _PART tables at a time.

    None in place of a part that holds a problem, and then no more parts.
    """
    known, seen = _known(base), set[str]()
    for piece, line in _parts(data, first_line):
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            yield None
            return
        with uncollected():
            part = _parse_text(name, text, line)
            fits = _fits(part, seen, known)
        if part.problems or part.sources or part.entities or not fits:
            yield None
            return
        yield part.facts


def _raise_precisely(paths: Sequence[Path]) -> NoReturn:
    """Raise the FactsError that reading the files whole gives, every problem in its place."""
    load(paths)
    raise FactsError([Problem(str(paths[0]), None, "changed while it was read; try again")])


#: A [[fact]] header as written by people and tools, where a file may be cut into runs.
_FACT_LINE = re.compile(rb"^\[\[fact\]\][ \t]*\r?$", re.MULTILINE)
#: Any other header after a line break; one after the first fact means reading the file whole.
#: (A run starts with a [[fact]] line; the line break in front lets `re` look for it quickly.)
_OTHER_HEADER = re.compile(
    rb"\n[ \t]*\[(?!\[(?:fact(?:\.figures)?|source|entity)\]\][ \t]*\r?$)", re.MULTILINE
)
#: A [[source]] or [[entity]] header among the facts: its table is cut out of its run.
_TABLE_AMONG = re.compile(rb"^[ \t]*\[\[(?:source|entity)\]\][ \t]*\r?$", re.MULTILINE)
#: The start of the next header after a table's first line, which ends the table.
_NEXT_HEADER = re.compile(rb"\n[ \t]*\[")
#: A top-level key `fact`, which would clash with the [[fact]] tables that follow.
_ROOT_FACT = re.compile(rb"""^[ \t]*(?:fact|"fact"|'fact')[ \t]*[=.]""", re.MULTILINE)


#: The most [[fact]] tables parsed at once: a run that holds more is parsed in parts.
_PART = 500


class _Pieces:
    """A fact file read a block at a time: the part before its facts, then runs of facts.

    A cut is made only at a `[[fact]]` line, and only in a file that after its first fact has
    no other headers than [[fact]] and [[fact.figures]]: then each run means, to TOML, just
    what it means in the whole file. (A cut inside a multi-line string leaves a run that does
    not parse; then the file is read whole.) A run ends after a [[fact]] table whose bytes'
    CRC-32 is a multiple of RUN, or after LONGEST tables: so where it ends depends on those
    bytes alone, and facts added, changed or removed in one place leave the other runs as
    they were.
    """

    BLOCK = 1 << 20
    RUN = 1000  # facts in a run, on average
    LONGEST = 8  # times RUN: the most facts in a run

    def __init__(self, name: str, handle: BinaryIO, paths: Sequence[Path], whole: bool) -> None:
        self.name, self.handle, self.paths, self.whole = name, handle, paths, whole
        self.hash = Hasher()
        self.buffer = bytearray()  # what is read and not yet handed on; grows in place
        self.line = 1  # the line that the buffer starts on
        self.ended = False
        self.head_digest = b""

    def fingerprint(self) -> Fingerprint:
        """The file's name, size and hash, of everything read."""
        return self.name, self.hash.size, self.hash.digest()

    def _more(self) -> bool:
        block = self.handle.read(self.BLOCK)
        if not block:
            self.ended = True
            return False
        self.hash.update(block)
        if self.hash.size > MAX_FILE_BYTES:
            _raise_precisely(self.paths)
        self.buffer += block
        return True

    def text(self, data: bytes | bytearray, first: bool = False) -> str:
        """The text of bytes of the file; with `first`, of its first bytes."""
        try:
            return data.decode("utf-8-sig" if first else "utf-8")
        except UnicodeDecodeError:
            _raise_precisely(self.paths)

    def _fact_line(self, start: int) -> re.Match[bytes] | None:
        """The next whole [[fact]] line from start, reading on as far as needed."""
        while True:
            found = _search_fact_line(self.buffer, start)
            # `$` also matches at the buffer's end, where the line may go on in the next block.
            if found and (found.end() < len(self.buffer) or self.ended):
                return found
            if not self._more():
                return found
            start = max(start, found.start() if found else len(self.buffer) - self.BLOCK - 64)

    def head(self) -> str:
        """What comes before the first fact; the whole file when it has to be read whole."""
        found = None if self.whole else self._fact_line(0)
        if found is None or _ROOT_FACT.search(self.buffer, 0, found.start()):
            while self._more():
                pass
            self.whole = True
            text, self.buffer = self.text(self.buffer, first=True), bytearray()
            return text
        head, self.buffer = self.buffer[: found.start()], self.buffer[found.start() :]
        self.line += head.count(b"\n")
        self.head_digest = _digest(head)
        return self.text(head, first=True)

    def runs(self) -> Iterator[tuple[bytes | None, int, bytes, list[tuple[int, bytes]]]]:
        """The facts, as runs of bytes with the line each starts on and the digest of its bytes.

        A [[source]] or [[entity]] table among the facts is cut out of its run, and given
        last, with the line it starts on: its bytes in the run become as many blank lines, so
        that the run's facts stay on their lines and mean what they meant. (A [[fact.figures]]
        table after it is still the last fact's.) The digest is of the bytes as they were.
        (None, 0, b"", []) when the file has to be read whole.
        """
        while self.buffer:
            table, start, cut = 0, 1, None  # the buffer starts with a [[fact]] line
            for _ in range(self.RUN * self.LONGEST):
                found = self._fact_line(start)
                if found is None:
                    break
                if crc32(self.buffer[table : found.start()]) % self.RUN == 0:
                    cut = found.start()
                    break
                table, start = found.start(), found.end()
            else:
                cut = table
            if cut is None:  # the last run: the rest of the file
                while self._more():
                    pass
                cut = len(self.buffer)
            run, self.buffer = bytes(memoryview(self.buffer)[:cut]), self.buffer[cut:]
            if _OTHER_HEADER.search(run):
                yield None, 0, b"", []
                return
            facts, tables = _cut_tables(run, self.line)
            yield facts, self.line, _digest(run), tables
            self.line += run.count(b"\n")


def _cut_tables(run: bytes, line: int) -> tuple[bytes, list[tuple[int, bytes]]]:
    """A run without the [[source]] and [[entity]] tables among its facts, and those tables.

    Each table runs from its header to the next header, or the run's end; it is replaced by
    as many line breaks as it holds, and given with the line it starts on (the run's is line).
    """
    if b"[[source]]" not in run and b"[[entity]]" not in run:
        return run, []
    parts: list[bytes] = []
    tables: list[tuple[int, bytes]] = []
    done = 0
    for header in _TABLE_AMONG.finditer(run):
        start = header.start()
        if start < done:  # a header inside the last table's multi-line string: the run then
            continue  # does not parse, and the file is read whole
        after = _NEXT_HEADER.search(run, header.end())
        end = after.start() + 1 if after else len(run)
        table = run[start:end]
        line += run.count(b"\n", done, start)
        tables.append((line, table))
        parts += (run[done:start], b"\n" * table.count(b"\n"))
        line += table.count(b"\n")
        done = end
    parts.append(run[done:])
    return b"".join(parts), tables


def _search_fact_line(data: bytes | bytearray, start: int) -> re.Match[bytes] | None:
    """`_FACT_LINE.search(data, start)`, three times quicker: bytes.find looks for its start."""
    at = data.find(b"[[fact]]", start)
    while at >= 0:
        found = _FACT_LINE.match(data, at)  # `^` still needs a line break before it
        if found:
            return found
        at = data.find(b"[[fact]]", at + 1)
    return None


def _digest(data: bytes | bytearray) -> bytes:
    """The digest that tells a file's head or run from any other."""
    return blake2b(data, digest_size=20).digest()


def loads(document: str | bytes, name: str = "<string>") -> FactBase:
    """Validate one fact document given as text or bytes; raise FactsError."""
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    return _assemble([_parse(name, data)], [])


def _too_big(size: int) -> str:
    limit = MAX_FILE_BYTES // 2**20
    return f"{size / 2**20:.1f} MiB is more than a fact file may hold ({limit} MiB); split it"


def _describe_os_error(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a fact file"
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"cannot read: {error.strerror or error}"


# --- where things are: line numbers that tomli does not report ------------------------------


@dataclass
class _Span:
    """The lines of one table in the file: its header and the first line of each key."""

    line: int | None
    keys: dict[str, int] = field(default_factory=dict)
    figures: list[_Span] = field(default_factory=list)

    def line_of(self, key: str | None) -> int | None:
        return self.keys.get(key, self.line) if key is not None else self.line


_LINE = re.compile(r"[^\n]+")
_ARRAY_HEADER = re.compile(r"\s*\[\[\s*([^\]]*?)\s*\]\]")
_TABLE_HEADER = re.compile(r"\s*\[")
_NAMES = {"[[fact]]": "fact", "[[fact.figures]]": "fact.figures"}  # the usual headers, quickly
_HEADER_LINE = re.compile(r"^[^\S\n]*\[[^\n]*", re.MULTILINE)
_KEY_LINE = re.compile(r"""\s*(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _locate(text: str, first_line: int = 1) -> tuple[dict[str, list[_Span]], dict[str, int]]:
    """Find each [[source]], [[entity]] and [[fact]] table and its keys' lines, and top-level keys.

    tomli parses without positions, so this scan over lines gives them, skipping the insides of
    multi-line strings. It only places problems; what the file means comes from tomli alone.
    """
    found = _Found()
    string_end: str | None = None
    number, position = first_line, 0
    # Only lines with something on them; a file of blank lines costs neither time nor a list.
    for match in _LINE.finditer(text):
        number += text.count("\n", position, match.start())
        position = match.start()
        line = match.group().removesuffix("\r")
        if string_end is None and not found.header(line, number):
            key = _KEY_LINE.match(line)
            if key:
                name = key[1] if key[1] is not None else key[2] if key[2] is not None else key[3]
                found.key(name, number)
        string_end = _scan_strings(line, string_end)
    return found.spans, found.top_level


def _headers(text: str, first_line: int = 1) -> tuple[dict[str, list[_Span]], dict[str, int]]:
    """The line of each table's header, as `_locate` finds them, in a fraction of its time.

    Without multi-line strings, every line that starts with `[` is a header, so only those
    lines are looked at.
    """
    if '"""' in text or "'''" in text:
        return _locate(text, first_line)
    found = _Found()
    number, position = first_line, 0
    for match in _HEADER_LINE.finditer(text):
        number += text.count("\n", position, match.start())
        position = match.start()
        found.header(match.group().removesuffix("\r"), number)
    return found.spans, found.top_level


class _Found:
    """What `_locate` has found so far: the tables' spans, and where top-level keys are."""

    def __init__(self) -> None:
        self.spans: dict[str, list[_Span]] = {table: [] for table in _TABLES}
        self.top_level: dict[str, int] = {}
        self.current: _Span | None = None
        self.target: _Span | None = None  # the span keys go to: a record, or one of its figures
        self.in_root = True

    def header(self, line: str, number: int) -> bool:
        """Note a table header, if the line is one."""
        header = _ARRAY_HEADER.match(line)
        if header:
            name = _NAMES.get(line) or header[1].replace(" ", "").replace('"', "")
            self.in_root = False
            self.top_level.setdefault(name.split(".")[0], number)
            if name in self.spans:
                self.current = self.target = _Span(number)
                self.spans[name].append(self.current)
            elif name == "fact.figures" and self.current is not None:
                self.target = _Span(number)
                self.current.figures.append(self.target)
            else:
                self.current = self.target = None
            return True
        if _TABLE_HEADER.match(line):
            self.in_root = False
            self.current = self.target = None
            return True
        return False

    def key(self, name: str, number: int) -> None:
        """Note the line of a key."""
        if self.in_root:
            self.top_level.setdefault(name, number)
        elif self.target is not None:
            self.target.keys.setdefault(name, number)


def _scan_strings(line: str, string_end: str | None) -> str | None:
    """Return the multi-line string delimiter still open at the end of this line, if any."""
    i = 0
    while i < len(line):
        if string_end is not None:
            j = line.find(string_end, i)
            while j > 0 and string_end == '"""' and _escaped(line, j):
                j = line.find(string_end, j + 1)
            if j < 0:
                return string_end
            i, string_end = j + 3, None
            continue
        char = line[i]
        if char == "#":
            return None
        if line.startswith('"""', i) or line.startswith("'''", i):
            string_end, i = line[i : i + 3], i + 3
        elif char == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
        elif char == "'":
            closing = line.find("'", i + 1)
            i = closing + 1 if closing >= 0 else len(line)
        else:
            i += 1
    return string_end


def _escaped(line: str, index: int) -> bool:
    backslashes = len(line[:index]) - len(line[:index].rstrip("\\"))
    return backslashes % 2 == 1


# --- one file: bytes -> records --------------------------------------------------------------


class _Ref(NamedTuple):
    """References from one record's key to others, checked once every file is read."""

    table: str  # the table the targets must be in
    targets: tuple[str, ...]
    key: str
    file: str
    line: int | None
    record: str


@dataclass
class _ParsedFile:
    name: str
    problems: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    ids: dict[str, list[tuple[str, Origin]]] = field(default_factory=dict)
    refs: list[_Ref] = field(default_factory=list)
    #: Reads the file again placing every key on its own line, when only headers were placed.
    relocate: Callable[[], _ParsedFile] | None = None


def _parse(name: str, data: bytes) -> _ParsedFile:
    text = _decode(name, data)
    if isinstance(text, Problem):
        return _ParsedFile(name, [text])
    return _parse_text(name, text)


def _decode(name: str, data: bytes) -> str | Problem:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be decoded"
        return Problem(name, line, message, category="syntax")


def _parse_text(name: str, text: str, first_line: int = 1) -> _ParsedFile:
    """Parse and check one document, or a run of [[fact]] tables starting at first_line.

    Records are placed at their headers' lines at first; only when a record has a problem is
    the file scanned again for the line of each key, which costs more than the parse.
    """
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        problem = _syntax_problem(name, error)
        if problem.line is not None:
            problem = problem._replace(line=problem.line + first_line - 1)
        return _ParsedFile(name, [problem])
    except RecursionError:  # tomli's limit on nesting, or Python's where tomli has none
        message = "invalid TOML: arrays or tables are nested too deeply"
        return _ParsedFile(name, [Problem(name, None, message, category="syntax")])
    spans, top_level = _headers(text, first_line)
    parsed = _read_document(name, document, spans, top_level)
    if parsed.problems or not _all_placed(document, spans):
        return _read_document(name, document, *_locate(text, first_line))
    parsed.relocate = lambda: _read_document(name, document, *_locate(text, first_line))
    return parsed


def _all_placed(document: dict[str, object], spans: dict[str, list[_Span]]) -> bool:
    """Whether every record of the document has a header of its own among the spans."""
    return all(
        len(spans[key]) == len(value)
        for key, value in document.items()
        if key in spans and isinstance(value, list)
    )


def _read_document(
    name: str, document: dict[str, object], spans: dict[str, list[_Span]], top_level: dict[str, int]
) -> _ParsedFile:
    parsed = _ParsedFile(name)
    for key, value in document.items():
        if key not in _TABLES:
            hint = did_you_mean(key, _TABLES)
            message = (
                f"unknown table '{key}'; a fact file has [[source]], [[entity]] and [[fact]]{hint}"
            )
            parsed.problems.append(Problem(name, top_level.get(key), message))
            continue
        if not isinstance(value, list):
            message = f"'{key}' must be an array of tables ([[{key}]]), not {_toml_type(value)}"
            parsed.problems.append(Problem(name, top_level.get(key), message))
            continue
        table_spans = spans[key]
        if len(table_spans) != len(value):
            # Inline arrays (`fact = [{...}]`): every record is placed at the array's line.
            table_spans = [_Span(top_level.get(key)) for _ in value]
        for index, (raw, span) in enumerate(zip(value, table_spans, strict=True)):
            _read_record(parsed, key, index, raw, span)
    return parsed


def _syntax_problem(name: str, error: tomli.TOMLDecodeError) -> Problem:
    message = f"invalid TOML: {error.msg}"
    return Problem(name, error.lineno, message, column=error.colno, category="syntax")


def _read_record(parsed: _ParsedFile, table: str, index: int, raw: object, span: _Span) -> None:
    if not isinstance(raw, dict):
        label = f"{table} #{index + 1}"
        message = f"each [[{table}]] must be a table, not {_toml_type(raw)}"
        parsed.problems.append(Problem(parsed.name, span.line, message, record=label))
        return
    record = _Record(parsed, table, index, raw, span)
    if table == "source":
        _build(record, _source, parsed.sources)
    elif table == "entity":
        _build(record, _entity, parsed.entities)
    else:
        _build(record, _fact, parsed.facts)


def _build(record: _Record, builder: Callable[[_Record], _T], into: list[_T]) -> None:
    built = builder(record)
    record.check_unknown_keys()
    if record.ok:
        into.append(built)


class _Record:
    """Typed access to one raw table; each fault is noted as a problem at its key's line."""

    def __init__(
        self, parsed: _ParsedFile, table: str, index: int, raw: dict[str, object], span: _Span
    ) -> None:
        self.parsed, self.table, self.raw, self.span = parsed, table, raw, span
        raw_id = raw.get("id")
        self.label = (
            raw_id if isinstance(raw_id, str) and raw_id.strip() else f"{table} #{index + 1}"
        )
        self.ok = True
        self.origin = Origin(parsed.name, span.line)

    def problem(self, key: str | None, message: str) -> None:
        self.ok = False
        line = self.span.line_of(key)
        self.parsed.problems.append(Problem(self.parsed.name, line, message, self.label))

    def check_unknown_keys(self) -> None:
        allowed = _FIELDS[self.table]
        if allowed.issuperset(self.raw):
            return
        for key in self.raw:
            if key not in allowed:
                self.problem(key, f"unknown key '{key}'{did_you_mean(key, allowed)}")

    def _get(self, key: str, required: bool) -> object | None:
        value = self.raw.get(key)
        if value is None and required:
            self.problem(None, f"missing required key '{key}'")
        return value

    def text(self, key: str, required: bool = False) -> str:
        value = self.raw.get(key)
        if type(value) is str and value.strip():
            return value  # the usual case
        if value is None and required:
            self.problem(None, f"missing required key '{key}'")
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(key, f"'{key}' must be a string, not {_toml_type(value)}")
            return ""
        if not value.strip():
            self.problem(key, f"'{key}' is empty")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.raw else None

    def choice(self, key: str, choices: Mapping[str, object]) -> str:
        value = self.text(key, required=True)
        if value.strip() and value not in choices:
            hint = known_hint(value, choices)
            self.problem(key, f"unknown {key} '{value}'{hint}")
        return value

    def slug(self, key: str, value: str) -> None:
        if value.strip() and not _SLUG.fullmatch(value):
            self.problem(key, f"'{value}' in '{key}' must be lowercase letters, digits and hyphens")

    def ident(self) -> str:
        value = self.text("id", required=True)
        self.slug("id", value)
        if self.ok:
            line = self.span.line_of("id")
            origin = self.origin if line == self.origin.line else Origin(self.parsed.name, line)
            self.parsed.ids.setdefault(self.table, []).append((value, origin))
        return value

    def strings(self, key: str, required: bool = False, slugs: bool = False) -> tuple[str, ...]:
        value = self.raw.get(key)
        if type(value) is list and (value or not required):
            try:  # the usual case, checked at once: strings, none empty, none twice
                if (
                    len(set(value)) == len(value)
                    and all(map(str.strip, value))
                    and (not slugs or all(map(_SLUG.fullmatch, value)))
                ):
                    return tuple(value)
            except TypeError:  # not all strings: looked at one by one below
                pass
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(key, f"'{key}' must be an array of strings")
            return ()
        if required and not value:
            self.problem(key, f"'{key}' is empty; give at least one")
        for index, item in enumerate(value):
            if not item.strip():
                self.problem(key, f"'{key}' has an empty string")
            elif item in value[:index]:
                self.problem(key, f"'{key}' lists '{item}' twice")
            elif slugs:
                self.slug(key, item)
        return tuple(value)

    def refs(self, key: str, table: str, required: bool = False) -> tuple[str, ...]:
        targets = self.strings(key, required=required)
        named = tuple(target for target in targets if target.strip())
        if named:
            line = self.span.line_of(key)
            self.parsed.refs.append(_Ref(table, named, key, self.parsed.name, line, self.label))
        return targets

    def ref(self, key: str, table: str, target: str) -> None:
        if target.strip():
            line = self.span.line_of(key)
            self.parsed.refs.append(_Ref(table, (target,), key, self.parsed.name, line, self.label))

    def number(self, key: str, required: bool = False) -> int | float | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            message = f"'{key}' must be a number, not {_toml_type(value)} {_toml_repr(value)}"
            self.problem(key, message)
            return None
        if not math.isfinite(value):
            self.problem(key, f"'{key}' must be a finite number, not {value}")
            return None
        return value

    def date(self, key: str) -> PartialDate:
        value = self._get(key, required=True)
        if value is None:
            return PartialDate(1)
        if isinstance(value, dt.datetime | dt.time) or not isinstance(value, str | dt.date):
            self.problem(
                key,
                f"'{key}' must be a string YYYY, YYYY-MM or YYYY-MM-DD, not {_toml_type(value)}",
            )
            return PartialDate(1)
        if isinstance(value, dt.date):
            return PartialDate(value.year, value.month, value.day)
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            self.problem(key, f"invalid {key}: {error}")
            return PartialDate(1)


def _source(record: _Record) -> Source:
    source_id = record.ident()
    title = record.text("title", required=True)
    publisher = record.text("publisher", required=True)
    url = record.text("url", required=True)
    if url.strip() and not url.startswith(("https://", "http://")):
        record.problem("url", f"url '{url}' must start with https:// or http://")
    published = record.date("published")
    notes = record.optional_text("notes")
    return Source(source_id, title, publisher, url, published, notes, origin=record.origin)


def _entity(record: _Record) -> Entity:
    entity_id = record.ident()
    name = record.text("name", required=True)
    entity_type = record.choice("type", ENTITY_TYPES)
    short_name = record.optional_text("short_name")
    aliases = record.strings("aliases")
    country = record.optional_text("country")
    if country is not None and country not in COUNTRIES:
        code = country.upper() if country.upper() in COUNTRIES else _COUNTRY_HINTS.get(country)
        hint = f" (did you mean '{code}'?)" if code else " (leave it out where there is none)"
        record.problem("country", f"country '{country}' is not an ISO 3166-1 alpha-2 code{hint}")
    parent = record.optional_text("parent")
    if parent is not None:
        record.ref("parent", "entity", parent)
    role = record.optional_text("role")
    organization = record.optional_text("organization")
    if organization is not None:
        record.ref("organization", "entity", organization)
    if (role is not None or organization is not None) and entity_type != "person":
        record.problem(
            "role" if role is not None else "organization",
            "'role' and 'organization' are for people (type = \"person\")",
        )
    description = record.optional_text("description")
    relations = record.strings("relations")
    for relation in relations:
        if relation.strip() and relation not in RELATIONS:
            hint = known_hint(relation, RELATIONS)
            record.problem("relations", f"unknown relation '{relation}'{hint}")
    if relations and entity_type in NOT_ORGANIZATIONS:
        record.problem("relations", f"'relations' is for organizations, not a {entity_type}")
    return Entity(
        entity_id,
        name,
        entity_type,
        short_name,
        aliases,
        country,
        parent,
        role,
        organization,
        description,
        relations,
        origin=record.origin,
    )


def _fact(record: _Record) -> Fact:
    fact_id = record.ident()
    date = record.date("date")
    kind = record.choice("kind", KINDS)
    title = record.text("title", required=True)
    if "\n" in title:
        record.problem("title", "'title' must be one line")
    text = record.text("text", required=True)
    entities = record.refs("entities", "entity", required=True)
    sources = record.refs("sources", "source", required=True)
    return Fact(
        fact_id,
        date,
        kind,
        title,
        text,
        entities,
        sources,
        date_note=record.optional_text("date_note"),
        place=record.optional_text("place"),
        materials=record.strings("materials", slugs=True),
        figures=_figures(record),
        tags=record.strings("tags", slugs=True),
        origin=record.origin,
    )


def _figures(record: _Record) -> tuple[Figure, ...]:
    value = record.raw.get("figures")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        record.problem("figures", "'figures' must be an array of tables ([[fact.figures]])")
        return ()
    figures = []
    for index, raw in enumerate(value):
        span = record.span.figures[index] if len(record.span.figures) == len(value) else None
        sub = _Record(
            record.parsed, "figure", index, raw, span or _Span(record.span.line_of("figures"))
        )
        sub.label = f"{record.label}: figure {index + 1}"
        figure = Figure(
            metric=sub.text("metric", required=True),
            value=sub.number("value", required=True) or 0,
            unit=sub.text("unit", required=True),
            scale=sub.optional_text("scale"),
            period=sub.optional_text("period"),
            change_pct=sub.number("change_pct"),
            qualifier=sub.optional_text("qualifier"),
        )
        if figure.scale is not None and figure.scale not in SCALES:
            sub.problem("scale", f"unknown scale '{figure.scale}' (known: {', '.join(SCALES)})")
        sub.check_unknown_keys()
        record.ok = record.ok and sub.ok
        figures.append(figure)
    return tuple(figures)


# --- all files: duplicates and references ----------------------------------------------------


def _assemble(parsed: list[_ParsedFile], problems: list[Problem]) -> FactBase:
    found = [*problems, *_cross_problems(parsed)]
    if found and any(one.relocate for one in parsed):
        # Problems are placed on the line of their key, which the first reading did not note.
        parsed = [one.relocate() if one.relocate else one for one in parsed]
        found = [*problems, *_cross_problems(parsed)]
    if found:
        order = {one.name: index for index, one in enumerate(parsed)}
        found.sort(key=lambda p: (order.get(p.file, -1), p.line or 0, p.column or 0))
        raise FactsError(found)
    return FactBase(
        sources=tuple(source for one in parsed for source in one.sources),
        entities=tuple(entity for one in parsed for entity in one.entities),
        facts=tuple(fact for one in parsed for fact in one.facts),
        files=tuple(one.name for one in parsed),
    )


def _cross_problems(parsed: list[_ParsedFile]) -> list[Problem]:
    """The problems of each file, then duplicate ids, unknown references and parent loops."""
    problems = [problem for one in parsed for problem in one.problems]
    known: dict[str, dict[str, Origin]] = {table: {} for table in _TABLES}
    for one in parsed:
        for table, ids in one.ids.items():
            for record_id, origin in ids:
                first = known[table].setdefault(record_id, origin)
                if first is not origin:
                    message = f"duplicate {table} id '{record_id}' (first defined at {first})"
                    problems.append(
                        Problem(origin.file, origin.line, message, record_id, category="reference")
                    )
    for one in parsed:
        for ref in one.refs:
            for target in ref.targets:
                if target in known[ref.table]:
                    continue
                hint = did_you_mean(target, known[ref.table])
                message = f"'{ref.key}' names unknown {ref.table} '{target}'{hint}"
                problems.append(
                    Problem(ref.file, ref.line, message, ref.record, category="reference")
                )
    problems.extend(
        _parent_cycles([ref for one in parsed for ref in one.refs if ref.key == "parent"])
    )
    return problems


def _parent_cycles(parent_refs: list[_Ref]) -> list[Problem]:
    parent_of = {ref.record: ref.targets[0] for ref in parent_refs}
    problems = []
    for ref in parent_refs:
        seen = {ref.record}
        step: str | None = ref.targets[0]
        while step is not None and step not in seen:
            seen.add(step)
            step = parent_of.get(step)
        if step == ref.record:
            message = (
                "an entity cannot be its own parent"
                if ref.targets[0] == ref.record
                else f"'parent' chain loops back to '{ref.record}'"
            )
            problems.append(Problem(ref.file, ref.line, message, ref.record, category="reference"))
    return problems


_TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
    list: "an array",
    dict: "a table",
    dt.datetime: "a date-time",
    dt.date: "a date",
    dt.time: "a time",
}


def _toml_type(value: object) -> str:
    return _TOML_TYPES.get(type(value), type(value).__name__)


def _toml_repr(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)
