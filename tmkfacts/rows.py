"""The `--json` output: one plain dict per row, with the fact file's field names.

This is a contract with scripts: fields are only ever added, never renamed or removed. Dates
are strings at the precision known ("2025", "2025-07", "2025-07-14"); a missing optional value
is null; lists are always lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar, overload

if TYPE_CHECKING:  # for annotations only: the command line imports rows on every run
    from tmkfacts.db import Database
    from tmkfacts.errors import Problem
    from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate, Source
    from tmkfacts.query import EntityView, Membership, Partner, SourceUse, Summary
    from tmkfacts.search import Hit

Row = dict[str, object]
_Item = TypeVar("_Item")

#: The keys of each kind of row, in order: the contract `tests/test_json_contract.py` pins.
SOURCE_FIELDS = (
    "id", "title", "publisher", "url", "published", "notes", "title_supplied", "language",
)  # fmt: skip
FIGURE_FIELDS = ("metric", "value", "unit", "scale", "period", "change_pct", "qualifier")
FACT_FIELDS = (
    "id", "date", "date_note", "kind", "title", "text", "place", "entities", "materials",
    "figures", "tags", "sources", "disputes", "earliest", "latest", "origin",
)  # fmt: skip
ENTITY_FIELDS = ("id", "name", "short_name", "type", "country", "parent")
PARTNER_FIELDS = (*ENTITY_FIELDS, "relations", "facts", "first_date", "last_date", "planned")
MEMBERSHIP_FIELDS = (
    *ENTITY_FIELDS, "date", "date_note", "place", "fact", "benefits", "earliest", "latest",
)  # fmt: skip
SOURCE_USE_FIELDS = (*SOURCE_FIELDS, "facts")
SUMMARY_FIELDS = ("section", "rows")
PROBLEM_FIELDS = ("file", "line", "column", "record", "message")
FILE_FIELDS = ("file", "role", "sources", "entities", "facts", "problem")


def dumps(rows: Iterable[Row], *, ascii: bool = False) -> str:
    r"""A JSON array of the rows, indented, without a trailing newline.

    Text is written as itself, for UTF-8 output; with `ascii`, as \u escapes, for output that
    cannot hold it.
    """
    return "".join(encode(rows, ascii=ascii))


def encode(rows: Iterable[Row], *, ascii: bool = False) -> Iterator[str]:
    """The text of `dumps`, a few hundred rows at a time, as the rows come: never all at once.

    Each piece is what `json.dumps(rows, indent=2)` writes of them. Encoding pieces rather than
    rows leaves the garbage of one encoder a piece, not a row (the command line runs without
    the cyclic collector).
    """
    import json  # only for output as JSON: rows are read on every run

    start = "[\n"
    iterator = iter(rows)
    while piece := list(islice(iterator, 500)):
        yield start + json.dumps(piece, ensure_ascii=ascii, indent=2)[2:-2]
        start = ",\n"
    yield "[]" if start == "[\n" else "\n]"


class Each(Sequence[Row], Generic[_Item]):
    """The rows of items, each made as it is read: a long answer is never held whole as rows.

    `fields` are the keys of every row `make` makes, in order.
    """

    def __init__(
        self, items: Sequence[_Item], make: Callable[[_Item], Row], fields: tuple[str, ...]
    ) -> None:
        self._items, self._make, self.fields = items, make, fields

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return list(map(self._make, self._items[index]))
        return self._make(self._items[index])

    def __iter__(self) -> Iterator[Row]:
        return map(self._make, self._items)


#: Flat fields of a fact's sources, for CSV, TSV and Markdown cells and for --fields: JSON has
#: the sources whole.
FLAT_FIELDS = ("source_urls", "publishers", "published")


def fact(base: FactBase, item: Fact, *, flat: bool = False) -> Row:
    """A fact, its sources spelled out so that it never travels without them.

    `flat` adds the sources' addresses, publishers and dates as lists of text (FLAT_FIELDS).
    """
    row: Row = {
        "id": item.id,
        "date": str(item.date),
        "date_note": item.date_note,
        "kind": item.kind,
        "title": item.title,
        "text": item.text,
        "place": item.place,
        "entities": list(item.entities),
        "materials": list(item.materials),
        "figures": [figure(each) for each in item.figures],
        "tags": list(item.tags),
        "sources": [source(base.source(source_id)) for source_id in item.sources],
        "disputes": list(item.disputes),
        **_span(item),
        "origin": origin_of(item),
    }
    return {**row, **_flat_sources(base, item)} if flat else row


def _flat_sources(base: FactBase, item: Fact) -> Row:
    """The sources' addresses, publishers and dates as lists of text, for CSV and TSV cells."""
    cited = [base.source(source_id) for source_id in item.sources]
    return {
        "source_urls": [each.url for each in cited],
        "publishers": [each.publisher for each in cited],
        "published": [str(each.published) for each in cited],
    }


#: A fact's `origin` when it comes from the shipped base.
BUILTIN = "builtin"


def origin_of(item: Fact) -> str | None:
    """Where a fact comes from: "builtin" for the shipped base, else its file; None if unknown."""
    if item.origin is None:
        return None
    return BUILTIN if item.origin.file in _shipped() else item.origin.file


@cache
def _shipped() -> frozenset[str]:
    """The names the shipped base is read under: the installed copy, or the checkout's file."""
    from tmkfacts.locations import builtin_path

    path = builtin_path()
    return frozenset({str(path), str(path.resolve())})


def hit(base: FactBase, item: Hit, *, flat: bool = False) -> Row:
    """A search result: the fact, its score and the search words that matched."""
    row = fact(base, item.fact, flat=flat)
    return {**row, "score": round(item.score, 3), "matched": list(item.matched)}


def figure(item: Figure) -> Row:
    """A reported number, as in the fact file."""
    return {
        "metric": item.metric,
        "value": item.value,
        "unit": item.unit,
        "scale": item.scale,
        "period": item.period,
        "change_pct": item.change_pct,
        "qualifier": item.qualifier,
    }


def source(item: Source) -> Row:
    """A source, as in the fact file."""
    return {
        "id": item.id,
        "title": item.title,
        "publisher": item.publisher,
        "url": item.url,
        "published": str(item.published),
        "notes": item.notes,
        "title_supplied": item.title_supplied,
        "language": item.language,
    }


def source_use(item: SourceUse) -> Row:
    """A source and the ids of the facts drawn from it."""
    return {**source(item.source), "facts": [each.id for each in item.facts]}


def partner(item: Partner) -> Row:
    """A partner organization, how TMK deals with it, and the facts that say so."""
    return {
        **_entity(item.entity),
        "relations": list(item.entity.relations),
        "facts": [each.id for each in item.facts],
        "first_date": _date(item.first_date),
        "last_date": _date(item.last_date),
        "planned": [each.id for each in item.planned],
    }


def membership(item: Membership) -> Row:
    """A body TMK joined: when and where, and what the membership is expected to give."""
    return {
        **_entity(item.body),
        "date": str(item.fact.date),
        "date_note": item.fact.date_note,
        "place": item.fact.place,
        "fact": item.fact.id,
        "benefits": [{"fact": each.id, "text": each.text} for each in item.benefits],
        **_span(item.fact),
    }


def summary(item: Summary) -> list[Row]:
    """The summary as one row per section: {"section": name, "rows": [...]}."""
    base = item.base
    totals: Row = {
        "sources": len(base.sources),
        "entities": len(base.entities),
        "facts": item.facts,
        "first_date": _date(item.first_date),
        "last_date": _date(item.last_date),
    }
    sections: list[tuple[str, list[Row]]] = [
        ("totals", [totals]),
        ("kinds", [{"kind": kind, "facts": count} for kind, count in item.by_kind]),
        ("years", [{"year": year, "facts": count} for year, count in item.by_year]),
        (
            "exports",
            [
                {
                    "fact": each.id,
                    "date": str(each.date),
                    "title": each.title,
                    "figure": figure(number) if number else None,
                }
                for each, number in item.exports
            ],
        ),
        (
            "partners_by_country",
            [
                {"country": country, "partners": [p.entity.id for p in found]}
                for country, found in item.partners_by_country
            ],
        ),
        (
            "memberships_by_year",
            [
                {"year": year, "memberships": [m.body.id for m in found]}
                for year, found in item.memberships_by_year
            ],
        ),
        (
            "latest",
            [
                {"id": each.id, "date": str(each.date), "title": each.title, **_span(each)}
                for each in item.newest
            ],
        ),
    ]
    return [{"section": name, "rows": rows} for name, rows in sections]


def summary_lines(sections: list[Row]) -> list[Row]:
    """The summary flattened for CSV, TSV and Markdown: each row of a section, under its name."""
    lines: list[Row] = []
    for section in sections:
        inner = section["rows"]
        assert isinstance(inner, list)  # summary() builds every section so
        lines.extend({"section": section["section"], **each} for each in inner)
    return lines


def file_counts(database: Database) -> list[tuple[str, int, int, int]]:
    """Each fact file read, in order, with how many sources, entities and facts it holds."""
    base = database.base
    counts: dict[str, list[int]] = {name: [0, 0, 0] for name in base.files}
    for column, located in enumerate(
        ([each.origin for each in base.sources], [each.origin for each in base.entities])
    ):
        for origin in located:
            if origin is not None and origin.file in counts:
                counts[origin.file][column] += 1
    for number, count in database.facts_per_file().items():
        if number is not None:
            counts[base.files[number]][2] = count
    return [(name, *numbers) for name, numbers in counts.items()]  # type: ignore[misc]


def files(
    counted: Iterable[tuple[str, int | None, int | None, int | None]],
    builtin: Path,
    folder: Path | None,
    problems: Mapping[str, str] | None = None,
) -> list[Row]:
    """The fact files read, in order: whose they are, what each holds, its first problem.

    A count is None for a file that cannot be parsed; `problem` is None for a file without one.
    """
    found: list[Row] = []
    for name, n_sources, n_entities, n_facts in counted:
        path = Path(name)
        role = "given"
        if path.resolve() == builtin.resolve():
            role = "shipped"
        elif folder is not None and path.parent.resolve() == folder.resolve():
            role = "yours"
        found.append(
            {
                "file": name,
                "role": role,
                "sources": n_sources,
                "entities": n_entities,
                "facts": n_facts,
                "problem": (problems or {}).get(name),
            }
        )
    return found


def entity(item: Entity) -> Row:
    """An entity with everything the fact file says of it, for exports."""
    return {
        **_entity(item),
        "aliases": list(item.aliases),
        "role": item.role,
        "organization": item.organization,
        "description": item.description,
        "relations": list(item.relations),
        "search_aliases": list(item.search_aliases),
    }


ENTITY_ROW_FIELDS = (
    *ENTITY_FIELDS, "aliases", "role", "organization", "description", "relations",
    "search_aliases",
)  # fmt: skip
ENTITY_VIEW_FIELDS = (*ENTITY_ROW_FIELDS, "subsidiaries", "people", "facts")


def entity_view(item: EntityView) -> Row:
    """An entity with its subsidiaries, its people and the ids of its facts, newest first."""
    return {
        **entity(item.entity),
        "subsidiaries": [each.id for each in item.subsidiaries],
        "people": [each.id for each in item.people],
        "facts": [each.id for each in item.facts],
    }


def problem(item: Problem) -> Row:
    """A problem `tmkfacts check` found."""
    return {
        "file": item.file,
        "line": item.line,
        "column": item.column,
        "record": item.record,
        "message": item.message,
    }


def _entity(item: Entity) -> Row:
    return {
        "id": item.id,
        "name": item.name,
        "short_name": item.short_name,
        "type": item.type,
        "country": item.country,
        "parent": item.parent,
    }


def _span(item: Fact) -> Row:
    """The days a fact may fall on, first and last, as YYYY-MM-DD."""
    when = item.when
    return {"earliest": when.earliest.isoformat(), "latest": when.latest.isoformat()}


def _date(date: PartialDate | None) -> str | None:
    return None if date is None else str(date)
