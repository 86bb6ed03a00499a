"""The search index kept in SQLite: built from files in runs, never stale, same answers."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from itertools import pairwise
from pathlib import Path

import pytest

from tmkfacts import FactsError, cache, forked, index, search, store
from tmkfacts.fingerprint import PIECE, Hasher, of_bytes, of_file
from tmkfacts.model import Fact, FactBase
from tmkfacts.packed import date_key

from .conftest import MINI

BAD = [*sorted((Path(__file__).parent / "bad").glob("*.toml"))]
INVALID = [*sorted((Path(__file__).parent / "data" / "invalid").glob("*.toml"))]
QUERIES = [
    "rhenium", "REE", "Chinalco tungstn", "kind:membership", "after:2025-06 SOLVOMET",
    '"rare earths" -tungsten', "rhen", "export date:2025Q3", "country:CN",
]  # fmt: skip
BIG_QUERIES = [
    "rhenium", "supply chain", '"supply chain" -europe', "exprots", "kind:export metal",
    "date:2020..2022 concentrate", "after:2024-06 plant", "country:CN research", "zzzz",
]  # fmt: skip


@pytest.fixture(autouse=True)
def runs_of_about_a_hundred(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are cut into runs of about 100 facts: the generated base into dozens, as a big
    base is cut into runs of about 1,000."""
    monkeypatch.setattr(store._Pieces, "RUN", 100)


def answers(found: search.Results) -> list[tuple[object, ...]]:
    """What a search found, to compare: each fact whole, with where it was defined."""
    return [(hit.fact, hit.fact.origin, hit.score, hit.words) for hit in found.hits]


def test_a_streamed_kept_and_reopened_index_answer_as_the_loaded_base_does(generated, monkeypatch):
    monkeypatch.setattr(index, "_SPILL", 5000)  # postings written in many rows per word
    base = store.load([generated])
    kept = cache.index([generated])  # streamed from the file, written, opened again
    again = cache.index([generated])  # answered from the cache
    for query in BIG_QUERIES:
        expected = search.search(base, query)
        assert answers(search.search(kept, query)) == answers(expected), query
        assert answers(search.search(again, query)) == answers(expected), query
        assert search.search(kept, query).hint == expected.hint
    assert kept.count == len(base.facts) == 2500


#: Phrases that hold in few of the facts holding their words, or in none, or in many.
PHRASES = [
    '"supply chain"', '"rare earth"', '"chain supply"', '"export rhenium"', '"of the"',
    'rhenium "supply chain"', '"supply chain" -europe', '"earth rare" metal', '"the" "of the"',
    "tmk", '"metals complex"', "tmk rhenium", '"technological metals" -rhenium',
]  # fmt: skip


def test_a_limit_keeps_the_first_of_every_hit_in_order(generated):
    built = cache.index([generated])
    for query in [*BIG_QUERIES, *PHRASES]:
        every = search.search(built, query).hits
        for limit in (0, 1, 3, 10, 40, 99, 100, 101, len(every) + 1):
            kept = search.search(built, query, limit=limit).hits
            assert kept == every[:limit], (query, limit)


def facts_read(monkeypatch: pytest.MonkeyPatch, built: index.Index) -> list[int]:
    """The numbers of the facts read from the index from now on, as they are read."""
    read: list[int] = []
    facts = built.facts

    def counted(numbers: Iterable[int]) -> dict[int, Fact]:
        wanted = list(numbers)
        read.extend(wanted)
        return facts(wanted)

    monkeypatch.setattr(built, "facts", counted)
    return read


def test_a_search_with_phrases_reads_only_the_facts_that_may_be_among_the_best(
    generated, monkeypatch
):
    built = cache.index([generated])
    every = tuple(search.search(built, '"supply chain"').hits)  # each fact read
    read = facts_read(monkeypatch, built)
    assert search.search(built, '"supply chain"', limit=10).hits == every[:10]
    assert 10 <= len(read) < len(every) / 2


@pytest.mark.parametrize("query", ["tmk", '"metals complex"', "tmk rhenium"])
def test_a_phrase_every_fact_holds_alike_reads_only_the_first_facts(generated, monkeypatch, query):
    # Every fact names TMK, "Uzbekistan Technological Metals Complex": as many score alike as
    # hold the other words, and the newest of them are the best.
    built = cache.index([generated])
    every = tuple(search.search(built, query).hits)  # each fact read
    read = facts_read(monkeypatch, built)
    assert search.search(built, query, limit=10).hits == every[:10]
    assert len(every) > 3 * search._FIRST_READ
    assert 10 <= len(read) <= search._FIRST_READ


@pytest.mark.parametrize("query", ["tmk", "metal", '"metals complex"'])
def test_every_match_of_a_big_base_is_read_a_page_at_a_time(generated, monkeypatch, query):
    # A search without a limit or filters holds no more facts at once than a page (phrases
    # are scored a thousand facts at a time), and reads each hit's fact as the hit is read.
    built = cache.index([generated])
    facts = built.facts
    pages: list[int] = []

    def counted(numbers: Iterable[int]) -> dict[int, Fact]:
        found = facts(numbers)
        pages.append(len(found))
        return found

    monkeypatch.setattr(built, "facts", counted)
    hits = search.search(built, query).hits
    scored = sum(pages)
    assert scored in (0, len(hits))  # phrases: each candidate read once, to be scored
    assert max(pages, default=0) <= search._READ
    assert len(hits) > 1000
    assert sum(pages) == scored  # no hit read yet
    first = hits[:3]
    assert sum(pages) == scored + 3
    shown = list(hits)
    assert shown[:3] == list(first)
    assert max(pages[-3:]) <= search._PAGE
    assert sum(pages) == scored + 3 + len(hits)
    assert hits == tuple(shown) == tuple(hits)
    assert hits != tuple(shown[:-1])
    assert search.search(built, query, limit=len(hits)).hits == hits


def test_a_word_s_weights_hold_its_facts_numbers_and_each_weight_once(generated):
    built = cache.index([generated])
    for word in ("tmk", "metal", "rhenium"):
        held = built.holding(word)
        weights = built.weights(word)
        numbers, values = built.postings(word)
        assert list(weights.items()) == list(zip(numbers, values, strict=True))
        assert len(held) > 100
        same = {number: number for number in held}
        assert all(same[number] is number for number in weights)  # not a copy a fact
        assert len({id(value) for value in weights.values()}) == len(set(weights.values()))


def test_a_phrase_in_entities_names_alone_reads_no_fact_s_own_words(generated, monkeypatch):
    # Every fact names TMK, "Uzbekistan Technological Metals Complex", and none writes its name:
    # the name's words are read once, not every fact's own words.
    built = cache.index([generated])
    own_fields = built.own_fields
    read: list[str] = []

    def counted(fact: Fact) -> index.Fields:
        read.append(fact.id)
        return own_fields(fact)

    monkeypatch.setattr(built, "own_fields", counted)
    assert len(search.search(built, '"metals complex"').hits) == built.count
    assert read == []
    holding = search.search(built, '"supply chain"').hits  # in facts' own words
    assert holding
    assert 0 < len(read) < built.count


def test_what_a_fact_holds_itself_is_what_its_own_fields_hold(generated):
    """Phrases are looked for in a fact's own fields only when they hold each of its words."""
    for built in (cache.index(), cache.index([generated])):
        for number, fact in built.facts(range(0, built.count, 7)).items():
            own = {word for words in built.own_fields(fact).values() for word in words}
            fields = built.entity_fields(fact.entities).values()
            given = {word for words in fields for word in words} - own
            assert own
            assert all(number in built.holding_itself(word) for word in own)
            assert not any(number in built.holding_itself(word) for word in given)
            assert all(number in built.holding(word) for word in own | given)


def test_hits_go_best_first_then_newest_then_first_in_the_file(generated):
    base = store.load([generated])
    position = {fact.id: number for number, fact in enumerate(base.facts)}
    ties = 0
    for query in BIG_QUERIES:
        hits = search.search(base, query).hits
        if "after:" in query or "date:" in query:
            continue  # a fact certainly within the dates comes first: tested with the mini base
        order = [(-hit.score, -date_key(hit.fact.date), position[hit.fact.id]) for hit in hits]
        assert order == sorted(order), query
        ties += sum(a[:2] == b[:2] for a, b in pairwise(order))
    assert ties  # facts alike in score and date are common in a big base


def test_how_many_facts_hold_a_word_is_what_its_postings_say(generated):
    built = cache.index([generated])
    for word in ("rhenium", "export", "suppli", "zzzz", ""):
        counted = built.how_many(word)
        assert counted == len(built.holding(word))
        assert built.how_many(word) == counted  # and once its postings are read
    assert built.how_many("rhenium") > 0


@pytest.mark.parametrize("query", QUERIES)
def test_the_shipped_base_answers_alike_from_every_index(query):
    base = store.load()
    expected = answers(search.search(base, query))
    assert answers(search.search(cache.index(), query)) == expected
    assert answers(search.search(index.build(store.default_paths(), None)[0], query)) == expected


def test_facts_come_back_from_the_index_whole():
    base = store.load([MINI])
    built = index.of_base(base)
    facts = built.facts(range(built.count))
    assert [facts[number] for number in range(built.count)] == list(base.facts)
    assert [facts[n].origin for n in range(built.count)] == [f.origin for f in base.facts]
    assert [facts[n].figures for n in range(built.count)] == [f.figures for f in base.facts]


def test_sources_and_entities_come_back_from_the_index_whole():
    base = store.load([MINI])
    for built in (index.of_base(base), index.build([MINI], None)[0], cache.index([MINI])):
        assert built.base == FactBase(base.sources, base.entities, (), base.files)
        assert [s.origin for s in built.base.sources] == [s.origin for s in base.sources]
        assert [e.origin for e in built.base.entities] == [e.origin for e in base.entities]
        assert built.base.files == base.files


def cut_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store._Pieces, "RUN", 2)  # every second fact starts a run
    monkeypatch.setattr(store._Pieces, "BLOCK", 64)  # and lines are split between reads


@pytest.mark.parametrize("cut", [False, True], ids=["as-read", "cut-often"])
@pytest.mark.parametrize("odd", BAD + INVALID, ids=lambda path: path.name)
def test_an_odd_file_gives_the_same_facts_or_problems_streamed_as_loaded(odd, cut, monkeypatch):
    if cut:
        cut_often(monkeypatch)
    valid = True
    try:
        expected: object = list(store.load([odd]).facts)
    except FactsError as error:
        expected, valid = [str(problem) for problem in error.problems], False
    try:
        built = cache.index([odd])
        found: object = list(built.facts(range(built.count)).values())
    except FactsError as error:
        found = [str(problem) for problem in error.problems]
    assert found == expected
    folder = cache.cache_dir()
    assert folder is not None
    assert not list(folder.glob("*.tmp"))
    assert len(list(folder.glob("index-*"))) == valid


@pytest.mark.parametrize("run", [1, 1000], ids=["each-fact-a-run", "one-run"])
def test_the_spellings_are_every_word_of_the_facts_and_entities(monkeypatch, run):
    """Each word as written, folded, with its stem: what a reader learns from every fact."""
    monkeypatch.setattr(store._Pieces, "RUN", run)
    base = store.load([MINI])
    reader = index._Reader(base)
    for fact in base.facts:
        reader.own_fields(fact)
    learned = {(reader.folded[raw], word) for raw, word in reader.known.items()}
    assert {"acme", "tashkent", "markets", "grants"} <= {spelling for spelling, _ in learned}
    for built in (index.of_base(base), cache.index([MINI])):
        assert set(built.spellings(1, 99)) == learned


def test_where_a_file_is_cut_depends_on_its_bytes_not_on_how_they_are_read(
    generated, monkeypatch, tmp_path
):
    monkeypatch.setattr(store._Pieces, "RUN", 20)
    whole = store.cut([generated])
    assert whole is not None
    for block in (64, 1000, 4096):
        monkeypatch.setattr(store._Pieces, "BLOCK", block)
        assert store.cut([generated]) == whole, block
    runs = [data or b"" for _, data, _, _ in whole.runs]
    assert len(runs) > 50
    assert generated.read_bytes().endswith(b"".join(runs))
    # A fact changed in one run leaves the others as they were, wherever they now start.
    changed = tmp_path / "changed.toml"
    text = generated.read_text()
    middle = text.index('title = "', len(text) // 2)
    changed.write_text(text[:middle] + 'title = "Changed ' + text[middle + len('title = "') :])
    again = store.cut([changed])
    assert again is not None
    before = {digest for _, _, _, digest in whole.runs}
    assert [digest in before for _, _, _, digest in again.runs].count(False) == 1


def test_files_cut_into_runs_give_what_the_whole_file_gives(monkeypatch, tmp_path):
    cut_often(monkeypatch)
    copy = tmp_path / "crlf.toml"
    copy.write_bytes(b"\xef\xbb\xbf" + MINI.read_bytes().replace(b"\n", b"\r\n"))
    for path in (MINI, copy):
        base = store.load([path])
        built = cache.index([path])
        facts = built.facts(range(built.count))
        assert [facts[n] for n in range(built.count)] == list(base.facts)
        assert [facts[n].origin for n in range(built.count)] == [f.origin for f in base.facts]


FACT = (
    'date = "2025"\nkind = "profile"\ntitle = "T"\ntext = "Words."\n'
    'entities = ["tmk"]\nsources = ["wire-2025-07-14"]'
)
LATE = 'id = "late"\ntitle = "t"\npublisher = "p"\nurl = "https://x.org"\npublished = "2025"\n'
FIGURE = '[[fact.figures]]\nmetric = "exports"\nvalue = 1\nunit = "t"\n'


@pytest.mark.parametrize(
    "layout",
    [
        # a [[fact]] line inside a multi-line string, where no cut may be made
        (
            '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\ndate_note = """\n[[fact]]\n"""\n'
            '{fact}\n[[fact]]\nid = "c"\n{fact}\n'
        ),
        # and a [[source]] line: it is not a table among the facts
        (
            '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\ndate_note = """\n[[source]]\n"""\n'
            '{fact}\n[[fact]]\nid = "c"\n{fact}\n'
        ),
        # another kind of table after the facts
        '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\n{fact}\n[[ source ]]\n' + LATE,
    ],
    ids=["fact-line-in-a-string", "source-line-in-a-string", "spaced-header"],
)
@pytest.mark.parametrize("part", [500, 1], ids=["parsed-by-run", "parsed-by-table"])
def test_files_that_cannot_be_cut_are_read_whole(monkeypatch, tmp_path, layout, part):
    cut_often(monkeypatch)
    monkeypatch.setattr(store, "_PART", part)  # a run parsed in parts is cut more often still
    extra = tmp_path / "extra.toml"
    extra.write_text(layout.replace("{fact}", FACT))
    base = store.load([MINI, extra])
    built = cache.index([MINI, extra])
    facts = built.facts(range(built.count))
    assert [facts[n] for n in range(built.count)] == list(base.facts)
    assert [s.id for s in built.base.sources] == [s.id for s in base.sources]
    assert [runs for _, runs in built.built_from()[1]] == [True, False]


#: Sources and entities among the facts, which facts may name before they are defined.
AMONG = {
    "source-after-facts": (
        '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\n{fact}\n[[fact]]\nid = "c"\n{fact}\n'
        "[[source]]\n" + LATE
    ),
    "named-before-defined": (
        '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\n{late}\n[[entity]]\nid = "newco"\n'
        'name = "Newco Metals"\ntype = "company"\ncountry = "KZ"\nparent = "tmk"\n\n'
        '[[fact]]\nid = "c"\n{fact}\n\n  [[source]]  \n' + LATE
    ),
    "between-a-fact-and-its-figures": (
        '[[fact]]\nid = "a"\n{fact}\n[[source]]\n' + LATE + FIGURE
        + '\n[[fact]]\nid = "c"\n{fact}\n'
    ),
    "several-in-a-row": (
        '[[fact]]\nid = "a"\n{late}\n[[source]]\n' + LATE + '[[source]]\n'
        + LATE.replace('"late"', '"later"')
        + '[[entity]]\nid = "newco"\nname = "N"\ntype = "company"\n[[fact]]\nid = "c"\n{fact}\n'
    ),
}  # fmt: skip


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("layout", AMONG.values(), ids=AMONG)
def test_sources_and_entities_among_the_facts_are_streamed(monkeypatch, tmp_path, layout, newline):
    cut_often(monkeypatch)
    extra = tmp_path / "extra.toml"
    late = FACT.replace('"tmk"', '"newco"').replace('"wire-2025-07-14"', '"late"')
    text = layout.replace("{fact}", FACT).replace("{late}", late if "newco" in layout else FACT)
    extra.write_bytes(text.replace("\n", newline).encode())
    base = store.load([MINI, extra])
    built = cache.index([MINI, extra])
    facts = built.facts(range(built.count))
    assert [(facts[n], facts[n].origin) for n in range(built.count)] == [
        (fact, fact.origin) for fact in base.facts
    ]
    assert built.base == FactBase(base.sources, base.entities, (), base.files)
    assert [(s.id, s.origin) for s in built.base.sources] == [
        (s.id, s.origin) for s in base.sources
    ]
    assert [(e.id, e.origin) for e in built.base.entities] == [
        (e.id, e.origin) for e in base.entities
    ]
    assert [runs for _, runs in built.built_from()[1]] == [True, True]  # not read whole
    assert same_answer([MINI, extra], [*QUERIES, "newco", "late", "exports", "country:KZ"])
    # A change updates the index: the tables are read again, and only the runs that changed.
    updated = Spy(monkeypatch, index, "update")
    changes = [("Words.", "Other words."), ('title = "t"', 'title = "Renamed"'), ("\n", "\n\n")]
    for old, new in changes:
        text = text.replace(old, new, 1)
        extra.write_bytes(text.replace("\n", newline).encode())
        assert same_answer([MINI, extra], [*QUERIES, "newco", "other", "renamed"])
        kept, loaded = cache.index([MINI, extra]).base, store.load([MINI, extra])
        for records, expected in (
            (kept.sources, loaded.sources),
            (kept.entities, loaded.entities),
        ):
            assert [(r, r.origin) for r in records] == [(r, r.origin) for r in expected]
    assert updated.calls == updated.returned == len(changes)


@pytest.mark.parametrize(
    "table",
    [
        "[[source]]\n" + LATE.replace('"late"', '"wire-2025-07-14"'),  # an id the head has
        "[[source]]\n" + LATE.replace('title = "t"\n', ""),  # a key missing
        '[[entity]]\nid = "newco"\nname = "N"\ntype = "company"\nparent = "nobody"\n',
        "[[source]]\n" + LATE + 'colour = "red"\n',
    ],
    ids=["duplicate-id", "missing-key", "unknown-parent", "unknown-key"],
)
def test_a_problem_among_the_facts_is_reported_as_loading_reports_it(monkeypatch, tmp_path, table):
    cut_often(monkeypatch)
    extra = tmp_path / "extra.toml"
    extra.write_text(f'[[fact]]\nid = "a"\n{FACT}\n{table}[[fact]]\nid = "c"\n{FACT}\n')
    with pytest.raises(FactsError) as loaded:
        store.load([MINI, extra])
    with pytest.raises(FactsError) as indexed:
        cache.index([MINI, extra])
    assert [str(p) for p in indexed.value.problems] == [str(p) for p in loaded.value.problems]


def test_a_top_level_fact_key_is_refused_as_when_loaded(monkeypatch, tmp_path):
    cut_often(monkeypatch)
    clash = tmp_path / "clash.toml"
    clash.write_text(
        "fact = []\n\n" + MINI.read_text().split("[[fact]]", 1)[1].join(["[[fact]]", ""])
    )
    with pytest.raises(FactsError) as loaded:
        store.load([clash])
    with pytest.raises(FactsError) as streamed:
        cache.index([clash])
    assert str(streamed.value) == str(loaded.value)


def kept_entries() -> list[Path]:
    folder = cache.cache_dir()
    assert folder is not None
    return sorted(folder.glob("index-*.sqlite"))


def test_a_changed_file_is_never_answered_from_an_old_index(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    assert [hit.fact.title for hit in search.search(cache.index([facts]), "founded").hits] == [
        "Acme is founded"
    ]
    stat = facts.stat()
    facts.write_text(MINI.read_text().replace("Acme is founded", "Acme is set up"))  # same size
    os.utime(facts, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and time: only the content differs
    found = search.search(cache.index([facts]), "set up").hits
    assert [hit.fact.title for hit in found] == ["Acme is set up"]
    assert len(kept_entries()) == 2


def test_a_damaged_index_is_built_again(tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    (entry,) = kept_entries()
    entry.write_bytes(b"not a database" * 100)
    assert search.search(cache.index([facts]), "acme").hits
    assert entry.read_bytes()[:15] == b"SQLite format 3"


def test_old_indexes_are_forgotten_and_none_is_left_half_written(tmp_path):
    for number in range(7):
        facts = tmp_path / "facts.toml"
        facts.write_text(MINI.read_text() + f"\n# version {number}\n")
        cache.index([facts])
    folder = cache.cache_dir()
    assert folder is not None
    assert len(kept_entries()) == 4
    assert not list(folder.glob("*.tmp"))


def test_without_a_cache_folder_the_index_is_built_in_memory(monkeypatch):
    monkeypatch.setenv("TMKFACTS_NO_CACHE", "1")
    assert search.search(cache.index(), "rhenium").hits
    monkeypatch.delenv("TMKFACTS_NO_CACHE")
    assert not kept_entries()


def test_a_loaded_base_shares_the_index_kept_for_its_files(monkeypatch):
    search.search(cache.index(), "rhenium")  # as `tmkfacts search` keeps it
    (entry,) = kept_entries()

    def no_building(*_args: object) -> index.Index:
        raise AssertionError("built again")

    monkeypatch.setattr(index, "of_base", no_building)
    base = cache.load()
    assert base.digest is not None
    assert entry.name == f"index-{base.digest}.sqlite"
    assert search.search(base, "rhenium").hits


def test_a_loaded_base_keeps_its_index_for_the_next_run(tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    base = cache.load([facts])
    found = answers(search.search(base, "acme"))
    (entry,) = kept_entries()
    assert entry.name == f"index-{base.digest}.sqlite"
    assert answers(search.search(cache.index([facts]), "acme")) == found


@pytest.mark.parametrize("size", [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE, 3 * PIECE + 7])
def test_a_file_hashes_alike_whole_in_blocks_and_on_two_threads(tmp_path, size):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path = tmp_path / "facts.toml"
    path.write_bytes(data)
    hasher = Hasher()
    for start in range(0, size, 1_000_003):  # blocks that do not line up with the pieces
        hasher.update(data[start : start + 1_000_003])
    assert of_file(path) == of_bytes(str(path), data) == (str(path), size, hasher.digest())


def test_different_bytes_hash_differently(tmp_path):
    one = of_bytes("a", b"x" * (PIECE + 1))
    assert of_bytes("a", b"x" * PIECE + b"y")[2] != one[2]
    assert of_bytes("a", b"x" * PIECE)[2] != one[2]
    assert of_bytes("a", b"")[2] != of_bytes("a", b"\0")[2]


def test_indexes_pickled_by_an_earlier_version_are_removed(tmp_path):
    folder = cache.cache_dir()
    assert folder is not None
    folder.mkdir(parents=True)
    stale = folder / "index-0123456789abcdef.pickle"
    stale.write_bytes(b"an index of the earlier, pickled kind")
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    assert not stale.exists()
    assert len(kept_entries()) == 1


# --- changed facts update the kept index ----------------------------------------------------

PLANT = """
# added later
[[fact]]
id = "zinc-plant"
date = "2026-02"
kind = "announcement"
title = "Acme plans a zinc plant"
text = \"\"\"Acme said it would build
a zinc plant.\"\"\"
entities = ["tmk", "buyer"]
sources = ["blog-2025"]
materials = ["zinc"]
tags = ["processing"]

[[fact.figures]]
metric = "investment"
value = 12.5
unit = "USD"
scale = "million"
"""
BUYER = """
[[fact]]
id = "zinc-buyer"
date = "2026"
kind = "export"
title = "Buyer OU takes zinc"
text = "Buyer OU agreed to take zinc from Acme."
entities = ["buyer"]
sources = ["wire-2025-07-14"]
"""
GROWN_QUERIES = [*QUERIES, "zinc", '"zinc plant"', "kind:export zinc", "country:EE", "zink"]


class Spy:
    """Counts the calls of a function while passing them on, and those that returned."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        self.calls = self.returned = 0
        self.function = getattr(module, name)
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        found = self.function(*args, **kwargs)
        self.returned += 1
        return found


def fresh(files: list[Path]) -> index.Index:
    """The index of the files as they are, built from them in memory."""
    return index.build(files, None, made_by=cache._key([]))[0]


def same_index(
    updated: index.Index, built: index.Index, queries: Iterable[str] = GROWN_QUERIES
) -> None:
    """The two answer alike: every query, every fact whole, and what the index says of itself."""
    for query in queries:
        found, expected = search.search(updated, query), search.search(built, query)
        assert answers(found) == answers(expected), query
    facts, built_facts = updated.facts(range(updated.count)), built.facts(range(built.count))
    assert [(facts[n], facts[n].origin) for n in range(updated.count)] == [
        (built_facts[n], built_facts[n].origin) for n in range(built.count)
    ]
    for name in ("count", "lengths", "dates", "materials", "tags", "names", "base"):
        assert getattr(updated, name) == getattr(built, name), name
    assert updated.built_from() == built.built_from()
    assert updated.heads() == built.heads()
    assert updated.spellings(1, 99) == built.spellings(1, 99)
    for word in {word for _, word in built.spellings(1, 99)}:
        assert updated.postings(word) == built.postings(word), word


def either(files: list[Path], make: Callable[[], index.Index]) -> index.Index | list[str]:
    """The index `make` gives, or the problems it raises."""
    try:
        return make()
    except FactsError as error:
        return [str(problem) for problem in error.problems]


def same_answer(files: list[Path], queries: Iterable[str] = GROWN_QUERIES) -> index.Index | None:
    """`cache.index` answers as an index built afresh does, or raises the same problems."""
    expected = either(files, lambda: fresh(files))
    found = either(files, lambda: cache.index(files))
    if isinstance(expected, index.Index) and isinstance(found, index.Index):
        same_index(found, expected, queries)
        return found
    assert found == expected
    return None


def append(path: Path, text: str, newline: str = "\n") -> None:
    with path.open("ab") as out:
        out.write(text.replace("\n", newline).encode())


def tables(path: Path) -> list[str]:
    """The file's head, then each [[fact]] table: joined, they are the file again."""
    head, *facts = path.read_text().split("[[fact]]\n")
    return [head, *("[[fact]]\n" + fact for fact in facts)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("second", [False, True], ids=["one-file", "second-file"])
def test_facts_appended_to_the_last_file_update_the_kept_index(
    monkeypatch, tmp_path, newline, second
):
    monkeypatch.setattr(index, "_SPILL", 3)  # postings in many rows, as in a big base
    monkeypatch.setattr(store._Pieces, "RUN", 1)  # every fact a run of its own
    facts = tmp_path / "facts.toml"
    facts.write_bytes((BUYER if second else MINI.read_text()).replace("\n", newline).encode())
    files = [MINI, facts] if second else [facts]
    count = len(store.load(files).facts)
    cache.index(files)
    updated = Spy(monkeypatch, index, "update")
    more = [BUYER.replace("zinc-buyer", f"zinc-{n}") for n in range(2)]
    for number, text in enumerate([PLANT, "".join(more)]):
        append(facts, text, newline)
        grown = same_answer(files)
        assert updated.returned == number + 1
    assert grown is not None
    assert grown.count == len(store.load(files).facts) == count + 3
    assert cache.index(files).count == grown.count  # now kept as it is
    assert updated.calls == updated.returned == 2


def insert_plant(parts: list[str]) -> list[str]:
    return [*parts[:2], PLANT.lstrip("\n").replace("# added later\n", ""), *parts[2:]]


def edit_second(parts: list[str]) -> list[str]:
    return [*parts[:2], parts[2].replace("Acme is founded", "Acme is set up"), *parts[3:]]


def lengthen_first(parts: list[str]) -> list[str]:  # every later fact moves down some lines
    return [parts[0], parts[1].replace("tags =", 'place = "Tashkent"\n\ntags ='), *parts[2:]]


CHANGES = {
    "insert-in-the-middle": insert_plant,
    "edit-in-the-middle": edit_second,
    "remove-the-first": lambda parts: [parts[0], *parts[2:]],  # it said "export" first
    "remove-the-second": lambda parts: [parts[0], parts[1], *parts[3:]],
    "remove-the-last": lambda parts: parts[:-1],
    "swap-two": lambda parts: [parts[0], parts[2], parts[1], *parts[3:]],
    "lines-move": lengthen_first,
    "insert-then-edit": lambda parts: edit_second(insert_plant(parts)),
}


@pytest.mark.parametrize("run", [1, 2], ids=["each-fact-a-run", "runs-of-about-two"])
@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_facts_changed_anywhere_update_the_kept_index(monkeypatch, tmp_path, change, run):
    monkeypatch.setattr(store._Pieces, "RUN", run)
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text() + BUYER + BUYER.replace("zinc-buyer", "zinc-more"))
    cache.index([facts])
    updated = Spy(monkeypatch, index, "update")
    facts.write_text("".join(change(tables(facts))))
    assert same_answer([facts]) is not None
    assert updated.calls == updated.returned == 1


def test_many_changes_to_a_big_base_update_it_as_building_it_afresh_would(
    generated, monkeypatch, tmp_path
):
    monkeypatch.setattr(store._Pieces, "RUN", 40)  # dozens of runs
    facts = tmp_path / "facts.toml"
    shutil.copy(generated, facts)
    cache.index([facts])
    updated = Spy(monkeypatch, index, "update")
    parts = tables(facts)
    for step in range(6):  # each change on top of the last, each in another place
        at = 1 + (step * 397) % (len(parts) - 2)
        if step % 3 == 0:
            parts[at] = parts[at].replace("title = ", 'title = "Changed: " + ', 1)
            parts[at] = parts[at].replace('"Changed: " + "', '"Changed ', 1)
        elif step % 3 == 1:
            del parts[at]
        else:
            plant = PLANT.replace("zinc-plant", f"zinc-plant-{step}").lstrip("\n")
            plant = plant.replace('"tmk", "buyer"', '"tmk"').replace("blog-2025", "source-0")
            parts.insert(at, plant)
        facts.write_text("".join(parts))
        found = same_answer([facts], [*BIG_QUERIES, "zinc", '"zinc plant"', "changed"])
        assert found is not None
    assert updated.calls == updated.returned == 6


@pytest.mark.parametrize(
    ("appended", "updates"),
    [
        ('materials = ["zinc"]\n' + BUYER, True),  # a key of the last fact, new to it
        ('tags = ["late"]\n' + BUYER, False),  # a key the last fact has: now it has it twice
        (
            BUYER + '\n[[source]]\nid = "s"\ntitle = "t"\npublisher = "p"\n'
            'url = "https://x.org"\npublished = "2025"\n',
            True,
        ),  # a source after the facts, read with the sources before them
        (
            BUYER + '\n[[ source ]]\nid = "s"\ntitle = "t"\npublisher = "p"\n'
            'url = "https://x.org"\npublished = "2025"\n',
            False,
        ),  # a header written otherwise
        (BUYER + '\n[source_notes]\nnote = "n"\n', False),  # another kind of table
        (BUYER.replace("title =", 'date_note = """\n[[fact]]\n"""\ntitle ='), False),
        (BUYER.replace("[[fact]]", "[[fact]]  # the last one"), False),
        ("\ufeff" + BUYER, False),  # a byte-order mark, in the middle of the file
        (BUYER.replace("zinc-buyer", "founded"), False),  # an id taken
        (BUYER.replace('["buyer"]', '["seller"]'), False),  # an unknown entity
        (BUYER.replace('"2026"', '"2026-13"'), False),  # a bad date
        (BUYER.replace("[[fact]]", "[[fact]]  "), True),  # spaces after a header
        (BUYER.replace('takes zinc"', 'takes zinc"  # [[fact]]'), True),  # in a comment
    ],
    ids=[
        "key-of-the-last-fact", "key-twice", "source-after-facts", "spaced-header",
        "another-table", "header-in-a-string",
        "comment-after-header", "byte-order-mark", "id-taken", "unknown-entity", "bad-date",
        "spaces-after-header", "header-in-a-comment",
    ],
)  # fmt: skip
def test_other_additions_are_read_as_a_whole_file_is(monkeypatch, tmp_path, appended, updates):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    updated = Spy(monkeypatch, index, "update")
    append(facts, appended)
    same_answer([facts])
    assert updated.calls == updated.returned == updates


NEW_SOURCE = """
[[source]]
id = "new-report"
title = "A new report"
publisher = "Example Wire"
url = "https://example.org/new"
published = "2026-01"
"""
#: Changes to the sources and entities of mini.toml, and what they are checked by. None of its
#: five facts' runs is read again, even for an entity that most of them name: what an entity
#: adds to its facts is added when the index is read.
HEAD_CHANGES = {
    "source-added": (lambda head: head + NEW_SOURCE, ["rhenium"]),
    "entity-renamed": (
        lambda head: head.replace('name = "Metals Guild"', 'name = "Metals League"'),
        ["league", "guild", "MG"],
    ),
    "most-named-renamed": (
        lambda head: head.replace('aliases = ["Acme", "Acme Metals"]', 'aliases = ["Acmeco"]'),
        ["acme", "acmeco", '"acme metals"', "acm", "metals", "complex"],
    ),
    "parent-renamed": (
        lambda head: head.replace('name = "Holding Group"', 'name = "Holdco Group"'),
        ["holdco", "holding"],
    ),
    "country-changed": (
        lambda head: head.replace('country = "EE"', 'country = "LV"'),
        ["country:LV", "country:EE", "Latvia", "Estonian"],
    ),
    "description-changed": (
        lambda head: head.replace("A metals producer.", "A producer of metals."), ["producer"],
    ),
    "entity-added": (
        lambda head: head + '\n[[entity]]\nid = "newco"\nname = "Newco"\ntype = "company"\n',
        ["newco"],
    ),
}  # fmt: skip


def indexed_mini(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, str, list[str]]:
    """A copy of mini.toml, indexed with each fact a run of its own.

    Returns the copy, its head, and its facts' tables without their [[fact]] lines.
    """
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    head, *tables = MINI.read_text().split("[[fact]]\n")
    facts.write_text(MINI.read_text())
    cache.index([facts])
    return facts, head, tables


@pytest.mark.parametrize(("change", "queries"), HEAD_CHANGES.values(), ids=HEAD_CHANGES)
def test_sources_and_entities_changed_update_the_kept_index(monkeypatch, tmp_path, change, queries):
    facts, head, tables = indexed_mini(monkeypatch, tmp_path)
    updated, runs = Spy(monkeypatch, index, "update"), Spy(monkeypatch, store, "run_facts")
    facts.write_text("[[fact]]\n".join([change(head), *tables]))
    assert same_answer([facts], [*GROWN_QUERIES, *queries]) is not None
    assert (updated.calls, updated.returned, runs.calls) == (1, 1, 0)


def test_a_source_added_with_a_fact_that_cites_it_updates_the_kept_index(monkeypatch, tmp_path):
    facts, head, tables = indexed_mini(monkeypatch, tmp_path)
    updated = Spy(monkeypatch, index, "update")
    cites = BUYER.replace("wire-2025-07-14", "new-report")
    facts.write_text("[[fact]]\n".join([head + NEW_SOURCE, *tables]) + cites)
    assert same_answer([facts]) is not None
    assert updated.returned == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda head: head.replace('id = "blog-2025"', 'id = "blog-2026"'),  # a source cited
        lambda head: head.replace('id = "jane-doe"', 'id = "john-doe"'),  # an entity named
        lambda head: head.replace('parent = "holding"', 'parent = "nobody"'),
        lambda head: head + BUYER.replace("[[fact]]", "[[ fact ]]"),  # not where a file is cut
    ],
    ids=["source-gone", "entity-gone", "unknown-parent", "a-fact-among-them"],
)
def test_other_changes_to_sources_and_entities_are_read_as_a_whole_file_is(
    monkeypatch, tmp_path, change
):
    facts, head, tables = indexed_mini(monkeypatch, tmp_path)
    updated = Spy(monkeypatch, index, "update")
    facts.write_text("[[fact]]\n".join([change(head), *tables]))
    same_answer([facts])
    assert updated.returned == 0


def test_an_index_is_updated_only_for_the_same_files(monkeypatch, tmp_path):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    shutil.copy(MINI, first)
    second.write_text(BUYER)
    cache.index([first, second])
    updated = Spy(monkeypatch, index, "update")
    same_answer([second, first])  # the files in another order: their facts, too
    third = tmp_path / "third.toml"
    third.write_text(PLANT)
    same_answer([first, second, third])  # another file
    assert updated.calls == 0
    append(second, PLANT)  # the same files, one of them changed
    first.write_text(MINI.read_text().replace('name = "Buyer OU"', 'name = "Purchaser OU"'))
    same_answer([first, second], [*GROWN_QUERIES, "purchaser"])
    assert updated.calls == updated.returned == 1


def test_an_index_by_another_version_is_not_updated(monkeypatch, tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    updated = Spy(monkeypatch, index, "update")
    monkeypatch.setattr(cache, "_CODE", (*cache._CODE, "py.typed"))  # as if tmkfacts changed
    append(facts, BUYER)
    same_answer([facts])
    assert updated.calls == 0


def test_a_file_read_whole_is_read_whole_again_when_it_changes(monkeypatch, tmp_path):
    inline = tmp_path / "inline.toml"  # its facts in an inline array, which tables cannot extend
    fact = 'id = "solo", date = "2025", kind = "profile", title = "T", text = "Words."'
    inline.write_text(
        f'fact = [{{ {fact}, entities = ["tmk"], sources = ["blog-2025"] }}]\n'
        + MINI.read_text().split("[[fact]]")[0]
    )
    cache.index([inline])
    updated = Spy(monkeypatch, index, "update")
    append(inline, BUYER)
    with pytest.raises(FactsError) as raised:
        store.load([inline])
    with pytest.raises(FactsError) as again:
        cache.index([inline])
    assert again.value.problems == raised.value.problems
    assert updated.calls == 0


def test_a_kept_index_that_goes_while_it_is_copied_is_built_afresh(monkeypatch, tmp_path):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    append(facts, BUYER)

    def gone(*_args: object) -> None:
        raise FileNotFoundError("removed by another tmkfacts")

    monkeypatch.setattr(shutil, "copyfile", gone)
    updated = Spy(monkeypatch, index, "update")
    same_answer([facts])
    assert (updated.calls, updated.returned) == (1, 0)  # tried, and then built afresh
    folder = cache.cache_dir()
    assert folder is not None
    assert not list(folder.glob("*.tmp"))


def test_a_one_word_query_scores_as_any_other_query_does(generated):
    """One word is scored by a quicker path than several; excluding a word no fact has takes
    the general one, and must change nothing."""
    built = cache.index([generated])
    for word in ("rhenium", "rhen", "exprots", "export", "REE", "Estonia", "TMK", "supply"):
        alone = search.search(built, word)
        assert alone.hits, word
        general = search.search(built, f"{word} -zzzzqq")
        assert answers(general) == answers(alone), word
        assert [hit.matched for hit in general.hits] == [hit.matched for hit in alone.hits]


def damaged(facts: Path, statement: str) -> Path:
    """Index a copy of mini.toml at `facts`, then damage the kept index by an SQL statement.

    Returns the cache folder.
    """
    shutil.copy(MINI, facts)
    cache.index([facts])
    folder = cache.cache_dir()
    assert folder is not None
    (kept,) = folder.glob("index-*.sqlite")
    with closing(sqlite3.connect(kept)) as db, db:
        db.execute(statement)
    return folder


@pytest.mark.parametrize("column", ["ids", "record"])
def test_a_kept_index_with_a_damaged_run_is_not_updated_but_built_afresh(
    monkeypatch, tmp_path, column
):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    folder = damaged(facts, f"UPDATE runs SET {column} = x'ff00'")  # a column named above
    append(facts, BUYER)
    same_answer([facts])
    assert not list(folder.glob("*.tmp"))


# --- a base not kept is read from its index, kept or updated ----------------------------------


def whole(base: FactBase) -> tuple[object, ...]:
    """A base as it compares, with where each record was read."""
    origins = (
        [source.origin for source in base.sources],
        [entity.origin for entity in base.entities],
        [fact.origin for fact in base.facts],
    )
    return base, origins, base.files


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_changed_base_is_read_from_its_updated_index_as_parsing_reads_it(
    monkeypatch, tmp_path, change
):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text() + BUYER + BUYER.replace("zinc-buyer", "zinc-more"))
    cache.index([facts])  # an index is kept, and no base
    streamed, updated = Spy(monkeypatch, store, "stream"), Spy(monkeypatch, index, "update")
    facts.write_text("".join(change(tables(facts))))
    loaded = cache.load([facts])
    assert whole(loaded) == whole(store.load([facts]))
    assert (streamed.calls, updated.returned) == (0, 1)
    assert whole(cache.load([facts])) == whole(loaded)  # now kept as a base
    assert cache.index_of(loaded).count == len(loaded.facts)  # the index it was read from
    assert (streamed.calls, updated.calls) == (0, 1)


def test_a_base_whose_index_is_kept_is_read_from_it(monkeypatch, tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    streamed = Spy(monkeypatch, store, "stream")
    assert whole(cache.load([facts])) == whole(store.load([facts]))
    assert streamed.calls == 0


def test_a_base_with_no_index_kept_is_parsed_and_no_index_is_built(monkeypatch, tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    streamed = Spy(monkeypatch, store, "stream")
    assert whole(cache.load([facts])) == whole(store.load([facts]))
    assert streamed.calls == 1
    folder = cache.cache_dir()
    assert folder is not None
    assert not list(folder.glob("index-*"))


def test_a_changed_base_with_a_problem_is_reported_as_parsing_reports_it(monkeypatch, tmp_path):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    append(facts, BUYER.replace("zinc-buyer", "founded"))  # an id taken
    with pytest.raises(FactsError) as parsed:
        store.load([facts])
    with pytest.raises(FactsError) as loaded:
        cache.load([facts])
    assert loaded.value.problems == parsed.value.problems


def test_a_base_whose_kept_index_is_damaged_is_parsed(monkeypatch, tmp_path):
    facts = tmp_path / "facts.toml"
    damaged(facts, "UPDATE facts SET fact = x'ff00'")
    streamed = Spy(monkeypatch, store, "stream")
    assert whole(cache.load([facts])) == whole(store.load([facts]))
    assert streamed.calls == 1


needs_two_cores = pytest.mark.skipif(
    not forked.possible(), reason="a big base is read by two processes on Linux with two cores"
)


class Results(Spy):
    """A Spy that keeps what the function returned, each time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        super().__init__(monkeypatch, module, name)
        self.results: list[object] = []

    def __call__(self, *args: object, **kwargs: object) -> object:
        found = super().__call__(*args, **kwargs)
        self.results.append(found)
        return found


def two_processes(monkeypatch: pytest.MonkeyPatch, reading: bool = False) -> Results:
    """Files of any size are indexed, or read, by two processes; each split's result is kept."""
    monkeypatch.setattr(forked, "LEAST", 0)
    if reading:
        return Results(monkeypatch, cache, "_read_split")
    return Results(monkeypatch, index, "_build_split")


def no_trace_of_the_other_process() -> None:
    """The forked process was waited for, and left no file behind."""
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    folder = cache.cache_dir()
    assert folder is not None
    assert not list(folder.glob("*.part"))
    assert not list(folder.glob("*.tmp"))


def in_files(generated: Path, tmp_path: Path, files: int) -> tuple[list[Path], list[str], int]:
    """The generated base in one file, or in two: the second holds facts alone.

    Returns the files, the base's head and tables, and how many of those the first file holds.
    """
    parts = tables(generated)
    paths = [tmp_path / f"facts-{number}.toml" for number in range(files)]
    cut = len(parts) // 3 if files == 2 else len(parts)
    paths[0].write_text("".join(parts[:cut]))
    if files == 2:
        paths[1].write_text("".join(parts[cut:]))
    return paths, parts, cut


@needs_two_cores
@pytest.mark.parametrize("files", [1, 2], ids=["one-file", "two-files"])
def test_an_index_built_by_two_processes_is_the_one_a_single_process_builds(
    generated, monkeypatch, tmp_path, files
):
    monkeypatch.setattr(index, "_SPILL", 5000)  # postings in several rows a word, in both
    split = two_processes(monkeypatch)
    paths, parts, cut = in_files(generated, tmp_path, files)
    found = cache.index(paths)
    assert isinstance(split.results[0], tuple)  # two processes built it
    assert len({run.shift for run in found.runs}) == 2  # the second's runs were moved
    same_index(found, fresh(paths), BIG_QUERIES)
    no_trace_of_the_other_process()
    parts[-7] = parts[-7].replace('title = "', 'title = "Changed ', 1)
    paths[-1].write_text("".join(parts[cut:] if files == 2 else parts))
    updated = Spy(monkeypatch, index, "update")
    assert same_answer(paths, [*BIG_QUERIES, "changed"]) is not None  # as one index kept
    assert updated.returned == 1


def renumbered(table: str, fact_id: str) -> str:
    """A [[fact]] table with another id."""
    return re.sub(r'^id = ".*"$', f'id = "{fact_id}"', table, count=1, flags=re.MULTILINE)


@needs_two_cores
@pytest.mark.parametrize("reading", [False, True], ids=["indexed", "read"])
@pytest.mark.parametrize(
    "where", ["first-half", "second-half", "both-halves"], ids=lambda where: where
)
def test_a_problem_in_either_process_s_half_is_reported_as_loading_reports_it(
    generated, monkeypatch, tmp_path, where, reading
):
    split = two_processes(monkeypatch, reading)
    parts = tables(generated)
    first, second = 5, len(parts) - 5
    if where == "both-halves":  # each half is right, but they share an id
        parts[second] = renumbered(parts[second], "fact-3")
    else:
        at = first if where == "first-half" else second
        parts[at] = parts[at].replace("title = ", "titel = ", 1)  # a key unknown, one missing
    facts = tmp_path / "facts.toml"
    facts.write_text("".join(parts))
    with pytest.raises(FactsError) as loaded:
        store.load([facts])
    with pytest.raises(FactsError) as found:
        (cache.load if reading else cache.index)([facts])
    assert found.value.problems == loaded.value.problems
    assert split.results == [None]  # then one process read the file, and said what is wrong
    no_trace_of_the_other_process()
    folder = cache.cache_dir()
    assert folder is not None
    assert not list(folder.glob("index-*"))
    assert not list(folder.glob("base-*"))


def test_a_small_base_is_indexed_by_one_process(monkeypatch, tmp_path):
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    assert search.search(cache.index([facts]), "acme").hits
    assert len(kept_entries()) == 1


@pytest.mark.parametrize(
    "how", ["one-process", pytest.param("two-processes", marks=needs_two_cores), "updated"]
)
def test_a_long_run_is_parsed_in_parts_and_read_as_a_whole_run_is(
    generated, monkeypatch, tmp_path, how
):
    facts = tmp_path / "facts.toml"
    parts = tables(generated)
    facts.write_text("".join(parts))
    if how == "two-processes":
        two_processes(monkeypatch)
    if how == "updated":  # then the runs that changed are read by `store.run_facts`
        cache.index([facts])
        parts[100] = parts[100].replace('title = "', 'title = "Changed ', 1)
        parts[-100] = parts[-100].replace('title = "', 'title = "Changed ', 1)
        facts.write_text("".join(parts))
    base = store.load([facts])  # the whole file at once
    monkeypatch.setattr(store, "_PART", 7)
    parsed = Results(monkeypatch, store, "_parse_text")
    built = cache.index([facts])
    assert max(len(part.facts) for part in parsed.results) == 7  # type: ignore[attr-defined]
    assert max(run.size for run in built.runs) > 7  # though runs hold more
    for query in [*BIG_QUERIES, "changed"]:
        assert answers(search.search(built, query)) == answers(search.search(base, query))
    found = built.facts(range(built.count))
    assert [(found[n], found[n].origin) for n in range(built.count)] == [
        (fact, fact.origin) for fact in base.facts
    ]


@needs_two_cores
@pytest.mark.parametrize("files", [1, 2], ids=["one-file", "two-files"])
def test_a_base_read_by_two_processes_is_the_one_a_single_process_reads(
    generated, monkeypatch, tmp_path, files
):
    split = two_processes(monkeypatch, reading=True)
    paths = in_files(generated, tmp_path, files)[0]
    expected = whole(store.load(paths))
    assert whole(cache.load(paths)) == expected
    assert isinstance(split.results[0], tuple)  # two processes read it
    no_trace_of_the_other_process()
    streamed = Spy(monkeypatch, store, "stream")
    assert whole(cache.load(paths)) == expected  # kept, and read back
    assert streamed.calls == 0
    assert len(split.results) == 1
