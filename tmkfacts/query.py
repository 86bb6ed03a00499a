"""Questions asked of a fact base: filters, partners, memberships, timelines, summaries.

Pure functions over a FactBase: nothing here reads files, prints, or imports Typer or Rich.
Full-text search is in `tmkfacts.search`.
Facts are ordered by `date_key`, so a date known only to its year sorts before the months of
that year, and facts of equal date keep the order of the fact files.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from tmkfacts.errors import QueryError, known_hint
from tmkfacts.filters import Filter, entity_ids, explain_miss, select
from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate, Source
from tmkfacts.vocabularies import RELATIONS

# The filters are asked of here too, as before they had a module of their own.
__all__ = [
    "MEMBERSHIP_BODIES", "SUBJECT", "Filter", "Membership", "Partner", "SourceUse", "Summary",
    "citations", "closest_fact_ids", "date_key", "earliest", "entity_ids", "explain_miss",
    "find_fact", "latest", "list_facts", "memberships", "newest_first", "oldest_first",
    "partners", "select", "source_uses", "summarize",
]  # fmt: skip

#: The company the fact base is about; partners and memberships are its own.
SUBJECT = "tmk"

#: Entity types that TMK can join as a member.
MEMBERSHIP_BODIES = frozenset({"association", "alliance", "institute", "network"})


def date_key(date: PartialDate) -> tuple[int, int, int]:
    """Sort key of a partial date: a year alone comes before the months of that year."""
    return (date.year, date.month or 0, date.day or 0)


def earliest(dates: Iterable[PartialDate]) -> PartialDate | None:
    """The date that may fall earliest, or None when there are none."""
    return min(dates, key=lambda date: date.first_day, default=None)


def latest(dates: Iterable[PartialDate]) -> PartialDate | None:
    """The date that may fall latest, or None when there are none: 2025 is later than 2025-11."""
    return max(dates, key=lambda date: date.last_day, default=None)


def newest_first(facts: Iterable[Fact]) -> list[Fact]:
    """The facts from newest to oldest; facts of equal date keep their order."""
    return sorted(facts, key=lambda fact: date_key(fact.date), reverse=True)


def oldest_first(facts: Iterable[Fact]) -> list[Fact]:
    """The facts from oldest to newest; facts of equal date keep their order."""
    return sorted(facts, key=lambda fact: date_key(fact.date))


# --- filtered (the filters themselves are in tmkfacts.filters) -----------------------------


def list_facts(base: FactBase, where: Filter | None = None, limit: int | None = None) -> list[Fact]:
    """The facts that meet the filter, newest first, at most `limit` of them."""
    facts = select(base, where or Filter())
    if limit is None or limit < 0:
        return newest_first(facts)[:limit]
    # What sorting all and keeping the first few gives, ties included (heapq says so), without
    # sorting a big base to show three facts of it.
    return heapq.nlargest(limit, facts, key=lambda fact: date_key(fact.date))


# --- one fact ---------------------------------------------------------------------------------


def find_fact(base: FactBase, fact_id: str) -> Fact | None:
    """The fact with this id, compared case-insensitively, or None."""
    try:
        return base.fact(fact_id.strip().casefold())
    except KeyError:
        return None


def closest_fact_ids(base: FactBase, fact_id: str, n: int = 3) -> list[str]:
    """Up to n fact ids that look like fact_id, closest first: each of its words near one of theirs.

    `rhenium-exprot` finds `first-metallic-rhenium-export`, which a whole-string comparison
    would miss.
    """
    from difflib import SequenceMatcher  # only when an id is mistyped

    words = [word for word in re.split(r"[\W_]+", fact_id.casefold()) if word]
    if not words:
        return []
    scored = []
    for fact in base.facts:
        parts = fact.id.split("-")
        score = sum(
            max(SequenceMatcher(None, word, part).ratio() for part in parts) for word in words
        ) / len(words)
        if score >= 0.75:  # close enough to be a slip of the keyboard
            scored.append((score, fact.id))
    scored.sort(key=lambda pair: -pair[0])
    return [fact_id for _, fact_id in scored[:n]]


# --- partners and memberships -----------------------------------------------------------------


class Partner(NamedTuple):
    """An organization TMK deals with, the facts that mention both (oldest first), its parent."""

    entity: Entity
    facts: tuple[Fact, ...]
    parent: Entity | None = None

    @property
    def first_date(self) -> PartialDate | None:
        """The date of the earliest fact about the partnership."""
        return earliest(fact.date for fact in self.facts)

    @property
    def last_date(self) -> PartialDate | None:
        """The date of the latest fact about the partnership."""
        return latest(fact.date for fact in self.facts)


def partners(base: FactBase, relation: str | None = None) -> list[Partner]:
    """TMK's partners: organizations with `relations`, grouped by relation, then by name."""
    wanted = _relation(relation) if relation is not None else None
    order = list(RELATIONS)
    with_subject: dict[str, list[Fact]] = {}  # each entity's facts that name TMK too, in order
    for fact in base.facts:
        if SUBJECT in fact.entities:
            for entity_id in dict.fromkeys(fact.entities):
                with_subject.setdefault(entity_id, []).append(fact)
    found = [
        Partner(
            entity,
            tuple(oldest_first(with_subject.get(entity.id, ()))),
            base.entity(entity.parent) if entity.parent else None,
        )
        for entity in base.entities
        if entity.relations and (wanted is None or wanted in entity.relations)
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


class Membership(NamedTuple):
    """An association or alliance TMK joined: the joining fact and what it is expected to give."""

    body: Entity
    fact: Fact
    benefits: tuple[Fact, ...]


def memberships(base: FactBase) -> list[Membership]:
    """Every body TMK joined, from its `membership` facts, in the order it joined them."""
    benefits: dict[str, list[Fact]] = {}
    for fact in base.facts:
        if fact.kind == "benefit":
            for entity_id in fact.entities:
                benefits.setdefault(entity_id, []).append(fact)
    return [
        Membership(body, fact, tuple(benefits.get(body.id, ())))
        for fact in oldest_first(base.facts)
        if fact.kind == "membership" and SUBJECT in fact.entities
        for body in (base.entity(entity_id) for entity_id in fact.entities)
        if body.type in MEMBERSHIP_BODIES
    ]


# --- sources and summaries --------------------------------------------------------------------


class SourceUse(NamedTuple):
    """A source and the facts drawn from it."""

    source: Source
    facts: tuple[Fact, ...]


def citations(base: FactBase, facts: Iterable[Fact]) -> list[SourceUse]:
    """The sources of these facts, each once, in order of first citation, with its facts."""
    cited: dict[str, list[Fact]] = {}
    for fact in facts:
        for source_id in fact.sources:
            cited.setdefault(source_id, []).append(fact)
    return [SourceUse(base.source(source_id), tuple(found)) for source_id, found in cited.items()]


def source_uses(base: FactBase) -> list[SourceUse]:
    """Every source with the facts that cite it, in file order."""
    citing: dict[str, list[Fact]] = {source.id: [] for source in base.sources}
    for fact in base.facts:  # one pass: a base may have as many sources as facts
        for source_id in dict.fromkeys(fact.sources):
            if (found := citing.get(source_id)) is not None:
                found.append(fact)
    return [SourceUse(source, tuple(citing[source.id])) for source in base.sources]


class Summary(NamedTuple):
    """The fact base at a glance."""

    base: FactBase
    first_date: PartialDate | None
    last_date: PartialDate | None
    by_kind: tuple[tuple[str, int], ...]
    by_year: tuple[tuple[int, int], ...]
    exports: tuple[tuple[Fact, Figure | None], ...]
    partners_by_country: tuple[tuple[str | None, tuple[Partner, ...]], ...]
    memberships_by_year: tuple[tuple[int, tuple[Membership, ...]], ...]
    newest: tuple[Fact, ...]


def summarize(base: FactBase, newest: int = 5) -> Summary:
    """Counts by kind and year, export figures, partners by country, memberships by year."""
    kinds = Counter(fact.kind for fact in base.facts)
    years = Counter(fact.date.year for fact in base.facts)
    exports = tuple(
        (fact, figure)
        for fact in newest_first(f for f in base.facts if f.kind == "export")
        for figure in (fact.figures or (None,))
    )
    by_country: dict[str | None, list[Partner]] = {}
    for partner in sorted(partners(base), key=lambda p: p.entity.name.casefold()):
        by_country.setdefault(partner.entity.country, []).append(partner)
    by_year: dict[int, list[Membership]] = {}
    for membership in memberships(base):
        by_year.setdefault(membership.fact.date.year, []).append(membership)
    return Summary(
        base=base,
        first_date=earliest(fact.date for fact in base.facts),
        last_date=latest(fact.date for fact in base.facts),
        by_kind=tuple(kinds.most_common()),
        by_year=tuple(sorted(years.items())),
        exports=exports,
        partners_by_country=tuple(
            (country, tuple(found))
            for country, found in sorted(
                by_country.items(), key=lambda item: (-len(item[1]), item[0] or "~")
            )
        ),
        memberships_by_year=tuple((year, tuple(found)) for year, found in sorted(by_year.items())),
        newest=tuple(newest_first(base.facts)[:newest]),
    )
