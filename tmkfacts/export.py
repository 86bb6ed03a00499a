"""Write a fact base to a file: a SQLite database with a full-text index, JSON or CSV.

A file is written whole under a temporary name beside its target and then renamed over it,
so an export that is interrupted leaves no half-written file, and readers of the target see
the old file or the new one, never a mixture.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TextIO

from tmkfacts import formats, rows
from tmkfacts.db import Database, copy, database_of
from tmkfacts.errors import WriteError
from tmkfacts.model import FactBase

#: The kinds of file `export` writes, by suffix.
SUFFIXES = (".sqlite", ".sqlite3", ".db", ".json", ".csv")


def export(base: FactBase | Database, target: Path, *, force: bool = False) -> Path:
    """Write the base to target, by its suffix; WriteError if it exists and force is not given."""
    database = database_of(base)
    suffix = target.suffix.casefold()
    writers: dict[str, Callable[[Database, Path], None]] = {
        ".json": _json,
        ".csv": _csv,
        **dict.fromkeys((".sqlite", ".sqlite3", ".db"), _sqlite),
    }
    if suffix not in writers:
        raise WriteError(f"cannot export to '{target.name}': name it {', '.join(SUFFIXES)}")
    if target.is_dir():
        raise WriteError(f"{target} is a folder")
    if target.exists() and not force:
        raise WriteError(f"{target} exists; --force replaces it")
    folder = target.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise WriteError(f"cannot write in {folder or '.'}: {error.strerror or error}") from None
    os.close(handle)
    partial = Path(temporary)
    try:
        partial.chmod(_mode_for(target))
        writers[suffix](database, partial)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _mode_for(target: Path) -> int:
    """The permissions the file written as target gets, as a shell's `>` would give it.

    Those of the file it replaces; for a new file, what the umask lets a new file have.
    The temporary file it is written as starts readable by its owner alone.
    """
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:  # no file yet
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def to_stream(base: FactBase | Database, out: TextIO, fmt: str) -> None:
    """Write the base to an open stream (stdout for `--to -`): "json" or "csv"."""
    if fmt not in ("json", "csv"):
        raise WriteError(f"--to - writes json or csv, not {fmt}")
    (write_json if fmt == "json" else write_csv)(database_of(base), out)


def write_json(database: Database, out: TextIO) -> None:
    """What `json.dumps` writes of the sources, entities and facts, indented; facts as made.

    Their array is a value one level in: two more spaces follow each of its line breaks.
    """
    base = database.base
    head = {
        "sources": [rows.source(each) for each in base.sources],
        "entities": [rows.entity(each) for each in base.entities],
    }
    out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2])  # without "\n}"
    out.write(',\n  "facts": ')
    facts = map(partial(rows.fact, base), database.facts())
    for piece in rows.encode(facts):
        out.write(piece.replace("\n", "\n  "))
    out.write("\n}\n")


def write_csv(database: Database, out: TextIO) -> None:
    """The facts, one line each, every field: lists joined with ';', objects as JSON."""
    facts = map(partial(rows.fact, database.base, flat=True), database.facts())
    for piece in formats.pieces(facts, "csv", header=(*rows.FACT_FIELDS, *rows.FLAT_FIELDS)):
        out.write(piece)


def _json(database: Database, path: Path) -> None:
    with _writing(path) as out:
        write_json(database, out)


def _csv(database: Database, path: Path) -> None:
    with _writing(path) as out:
        write_csv(database, out)


@contextmanager
def _writing(path: Path) -> Iterator[TextIO]:
    """The file open to write text in, as it comes; on disk once the writing is done."""
    with path.open("w", encoding="utf-8", newline="") as out:
        yield out
        out.flush()
        os.fsync(out.fileno())


def _sqlite(database: Database, path: Path) -> None:
    """A copy of the database that search uses: the same tables, index and words."""
    path.unlink()  # sqlite3 creates the database itself
    copy(database, path)
