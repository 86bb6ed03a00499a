"""The search index kept in SQLite: built from files in runs, never stale, same answers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import pytest

from tmkfacts import FactsError, cache, index, search, store
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
]  # fmt: skip


def test_a_limit_keeps_the_first_of_every_hit_in_order(generated):
    built = cache.index([generated])
    for query in [*BIG_QUERIES, *PHRASES]:
        every = search.search(built, query).hits
        for limit in (0, 1, 3, 10, 40, 99, 100, 101, len(every) + 1):
            kept = search.search(built, query, limit=limit).hits
            assert kept == every[:limit], (query, limit)


def test_a_search_with_phrases_reads_only_the_facts_that_may_be_among_the_best(
    generated, monkeypatch
):
    built = cache.index([generated])
    every = search.search(built, '"supply chain"').hits
    read: list[int] = []
    facts = built.facts

    def counted(numbers: Iterable[int]) -> dict[int, Fact]:
        wanted = list(numbers)
        read.extend(wanted)
        return facts(wanted)

    monkeypatch.setattr(built, "facts", counted)
    assert search.search(built, '"supply chain"', limit=10).hits == every[:10]
    assert 10 <= len(read) < len(every) / 2


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


@pytest.mark.parametrize(
    "layout",
    [
        # a header after the facts: the file is read again, whole
        (
            '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\n{fact}\n[[fact]]\nid = "c"\n{fact}\n'
            '[[source]]\nid = "late"\ntitle = "t"\npublisher = "p"\nurl = "https://x.org"\n'
            'published = "2025"\n'
        ),
        # a [[fact]] line inside a multi-line string, where no cut may be made
        (
            '[[fact]]\nid = "a"\n{fact}\n[[fact]]\nid = "b"\ndate_note = """\n[[fact]]\n"""\n'
            '{fact}\n[[fact]]\nid = "c"\n{fact}\n'
        ),
    ],
    ids=["source-after-facts", "fact-line-in-a-string"],
)
def test_files_that_cannot_be_cut_are_read_whole(monkeypatch, tmp_path, layout):
    cut_often(monkeypatch)
    fact = (
        'date = "2025"\nkind = "profile"\ntitle = "T"\ntext = "Words."\n'
        'entities = ["tmk"]\nsources = ["wire-2025-07-14"]'
    )
    extra = tmp_path / "extra.toml"
    extra.write_text(layout.replace("{fact}", fact))
    base = store.load([MINI, extra])
    built = cache.index([MINI, extra])
    facts = built.facts(range(built.count))
    assert [facts[n] for n in range(built.count)] == list(base.facts)
    assert [s.id for s in built.base.sources] == [s.id for s in base.sources]


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


# --- facts appended to the last file extend the kept index ------------------------------------

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
    """Counts the calls of a function while passing them on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        self.calls = 0
        self.function = getattr(module, name)
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self.function(*args, **kwargs)


def fresh(files: list[Path]) -> index.Index:
    """The index of the files as they are, built from them in memory."""
    return index.build(files, None, made_by=cache._key([]))[0]


def same_index(grown: index.Index, built: index.Index) -> None:
    """The two answer alike: every query, every fact whole, and what the index says of itself."""
    for query in GROWN_QUERIES:
        assert answers(search.search(grown, query)) == answers(search.search(built, query)), query
    facts, expected = grown.facts(range(grown.count)), built.facts(range(built.count))
    assert [(facts[n], facts[n].origin) for n in range(grown.count)] == [
        (expected[n], expected[n].origin) for n in range(built.count)
    ]
    for name in ("count", "lengths", "dates", "materials", "tags", "names", "base"):
        assert getattr(grown, name) == getattr(built, name), name
    assert (grown.ids(), grown.built_from()) == (built.ids(), built.built_from())
    assert grown.spellings(1, 99) == built.spellings(1, 99)


def append(path: Path, text: str, newline: str = "\n") -> None:
    with path.open("ab") as out:
        out.write(text.replace("\n", newline).encode())


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("second", [False, True], ids=["one-file", "second-file"])
def test_facts_appended_to_the_last_file_extend_the_kept_index(
    monkeypatch, tmp_path, newline, second
):
    monkeypatch.setattr(index, "_SPILL", 3)  # postings in many rows, as in a big base
    monkeypatch.setattr(store._Pieces, "RUN", 1)  # and the new facts read in runs too
    facts = tmp_path / "facts.toml"
    facts.write_bytes((BUYER if second else MINI.read_text()).replace("\n", newline).encode())
    files = [MINI, facts] if second else [facts]
    count = len(store.load(files).facts)
    cache.index(files)
    extended = Spy(monkeypatch, index, "extend")
    more = [BUYER.replace("zinc-buyer", f"zinc-{n}") for n in range(2)]
    for number, text in enumerate([PLANT, "".join(more)]):
        append(facts, text, newline)
        grown = cache.index(files)
        assert extended.calls == number + 1
        same_index(grown, fresh(files))
    assert grown.count == len(store.load(files).facts) == count + 3
    assert cache.index(files).count == grown.count  # now kept as it is
    assert extended.calls == 2


@pytest.mark.parametrize(
    ("appended", "extends"),
    [
        ('tags = ["late"]\n' + BUYER, False),  # a key of the last fact, before any new one
        (
            BUYER + '\n[[source]]\nid = "s"\ntitle = "t"\npublisher = "p"\n'
            'url = "https://x.org"\npublished = "2025"\n',
            False,
        ),  # another kind of table
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
        "key-of-the-last-fact", "another-table", "header-in-a-string", "comment-after-header",
        "byte-order-mark", "id-taken", "unknown-entity", "bad-date", "spaces-after-header",
        "header-in-a-comment",
    ],
)  # fmt: skip
def test_other_additions_are_read_as_a_whole_file_is(monkeypatch, tmp_path, appended, extends):
    monkeypatch.setattr(store._Pieces, "RUN", 1)
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    extended = Spy(monkeypatch, index, "extend")
    append(facts, appended)
    try:
        expected: index.Index | list[str] = fresh([facts])
    except FactsError as error:
        expected = [str(problem) for problem in error.problems]
    try:
        grown: index.Index | list[str] = cache.index([facts])
    except FactsError as error:
        grown = [str(problem) for problem in error.problems]
    if isinstance(expected, index.Index) and isinstance(grown, index.Index):
        same_index(grown, expected)
    else:
        assert grown == expected
    assert extended.calls == extends


def test_an_index_is_extended_only_for_the_same_files_grown_at_the_end(monkeypatch, tmp_path):
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    shutil.copy(MINI, first)
    second.write_text(BUYER)
    cache.index([first, second])
    extended = Spy(monkeypatch, index, "extend")
    append(first, PLANT)  # the first file grew: the second's facts come after its own
    same_index(cache.index([first, second]), fresh([first, second]))
    second.write_text(BUYER.replace("zinc-buyer", "zinc-sellr"))  # changed: same size, not grown
    append(second, PLANT.replace("zinc-plant", "zinc-mine"))
    same_index(cache.index([first, second]), fresh([first, second]))
    unended = tmp_path / "unended.toml"
    unended.write_text(MINI.read_text().rstrip("\n"))  # no line break at its end
    cache.index([unended])
    append(unended, BUYER)
    same_index(cache.index([unended]), fresh([unended]))
    assert extended.calls == 0


def test_an_index_by_another_version_is_not_extended(monkeypatch, tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    extended = Spy(monkeypatch, index, "extend")
    monkeypatch.setattr(cache, "_CODE", (*cache._CODE, "py.typed"))  # as if tmkfacts changed
    append(facts, BUYER)
    same_index(cache.index([facts]), fresh([facts]))
    assert extended.calls == 0


def test_a_file_read_whole_is_read_whole_again_when_it_grows(monkeypatch, tmp_path):
    inline = tmp_path / "inline.toml"  # its facts in an inline array, which tables cannot extend
    fact = 'id = "solo", date = "2025", kind = "profile", title = "T", text = "Words."'
    inline.write_text(
        f'fact = [{{ {fact}, entities = ["tmk"], sources = ["blog-2025"] }}]\n'
        + MINI.read_text().split("[[fact]]")[0]
    )
    cache.index([inline])
    extended = Spy(monkeypatch, index, "extend")
    append(inline, BUYER)
    with pytest.raises(FactsError) as raised:
        store.load([inline])
    with pytest.raises(FactsError) as again:
        cache.index([inline])
    assert again.value.problems == raised.value.problems
    assert extended.calls == 0


def test_a_kept_index_that_goes_while_it_is_copied_is_built_afresh(monkeypatch, tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copy(MINI, facts)
    cache.index([facts])
    append(facts, BUYER)

    def gone(*_args: object) -> None:
        raise FileNotFoundError("removed by another tmkfacts")

    monkeypatch.setattr(shutil, "copyfile", gone)
    extended = Spy(monkeypatch, index, "extend")
    same_index(cache.index([facts]), fresh([facts]))
    assert extended.calls == 1  # tried, and then built afresh
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
