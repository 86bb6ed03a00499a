"""Which facts to keep: a Filter of kinds, entities, materials, tags, countries and dates.

Pure functions over a FactBase, apart from `tmkfacts.query` so that a search, which filters,
need not define partners and summaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tmkfacts.errors import QueryError, did_you_mean, known_hint
from tmkfacts.model import Fact, FactBase, PartialDate
from tmkfacts.vocabularies import KINDS


class Filter(NamedTuple):
    """Which facts to keep. A fact must meet every condition given.

    `kinds` keeps facts of any of the kinds; `entities`, `materials` and `tags` keep facts that
    have each of them (an entity by id or by any of its names, case-insensitively, and with it
    its subsidiaries); `countries` (ISO codes) keeps facts about an entity based in each of
    them. `since` and `until` keep facts whose date may fall in the range: a fact dated 2025
    overlaps 2025-07.
    """

    kinds: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    since: PartialDate | None = None
    until: PartialDate | None = None


_EVERY = Filter()


def select(base: FactBase, where: Filter) -> list[Fact]:
    """The facts that meet the filter, in file order; QueryError for an impossible filter."""
    if where == _EVERY:
        return list(base.facts)
    kinds = {_kind(kind) for kind in where.kinds}
    entity_sets = [entity_ids(base, name) for name in where.entities]
    materials = [_slug(material) for material in where.materials]
    tags = [_slug(tag) for tag in where.tags]
    country_sets = [
        {entity.id for entity in base.entities if entity.country == code.upper()}
        for code in where.countries
    ]
    since = where.since.first_day if where.since else None
    until = where.until.last_day if where.until else None
    if since and until and since > until:
        message = f"--since {where.since} is after --until {where.until}; nothing can match"
        raise QueryError(message)
    return [
        fact
        for fact in base.facts
        if (not kinds or fact.kind in kinds)
        and all(ids.intersection(fact.entities) for ids in entity_sets)
        and all(material in fact.materials for material in materials)
        and all(tag in fact.tags for tag in tags)
        and all(ids.intersection(fact.entities) for ids in country_sets)
        and (since is None or fact.date.last_day >= since)
        and (until is None or fact.date.first_day <= until)
    ]


def entity_ids(base: FactBase, name: str) -> set[str]:
    """Ids of the entities with this id or name (any alias), and of their subsidiaries.

    Names are compared case-insensitively; Chinalco's ids include its subsidiary Chalieco's.
    """
    wanted = _fold(name)
    found = {
        entity.id
        for entity in base.entities
        if wanted == entity.id or any(wanted == _fold(each) for each in entity.names)
    }
    grew = bool(found)
    while grew:  # add children until a pass finds no more; parent chains are acyclic
        children = {e.id for e in base.entities if e.parent in found and e.id not in found}
        found |= children
        grew = bool(children)
    return found


def explain_miss(
    base: FactBase,
    where: Filter,
    materials: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
) -> str | None:
    """Why a filter found nothing, when a value it names is unknown: one line with a hint.

    The materials and tags known are those of the base's facts, unless given.
    """
    names = {_fold(name) for entity in base.entities for name in (entity.id, *entity.names)}
    for name in where.entities:
        if _fold(name) not in names:
            ids = [entity.id for entity in base.entities]
            return f"no entity '{name}'{did_you_mean(_slug(name), ids)}"
    for label, values, known in (
        ("material", where.materials, _known(materials, (f.materials for f in base.facts))),
        ("tag", where.tags, _known(tags, (fact.tags for fact in base.facts))),
    ):
        for value in values:
            if _slug(value) not in known:
                return f"no fact has the {label} '{value}'{did_you_mean(_slug(value), known)}"
    return None


def _known(given: Iterable[str] | None, each: Iterable[Iterable[str]]) -> set[str]:
    return set(given) if given is not None else {value for values in each for value in values}


def _kind(kind: str) -> str:
    folded = _fold(kind)
    if folded not in KINDS:
        raise QueryError(f"unknown kind '{kind}'{known_hint(folded, KINDS)}")
    return folded


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _slug(text: str) -> str:
    return "-".join(text.casefold().replace("_", " ").split())
