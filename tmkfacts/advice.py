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
    """Every warning about the base, in file and line order."""
    database = database_of(base_or_database)
    base = database.cited
    kinds = ", ".join(f"'{kind}'" for kind in sorted(DESCRIBED_KINDS))
    described = database.facts(f"facts.kind IN ({kinds})")
    found = [each for fact in described if (each := _imprecise(base, fact)) is not None]
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


def _line_of(origin: Origin, key: str) -> int | None:
    """The line of a record's key: the first `key =` after the record's header, before the next.

    The record's own line when the key cannot be found (an inline table, a file since changed).
    """
    import re
    from pathlib import Path

    if origin.line is None:
        return None
    try:
        lines = Path(origin.file).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return origin.line
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    for number in range(origin.line, len(lines)):
        if lines[number].lstrip().startswith("["):
            break
        if pattern.match(lines[number]):
            return number + 1
    return origin.line
