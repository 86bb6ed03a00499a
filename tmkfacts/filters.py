"""Which facts to keep: a Filter of kinds, entities, materials, tags, countries and dates.

A Filter becomes a condition on the database's `facts` table (`condition`), so that SQLite,
not a loop over every fact, does the choosing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from tmkfacts.errors import QueryError, did_you_mean, known_hint
from tmkfacts.model import FactBase, PartialDate
from tmkfacts.vocabularies import KINDS

if TYPE_CHECKING:
    from tmkfacts.db import Database


class Filter(NamedTuple):
    """Which facts to keep. A fact must meet every condition given.

    `kinds` keeps facts of any of the kinds; `entities`, `materials` and `tags` keep facts that
    have each of them (an entity by id or by any of its names, case-insensitively, and with it
    its subsidiaries); `countries` (ISO codes) keeps facts about an entity based in each of
    them. `since` and `until` keep facts whose span (`tmkfacts.dates.span`) may fall in the
    range: a fact dated 2025 overlaps 2025-07, but not 2025-09 when its report came out in
    July.
    """

    kinds: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    since: PartialDate | None = None
    until: PartialDate | None = None


EVERY = Filter()

_NAMES = "facts.id IN (SELECT fact FROM fact_entities WHERE entity IN ({}))"


def condition(database: Database, where: Filter) -> tuple[str, list[object]]:
    """The SQL condition on `facts` that keeps what the filter keeps, and its parameters.

    "1" for a filter that keeps every fact; QueryError for an impossible filter.
    """
    if where == EVERY:
        return "1", []
    parts: list[str] = []
    params: list[object] = []
    if where.kinds:
        kinds = sorted({_kind(kind) for kind in where.kinds})
        parts.append(f"facts.kind IN ({', '.join('?' * len(kinds))})")
        params += kinds
    base = database.base if where.entities or where.countries else FactBase((), (), ())
    codes = [country_code(code) or code.upper() for code in where.countries]
    named = []
    for name in where.entities:  # an entity, or else a country: --entity China
        ids = entity_ids(base, name)
        code = None if ids else country_code(name)
        if code is None:
            named.append(ids)
        else:
            codes.append(code)
    country_sets = [
        {entity.id for entity in base.entities if entity.country == code} for code in codes
    ]
    for ids in named + country_sets:
        parts.append(_NAMES.format(", ".join("?" * len(ids))))
        params += sorted(ids)
    for column, values in (("materials", where.materials), ("tags", where.tags)):
        for value in values:
            parts.append(f"EXISTS (SELECT 1 FROM json_each(facts.{column}) WHERE value = ?)")
            params.append(_slug(_material(value) if column == "materials" else value))
    since = where.since.first_day if where.since else None
    until = where.until.last_day if where.until else None
    if since and until and since > until:
        message = f"--since {where.since} is after --until {where.until}; nothing can match"
        raise QueryError(message)
    if since:
        parts.append("facts.latest >= ?")
        params.append(since.isoformat())
    if until:
        parts.append("facts.earliest <= ?")
        params.append(until.isoformat())
    return " AND ".join(parts) or "1", params


def entity_ids(base: FactBase, name: str) -> set[str]:
    """Ids of the entities with this id or name (any alias), and of their subsidiaries.

    Names are compared case-insensitively; Chinalco's ids include its subsidiary Chalieco's.
    """
    found = {entity.id for entity in base.entities if entity.is_named(name)}
    grew = bool(found)
    while grew:  # add children until a pass finds no more; parent chains are acyclic
        children = {e.id for e in base.entities if e.parent in found and e.id not in found}
        found |= children
        grew = bool(children)
    return found


def explain_miss(base_or_database: FactBase | Database, where: Filter) -> str | None:
    """Why a filter found nothing, when a value it names is unknown: one line with a hint."""
    from tmkfacts.db import database_of

    database = database_of(base_or_database)
    base = database.base
    names = {_fold(name) for entity in base.entities for name in (entity.id, *entity.names)}
    for name in where.entities:
        if _fold(name) not in names and country_code(name) is None:
            ids = [entity.id for entity in base.entities]
            return f"no entity '{name}'{did_you_mean(_slug(name), ids)}"
    for label, values in (("material", where.materials), ("tag", where.tags)):
        if not values:
            continue
        known = {
            value
            for (value,) in database.connection.execute(
                f"SELECT DISTINCT value FROM facts, json_each(facts.{label}s)"  # our columns
            )
        }
        for value in values:
            value = _material(value) if label == "material" else value  # noqa: PLW2901
            if _slug(value) not in known:
                return f"no fact has the {label} '{value}'{did_you_mean(_slug(value), known)}"
    return None


def country_code(name: str) -> str | None:
    """The ISO code a country's code, name or demonym stands for (CN, China, Chinese), or None."""
    from tmkfacts.vocabularies import COUNTRIES
    from tmkfacts.words import country_named

    code = name.strip().upper()
    return code if len(code) == 2 and code in COUNTRIES else country_named(name)


def _material(value: str) -> str:
    """A material by name, or by its chemical symbol typed with its capital (Re, W, Mo)."""
    from tmkfacts.words import read_lexicon

    return read_lexicon().symbols.get(value.strip(), value)


def _kind(kind: str) -> str:
    folded = _fold(kind)
    if folded not in KINDS:
        raise QueryError(f"unknown kind '{kind}'{known_hint(folded, KINDS)}")
    return folded


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _slug(text: str) -> str:
    return "-".join(text.casefold().replace("_", " ").split())
