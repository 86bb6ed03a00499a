"""The database cache: keyed by content, rebuilt when stale or damaged, updated fact by fact."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tmkfacts import db, load, search, store
from tmkfacts.errors import FactsError

from .conftest import MINI, clean_env, generate, installed_script


def same_answer(paths: list[Path], queries: list[str]) -> None:
    """The database kept (and updated) answers as one built afresh from the files does."""
    kept = db.load(paths)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMKFACTS_NO_CACHE", "1")
        try:
            fresh = db.load(paths)
        except FactsError as error:
            raise AssertionError(f"the update kept files that do not validate: {error}") from None
    assert kept.with_facts() == fresh.with_facts()
    assert [f.origin for f in kept.facts()] == [f.origin for f in fresh.facts()]
    for query in queries:
        assert search.search(kept, query).hits == search.search(fresh, query).hits, query


def databases() -> list[Path]:
    folder = db.cache_dir()
    assert folder is not None
    return sorted(folder.glob("facts-*.db"))


def test_a_search_leaves_a_database_whose_index_is_what_search_queries(tmp_path):
    found = search.search(db.load([MINI]), "rhenium")
    (kept,) = databases()
    with sqlite3.connect(kept) as connection:
        rows = connection.execute(
            "SELECT facts.id FROM facts_fts JOIN facts ON facts.rowid = facts_fts.rowid "
            "WHERE facts_fts MATCH 'rhenium' ORDER BY facts.position"
        ).fetchall()
    assert sorted(row[0] for row in rows) == sorted(hit.fact.id for hit in found.hits)
    assert found.hits


def test_an_unchanged_base_is_opened_not_read_again(monkeypatch):
    db.load([MINI])
    monkeypatch.setattr(store, "cut_files", lambda _paths: pytest.fail("read again"))
    monkeypatch.setattr(store, "load", lambda _paths: pytest.fail("read again"))
    assert db.load([MINI]).count == len(load([MINI]).facts)


def test_a_changed_file_gets_a_new_database(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    before = db.load([facts]).fact_ids()
    facts.write_text(MINI.read_text().replace('id = "first-export"', 'id = "first-shipment"'))
    after = db.load([facts]).fact_ids()
    assert "first-shipment" in after
    assert "first-shipment" not in before


def test_a_damaged_database_is_rebuilt_with_one_line(tmp_path):
    db.load([MINI])
    (kept,) = databases()
    kept.write_bytes(b"not a database at all" * 100)
    told: list[str] = []
    again = db.load([MINI], warn=told.append)
    assert again.count == len(load([MINI]).facts)
    assert len(told) == 1
    assert "damaged" in told[0]


def test_a_truncated_database_is_rebuilt_through_the_command(tmp_path):
    env = {**clean_env(), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [*installed_script(), "search", "rhenium", "--json", "--data", str(MINI)]
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    (kept,) = (tmp_path / "cache" / "tmkfacts").glob("facts-*.db")
    kept.write_bytes(kept.read_bytes()[:2000])
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert (again.returncode, again.stdout) == (0, first.stdout)
    assert again.stderr.count("\n") == 1
    assert "rebuilding" in again.stderr


def test_an_unwritable_cache_folder_still_answers(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked / "cache"))
    assert search.search(db.load([MINI]), "rhenium").hits
    assert blocked.read_text() == ""


def test_two_commands_at_once_on_a_new_base_both_answer(tmp_path):
    big = generate(3000, tmp_path / "big.toml")
    env = {**clean_env(), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [*installed_script(), "search", "metal", "--json", "--data", str(big)]
    started = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    answers = [process.communicate(timeout=120) for process in started]
    assert [process.returncode for process in started] == [0, 0]
    assert answers[0] == answers[1]
    assert answers[0][0]
    assert [
        path.name for path in (tmp_path / "cache" / "tmkfacts").iterdir() if "tmp" in path.name
    ] == []


def test_nothing_of_the_cache_is_written_beside_the_fact_files(tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(MINI.read_text())
    db.load([facts])
    facts.write_text(MINI.read_text().replace("Acme", "Acme Metals", 1))
    db.load([facts])
    assert [path.name for path in tmp_path.iterdir()] == ["facts.toml"]


def test_one_edited_fact_is_all_that_is_indexed_again(generated, tmp_path):
    facts = tmp_path / "facts.toml"
    text = generated.read_text()
    facts.write_text(text)
    before = {fact_id: rowid for rowid, fact_id in _rowids(db.load([facts]))}
    facts.write_text(
        text.replace('[[fact]]\nid = "fact-1200"\n', '[[fact]]\nid = "fact-1200-edited"\n', 1)
    )
    after = {fact_id: rowid for rowid, fact_id in _rowids(db.load([facts]))}
    assert "fact-1200-edited" in after
    assert "fact-1200" not in after
    unchanged = set(before) - {"fact-1200"}
    assert all(after[fact_id] == before[fact_id] for fact_id in unchanged)  # kept, not rewritten
    same_answer([facts], ["metal", "fact 1200 edited", "contract"])


def _rowids(database: db.Database) -> list[tuple[int, str]]:
    return database.connection.execute("SELECT rowid, id FROM facts").fetchall()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('sources = ["source-3"]', 'sources = ["gone"]'), "names unknown source 'gone'"),
        (('id = "fact-7"\n', 'id = "fact-8"\n'), "duplicate fact id 'fact-8'"),
        (('date = "20', 'date = "x20'), "invalid date"),
    ],
    ids=["unknown-source", "duplicate-id", "bad-date"],
)
def test_an_edit_that_breaks_the_base_is_reported_as_reading_it_whole_reports_it(
    generated, tmp_path, change, message
):
    facts = tmp_path / "facts.toml"
    text = generated.read_text()
    facts.write_text(text)
    db.load([facts])
    facts.write_text(text.replace(*change, 1))
    with pytest.raises(FactsError) as kept:
        db.load([facts])
    with pytest.raises(FactsError) as whole:
        load([facts])
    assert kept.value.problems == whole.value.problems
    assert message in str(kept.value)


def test_the_export_is_the_database_search_uses(tmp_path):
    database = db.load([MINI])
    target = tmp_path / "facts.db"
    db.copy(database, target)
    (kept,) = databases()

    def schema(path: Path) -> list[tuple[str, str]]:
        with sqlite3.connect(path) as connection:
            return connection.execute(
                "SELECT name, sql FROM sqlite_master ORDER BY name"
            ).fetchall()

    assert schema(target) == schema(kept)


def test_the_index_reads_the_columns_and_words_search_weighs_and_stems(tmp_path):
    database = db.load([MINI])
    connection = database.connection
    columns = [row[1] for row in connection.execute("PRAGMA table_info(facts_fts)")]
    assert columns == list(db.WEIGHTS)
    (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'facts_fts'").fetchone()
    assert f"tokenize='{db.TOKENIZE}'" in sql
    # Datasette finds a table's full-text index by this pattern, and searches it in its search box.
    (found,) = connection.execute(
        "SELECT name FROM sqlite_master WHERE rootpage = 0 "
        """AND sql LIKE '%VIRTUAL TABLE%USING FTS%content="facts"%'"""
    ).fetchone()
    assert found == "facts_fts"


def test_a_change_of_the_schema_file_is_a_change_of_code():
    schema = Path(db.__file__).with_name("database.sql")
    status = schema.stat()
    db.code_stamp.cache_clear()
    before = db.code_stamp()
    try:
        os.utime(schema, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
        db.code_stamp.cache_clear()
        assert db.code_stamp() != before  # so every database is written anew
    finally:
        os.utime(schema, ns=(status.st_atime_ns, status.st_mtime_ns))
        db.code_stamp.cache_clear()
    assert db.code_stamp() == before


def test_building_forgets_old_databases_and_what_the_engine_before_kept(tmp_path):
    folder = db.cache_dir()
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    left = [folder / "index-old.sqlite", folder / "base-old.marshal", folder / "stat-memo.marshal"]
    for path in left:
        path.write_bytes(b"old")
    facts = tmp_path / "facts.toml"
    for number in range(6):
        facts.write_text(MINI.read_text().replace("Acme", f"Acme {number}", 1))
        db.load([facts])
    assert not any(path.exists() for path in left)
    assert len(databases()) == 4
