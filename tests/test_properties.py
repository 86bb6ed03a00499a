"""Properties that hold for any input: random fact bases, random bytes, random queries.

CI runs a hundred examples of each; `python bench/fuzz.py` runs ten thousand.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tmkfacts import FactBase, FactsError, PartialDate, db, load, loads, query, rows, search
from tmkfacts.dates import FORWARD_KINDS
from tmkfacts.errors import QueryError
from tmkfacts.filters import Filter
from tmkfacts.vocabularies import KINDS

from .conftest import MINI
from .test_db import same_answer

SLUG = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
# Any text a person might paste, controls, bidi marks and all: TOML escapes what it must, and
# the loader must keep every character. Surrogates cannot be encoded at all; a title must be
# one line, as `check` requires.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(str.strip)
TITLE = TEXT.filter(lambda text: "\n" not in text)


def dates(first: int, last: int) -> st.SearchStrategy[str]:
    """Dates of years first to last, known to the year, the month or the day."""
    return st.builds(
        lambda y, m, d: f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else ""),
        st.integers(first, last),
        st.integers(0, 12),
        st.integers(0, 28),
    )


DATE = dates(1990, 2030)
# Sources come out after what they report and before what they announce (plans, forecasts).
PUBLISHED = dates(2031, 2033)
PLANNED = dates(2034, 2040)


def toml_string(text: str) -> str:
    """A TOML basic string holding text exactly: JSON's escapes are TOML's, but for DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


@st.composite
def fact_bases(draw: st.DrawFn) -> tuple[str, list[dict[str, str]]]:
    """A valid fact document, and the facts it should load as."""
    source_ids = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    entity_ids = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    fact_ids = draw(st.lists(SLUG, min_size=0, max_size=6, unique=True))
    parts = [
        f"[[source]]\nid = {toml_string(source_id)}\ntitle = {toml_string(draw(TEXT))}\n"
        f'publisher = {toml_string(draw(TEXT))}\nurl = "https://example.org/{source_id}"\n'
        f'published = "{draw(PUBLISHED)}"\n\n'
        for source_id in source_ids
    ]
    parts.extend(
        f"[[entity]]\nid = {toml_string(entity_id)}\nname = {toml_string(draw(TEXT))}\n"
        'type = "company"\n\n'
        for entity_id in entity_ids
    )
    facts = []
    for fact_id in fact_ids:
        kind = draw(st.sampled_from(list(KINDS)))
        fact = {
            "id": fact_id,
            "date": draw(PLANNED if kind in FORWARD_KINDS else DATE),
            "kind": kind,
            "title": draw(TITLE),
            "text": draw(TEXT),
        }
        facts.append(fact)
        parts.append(
            "[[fact]]\n"
            + "".join(f"{key} = {toml_string(value)}\n" for key, value in fact.items())
            + f"entities = [{toml_string(draw(st.sampled_from(entity_ids)))}]\n"
            + f"sources = [{toml_string(draw(st.sampled_from(source_ids)))}]\n\n"
        )
    return "".join(parts), facts


@given(fact_bases())
def test_any_valid_base_loads_and_its_json_keeps_every_character(generated):
    document, facts = generated
    base = loads(document)
    shown = json.loads(rows.dumps(rows.fact(base, fact) for fact in base.facts))
    assert [
        {key: row[key] for key in ("id", "date", "kind", "title", "text")} for row in shown
    ] == (facts)


def load_or_problems(document: str | bytes) -> FactBase | tuple[str, ...]:
    """The base a document loads as, or its problems as text; any other error escapes."""
    try:
        return loads(document)
    except FactsError as error:
        return tuple(str(problem) for problem in error.problems)


@given(st.binary(max_size=400))
def test_any_bytes_give_a_base_or_the_loaders_own_error(data):
    outcome = load_or_problems(data)
    assert isinstance(outcome, FactBase) or (outcome and all(outcome))


TOMLISH = st.lists(
    st.sampled_from(
        ['[[fact]]\n', '[[source]]\n', '[[entity]]\n', 'id = "x"\n', 'date = "2025"\n',
         'fact = 3\n', 'title = """\n', '"""\n', "[", "]", "{", "}", "=", '"', "\n", "a", "1",
         "entities = [\"x\"]\n", "[[fact.figures]]\n", "value = 1.5\n", "\\u", "\xff", "#"]
    ),
    max_size=30,
).map("".join)  # fmt: skip


@given(TOMLISH)
def test_any_tomlish_text_gives_a_base_or_the_loaders_own_error(text):
    outcome = load_or_problems(text)
    assert isinstance(outcome, FactBase) or (outcome and all(outcome))


# Any value json.dumps encodes: text with surrogates, numbers that are not finite, big ints,
# tuples, keys that are not strings, and lists and objects of them, empty or nested.
JSONABLE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(
            st.none() | st.booleans() | st.integers() | st.floats(), inner, max_size=3
        )
    ),
    max_leaves=30,
)


@given(st.lists(JSONABLE, max_size=4), st.booleans())
def test_rows_are_encoded_as_json_dumps_indents_them(values, ascii):
    assert rows.dumps(values, ascii=ascii) == json.dumps(values, indent=2, ensure_ascii=ascii)


@given(st.text(max_size=80))
def test_any_query_gives_hits_or_a_query_error(text):
    base = load([MINI])
    message: str | None = None
    try:
        found = search.search(base, text)
    except QueryError as error:
        found, message = search.Results(()), str(error)
    assert message is None or (message and "\n" not in message)
    assert all(hit.fact in base.facts for hit in found.hits)


#: Words of the mini base, and the syntax of queries, to make queries that find something.
QUERY_WORDS = st.lists(
    st.sampled_from(
        ["acme", "guild", "founded", "access", "to", "the", "of", "metal", "rhenium", "2025",
         '"', "-", "kind:", "membership", "acmee", "a", "tmk", "joins", "and", " "]
    ),
    min_size=1,
    max_size=8,
).map(" ".join)  # fmt: skip


@given(QUERY_WORDS, st.integers(min_value=0, max_value=4))
def test_a_limit_keeps_the_first_of_every_hit(text, limit):
    base = load([MINI])
    try:
        every = search.search(base, text)
    except QueryError:
        return
    expected = search.Results(every.hits[:limit], every.corrections, every.hint)
    assert search.search(base, text, limit=limit) == expected


#: Changes people make to a fact file: to its facts, and to its sources and entities.
CHANGES = ["drop", "copy", "swap", "reword", "rename", "add-source", "source-among"]


def changed(parts: list[str], change: str, at: int, number: int) -> list[str]:
    """The tables of a fact document (its head first, then each fact's) after one change."""
    head, facts = parts[0], parts[1:]
    where = at % len(facts) if facts else 0
    if change == "drop" and facts:
        del facts[where]
    elif change == "copy" and facts:
        copy = re.sub(r'(?m)^id = ".*"$', f'id = "copy-{number}"', facts[where])
        facts.insert(at % (len(facts) + 1), copy)
    elif change == "swap" and len(facts) > 1:
        facts[where - 1], facts[where] = facts[where], facts[where - 1]
    elif change == "reword" and facts:
        facts[where] = re.sub(
            r"(?m)^text = .*$", f'text = "Reworded {number} times."', facts[where]
        )
    elif change == "rename":
        names = list(re.finditer(r"(?m)^name = .*$", head))
        name = names[at % len(names)]
        head = f'{head[: name.start()]}name = "Renamed Company {number}"{head[name.end() :]}'
    elif change == "add-source":
        head += (
            f'[[source]]\nid = "added-{number}"\ntitle = "Added"\npublisher = "P"\n'
            f'url = "https://example.org/added"\npublished = "2026"\n\n'
        )
    elif change == "source-among" and facts:  # a source and an entity among the facts
        facts.insert(
            at % len(facts) + 1,
            f'[[source]]\nid = "among-{number}"\ntitle = "Among"\npublisher = "P"\n'
            f'url = "https://example.org/among"\npublished = "2026"\n\n'
            f'[[entity]]\nid = "among-{number}"\nname = "Among Company {number}"\n'
            f'type = "company"\ncountry = "KZ"\n\n',
        )
    return [head, *facts]


@given(
    fact_bases(),
    st.lists(st.tuples(st.sampled_from(CHANGES), st.integers(0, 20)), min_size=1, max_size=3),
)
def test_any_changes_to_a_kept_base_give_the_database_building_it_afresh_gives(generated, changes):
    document, _ = generated
    cut = document.find("[[fact]]\n")
    parts = [document] if cut < 0 else [document[:cut], *document[cut:].split("\n\n[[fact]]\n")]
    parts[1:] = [part if part.startswith("[[fact]]") else "[[fact]]\n" + part for part in parts[1:]]
    parts[1:] = [part.rstrip("\n") + "\n\n" for part in parts[1:]]
    with tempfile.TemporaryDirectory() as folder:
        facts = Path(folder) / "facts.toml"
        facts.write_text("".join(parts), encoding="utf-8")
        assert facts.read_text(encoding="utf-8") == document.rstrip("\n") + "\n\n" or cut < 0
        db.load([facts])
        for number, (change, at) in enumerate(changes):
            parts = changed(parts, change, at, number)
            facts.write_text("".join(parts), encoding="utf-8")
            same_answer([facts], ["company", "added", "reworded"])


# --- dates: a filter keeps exactly the facts whose span overlaps its range -----------------------

SPAN_KINDS = ["export", "profile", "statement", "plan", "forecast"]


def span_of(fact: dict[str, str], published: list[PartialDate]) -> tuple[dt.date, dt.date] | None:
    """The days a fact may fall on, worked out here from the rules of docs/facts-format.md."""
    date = PartialDate.parse(fact["date"])
    earliest, latest = date.first_day, date.last_day
    if "not_before" in fact:
        earliest = max(earliest, PartialDate.parse(fact["not_before"]).first_day)
    if "not_after" in fact:
        latest = min(latest, PartialDate.parse(fact["not_after"]).last_day)
    if fact["kind"] in ("plan", "forecast"):  # no earlier than the first report
        earliest = max(earliest, min(report.first_day for report in published))
    else:  # no later than the first report
        latest = min(latest, *(report.last_day for report in published))
    return (earliest, latest) if earliest <= latest else None


@st.composite
def dated_bases(draw: st.DrawFn) -> tuple[str, dict[str, tuple[dt.date, dt.date]]]:
    """A base of facts dated around their sources, and the span each fact should have."""
    published = {f"s{n}": draw(dates(2023, 2026)) for n in range(draw(st.integers(1, 3)))}
    parts = [
        f'[[source]]\nid = "{source}"\ntitle = "T"\npublisher = "P"\n'
        f'url = "https://example.org/{source}"\npublished = "{when}"\n\n'
        for source, when in published.items()
    ]
    parts.append('[[entity]]\nid = "tmk"\nname = "TMK"\ntype = "company"\n\n')
    spans = {}
    for n in range(draw(st.integers(1, 8))):
        fact = {"date": draw(dates(2022, 2027)), "kind": draw(st.sampled_from(SPAN_KINDS))}
        for bound in ("not_before", "not_after"):
            if draw(st.booleans()) and draw(st.booleans()):
                fact[bound] = draw(dates(2022, 2027))
        cited = draw(st.lists(st.sampled_from(sorted(published)), min_size=1, unique=True))
        span = span_of(fact, [PartialDate.parse(published[source]) for source in cited])
        if span is None:
            continue  # `check` refuses it: tested in test_store
        spans[f"f{n}"] = span
        parts.append(
            f'[[fact]]\nid = "f{n}"\ntitle = "T"\ntext = "T."\nentities = ["tmk"]\n'
            + "".join(f'{key} = "{value}"\n' for key, value in fact.items())
            + f"sources = [{', '.join(json.dumps(source) for source in cited)}]\n\n"
        )
    return "".join(parts), spans


@given(
    dated_bases(), st.one_of(st.none(), dates(2021, 2028)), st.one_of(st.none(), dates(2021, 2028))
)
def test_date_filters_keep_exactly_the_facts_whose_span_overlaps_the_range(
    generated, since_text, until_text
):
    document, spans = generated
    base = loads(document)
    since = PartialDate.parse(since_text) if since_text else None
    until = PartialDate.parse(until_text) if until_text else None
    assert {f.id: (f.when.earliest, f.when.latest) for f in base.facts} == spans
    if since and until and since.first_day > until.last_day:
        return  # an error, tested in test_query
    start = since.first_day if since else dt.date.min
    end = until.last_day if until else dt.date.max
    expected = {fact for fact, (first, last) in spans.items() if last >= start and first <= end}
    where = Filter(since=since, until=until)
    assert {f.id for f in query.list_facts(base, where)} == expected
    assert {f.id for f in query.timeline(base, where)} == expected
    terms = [f"date:{since_text or ''}..{until_text or ''}"] if since or until else ["tmk"]
    found = search.search(base, " ".join(terms))
    assert {hit.fact.id for hit in found.hits} == expected
    certain = [hit.fact.id for hit in found.hits]
    within = [f for f in certain if start <= spans[f][0] and spans[f][1] <= end]
    assert certain[: len(within)] == within  # facts certainly within the range come first
    if since:  # after:X keeps what may fall after X's last day
        after = {fact for fact, (_, last) in spans.items() if last > since.last_day}
        hits = search.search(base, f"after:{since_text}").hits
        assert {hit.fact.id for hit in hits} == after
    if until:  # before:X keeps what may fall before X's first day
        before = {fact for fact, (first, _) in spans.items() if first < until.first_day}
        hits = search.search(base, f"before:{until_text}").hits
        assert {hit.fact.id for hit in hits} == before


@given(dated_bases())
def test_list_and_timeline_order_facts_by_their_latest_day_then_their_earliest(generated):
    document, spans = generated
    base = loads(document)
    newest = [f.id for f in query.list_facts(base)]
    keys = [(spans[f][1], spans[f][0]) for f in newest]
    assert keys == sorted(keys, reverse=True)
    oldest = [f.id for f in query.timeline(base)]
    assert [(spans[f][1], spans[f][0]) for f in oldest] == sorted(keys)
