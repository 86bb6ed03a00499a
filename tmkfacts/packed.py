"""Records as plain values and back: what the cache and the index keep, by marshal.

marshal reads plain values (strings, numbers, None and tuples of them) many times quicker than
pickle reads records, and needs nothing imported; the records are made again from the values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from tmkfacts.model import Entity, Fact, FactBase, Figure, Origin, PartialDate, Source

#: A fact as values, in the order `fact_values` gives them; marshal gives them back untyped.
FactValues = tuple[Any, ...]
#: A base's sources, entities and files as values, without its facts.
BaseValues = tuple[tuple[Any, ...], tuple[Any, ...], tuple[str, ...]]

_T = TypeVar("_T")


def date_key(date: PartialDate) -> int:
    """A date as one number that sorts as `query.date_key` does: 2025-07 is 20250700."""
    return date.year * 10_000 + (date.month or 0) * 100 + (date.day or 0)


def date_of(key: int) -> PartialDate:
    """The date that `date_key` made this number of."""
    return PartialDate(key // 10_000, key // 100 % 100 or None, key % 100 or None)


class Shared:
    """Equal values made one object, for the facts of a base read or written together.

    What many facts hold alike (a kind, the ids of entities and sources, a tag, a date, the
    name of their file) is then held once in memory, not once a fact; and marshal, which
    writes an object it meets again as a reference to the first, writes and reads it once.
    At 100,000 facts that is a third of the memory a base takes.
    """

    def __init__(self) -> None:
        self._values: dict[object, Any] = {}
        self._dates: dict[tuple[int, int | None, int | None], PartialDate] = {}

    def one(self, value: _T) -> _T:
        """The first value met equal to this one."""
        found: _T = self._values.setdefault(value, value)
        return found

    def each(self, values: tuple[str, ...]) -> tuple[str, ...]:
        """The first tuple met equal to this one, each of its strings the first met too."""
        found: tuple[str, ...] | None = self._values.get(values)
        if found is None:
            one = self._values.setdefault
            found = self._values[values] = tuple([one(value, value) for value in values])
        return found

    def date(self, year: int, month: int | None, day: int | None) -> PartialDate:
        """The date, made once."""
        key = (year, month, day)
        found = self._dates.get(key)
        if found is None:
            found = self._dates[key] = PartialDate(year, month, day)
        return found


def facts_of(values: Iterable[FactValues]) -> tuple[Fact, ...]:
    """The facts that `fact_values` gave these values of, holding alike what they can."""
    shared = Shared()
    return tuple(fact_of(each, shared) for each in values)


def fact_values(fact: Fact, shared: Shared | None = None) -> FactValues:
    """A fact as values; with `shared`, those it holds alike with others one object each."""
    date = fact.date
    figures = tuple(
        (f.metric, f.value, f.unit, f.scale, f.period, f.change_pct, f.qualifier)
        for f in fact.figures
    )
    values = (
        fact.id, date.year, date.month, date.day, fact.kind, fact.title, fact.text,
        fact.entities, fact.sources, fact.date_note, fact.place, fact.materials, figures,
        fact.tags, *_place(fact.origin),
    )  # fmt: skip
    return values if shared is None else _shared(values, shared)


def fact_of(values: FactValues, shared: Shared | None = None) -> Fact:
    """The fact that `fact_values` gave these values of; with `shared`, as `Shared` says."""
    if shared is not None:
        values = _shared(values, shared)
    (
        fact_id, year, month, day, kind, title, text, entities, sources, date_note, place,
        materials, figures, tags, file, line,
    ) = values  # fmt: skip
    return Fact(
        fact_id,
        PartialDate(year, month, day) if shared is None else shared.date(year, month, day),
        kind,
        title,
        text,
        entities,
        sources,
        date_note=date_note,
        place=place,
        materials=materials,
        figures=tuple(Figure(*figure) for figure in figures),
        tags=tags,
        origin=_origin(file, line),
    )


def _shared(values: FactValues, shared: Shared) -> FactValues:
    """A fact's values, those facts may hold alike the ones `shared` met first."""
    (
        fact_id, year, month, day, kind, title, text, entities, sources, date_note, place,
        materials, figures, tags, file, line,
    ) = values  # fmt: skip
    one, each = shared.one, shared.each
    return (
        fact_id, year, month, day, one(kind), title, text, each(entities), each(sources),
        one(date_note), one(place), each(materials), figures, each(tags), one(file), line,
    )  # fmt: skip


def base_values(base: FactBase) -> BaseValues:
    """A base's sources, entities and files as values; its facts go by `fact_values`."""
    sources = tuple(
        (s.id, s.title, s.publisher, s.url, date_key(s.published), s.notes, *_place(s.origin))
        for s in base.sources
    )
    entities = tuple(
        (
            e.id, e.name, e.type, e.short_name, e.aliases, e.country, e.parent, e.role,
            e.organization, e.description, e.relations, *_place(e.origin),
        )
        for e in base.entities
    )  # fmt: skip
    return sources, entities, base.files


def base_of(
    values: BaseValues, facts: tuple[Fact, ...] = (), digest: str | None = None
) -> FactBase:
    """The base that `base_values` gave these values of, with these facts."""
    sources, entities, files = values
    return FactBase(
        tuple(
            Source(key, title, publisher, url, date_of(published), notes, _origin(file, line))
            for key, title, publisher, url, published, notes, file, line in sources
        ),
        tuple(
            Entity(
                key, name, kind, short_name, aliases, country, parent, role, organization,
                description, relations, _origin(file, line),
            )
            for (
                key, name, kind, short_name, aliases, country, parent, role, organization,
                description, relations, file, line,
            ) in entities
        ),
        facts,
        files,
        digest,
    )  # fmt: skip


def _place(origin: Origin | None) -> tuple[str | None, int | None]:
    """An origin as values: (file, line), or (None, None) when unknown."""
    return (origin.file, origin.line) if origin else (None, None)


def _origin(file: str | None, line: int | None) -> Origin | None:
    """The origin that `_place` made these values of."""
    return Origin(file, line) if file is not None else None
