"""Write a fact base to a file: a SQLite database with a full-text index, JSON or CSV.

A file is written whole under a temporary name beside its target and then renamed over it,
so an export that is interrupted leaves no half-written file, and readers of the target see
the old file or the new one, never a mixture.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TextIO

from tmkfacts import formats, rows
from tmkfacts.errors import WriteError
from tmkfacts.model import Fact, FactBase

#: The kinds of file `export` writes, by suffix.
SUFFIXES = (".sqlite", ".sqlite3", ".db", ".json", ".csv")

_SCHEMA = """
CREATE TABLE sources (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT NOT NULL, url TEXT NOT NULL,
    published TEXT NOT NULL, notes TEXT
);
CREATE TABLE entities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT, type TEXT NOT NULL, country TEXT,
    parent TEXT REFERENCES entities(id), role TEXT, organization TEXT REFERENCES entities(id),
    description TEXT
);
CREATE TABLE entity_aliases (entity TEXT NOT NULL REFERENCES entities(id), alias TEXT NOT NULL);
CREATE TABLE entity_relations (
    entity TEXT NOT NULL REFERENCES entities(id), relation TEXT NOT NULL
);
CREATE TABLE facts (
    id TEXT PRIMARY KEY, date TEXT NOT NULL, date_precision TEXT NOT NULL,
    first_day TEXT NOT NULL, last_day TEXT NOT NULL, date_note TEXT, kind TEXT NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, place TEXT
);
CREATE TABLE fact_entities (fact TEXT NOT NULL REFERENCES facts(id), entity TEXT NOT NULL
    REFERENCES entities(id));
CREATE TABLE fact_sources (fact TEXT NOT NULL REFERENCES facts(id), source TEXT NOT NULL
    REFERENCES sources(id));
CREATE TABLE fact_materials (fact TEXT NOT NULL REFERENCES facts(id), material TEXT NOT NULL);
CREATE TABLE fact_tags (fact TEXT NOT NULL REFERENCES facts(id), tag TEXT NOT NULL);
CREATE TABLE figures (
    fact TEXT NOT NULL REFERENCES facts(id), metric TEXT NOT NULL, value REAL NOT NULL,
    unit TEXT NOT NULL, scale TEXT, period TEXT, change_pct REAL, qualifier TEXT
);
CREATE VIRTUAL TABLE facts_fts USING fts5(
    title, text, content='facts', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
"""


def export(base: FactBase, target: Path, *, force: bool = False) -> Path:
    """Write the base to target, by its suffix; WriteError if it exists and force is not given."""
    suffix = target.suffix.casefold()
    writers: dict[str, Callable[[FactBase, Path], None]] = {
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
        writers[suffix](base, partial)
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


def _json(base: FactBase, path: Path) -> None:
    """What `json.dumps` writes of the sources, entities and facts, indented; facts as made.

    Their array is a value one level in: two more spaces follow each of its line breaks.
    """
    head = {
        "sources": [rows.source(each) for each in base.sources],
        "entities": [rows.entity(each) for each in base.entities],
    }
    with _writing(path) as out:
        out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2])  # without "\n}"
        out.write(',\n  "facts": ')
        facts = rows.Each(base.facts, partial(rows.fact, base), rows.FACT_FIELDS)
        for piece in rows.encode(facts):
            out.write(piece.replace("\n", "\n  "))
        out.write("\n}\n")


def _csv(base: FactBase, path: Path) -> None:
    facts = rows.Each(base.facts, partial(rows.fact, base), rows.FACT_FIELDS)
    with _writing(path) as out:
        for piece in formats.pieces(facts, "csv", header=rows.FACT_FIELDS):
            out.write(piece)


@contextmanager
def _writing(path: Path) -> Iterator[TextIO]:
    """The file open to write text in, as it comes; on disk once the writing is done."""
    with path.open("w", encoding="utf-8", newline="") as out:
        yield out
        out.flush()
        os.fsync(out.fileno())


def _sqlite(base: FactBase, path: Path) -> None:
    path.unlink()  # sqlite3 creates the database itself
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?)",
            ((s.id, s.title, s.publisher, s.url, str(s.published), s.notes) for s in base.sources),
        )
        db.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.id,
                    e.name,
                    e.short_name,
                    e.type,
                    e.country,
                    e.parent,
                    e.role,
                    e.organization,
                    e.description,
                )
                for e in base.entities
            ],
        )
        db.executemany(
            "INSERT INTO entity_aliases VALUES (?, ?)",
            [(e.id, alias) for e in base.entities for alias in e.aliases],
        )
        db.executemany(
            "INSERT INTO entity_relations VALUES (?, ?)",
            [(e.id, relation) for e in base.entities for relation in e.relations],
        )
        db.executemany(
            "INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    f.id,
                    str(f.date),
                    f.date.precision,
                    f.date.first_day.isoformat(),
                    f.date.last_day.isoformat(),
                    f.date_note,
                    f.kind,
                    f.title,
                    f.text,
                    f.place,
                )
                for f in base.facts
            ),
        )
        links: dict[str, Callable[[Fact], tuple[str, ...]]] = {
            "fact_entities": lambda fact: fact.entities,
            "fact_sources": lambda fact: fact.sources,
            "fact_materials": lambda fact: fact.materials,
            "fact_tags": lambda fact: fact.tags,
        }
        for table, values in links.items():
            db.executemany(
                f"INSERT INTO {table} VALUES (?, ?)",  # table names are ours
                ((fact.id, value) for fact in base.facts for value in values(fact)),
            )
        db.executemany(
            "INSERT INTO figures VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (f.id, g.metric, g.value, g.unit, g.scale, g.period, g.change_pct, g.qualifier)
                for f in base.facts
                for g in f.figures
            ),
        )
        db.execute("INSERT INTO facts_fts(facts_fts) VALUES ('rebuild')")
    db.close()
