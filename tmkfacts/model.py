"""Immutable records of the fact base: sources, entities, facts, figures (dates: tmkfacts.dates)."""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple, NoReturn

from tmkfacts.dates import PartialDate, Precision, Span
from tmkfacts.vocabularies import (
    COUNTRIES,
    ENTITY_TYPES,
    KINDS,
    NOT_ORGANIZATIONS,
    RELATIONS,
    SCALES,
)

# The dates and vocabularies live in modules of their own, which the command line reads
# without defining these classes; they are part of the model all the same.
__all__ = [
    "COUNTRIES", "ENTITY_TYPES", "KINDS", "NOT_ORGANIZATIONS", "RELATIONS", "SCALES", "Entity",
    "Fact", "FactBase", "Figure", "Origin", "PartialDate", "Precision", "Source", "Span",
]  # fmt: skip


# Records are named tuples: immutable and compared by value, like frozen dataclasses, but a
# sixth of the time to define (every command defines them as it starts) and a quarter to make.
# Do not use them as sequences: they are tuples only for speed.


class Origin(NamedTuple):
    """Where a record was defined: file and line (the line is unknown for inline tables)."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


class Source(NamedTuple):
    """A published article that facts are drawn from."""

    id: str
    title: str
    publisher: str
    url: str
    published: PartialDate
    notes: str | None = None
    #: True when `title` is not the article's headline but ours (taken from its address,
    #: translated, or written to describe it): citations print it in square brackets.
    title_supplied: bool = False
    #: The article's language, a BCP 47 tag ("en", "ru", "uz-Cyrl").
    language: str | None = None
    #: Not compared (see `_same` below).
    origin: Origin | None = None

    @property
    def shown_title(self) -> str:
        """The title as citations print it: one of ours in square brackets, as styles ask."""
        return f"[{self.title}]" if self.title_supplied else self.title


class Entity(NamedTuple):
    """An organization, person, country or event that facts are about."""

    id: str
    name: str
    type: str
    short_name: str | None = None
    aliases: tuple[str, ...] = ()
    country: str | None = None
    parent: str | None = None
    role: str | None = None
    organization: str | None = None
    description: str | None = None
    relations: tuple[str, ...] = ()
    #: Names people type that no source uses ("VLCor Baltic"): found by search and filters,
    #: never shown as a name the entity goes by.
    search_aliases: tuple[str, ...] = ()
    #: Not compared (see `_same` below).
    origin: Origin | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the entity is found by, the main one first, without repeats."""
        candidates = (self.name, self.short_name, *self.aliases, *self.search_aliases)
        return tuple(dict.fromkeys(name for name in candidates if name))

    def is_named(self, name: str) -> bool:
        """Whether a name typed (any case and spacing) is the entity's id or any of its names."""
        wanted = " ".join(name.casefold().split())
        return wanted == self.id or any(wanted == each.casefold() for each in self.names)


class Figure(NamedTuple):
    """A number a fact reports: value x scale, in a unit or currency, over a period."""

    metric: str
    value: int | float
    unit: str
    scale: str | None = None
    period: str | None = None
    change_pct: int | float | None = None
    qualifier: str | None = None


class Fact(NamedTuple):
    """One dated, sourced statement about TMK or its world."""

    id: str
    date: PartialDate
    kind: str
    title: str
    text: str
    entities: tuple[str, ...]
    sources: tuple[str, ...]
    date_note: str | None = None
    place: str | None = None
    materials: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    tags: tuple[str, ...] = ()
    #: Bounds the curator knows beyond the date (the event came after or before a day).
    not_before: PartialDate | None = None
    not_after: PartialDate | None = None
    #: Facts whose sources say otherwise of the same thing (a date, a figure, whether a
    #: shipment was the first): each claim is kept with its own sources, and they are linked.
    disputes: tuple[str, ...] = ()
    #: The days the fact may fall in: its date narrowed by its bounds and its sources
    #: (`tmkfacts.dates.span`). Set when the fact is read and checked against its sources.
    span: Span | None = None
    #: Not compared (see `_same` below).
    origin: Origin | None = None

    @property
    def when(self) -> Span:
        """The fact's span; its bare date for a record made by hand without one."""
        return self.span or Span(self.date, self.date)


def _same(record: tuple[object, ...], other: object) -> bool:
    return type(other) is type(record) and record[:-1] == other[:-1]


def _different(record: tuple[object, ...], other: object) -> bool:
    return not _same(record, other)


def _hash(record: tuple[object, ...]) -> int:
    return hash(record[:-1])


# Where a record was read is not what it says: a source, entity or fact read from another file
# or line is the same one. So they compare and hash without their origin, their last field.
for _record in (Source, Entity, Fact):
    for _name, _method in (("__eq__", _same), ("__ne__", _different), ("__hash__", _hash)):
        setattr(_record, _name, _method)
del _record, _name, _method


class FactBase:
    """The validated, cross-referenced contents of one or more fact files.

    Immutable, and equal to another base of the same records and files.
    """

    __slots__ = (
        "_entity_index",
        "_fact_index",
        "_source_index",
        "entities",
        "facts",
        "files",
        "sources",
    )

    sources: tuple[Source, ...]
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
    files: tuple[str, ...]
    _source_index: MappingProxyType[str, Source]
    _entity_index: MappingProxyType[str, Entity]
    _fact_index: MappingProxyType[str, Fact]

    def __init__(
        self,
        sources: tuple[Source, ...],
        entities: tuple[Entity, ...],
        facts: tuple[Fact, ...],
        files: tuple[str, ...] = (),
    ) -> None:
        define = object.__setattr__  # as __setattr__ refuses
        define(self, "sources", sources)
        define(self, "entities", entities)
        define(self, "facts", facts)
        define(self, "files", files)
        define(self, "_source_index", MappingProxyType({s.id: s for s in sources}))
        define(self, "_entity_index", MappingProxyType({e.id: e for e in entities}))
        define(self, "_fact_index", MappingProxyType({f.id: f for f in facts}))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a FactBase cannot be changed: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a FactBase cannot be changed: cannot delete {name!r}")

    def _compared(self) -> tuple[object, ...]:
        return (self.sources, self.entities, self.facts, self.files)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactBase):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        counts = f"{len(self.sources)} sources, {len(self.entities)} entities"
        return f"FactBase({counts}, {len(self.facts)} facts, files={self.files!r})"

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        return self._source_index[source_id]

    def entity(self, entity_id: str) -> Entity:
        """The entity with this id; KeyError if there is none."""
        return self._entity_index[entity_id]

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id; KeyError if there is none."""
        return self._fact_index[fact_id]
