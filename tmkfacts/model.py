"""Immutable records of the fact base: sources, entities, facts, figures (dates: tmkfacts.dates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from tmkfacts.dates import PartialDate, Precision
from tmkfacts.vocabularies import (
    COUNTRIES,
    ENTITY_TYPES,
    KINDS,
    NOT_ORGANIZATIONS,
    RELATIONS,
    SCALES,
)

if TYPE_CHECKING:
    from tmkfacts.filters import Filter
    from tmkfacts.query import Membership, Partner
    from tmkfacts.search import Results

# The dates and vocabularies live in modules of their own, which the command line reads
# without defining these classes; they are part of the model all the same.
__all__ = [
    "COUNTRIES", "ENTITY_TYPES", "KINDS", "NOT_ORGANIZATIONS", "RELATIONS", "SCALES", "Entity",
    "Fact", "FactBase", "Figure", "Origin", "PartialDate", "Precision", "Source",
]  # fmt: skip


def _by_values(record: Any) -> tuple[type, tuple[object, ...]]:
    """Pickle a record as its class and field values.

    That loads many times quicker than the state dataclasses pickle for slotted classes.
    """
    return type(record), tuple(getattr(record, name) for name in record.__slots__)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record was defined: file and line (the line is unknown for inline tables)."""

    __reduce__ = _by_values

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Source:
    """A published article that facts are drawn from."""

    __reduce__ = _by_values

    id: str
    title: str
    publisher: str
    url: str
    published: PartialDate
    notes: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Entity:
    """An organization, person, country or event that facts are about."""

    __reduce__ = _by_values

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
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the entity, the main one first, without repeats."""
        candidates = (self.name, self.short_name, *self.aliases)
        return tuple(dict.fromkeys(name for name in candidates if name))


@dataclass(frozen=True, slots=True)
class Figure:
    """A number a fact reports: value x scale, in a unit or currency, over a period."""

    __reduce__ = _by_values

    metric: str
    value: int | float
    unit: str
    scale: str | None = None
    period: str | None = None
    change_pct: int | float | None = None
    qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """One dated, sourced statement about TMK or its world."""

    __reduce__ = _by_values

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
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FactBase:
    """The validated, cross-referenced contents of one or more fact files."""

    sources: tuple[Source, ...]
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
    files: tuple[str, ...] = ()
    #: A fingerprint of the files' content, when known: the key of its cache entries.
    digest: str | None = field(default=None, repr=False, compare=False)
    _source_index: MappingProxyType[str, Source] = field(init=False, repr=False, compare=False)
    _entity_index: MappingProxyType[str, Entity] = field(init=False, repr=False, compare=False)
    _fact_index: MappingProxyType[str, Fact] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen dataclasses set derived fields through object.__setattr__.
        object.__setattr__(self, "_source_index", MappingProxyType({s.id: s for s in self.sources}))
        object.__setattr__(
            self, "_entity_index", MappingProxyType({e.id: e for e in self.entities})
        )
        object.__setattr__(self, "_fact_index", MappingProxyType({f.id: f for f in self.facts}))

    def __reduce__(self) -> tuple[type[FactBase], tuple[object, ...]]:
        """Pickle the records only; the indexes by id are rebuilt when unpickled."""
        return (type(self), (self.sources, self.entities, self.facts, self.files, self.digest))

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        return self._source_index[source_id]

    def entity(self, entity_id: str) -> Entity:
        """The entity with this id; KeyError if there is none."""
        return self._entity_index[entity_id]

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id; KeyError if there is none."""
        return self._fact_index[fact_id]

    # The questions below live in tmkfacts.query and tmkfacts.search, which build on this
    # module; they are imported when asked, so that the model stays the bottom layer.

    def search(self, text: str, where: Filter | None = None, limit: int | None = None) -> Results:
        """Facts matching a query, best first, as `tmkfacts search` finds them.

        `Results.hits` holds each fact with its score; `Results.corrections` says which typed
        words were read as which. QueryError for an empty or malformed query.
        """
        from tmkfacts.search import search

        return search(self, text, where, limit)

    def partners(self, relation: str | None = None) -> list[Partner]:
        """The organizations TMK deals with, optionally only those with one relation."""
        from tmkfacts.query import partners

        return partners(self, relation)

    def memberships(self) -> list[Membership]:
        """The associations and alliances TMK joined, in the order it joined them."""
        from tmkfacts.query import memberships

        return memberships(self)
