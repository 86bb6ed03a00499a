"""A cache of loaded fact bases and search indexes, keyed by the files' content.

Loading validates every record and indexing tokenizes every text; both give the same answer
for the same files, so they are kept in the user's cache folder ($XDG_CACHE_HOME/tmkfacts, by
default ~/.cache/tmkfacts): a loaded base as plain values kept by marshal (`tmkfacts.packed`),
a search index as a SQLite file (see `tmkfacts.index`), which a search reads without loading
the base. The key is a hash of every file's name, size and bytes (see `tmkfacts.fingerprint`),
in order, and of tmkfacts's own code, so a changed file or a new version of tmkfacts is never
answered from an old entry; a big file's hash is remembered by the file's status once it has
stood unchanged for a few seconds, as git remembers them (see `_remembered`). When some
facts, sources or entities changed, the newest index of the same files is copied with the runs
of facts it holds that can stay, and only the others are read (see `tmkfacts.index`); a base
not kept is read from such an index, kept or updated, rather than parsed, when there is one;
a big one parsed is read by two processes at once (see `_read_split`), as a big index is built.
Entries are written to a temporary file and renamed, so a reader never sees half of one (one
that a process killed outright left behind is removed a day later, see `_forget_abandoned`); a
folder that cannot be written, or an entry that cannot be read, just means working without
the cache. TMKFACTS_NO_CACHE=1 turns it off.

This module reads fact files only to fingerprint them; `tmkfacts.store` parses them.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from tmkfacts import fingerprint, packed
from tmkfacts.bulk import uncollected
from tmkfacts.fingerprint import Fingerprint
from tmkfacts.locations import MAX_FILE_BYTES, StrPath, default_paths, resolve
from tmkfacts.model import Fact, FactBase

if TYPE_CHECKING:
    from tmkfacts.index import Fresh, Index, Kept


_T = TypeVar("_T")

#: The modules whose code decides what a loaded base or an index is: part of every key.
_CODE = (
    "model.py", "store.py", "search.py", "query.py", "lexicon.toml", "cache.py", "locations.py",
    "index.py", "words.py", "fingerprint.py", "dates.py", "filters.py", "packed.py",
)  # fmt: skip
#: What a kept value's file is named with: every value is kept by marshal.
_SUFFIX = ".marshal"


def cache_dir() -> Path | None:
    """The folder of cache entries, by the platform's convention; None when there is none."""
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


def key(files: Iterable[tuple[str, bytes]]) -> str:
    """The key of a base read from these (name, bytes) pairs, by this version of tmkfacts."""
    return _key(fingerprint.of_bytes(name, data) for name, data in files)


def _key(fingerprints: Iterable[Fingerprint]) -> str:
    """The key of a base whose files have these fingerprints, by this version of tmkfacts."""
    digest = fingerprint.blake2b(digest_size=20)
    here = Path(__file__).parent
    for name in _CODE:
        stat = (here / name).stat()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for name, size, content in fingerprints:
        encoded = name.encode("utf-8", "surrogatepass")
        digest.update(b"%d:%s:%d:%s" % (len(encoded), encoded, size, content))
    return digest.hexdigest()


def get(kind: str, entry: str) -> object | None:
    """The value kept under kind and key, or None when there is none or it cannot be read.

    Values are plain (strings, numbers, None, and tuples, lists, sets and dicts of them) and
    kept by marshal, which reads many times quicker than pickle and needs nothing imported.
    """
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / f"{kind}-{entry}{_SUFFIX}").read_bytes()
        with uncollected():  # marshal.load of a file reads it piece by piece: 7 times slower
            return marshal.loads(data)  # type: ignore[no-any-return]  # checked by the caller
    except Exception:  # missing, truncated or from another Python: rebuild
        return None


def get_pieces(kind: str, entry: str) -> Iterator[object]:
    """The values `put_pieces` kept under kind and key, in order, each read when it is asked.

    A value is never held beside the others encoded. OSError when there are none, or no
    cache; EOFError, ValueError or TypeError when they cannot be read (damaged, or from
    another Python): the caller makes them again.
    """
    folder = cache_dir()
    if folder is None:
        raise FileNotFoundError("no cache folder")
    return map(marshal.loads, _pieces_in(folder / f"{kind}-{entry}{_SUFFIX}"))


def _pieces_in(path: Path) -> Iterator[bytes]:
    """The pieces `_write_pieces` wrote into a file, in order, each read when it is asked.

    OSError when the file cannot be read; EOFError when a piece is cut short.
    """
    with path.open("rb") as handle:
        left = os.fstat(handle.fileno()).st_size
        while left:
            size = int.from_bytes(handle.read(8), "little")
            left -= 8 + size
            if left < 0:
                raise EOFError("a value cut short, or not kept in pieces")
            yield handle.read(size)


def _write_pieces(out: BinaryIO, pieces: Iterable[bytes]) -> None:
    """Write pieces of bytes, one after another, each after its size: see `_pieces_in`."""
    for data in pieces:
        out.write(len(data).to_bytes(8, "little"))
        out.write(data)


def put(kind: str, entry: str, value: object) -> None:
    """Keep a plain value under kind and key, atomically; nothing when the folder is unwritable."""
    _keep(kind, entry, lambda out: out.write(marshal.dumps(value)))  # type: ignore[arg-type]


def put_pieces(kind: str, entry: str, pieces: Iterable[bytes]) -> None:
    """Keep values encoded by marshal under kind and key, one after another, as they come.

    Each is written after its size, as `get_pieces` reads them: a big value cut into pieces
    is never encoded whole, nor held whole beside what it is made of.
    """
    _keep(kind, entry, lambda out: _write_pieces(out, pieces))


def _keep(kind: str, entry: str, write: Callable[[BinaryIO], object]) -> None:
    """Write a file of the cache under kind and key, under a temporary name, and rename it."""
    folder = cache_dir()
    if folder is None:
        return
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = _temporary(folder, kind)
        with os.fdopen(handle, "wb") as out:
            write(out)
        Path(temporary).replace(folder / f"{kind}-{entry}{_SUFFIX}")
        _tidy(folder, kind, entry, _SUFFIX)
    except OSError:  # a read-only or full disk: work without the cache
        pass
    finally:  # gone once renamed; otherwise, half written
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def load(
    paths: Iterable[StrPath] | None = None, reading: Callable[[int], object] | None = None
) -> FactBase:
    """Read, merge and validate fact files as `tmkfacts.store.load` does, from the cache if kept.

    Without paths: the shipped base and the user's own files; `builtin` names the shipped base.
    `reading` is called with the files' size in bytes before they are parsed, which takes a
    while for a big base (not when the base is read from the cache).
    """
    files = [resolve(p) for p in paths] if paths is not None else default_paths()
    kept = cache_dir() is not None
    fingerprints = _fingerprints(files) if kept else []
    if fingerprints:
        key = _key(fingerprints)
        found = _kept_base(key)
        if found is None:
            found = _indexed_base(files, fingerprints, key)
        if found is not None:
            return found
    from tmkfacts import store  # a base answered from the cache needs no parser

    if fingerprints is None:  # the store says which file cannot be read, and why
        return store.load(files)
    facts: list[Fact] = []  # without the cache
    encoded = [_Encoded()]  # with it

    def begin(_: FactBase) -> Callable[[Fact], None]:
        facts.clear()  # reading may start again
        encoded[0] = _Encoded()
        return encoded[0].take if kept else facts.append

    _tell(reading, files)
    split = _read_split(files) if kept else None
    if split is not None:
        loaded, read, pieces = split
    else:
        # Streamed, so the files' documents are never held whole beside the base; filed
        # under the fingerprints of the very bytes read.
        streamed = store.stream(files, begin)
        loaded, read = streamed.base, streamed.fingerprints
        if not kept:
            return FactBase(loaded.sources, loaded.entities, tuple(facts), loaded.files)
        pieces = encoded[0].done()
    entry = _key(read)
    _keep_base(entry, packed.base_values(loaded), pieces)
    with uncollected():  # each piece let go of as its facts are made
        values = chain.from_iterable(map(marshal.loads, _taken(pieces)))
        made = packed.facts_of(values)
    return FactBase(loaded.sources, loaded.entities, made, loaded.files, digest=entry)


def _read_split(files: list[Path]) -> tuple[FactBase, list[Fingerprint], list[bytes]] | None:
    """Big files read as `load` streams them, by this process and a fork of it, at once.

    Each reads the facts of half of the files' bytes (`store.share_runs`) and encodes them as
    `_Encoded` does; the fork writes its pieces into a file of the cache folder, which this
    process reads after its own. Returns the base without its facts, the fingerprints of the
    bytes read and the pieces, in order. None when the files are not big enough, two processes
    cannot read them, or they hold any problem, a fact id twice, or changed while read: then
    `store.stream` reads them, and says what the problem is.
    """
    from tmkfacts import forked, store

    share = forked.half_of(files)
    heads = store.heads(files) if share is not None else None
    base = store.heads_base(files, heads) if heads is not None else None
    folder = cache_dir()
    if share is None or heads is None or base is None or folder is None:
        return None

    def read(going: forked.Going, rest: bool) -> tuple[store.Cut, list[str], list[bytes]] | None:
        cut, ids, encoded = store.Cut([], [], []), list[str](), _Encoded()
        try:
            for number, data, line, _ in store.share_runs(files, cut, share, rest=rest):
                for facts in store.run_parts(str(files[number]), data, line, base):
                    if facts is None or not going():
                        return None
                    for fact in facts:
                        encoded.take(fact)
                    ids += (fact.id for fact in facts)
        except store.Uncut:
            return None
        return cut, ids, encoded.done()

    def read_rest(going: forked.Going) -> bool:
        found = read(going, rest=True)
        if found is None:  # this process may be gone: the file is the fork's to remove
            theirs.unlink(missing_ok=True)
            return False
        cut, ids, pieces = found
        told = marshal.dumps((cut.fingerprints, cut.heads, ids))
        with theirs.open("wb") as out:
            _write_pieces(out, chain([told], pieces))
        return True

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = _temporary(folder, "base")
        os.close(handle)
    except OSError:  # a read-only or full disk: one process reads them
        return None
    theirs = Path(name)
    try:
        mine = forked.halves(lambda going: read(going, rest=False), read_rest)
        if mine is None:
            return None
        cut, ids, pieces = mine
        their_pieces = _pieces_in(theirs)
        fingerprints, their_heads, their_ids = marshal.loads(next(their_pieces))
        pieces += their_pieces
    except (OSError, EOFError, ValueError, TypeError, StopIteration):  # the fork's file damaged
        return None
    finally:
        theirs.unlink(missing_ok=True)
    ids += their_ids
    if (
        (fingerprints, their_heads) != (cut.fingerprints, cut.heads)
        or cut.heads != [head.digest for head in heads]
        or len(set(ids)) < len(ids)
    ):
        return None
    return base, cut.fingerprints, pieces


class _Encoded:
    """Facts' values, encoded _PIECE facts at a time as the facts come, as a base is kept.

    So encoded, 100,000 facts take 30 MB, where their values as objects take about 110: a
    base read from its files never holds them all as objects beside its facts.
    """

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self._values: list[packed.FactValues] = []
        self._shared = packed.Shared()  # what the facts of a piece hold alike, encoded once

    def take(self, fact: Fact) -> None:
        """Add a fact."""
        self._values.append(packed.fact_values(fact, self._shared))
        if len(self._values) == _PIECE:
            self._encode()

    def done(self) -> list[bytes]:
        """The pieces, once every fact is taken."""
        if self._values:
            self._encode()
        return self.pieces

    def _encode(self) -> None:
        self.pieces.append(marshal.dumps(tuple(self._values)))
        self._values.clear()
        self._shared = packed.Shared()


def _taken(items: list[_T]) -> Iterator[_T]:
    """The items, in order, each let go of by the list as it is taken; the list left empty."""
    items.reverse()
    while items:
        yield items.pop()


def _keep_base(entry: str, base: packed.BaseValues, pieces: Iterable[bytes]) -> None:
    """Keep a base as `_kept_base` reads it: sources, entities, files, then `_Encoded` pieces."""
    put_pieces("base", entry, chain([marshal.dumps(base)], pieces))


#: How many facts' values a piece of a kept base holds.
_PIECE = 5_000


def _indexed_base(
    files: list[Path], fingerprints: list[Fingerprint], entry: str
) -> FactBase | None:
    """The base of the files read from their search index, kept or updated from a kept one.

    Reading the facts from the index takes a tenth of the time that parsing the files does;
    when there is no index to update, the files are parsed, as building an index costs more.
    A small base is then kept too, as `load` keeps one (reading it so needs no SQLite); a big
    one is read from the index each time, which takes as long, rather than held twice in
    memory while a copy is written: 100,000 facts peaked at 194 MiB instead of 123.
    """
    import sqlite3

    index = _kept_or_updated(files, fingerprints, entry)
    if index is None:
        return None
    try:
        with uncollected():
            base, facts = packed.base_values(index.base), packed.facts_of(index.every_fact())
    except (sqlite3.Error, ValueError, EOFError, TypeError):  # damaged: parse the files
        return None
    finally:
        index.close()
    if len(facts) < _KEPT_BESIDE_INDEX:
        encoded = _Encoded()
        for fact in facts:
            encoded.take(fact)
        _keep_base(entry, base, encoded.done())
    return packed.base_of(base, facts, entry)


#: A base of this many facts or more, read from its index, is not kept beside it as well.
_KEPT_BESIDE_INDEX = 10_000


def _kept_base(entry: str) -> FactBase | None:
    """The base that `load` kept under this key, or None when there is none that can be read."""
    try:
        pieces = get_pieces("base", entry)
        base = next(pieces)
        with uncollected():
            facts = packed.facts_of(chain.from_iterable(pieces))  # type: ignore[arg-type]
        return packed.base_of(base, facts, entry)  # type: ignore[arg-type]  # or TypeError
    except (OSError, EOFError, ValueError, TypeError, StopIteration):  # none, or damaged
        return None


def index(
    paths: Iterable[StrPath] | None = None, building: Callable[[int], object] | None = None
) -> Index:
    """The search index of fact files, validated as `load` validates them, from the cache if kept.

    A kept index is a SQLite file that is never changed once written; a search reads only the
    words and facts it needs from it, so its cost hardly grows with the base. A new one is
    filed under the fingerprints of the bytes it was built from, which are the files' bytes
    now, unless they changed meanwhile, in which case it is filed under what they were.
    `building` is called with the files' size in bytes before an index is built anew, which
    takes a while for a big base (not when a kept one is updated).
    """
    from tmkfacts import index as indexing

    files = [resolve(p) for p in paths] if paths is not None else default_paths()
    if cache_dir() is not None:
        fingerprints = _fingerprints(files)
        if fingerprints is None:  # the store says which file cannot be read, and why
            from tmkfacts import store

            return indexing.of_base(store.load(files))
        if (found := _kept_or_updated(files, fingerprints, _key(fingerprints))) is not None:
            return found

    def build(path: Path | None) -> tuple[Index, str]:
        built, fingerprints = indexing.build(files, path, made_by=_key([]))
        return built, _key(fingerprints)

    _tell(building, files)
    return _keep_index(build)


def _tell(told: Callable[[int], object] | None, files: list[Path]) -> None:
    """Tell `told`, when given, the files' size in bytes: they are about to be read anew."""
    if told is not None:
        try:
            size = sum(path.stat().st_size for path in files)
        except OSError:  # reading them says which file cannot be read, and why
            size = 0
        told(size)


def _kept_or_updated(
    files: list[Path], fingerprints: list[Fingerprint], entry: str
) -> Index | None:
    """The index kept under `entry`, the key of these fingerprints, or one updated to them."""
    found = _kept_index(entry)
    return found if found is not None else _updated(files, fingerprints)


def _updated(files: list[Path], fingerprints: list[Fingerprint]) -> Index | None:
    """The index of files of which some facts, sources or entities changed since one was kept.

    The files are cut into runs of facts as a build cuts them (`store.cut`); the newest kept
    index of the same files is copied with the runs it holds that are still there, and only the
    others are read and indexed, which costs what they cost, not the whole base. A run is read
    again too when it names an entity or source that went (`index.gone`); one whose entities
    were renamed stays, as the index adds what entities say to the facts that name them. The
    new runs are checked as a build checks them, and all the facts' ids together; in any other
    case, None.
    """
    import sqlite3

    from tmkfacts import index as indexing

    folder = cache_dir()
    found = _kept_like(folder, fingerprints) if folder is not None else None
    if found is None:
        return None
    kept, before = found
    try:
        planned = _plan(files, fingerprints, before)
        if planned is None:
            return None
        base, runs, heads = planned
        built_from = [(each, True) for each in fingerprints]
        return _keep_index(
            lambda path: (
                indexing.update(
                    kept,
                    path,
                    base=base,
                    runs=runs,
                    built_from=built_from,
                    heads=heads,
                    made_by=_key([]),
                ),
                _key(fingerprints),
            )
        )
    except (OSError, sqlite3.Error, ValueError, EOFError, TypeError):
        return None  # the kept index went, or is damaged: built afresh
    finally:
        before.close()


def _plan(
    files: list[Path], fingerprints: list[Fingerprint], before: Index
) -> tuple[FactBase, list[Kept | Fresh], list[bytes | None]] | None:
    """What `index.update` needs to index the files as they are now.

    The base of their heads, their runs (those `before` holds that can stay, and the others)
    and their heads' digests.

    None when the files are not as fingerprinted, no run can stay, or the heads or a run hold
    a problem, or a fact id another holds too: then the files are read afresh, which says what
    the problem is.
    """
    from tmkfacts import index as indexing
    from tmkfacts import store

    heads = store.heads(files)
    if heads is None:
        return None
    digests: list[bytes | None] = [head.digest for head in heads]
    base, gone = before.base, frozenset[tuple[str, str]]()
    if digests != before.heads():
        now = store.heads_base(files, heads)
        if now is None:
            return None
        base, gone = now, indexing.gone(before.base, now)
    held = {key: run for key, run in before.kept_runs().items() if gone.isdisjoint(run.refs)}
    cut = store.cut(files, known=held)
    # The bytes cut must be those fingerprinted: a file changed since is built afresh.
    if cut is None or (cut.fingerprints, cut.heads) != (fingerprints, digests):
        return None
    runs: list[Kept | Fresh] = []
    ids: list[str] = []
    for file, data, line, digest in cut.runs:
        if (run := held.pop((file, digest), None)) is not None:
            runs.append(indexing.Kept(run.run, line))
            ids += run.ids
            continue
        facts = None
        if data is not None:  # else a run the kept index holds, twice: its ids twice
            facts = store.run_facts(str(files[file]), data, line, base)
        if facts is None:
            return None
        runs.append(indexing.Fresh(file, line, digest, facts))
        ids += (fact.id for fact in facts)
    if len(set(ids)) < len(ids) or not any(isinstance(run, indexing.Kept) for run in runs):
        return None
    return base, runs, digests


def _kept_like(folder: Path, fingerprints: list[Fingerprint]) -> tuple[Path, Index] | None:
    """The newest kept index by this version of tmkfacts of files with these names, all cut.

    Returns its file and the index, open.
    """
    from tmkfacts import index as indexing

    this_code, names = _key([]), [name for name, _, _ in fingerprints]
    for kept in sorted(folder.glob("index-*.sqlite"), key=_age):
        try:
            before = indexing.Index.open(kept)
            made_by, built_from = before.built_from()
            heads = before.heads()
        except Exception:  # damaged or of another version: not this one
            continue
        if (
            made_by == this_code
            and [name for (name, _, _), _ in built_from] == names
            and all(in_runs for _, in_runs in built_from)
            and len(heads) == len(names)
            and None not in heads
        ):
            return kept, before
        before.close()
    return None


def _age(path: Path) -> float:
    """A sort key that puts the newest files first: minus the time each was last written."""
    try:
        return -path.stat().st_mtime
    except OSError:
        return 0.0


def index_of(base: FactBase) -> Index:
    """The search index of a loaded base, kept under its digest when it has one."""
    from tmkfacts import index as indexing

    digest = base.digest
    if digest is None or cache_dir() is None:
        return indexing.of_base(base)
    if (found := _kept_index(digest)) is not None:
        return found
    return _keep_index(lambda path: (indexing.of_base(base, path), digest))


def _kept_index(entry: str) -> Index | None:
    """The index kept under this key, or None when there is none that can be read."""
    from tmkfacts import index as indexing

    folder = cache_dir()
    try:
        return indexing.Index.open(folder / f"index-{entry}.sqlite") if folder else None
    except Exception:  # missing, damaged or of another version: build it again
        return None


def _keep_index(build: Callable[[Path | None], tuple[Index, str]]) -> Index:
    """Build an index into a new file and file it under the key `build` gives with it.

    The file is written under a temporary name and renamed, so no reader sees half of one.
    Without a folder that can be written, the index is built in memory.
    """
    from tmkfacts import index as indexing

    folder = cache_dir()
    try:
        if folder is None:
            raise OSError("no cache folder")  # noqa: TRY301  # the same way as an unwritable one
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = _temporary(folder, "index")
        os.close(handle)
    except OSError:  # a read-only or full disk: work without the cache
        return build(None)[0]
    built, entry = build(Path(temporary))  # on FactsError, the file is removed
    built.close()
    kept = folder / f"index-{entry}.sqlite"
    try:
        Path(temporary).replace(kept)
        _tidy(folder, "index", entry, ".sqlite")
    except OSError:  # another tmkfacts is tidying up too; the file just built still answers
        if not kept.exists():
            return indexing.Index.open(Path(temporary))
    return indexing.Index.open(kept)


def _fingerprints(files: list[Path]) -> list[Fingerprint] | None:
    """Each file's fingerprint, as it is now; None if one cannot be read (the store says why).

    The hash of a big file is remembered by its status once it has stood unchanged for a while
    (see `_remembered`): hashing the 44 MB of 100,000 facts takes a quarter of a search that
    the cache answers.
    """
    try:
        statuses = [path.stat() for path in files]
        if any(status.st_size > MAX_FILE_BYTES for status in statuses):
            return None
        # Elsewhere than POSIX, st_ctime is when a file was made, not when it last changed.
        if os.name != "posix" or all(status.st_size < MEMO_FROM for status in statuses):
            return [fingerprint.of_file(path) for path in files]
        memo = _memo()
        pairs = zip(files, statuses, strict=True)
        found = [_remembered(path, status, memo) for path, status in pairs]
    except OSError:
        return None
    if memo.learnt:
        _keep_memo(memo)
    return found


#: Files of this size or more have their hashes remembered; a smaller one is hashed in less
#: time than reading what was remembered takes.
MEMO_FROM = fingerprint.PIECE
#: How long a file must have stood unchanged, in nanoseconds, for its hash to be remembered.
SETTLED_NS = 3 * 10**9
_MEMO_SIZE = 64  # files whose hashes are remembered


class _Memo(dict[tuple[str, int, int, int, int, int], bytes]):
    """Hashes of files, by status: name, device, inode, size, and times of change in ns."""

    learnt = False  # whether a hash was added since it was read


def _status(path: Path, status: os.stat_result) -> tuple[str, int, int, int, int, int]:
    return (
        str(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns,
        status.st_ctime_ns,
    )  # fmt: skip


def _remembered(path: Path, status: os.stat_result, memo: _Memo) -> Fingerprint:
    """A file's fingerprint: its hash as remembered for its status, or hashed now.

    Any write to a file, or any change of its times, sets its change time (st_ctime) to the
    time then, which no user can set back: so a hash is remembered only for a file that has
    stood unchanged for SETTLED_NS when hashing began, and whose status was the same after,
    as git does with its index. A later change then gives the file another status, unless the
    clock is set back; a file of the same status is the file that was hashed.
    """
    if status.st_size < MEMO_FROM:
        return fingerprint.of_file(path)
    key = _status(path, status)
    if isinstance(known := memo.get(key), bytes):
        return key[0], status.st_size, known
    began = time.time_ns()
    found = fingerprint.of_file(path)
    settled = max(status.st_mtime_ns, status.st_ctime_ns) <= began - SETTLED_NS
    if settled and found[1] == status.st_size and _status(path, path.stat()) == key:
        for other in [each for each in memo if each[0] == key[0]]:  # what it was before
            del memo[other]
        memo[key] = found[2]
        memo.learnt = True
    return found


def _memo() -> _Memo:
    """The hashes remembered, or none when they cannot be read."""
    kept = get("stat", "memo")
    memo = _Memo()
    if isinstance(kept, dict):  # as `_keep_memo` keeps it; entries of any other shape are not
        memo.update(
            (key, value)
            for key, value in kept.items()
            if isinstance(key, tuple) and len(key) == 6 and isinstance(value, bytes)
        )
    return memo


def _keep_memo(memo: _Memo) -> None:
    """Keep the hashes remembered, the newest _MEMO_SIZE of them."""
    put("stat", "memo", dict(list(memo.items())[-_MEMO_SIZE:]))


def remembered(kind: str, entry: str | None, build: Callable[[], _T], check: type[_T]) -> _T:
    """The plain value under kind and key if kept and of the right type, else built and kept."""
    if entry is not None:
        found = get(kind, entry)
        if isinstance(found, check):
            return found
    value = build()
    if entry is not None:
        put(kind, entry, value)
    return value


def _temporary(folder: Path, kind: str) -> tuple[int, str]:
    """A new file to write an entry into, before it is renamed: (descriptor, path)."""
    import tempfile  # only to write, which a run answered from the cache does not

    return tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=folder)


def _tidy(folder: Path, kind: str, kept: str, suffix: str) -> None:
    """Once an entry is kept: forget old ones, and what was left half written or of old."""
    _forget_old(folder, kind, keep=kept, suffix=suffix)
    _forget_old(folder, kind, keep="", most=0, suffix=".pickle")  # of the earlier kind
    _forget_abandoned(folder)


#: A temporary file of the cache folder unchanged for this many seconds was left by a process
#: killed outright (SIGKILL, or the machine stopping): none is written for more than minutes.
_ABANDONED = 24 * 3600


def _forget_abandoned(folder: Path) -> None:
    """Remove the temporary files of entries that processes long gone left half written."""
    before = time.time() - _ABANDONED
    for temporary in folder.glob(".*.tmp*"):  # .index-*.tmp.part is the fork's (`index.build`)
        with suppress(OSError):  # another tmkfacts removed it first
            if temporary.stat().st_mtime < before:
                temporary.unlink()


def _forget_old(folder: Path, kind: str, keep: str, suffix: str, most: int = 4) -> None:
    """Keep the newest few entries of a kind, so that the folder does not grow without end."""
    entries = sorted(
        folder.glob(f"{kind}-*{suffix}"), key=lambda path: path.stat().st_mtime, reverse=True
    )
    for old in entries[most:]:
        if old.stem != f"{kind}-{keep}":
            old.unlink(missing_ok=True)
