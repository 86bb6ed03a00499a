"""Adding a fact, and where needed its source, to a fact file: checked whole, written atomically.

What a curator gives (ids or names of entities, a source id or an address) becomes records in
the layout of `tmkfacts.layout`; the base with them is validated as the other commands read it
before a byte is written, and the file is replaced whole, never left half-written.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from tmkfacts import layout, store
from tmkfacts.dates import PartialDate, suggest
from tmkfacts.errors import QueryError, WriteError, did_you_mean, known_hint
from tmkfacts.model import Fact, FactBase
from tmkfacts.vocabularies import KINDS

#: The fields a fact cannot do without, as the flags of `tmkfacts add` name them.
REQUIRED = ("title", "date", "kind", "text", "entity", "source")


class Draft(NamedTuple):
    """What a curator gave for a new fact, as typed: names, not yet ids."""

    title: str | None = None
    date: str | None = None
    kind: str | None = None
    text: str | None = None
    entity: tuple[str, ...] = ()
    source: str | None = None
    id: str | None = None
    material: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    place: str | None = None
    date_note: str | None = None
    publisher: str | None = None
    published: str | None = None
    source_title: str | None = None

    def missing(self) -> list[str]:
        """The required fields not given, and a new source's, by their flags' names."""
        found = [name for name in REQUIRED if not getattr(self, name)]
        if is_address(self.source or ""):
            found += [n for n in ("publisher", "published", "source_title") if not getattr(self, n)]
        return found


def is_address(text: str) -> bool:
    """True for a source given by its web address rather than by its id."""
    return text.startswith(("https://", "http://"))


def slug(text: str, limit: int = 60) -> str:
    """A readable id from text: lowercase words joined by hyphens, cut at a word."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    found = ""
    for word in words:
        if found and len(found) + 1 + len(word) > limit:
            break
        found = f"{found}-{word}" if found else word
    return found or "fact"


def unique(wanted: str, taken: set[str]) -> str:
    """The id, or the id with the first free number after it."""
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def entity_id(base: FactBase, name: str) -> str:
    """The id of the entity with this id or any of its names (any case); QueryError if none."""
    for entity in base.entities:
        if entity.is_named(name):
            return entity.id
    ids = [entity.id for entity in base.entities]
    raise QueryError(f"no entity '{name}'{did_you_mean(slug(name), ids)}")


def check_date(text: str) -> str:
    """A date as the fact file writes it; QueryError saying what is wrong, with a suggestion."""
    try:
        return str(PartialDate.parse(text.strip()))
    except ValueError as error:
        meant = suggest(text)
        hint = f" (did you mean '{meant}'?)" if meant else ""
        raise QueryError(f"--date: {error}{hint}") from None


def check_kind(text: str) -> str:
    """A kind of fact; QueryError naming the kinds, the closest first."""
    kind = text.strip().casefold()
    if kind not in KINDS:
        raise QueryError(f"unknown kind '{text}'{known_hint(kind, KINDS)}")
    return kind


def records(base: FactBase, draft: Draft) -> tuple[dict[str, object] | None, dict[str, object]]:
    """The new source (None when the fact cites a known one) and the new fact, as records.

    QueryError for a required field missing, an unknown entity, kind or source id, or a bad
    date.
    """
    missing = draft.missing()
    if missing:
        raise QueryError(f"missing {', '.join('--' + name.replace('_', '-') for name in missing)}")
    assert draft.source is not None  # missing() says so
    assert draft.title is not None
    source: dict[str, object] | None = None
    source_id = draft.source.strip()
    if is_address(source_id):
        known = [s.id for s in base.sources if s.url.rstrip("/") == source_id.rstrip("/")]
        if known:
            source_id = known[0]
        else:
            published = check_date(draft.published or "")
            source_id = unique(
                f"{slug(draft.publisher or '', 30)}-{published}", {s.id for s in base.sources}
            )
            source = {
                "id": source_id,
                "title": draft.source_title,
                "publisher": draft.publisher,
                "url": draft.source.strip(),
                "published": published,
            }
    elif source_id not in {s.id for s in base.sources}:
        ids = [s.id for s in base.sources]
        raise QueryError(f"no source '{source_id}'{did_you_mean(source_id, ids)}")
    taken = {fact.id for fact in base.facts}
    fact_id = draft.id.strip() if draft.id else unique(slug(draft.title), taken)
    if fact_id in taken:
        raise QueryError(f"a fact '{fact_id}' exists already; give another --id")
    fact: dict[str, object] = {
        "id": fact_id,
        "date": check_date(draft.date or ""),
        "date_note": draft.date_note,
        "kind": check_kind(draft.kind or ""),
        "place": draft.place,
        "title": draft.title.strip(),
        "text": (draft.text or "").strip(),
        "entities": list(dict.fromkeys(entity_id(base, name) for name in draft.entity)),
        "materials": [slug(each) for each in draft.material],
        "sources": [source_id],
        "tags": [slug(each) for each in draft.tag],
    }
    return source, {key: value for key, value in fact.items() if value not in (None, [], "")}


def add(
    target: Path, paths: Sequence[Path], source: Mapping[str, object] | None,
    fact: Mapping[str, object],
) -> tuple[FactBase, Fact]:  # fmt: skip
    """Add the records to the target file, creating it; the base with them, and the new fact.

    `paths` are the files the base is read from, the target among them. FactsError, and
    nothing written, when the base with the records has a problem; WriteError when the file
    cannot be written.
    """
    try:
        text = target.read_text(encoding="utf-8") if target.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise WriteError(f"cannot read {target}: {error}") from None
    if source is not None:
        text = layout.insert(text, "source", layout.record_text("source", source))
    text = layout.insert(text, "fact", layout.record_text("fact", fact))
    base = store.load(paths, contents={target: text.encode("utf-8")})
    write(target, text)
    return base, base.fact(str(fact["id"]))


def write(target: Path, text: str) -> None:
    """Replace the file's text whole: written beside it under a temporary name, then renamed."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            Path(temporary).chmod(mode)
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise WriteError(f"cannot write {target}: {error.strerror or error}") from None
