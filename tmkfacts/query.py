"""Questions asked of a fact base: lists, partners, memberships, timelines, summaries.

SQL over the database (`tmkfacts.db`) and small pure functions: nothing here reads files,
prints, or imports Typer or Rich. Full-text search is in `tmkfacts.search`. Facts are
ordered by their span (`tmkfacts.dates.Span.order`): by the latest day they may fall on, then
the earliest, so that a fact dated 2025 and reported in July sorts after March and before
August; facts of equal span keep the order of the fact files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from tmkfacts.dates import FORWARD_KINDS
from tmkfacts.db import FACT_COLUMNS, Database, database_of, fact_of
from tmkfacts.errors import QueryError, closest, known_hint
from tmkfacts.filters import EVERY, Filter, condition, country_code, entity_ids, explain_miss
from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate, Source
from tmkfacts.vocabularies import RELATIONS, SUBJECT

__all__ = [
    "MEMBERSHIP_BODIES", "SUBJECT", "EntityView", "Filter", "Membership", "Partner", "SourceUse",
    "Summary", "citations", "closest_fact_ids", "entities", "entity_ids", "entity_view",
    "explain_miss", "find_entity", "find_fact", "list_facts", "memberships", "newest_first",
    "oldest_first", "partners", "select", "source_uses", "summarize", "timeline",
]  # fmt: skip

#: The company the fact base is about; partners and memberships are its own.

#: Entity types that TMK can join as a member.
MEMBERSHIP_BODIES = frozenset({"association", "alliance", "institute", "network"})

_NEWEST = "facts.latest DESC, facts.earliest DESC, facts.position"
_ABOUT_TMK = (
    "EXISTS (SELECT 1 FROM fact_entities AS own WHERE own.fact = facts.id AND own.entity = ?)"
)
_OLDEST = "facts.latest, facts.earliest, facts.position"


def newest_first(facts: Iterable[Fact]) -> list[Fact]:
    """The facts from newest to oldest; facts of equal date keep their order."""
    return sorted(facts, key=lambda fact: fact.when.order, reverse=True)


def oldest_first(facts: Iterable[Fact]) -> list[Fact]:
    """The facts from oldest to newest; facts of equal date keep their order."""
    return sorted(facts, key=lambda fact: fact.when.order)


# --- filtered -----------------------------------------------------------------------------------


def _chosen(
    base: FactBase | Database, where: Filter | None, order: str, limit: int | None = None
) -> list[Fact]:
    database = database_of(base)
    sql, params = condition(database, where or EVERY)
    if limit is not None:
        order += f" LIMIT {max(int(limit), 0)}"
    return list(database.facts(sql, params, order))


def list_facts(
    base: FactBase | Database, where: Filter | None = None, limit: int | None = None
) -> list[Fact]:
    """The facts that meet the filter, newest first, at most `limit` of them."""
    return _chosen(base, where, _NEWEST, limit)


def timeline(base: FactBase | Database, where: Filter | None = None) -> list[Fact]:
    """The facts that meet the filter, oldest first."""
    return _chosen(base, where, _OLDEST)


def select(base: FactBase | Database, where: Filter | None = None) -> list[Fact]:
    """The facts that meet the filter, in file order; QueryError for an impossible filter."""
    return _chosen(base, where, "facts.position")


# --- one fact ---------------------------------------------------------------------------------


def find_fact(base: FactBase | Database, fact_id: str) -> Fact | None:
    """The fact with this id, compared case-insensitively, or None."""
    return database_of(base).fact(fact_id.strip().casefold())


def closest_fact_ids(base: FactBase | Database, fact_id: str, n: int = 3) -> list[str]:
    """Up to n fact ids that look like fact_id, closest first: each of its words near one of theirs.

    `rhenium-exprot` finds `first-metallic-rhenium-export`, which a whole-string comparison
    would miss.
    """
    import re

    words = [word for word in re.split(r"[\W_]+", fact_id.casefold()) if word]
    ids = database_of(base).fact_ids()
    parts = {part for each in ids for part in each.split("-")}
    near = [set(closest(word, parts, n=5, cutoff=0.75)) for word in words]
    found = [each for each in ids if all(close & set(each.split("-")) for close in near)]
    return found[:n] if words else []


# --- partners and memberships -----------------------------------------------------------------


class Partner(NamedTuple):
    """An organization TMK deals with, the facts that mention both (oldest first), its parent.

    Its first and latest facts are of what happened; plans and forecasts are `planned`.
    """

    entity: Entity
    facts: tuple[Fact, ...]
    parent: Entity | None = None

    @property
    def done(self) -> tuple[Fact, ...]:
        """The facts of what happened, oldest first: every fact but plans and forecasts."""
        return tuple(fact for fact in self.facts if fact.kind not in FORWARD_KINDS)

    @property
    def planned(self) -> tuple[Fact, ...]:
        """The plans and forecasts, oldest first."""
        return tuple(fact for fact in self.facts if fact.kind in FORWARD_KINDS)

    @property
    def first(self) -> Fact | None:
        """The earliest fact of what happened between them."""
        return min(self.done, key=lambda fact: (fact.when.earliest, fact.when.latest), default=None)

    @property
    def last(self) -> Fact | None:
        """The latest fact of what happened between them."""
        return max(self.done, key=lambda fact: fact.when.order, default=None)

    @property
    def first_date(self) -> PartialDate | None:
        """The date of the earliest fact of what happened between them."""
        return self.first.date if self.first else None

    @property
    def last_date(self) -> PartialDate | None:
        """The date of the latest fact of what happened between them."""
        return self.last.date if self.last else None


def partners(
    base: FactBase | Database, relation: str | None = None, where: Filter | None = None
) -> list[Partner]:
    """TMK's partners: organizations with `relations`, grouped by relation, then by name.

    With a filter: those based in its countries, and of its facts (with their dates and
    materials) those it keeps; a partner none of whose facts it keeps is left out.
    """
    database = database_of(base)
    known = database.base
    wanted = _relation(relation) if relation is not None else None
    where = where or EVERY
    codes = {_country(code) for code in where.countries}
    chosen = [
        entity
        for entity in known.entities
        if entity.relations
        and (wanted is None or wanted in entity.relations)
        and (not codes or entity.country in codes)
    ]
    sql, params = condition(database, where._replace(countries=()))
    with_subject = _named(
        database,
        f"named.entity IN ({', '.join('?' * len(chosen))}) AND {_ABOUT_TMK} AND ({sql}) "
        f"ORDER BY {_OLDEST}",
        [*(entity.id for entity in chosen), SUBJECT, *params],
    )
    if where != EVERY:
        chosen = [entity for entity in chosen if entity.id in with_subject]
    order = list(RELATIONS)
    found = [
        Partner(
            entity,
            tuple(with_subject.get(entity.id, ())),
            known.entity(entity.parent) if entity.parent else None,
        )
        for entity in chosen
    ]
    found.sort(key=lambda p: (order.index(p.entity.relations[0]), p.entity.name.casefold()))
    return found


def _relation(relation: str) -> str:
    def norm(text: str) -> str:
        return " ".join(text.casefold().replace("-", " ").replace("_", " ").split())

    wanted = norm(relation)
    for known in RELATIONS:
        if wanted in (norm(known), norm(known) + "s"):
            return known
    raise QueryError(f"unknown relation '{relation}'{known_hint(wanted, RELATIONS)}")


def _named(database: Database, where: str, params: Sequence[object]) -> dict[str, list[Fact]]:
    """The facts meeting a condition, by each entity they name that it chose (`named.entity`)."""
    found: dict[str, list[Fact]] = {}
    for row in database.connection.execute(
        f"SELECT {FACT_COLUMNS}, named.entity FROM facts "
        f"JOIN fact_entities AS named ON named.fact = facts.id WHERE {where}",
        params,
    ):
        found.setdefault(row[-1], []).append(fact_of(row[:-1], database.files))
    return found


class Membership(NamedTuple):
    """An association or alliance TMK joined: the joining fact and what it is expected to give."""

    body: Entity
    fact: Fact
    benefits: tuple[Fact, ...]


def memberships(base: FactBase | Database, where: Filter | None = None) -> list[Membership]:
    """Every body TMK joined, from its `membership` facts, in the order it joined them.

    With a filter: the bodies based in its countries, joined by facts it keeps.
    """
    database = database_of(base)
    known = database.base
    where = where or EVERY
    codes = {_country(code) for code in where.countries}
    sql, params = condition(database, where._replace(countries=()))
    joined = list(
        database.facts(
            f"facts.kind = 'membership' AND {_ABOUT_TMK} AND ({sql})", [SUBJECT, *params], _OLDEST
        )
    )
    bodies = {
        entity_id
        for fact in joined
        for entity_id in fact.entities
        if known.entity(entity_id).type in MEMBERSHIP_BODIES
    }
    benefits = _named(
        database,
        f"facts.kind = 'benefit' AND named.entity IN ({', '.join('?' * len(bodies))}) "
        "ORDER BY facts.position",
        sorted(bodies),
    )
    return [
        Membership(known.entity(entity_id), fact, tuple(benefits.get(entity_id, ())))
        for fact in joined
        for entity_id in fact.entities
        if entity_id in bodies and (not codes or known.entity(entity_id).country in codes)
    ]


# --- entities -----------------------------------------------------------------------------------


class EntityView(NamedTuple):
    """An entity with what relates to it: parent, subsidiaries, people, and its facts."""

    entity: Entity
    parent: Entity | None
    subsidiaries: tuple[Entity, ...]
    people: tuple[Entity, ...]  # people who work for it
    facts: tuple[Fact, ...]  # newest first


def entities(
    base: FactBase | Database,
    type_: str | None = None,
    countries: Sequence[str] = (),
    relation: str | None = None,
) -> list[Entity]:
    """The entities of a type, based in any of the countries (code or name), with a relation.

    By name.
    """
    from tmkfacts.vocabularies import ENTITY_TYPES

    known = database_of(base).base
    if type_ is not None:
        type_ = type_.casefold().replace("-", " ")
    if type_ is not None and type_ not in ENTITY_TYPES:
        raise QueryError(f"unknown type '{type_}'{known_hint(type_, ENTITY_TYPES)}")
    codes = {_country(country) for country in countries}
    wanted = _relation(relation) if relation is not None else None
    found = [
        entity
        for entity in known.entities
        if (type_ is None or entity.type == type_)
        and (not codes or entity.country in codes)
        and (wanted is None or wanted in entity.relations)
    ]
    return sorted(found, key=lambda entity: entity.name.casefold())


def _country(country: str) -> str:
    """The ISO code of a country by code or name; QueryError for neither."""
    code = country_code(country)
    if code is None:
        raise QueryError(f"unknown country '{country}': give its ISO code, as in --country CN")
    return code


def find_entity(base: FactBase | Database, name: str) -> Entity | None:
    """The entity with this id or name (any alias, any case), or None."""
    return next((e for e in database_of(base).base.entities if e.is_named(name)), None)


def entity_view(base: FactBase | Database, name: str) -> EntityView | None:
    """An entity by id or name, with its relatives and its facts, newest first; or None."""
    database = database_of(base)
    entity = find_entity(database, name)
    if entity is None:
        return None
    known = database.base
    facts = database.facts(
        "facts.id IN (SELECT fact FROM fact_entities WHERE entity = ?)", [entity.id], _NEWEST
    )
    return EntityView(
        entity,
        known.entity(entity.parent) if entity.parent else None,
        tuple(each for each in known.entities if each.parent == entity.id),
        tuple(each for each in known.entities if each.organization == entity.id),
        tuple(facts),
    )


# --- sources and summaries --------------------------------------------------------------------


class SourceUse(NamedTuple):
    """A source and the facts drawn from it."""

    source: Source
    facts: tuple[Fact, ...]


def citations(base: FactBase | Database, facts: Iterable[Fact]) -> list[SourceUse]:
    """The sources of these facts, each once, in order of first citation, with its facts."""
    known = database_of(base).base
    cited: dict[str, list[Fact]] = {}
    for fact in facts:
        for source_id in fact.sources:
            cited.setdefault(source_id, []).append(fact)
    return [SourceUse(known.source(source_id), tuple(found)) for source_id, found in cited.items()]


def source_uses(base: FactBase | Database) -> list[SourceUse]:
    """Every source with the facts that cite it, in file order."""
    database = database_of(base)
    citing: dict[str, list[Fact]] = {}
    for row in database.connection.execute(
        f"SELECT {FACT_COLUMNS}, cited.value FROM facts, json_each(facts.sources) AS cited "
        "ORDER BY facts.position"
    ):
        citing.setdefault(row[-1], []).append(fact_of(row[:-1], database.files))
    return [SourceUse(each, tuple(citing.get(each.id, ()))) for each in database.cited.sources]


class Summary(NamedTuple):
    """The fact base at a glance."""

    base: FactBase  # its sources and entities
    facts: int
    first_date: PartialDate | None
    last_date: PartialDate | None
    by_kind: tuple[tuple[str, int], ...]
    by_year: tuple[tuple[int, int], ...]
    exports: tuple[tuple[Fact, Figure | None], ...]
    partners_by_country: tuple[tuple[str | None, tuple[Partner, ...]], ...]
    memberships_by_year: tuple[tuple[int, tuple[Membership, ...]], ...]
    newest: tuple[Fact, ...]


def summarize(base: FactBase | Database, newest: int = 5) -> Summary:
    """Counts by kind and year, export figures, partners by country, memberships by year."""
    database = database_of(base)
    run = database.connection.execute
    # Most common first; of equal counts, the kind met first in the files.
    by_kind = tuple(
        (kind, count)
        for kind, count, _ in run(
            "SELECT kind, count(*) AS n, min(position) AS first FROM facts GROUP BY kind "
            "ORDER BY n DESC, first"
        )
    )
    by_year = tuple(
        (int(year), count)
        for year, count in run(
            "SELECT substr(date, 1, 4) AS year, count(*) FROM facts GROUP BY year ORDER BY year"
        )
    )
    exports = tuple(
        (fact, figure)
        for fact in database.facts("facts.kind = 'export'", (), _NEWEST)
        for figure in (fact.figures or (None,))
    )
    by_country: dict[str | None, list[Partner]] = {}
    for partner in sorted(partners(database), key=lambda p: p.entity.name.casefold()):
        by_country.setdefault(partner.entity.country, []).append(partner)
    by_year_joined: dict[int, list[Membership]] = {}
    for membership in memberships(database):
        by_year_joined.setdefault(membership.fact.date.year, []).append(membership)
    first = run("SELECT date FROM facts ORDER BY earliest, latest, position LIMIT 1").fetchone()
    last = run(f"SELECT date FROM facts ORDER BY {_NEWEST} LIMIT 1").fetchone()
    return Summary(
        base=database.base,
        facts=database.count,
        first_date=PartialDate.parse(first[0]) if first else None,
        last_date=PartialDate.parse(last[0]) if last else None,
        by_kind=by_kind,
        by_year=by_year,
        exports=exports,
        partners_by_country=tuple(
            (country, tuple(found))
            for country, found in sorted(
                by_country.items(), key=lambda item: (-len(item[1]), item[0] or "~")
            )
        ),
        memberships_by_year=tuple(
            (year, tuple(found)) for year, found in sorted(by_year_joined.items())
        ),
        newest=tuple(database.facts("1", (), f"{_NEWEST} LIMIT {int(newest)}")),
    )
