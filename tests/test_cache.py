"""The cache of loaded bases and search indexes: keyed by content, atomic, never stale."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pytest

from tmkfacts import cache, fingerprint, load, search, store, words
from tmkfacts.fingerprint import Fingerprint, of_bytes
from tmkfacts.model import Entity, Fact, FactBase, Origin, Source

from .conftest import MINI, clean_env, installed_script

QUERIES = ["rhenium", "REE", "Chinalco tungstn", "kind:membership", "after:2025-06 SOLVOMET"]


def entries(kind: str, suffix: str = ".marshal") -> list[Path]:
    folder = cache.cache_dir()
    assert folder is not None
    return sorted(folder.glob(f"{kind}-*{suffix}"))


def test_a_load_is_kept_and_answered_from_the_cache(monkeypatch):
    first = load()
    assert first.digest is not None
    assert len(entries("base")) == 1

    def no_parsing(*_args: object) -> FactBase:
        raise AssertionError("parsed again")

    monkeypatch.setattr(store, "load", no_parsing)
    again = load()
    assert again == first
    assert again.digest == first.digest


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_query_gives_the_same_answer_with_and_without_the_cache(query):
    def answer(env: dict[str, str]) -> str:
        done = subprocess.run(
            [*installed_script(), "search", query, "--json"],
            capture_output=True, text=True, env={**clean_env(), **env}, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    fresh = answer({"TMKFACTS_NO_CACHE": "1"})
    assert answer({}) == fresh  # builds the cache
    assert answer({}) == fresh  # answered from it
    assert entries("index", ".sqlite")


def test_a_changed_file_is_never_answered_from_an_old_entry(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    assert load([facts]).fact("founded").title == "Acme is founded"
    stat = facts.stat()
    changed = MINI.read_text().replace("Acme is founded", "Acme is started")  # same length
    facts.write_text(changed)
    os.utime(facts, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and time: only content
    assert load([facts]).fact("founded").title == "Acme is started"
    assert [hit.fact.id for hit in load([facts]).search("started").hits] == ["founded"]


def test_the_key_depends_on_every_files_name_content_and_order():
    one, two = ("a.toml", b"x"), ("b.toml", b"y")
    keys = {
        cache.key([one, two]),
        cache.key([two, one]),
        cache.key([one]),
        cache.key([("a.toml", b"z"), two]),
        cache.key([("c.toml", b"x"), two]),
    }
    assert len(keys) == 5
    assert cache.key([one, two]) == cache.key([one, two])


@pytest.mark.parametrize(
    "damage",
    [
        b"\xff not marshal data",
        marshal.dumps(("a tuple", "of the wrong values")),
        marshal.dumps(((), ((1, 2),))),  # a fact of two values
        marshal.dumps("a string"),
    ],
)
def test_a_damaged_entry_is_ignored_and_replaced(damage):
    base = load()
    (entry,) = entries("base")
    kept = entry.read_bytes()
    entry.write_bytes(damage)
    again = load()
    assert again == base
    assert again.digest == base.digest
    assert entry.read_bytes() == kept


def test_a_kept_base_is_the_loaded_one_whole(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    loaded = load([facts])  # read, and kept
    kept = load([facts])
    assert kept == loaded
    assert placed(kept.sources) == placed(loaded.sources)
    assert placed(kept.entities) == placed(loaded.entities)
    assert placed(kept.facts) == placed(loaded.facts)
    assert kept.files == loaded.files
    assert kept.digest == loaded.digest
    assert [f.figures for f in kept.facts] == [f.figures for f in loaded.facts]
    assert any(f.figures for f in kept.facts)


def test_what_facts_hold_alike_is_held_once_whichever_way_they_are_read(generated, tmp_path):
    facts = tmp_path / "facts.toml"
    shutil.copyfile(generated, facts)
    read = load([facts])  # parsed, and kept
    kept = load([facts])
    built = cache.index([facts])
    for path in entries("base"):
        path.unlink()
    indexed = load([facts])  # from the index
    found = tuple(built.facts(range(built.count)).values())
    assert kept == indexed == read
    assert found == read.facts
    for each in (kept.facts, indexed.facts, found):
        for values in (
            [fact.kind for fact in each],
            [fact.date for fact in each],
            [fact.entities for fact in each],
            [entity for fact in each for entity in fact.entities],
            [tag for fact in each for tag in fact.tags],
            [fact.origin.file for fact in each if fact.origin],
        ):
            assert len({id(value) for value in values}) == len(set(values)) < len(values)


def test_a_base_kept_in_pieces_is_read_back_whole_or_not_at_all(generated, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "_PIECE", 7)
    facts = tmp_path / "facts.toml"
    shutil.copyfile(generated, facts)
    read = load([facts])  # parsed, its facts' values encoded 7 at a time, and kept
    (entry,) = entries("base")
    key = entry.stem.removeprefix("base-")
    pieces = list(cache.get_pieces("base", key))
    assert len(pieces) == 1 + (len(read.facts) + 6) // 7
    sevens = [cast(tuple[object, ...], piece) for piece in pieces[1:-1]]  # 7 facts' values each
    assert [len(piece) for piece in sevens] == [7] * (len(pieces) - 2)
    kept = load([facts])
    assert kept == read
    assert placed(kept.facts) == placed(read.facts)
    whole = entry.read_bytes()
    entry.write_bytes(whole[:-10])  # cut short: read from the files again, and kept again
    with pytest.raises(EOFError):
        list(cache.get_pieces("base", key))
    assert load([facts]) == read
    assert entry.read_bytes() == whole


@pytest.mark.parametrize("big", [False, True])
def test_a_base_read_from_its_index_is_kept_beside_it_only_when_small(tmp_path, monkeypatch, big):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    read = load([facts])
    cache.index([facts])
    for path in entries("base"):
        path.unlink()
    if big:
        monkeypatch.setattr(cache, "_KEPT_BESIDE_INDEX", len(read.facts))
    assert load([facts]) == read  # from the index
    assert len(entries("base")) == (0 if big else 1)
    assert load([facts]) == read
    assert placed(load([facts]).facts) == placed(read.facts)


def placed(records: Iterable[Source | Entity | Fact]) -> list[tuple[str, Origin | None]]:
    """Each record's id and where it was defined, which records leave out of equality."""
    return [(record.id, record.origin) for record in records]


def test_a_base_pickled_by_an_earlier_version_is_removed():
    folder = cache.cache_dir()
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / "base-0123456789abcdef.pickle"
    stale.write_bytes(b"a base of the earlier, pickled kind")
    assert load().facts
    assert not stale.exists()
    assert len(entries("base")) == 1


def test_entries_are_written_whole_and_old_ones_forgotten(tmp_path):
    for number in range(12):
        facts = tmp_path / f"facts-{number}.toml"
        facts.write_text(MINI.read_text() + f"\n# version {number}\n")
        load([facts])
    folder = cache.cache_dir()
    assert folder is not None
    assert len(entries("base")) == 4
    assert not list(folder.glob("*.tmp"))


@pytest.mark.parametrize("keep", [load, cache.index])
def test_temporary_files_left_by_killed_processes_are_removed_a_day_later(keep):
    folder = cache.cache_dir()
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    abandoned = [".index-a.tmp", ".index-a.tmp.part", ".base-b.tmp", ".stat-c.tmp"]
    being_written = [".index-d.tmp", ".index-d.tmp.part", ".base-e.tmp"]
    not_the_caches = ["notes.tmp", "index-f.tmp"]
    for names, hours in ((abandoned, 25), (being_written, 23), (not_the_caches, 25)):
        for name in names:
            (folder / name).write_bytes(b"half written")
            when = time.time() - hours * 3600
            os.utime(folder / name, (when, when))
    keep([MINI])
    assert len(entries("base") + entries("index", ".sqlite")) == 1  # an entry was kept
    assert sorted(path.name for path in folder.iterdir() if "tmp" in path.name) == sorted(
        being_written + not_the_caches
    )


def test_a_lexicon_pickled_by_an_earlier_version_is_removed(monkeypatch):
    folder = cache.cache_dir()
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / "lexicon-0123456789abcdef.pickle"
    stale.write_bytes(b"a lexicon of the earlier, pickled kind")
    monkeypatch.setattr(words, "lexicon", words.lexicon.__wrapped__)  # not the one kept
    assert words.lexicon().stopwords
    assert not stale.exists()
    assert len(list(folder.glob("lexicon-*.marshal"))) == 1


def test_no_cache_when_turned_off(monkeypatch):
    monkeypatch.setenv("TMKFACTS_NO_CACHE", "1")
    assert cache.cache_dir() is None
    assert load().digest is None
    assert load() == store.load()


def test_an_invalid_base_is_never_cached(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("fact = 3\n")
    for _ in range(2):
        with pytest.raises(tmkfacts_error()):
            load([bad])
    assert not entries("base")


def tmkfacts_error() -> type[Exception]:
    from tmkfacts import FactsError

    return FactsError


def test_search_results_do_not_depend_on_where_the_index_came_from():
    base = load()
    cached = [(hit.fact.id, hit.score) for q in QUERIES for hit in search.search(base, q).hits]
    fresh_base = store.load()  # no digest: the index is built, not read
    fresh = [(hit.fact.id, hit.score) for q in QUERIES for hit in search.search(fresh_base, q).hits]
    assert cached == fresh
    assert json.dumps(cached)


@pytest.mark.parametrize("kind", ["base", "index"])
def test_a_file_changed_between_looking_and_reading_is_filed_under_what_was_read(
    tmp_path, monkeypatch, kind
):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    look = cache._fingerprints

    def look_then_edit(files: list[Path]) -> list[Fingerprint] | None:
        found = look(files)
        facts.write_text(MINI.read_text().replace("Acme is founded", "Acme is set up"))
        return found

    monkeypatch.setattr(cache, "_fingerprints", look_then_edit)
    if kind == "base":
        title = load([facts]).fact("founded").title
    else:
        title = search.search(cache.index([facts]), "founded").hits[0].fact.title
    assert title == "Acme is set up"
    monkeypatch.setattr(cache, "_fingerprints", look)
    suffix = ".marshal" if kind == "base" else ".sqlite"
    (entry,) = entries(kind, suffix)
    assert entry.name == f"{kind}-{cache._key(look([facts]) or [])}{suffix}"  # the new content's


@pytest.fixture
def settled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of mini.toml whose hash is remembered: any size, settled after 0.1 s."""
    monkeypatch.setattr(cache, "MEMO_FROM", 1)
    monkeypatch.setattr(cache, "SETTLED_NS", 10**8)
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    time.sleep(0.15)
    return facts


def memo() -> dict[tuple[object, ...], bytes]:
    kept = cache.get("stat", "memo")
    assert isinstance(kept, dict)
    return kept


def test_the_hash_of_a_settled_file_is_remembered_and_not_taken_again(settled, monkeypatch):
    hashed = [of_bytes(str(settled), settled.read_bytes())]
    assert cache._fingerprints([settled]) == hashed
    assert list(memo().values()) == [hashed[0][2]]

    def no_hashing(path: Path) -> Fingerprint:
        raise AssertionError(f"hashed {path} again")

    monkeypatch.setattr(fingerprint, "of_file", no_hashing)
    assert cache._fingerprints([settled]) == hashed
    assert load([settled]).fact("founded").title == "Acme is founded"


@pytest.mark.parametrize("how", ["written", "replaced"])
def test_a_remembered_hash_is_not_taken_once_the_file_changes(settled, how):
    assert load([settled]).fact("founded").title == "Acme is founded"
    assert memo()  # remembered
    before = settled.stat()
    changed = MINI.read_text().replace("Acme is founded", "Acme is started")  # same length
    if how == "written":
        settled.write_text(changed)
    else:  # another file, of the same size and times, renamed into its place
        other = settled.with_name("other.toml")
        other.write_text(changed)
        os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
        other.replace(settled)
    os.utime(settled, ns=(before.st_atime_ns, before.st_mtime_ns))  # as it was, but for ctime
    assert settled.stat().st_size == before.st_size
    assert load([settled]).fact("founded").title == "Acme is started"
    assert [hit.fact.id for hit in search.search(cache.index([settled]), "started").hits] == [
        "founded"
    ]


def test_the_hash_of_a_file_written_lately_is_not_remembered(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MEMO_FROM", 1)
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())  # SETTLED_NS, 3 s, have not passed
    assert cache._fingerprints([facts]) == [of_bytes(str(facts), facts.read_bytes())]
    assert cache.get("stat", "memo") is None


def test_the_hash_of_a_file_changed_while_hashed_is_not_remembered(settled, monkeypatch):
    hash_file = fingerprint.of_file

    def hash_then_edit(path: Path) -> Fingerprint:
        found = hash_file(path)
        path.write_text(MINI.read_text().replace("Acme is founded", "Acme is set up"))
        return found

    monkeypatch.setattr(fingerprint, "of_file", hash_then_edit)
    cache._fingerprints([settled])
    assert cache.get("stat", "memo") is None
    monkeypatch.setattr(fingerprint, "of_file", hash_file)
    assert cache._fingerprints([settled]) == [of_bytes(str(settled), settled.read_bytes())]


@pytest.mark.parametrize(
    "kept", [b"not marshal", marshal.dumps([1, 2]), marshal.dumps({"name": b"", (1,): 2})]
)
def test_remembered_hashes_that_cannot_be_read_are_taken_afresh(settled, kept):
    folder = cache.cache_dir()
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stat-memo.marshal").write_bytes(kept)
    hashed = [of_bytes(str(settled), settled.read_bytes())]
    assert cache._fingerprints([settled]) == hashed
    assert list(memo().values()) == [hashed[0][2]]


def test_building_is_told_the_size_of_the_files_before_an_index_is_built_anew(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    told: list[int] = []
    cache.index([facts], building=told.append)
    assert told == [facts.stat().st_size]
    cache.index([facts], building=told.append)  # kept: not built again
    assert told == [facts.stat().st_size]


def test_building_is_told_each_time_without_the_cache(monkeypatch):
    monkeypatch.setenv("TMKFACTS_NO_CACHE", "1")
    told: list[int] = []
    for _ in range(2):
        cache.index([MINI], building=told.append)
    assert told == [MINI.stat().st_size] * 2


def test_reading_is_told_the_size_of_the_files_before_they_are_parsed(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    told: list[int] = []
    load([facts], reading=told.append)
    assert told == [facts.stat().st_size]
    load([facts], reading=told.append)  # kept: not parsed again
    assert told == [facts.stat().st_size]
