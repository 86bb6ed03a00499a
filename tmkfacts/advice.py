"""Advice for curators: what `tmkfacts check` warns of in fact files that are valid.

A warning is a Problem of the category "warning": the files load, but a reader would be better
served by another way of writing them. `check` prints warnings and fails only with --strict.
"""

from __future__ import annotations

from tmkfacts.db import Database, database_of
from tmkfacts.errors import Problem
from tmkfacts.model import Fact, FactBase, Origin

#: Kinds of fact dated when their source described them (docs/facts-format.md), not when
#: something happened: a profile as of its report.
DESCRIBED_KINDS = frozenset({"profile", "background", "assessment"})


def warnings(base_or_database: FactBase | Database) -> list[Problem]:
    """Every warning about the base, in file and line order.

    A profile dated less precisely than its report; an address recorded for two sources;
    sources no fact cites and entities nothing names; a material or tag used once that is a
    near miss of one used more often or one the lexicon knows; a dispute one fact records
    and the other does not.
    """
    database = database_of(base_or_database)
    base = database.cited
    kinds = ", ".join(f"'{kind}'" for kind in sorted(DESCRIBED_KINDS))
    described = database.facts(f"facts.kind IN ({kinds})")
    found = [each for fact in described if (each := _imprecise(base, fact)) is not None]
    found += _twice_recorded(database) + _unused(database) + _near_misses(database)
    found += _one_sided(database)
    files = {name: number for number, name in enumerate(database.files)}
    found.sort(key=lambda p: (files.get(p.file, -1), p.line or 0))
    return found


def _imprecise(base: FactBase, fact: Fact) -> Problem | None:
    """A profile, background or assessment dated less precisely than the report it is as of."""
    if fact.kind not in DESCRIBED_KINDS:
        return None
    reports = [base.source(source_id) for source_id in fact.sources]
    first = min(reports, key=lambda source: source.published.last_day)
    published = first.published
    precise = ("year", "month", "day").index
    if precise(published.precision) <= precise(fact.date.precision):
        return None
    if not fact.date.first_day <= published.first_day <= fact.date.last_day:
        return None
    article = "an" if fact.kind[0] in "aeiou" else "a"
    message = (
        f"warning: dated {fact.date}, but {article} {fact.kind} takes the date its source "
        f"described it: '{first.id}' was published {published}; write date = \"{published}\""
    )
    origin = fact.origin
    if origin is None:
        return Problem("", None, message, fact.id, category="warning")
    return Problem(origin.file, _line_of(origin, "date"), message, fact.id, category="warning")


def _warning(origin: Origin | None, key: str, record: str, message: str) -> Problem:
    if origin is None:
        return Problem("", None, f"warning: {message}", record, category="warning")
    line = _line_of(origin, key)
    return Problem(origin.file, line, f"warning: {message}", record, category="warning")


def disagreements(base_or_database: FactBase | Database) -> list[tuple[Fact, Fact]]:
    """The open disagreements: each pair of facts linked by `disputes`, once, in file order."""
    database = database_of(base_or_database)
    disputing = list(database.facts("facts.disputes != '[]'"))
    by_id = {fact.id: fact for fact in disputing}
    pairs: dict[frozenset[str], tuple[Fact, Fact]] = {}
    for fact in disputing:
        for other_id in fact.disputes:
            other = by_id.get(other_id) or database.fact(other_id)
            if other is not None:
                pairs.setdefault(frozenset((fact.id, other_id)), (fact, other))
    return list(pairs.values())


def _one_sided(database: Database) -> list[Problem]:
    """Disputes recorded on one fact but not on the fact it names."""
    found = []
    for fact, other in disagreements(database):
        for one, two in ((fact, other), (other, fact)):
            if two.id in one.disputes and one.id not in two.disputes:
                message = (
                    f"'{one.id}' disputes it, but it does not list '{one.id}' in 'disputes': "
                    "record a disagreement on both facts"
                )
                found.append(_warning(two.origin, "id", two.id, message))
    return found


def _twice_recorded(database: Database) -> list[Problem]:
    """Sources with the address of an earlier one: one article, recorded twice."""
    first: dict[str, str] = {}
    found = []
    for source in database.cited.sources:
        address = source.url.strip().rstrip("/").casefold().replace("http://", "https://", 1)
        earlier = first.setdefault(address, source.id)
        if earlier != source.id:
            message = f"source '{earlier}' has the same address; one article, recorded twice?"
            found.append(_warning(source.origin, "url", source.id, message))
    return found


def _unused(database: Database) -> list[Problem]:
    """Sources no fact cites, and entities no fact names nor any entity refers to."""
    run = database.connection.execute
    cited = {value for (value,) in run("SELECT DISTINCT value FROM facts, json_each(sources)")}
    named = {entity for (entity,) in run("SELECT DISTINCT entity FROM fact_entities")}
    base = database.base
    named |= {e.parent for e in base.entities if e.parent}
    named |= {e.organization for e in base.entities if e.organization}
    found = [
        _warning(s.origin, "id", s.id, "no fact cites this source")
        for s in base.sources
        if s.id not in cited
    ]
    found += [
        _warning(e.origin, "id", e.id, "no fact names this entity, nor does any entity")
        for e in base.entities
        if e.id not in named
    ]
    return found


def _near_misses(database: Database) -> list[Problem]:
    """A material or tag of one fact alone that looks like one used more, or the lexicon's."""
    from tmkfacts.errors import closest
    from tmkfacts.words import read_lexicon

    found = []
    lexicon = {"materials": set(read_lexicon().symbols.values()), "tags": set()}
    for column in ("materials", "tags"):
        sql = f"SELECT value, count(*) FROM facts, json_each(facts.{column}) GROUP BY value"
        counts = dict(database.connection.execute(sql))  # the column is ours
        known = {value for value, count in counts.items() if count > 1} | lexicon[column]
        for value, count in counts.items():
            if count > 1 or value in known:
                continue
            near = closest(value, known, cutoff=0.8)
            if not near:
                continue
            label = column[:-1]
            for fact in database.facts(
                f"EXISTS (SELECT 1 FROM json_each(facts.{column}) WHERE value = ?)", (value,)
            ):
                message = f"{label} '{value}' is used by this fact alone; did you mean '{near[0]}'?"
                found.append(_warning(fact.origin, column, fact.id, message))
    return found


def _line_of(origin: Origin, key: str) -> int | None:
    """The line of a record's key: the first `key =` after the record's header, before the next.

    The record's own line when the key cannot be found (an inline table, a file since changed).
    """
    import re
    from pathlib import Path

    if origin.line is None:
        return None
    try:
        lines = Path(origin.file).read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return origin.line
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    for number in range(origin.line, len(lines)):
        if lines[number].lstrip().startswith("["):
            break
        if pattern.match(lines[number]):
            return number + 1
    return origin.line
