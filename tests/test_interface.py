"""How tmkfacts fits the shell and Python: formats, fields, colour, pipes, user files, export,
schemas, citations, completion, version and the Python API."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

import tmkfacts
from tmkfacts import export, formats, load, locations, rows
from tmkfacts.cli import app
from tmkfacts.errors import WriteError
from tmkfacts.model import FactBase

from .conftest import INVALID, MINI, clean_env, installed_script

runner = CliRunner()

# Every command that prints rows, with arguments that find something in the shipped base.
COMMANDS = {
    "list": ["list"],
    "search": ["search", "rhenium"],
    "show": ["show", "itia-membership"],
    "partners": ["partners"],
    "memberships": ["memberships"],
    "entities": ["entities"],
    "entity": ["entity", "chalieco"],
    "timeline": ["timeline"],
    "summary": ["summary"],
    "sources": ["sources"],
    "info": ["info"],
    "check": ["check", "--data", str(INVALID / "unknown-kind.toml")],
}
FORMATS = ["table", "json", "jsonl", "csv", "tsv", "markdown"]


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def as_json(name: str) -> list[dict[str, Any]]:
    result = run(*COMMANDS[name], "--format", "json")
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def lines_expected(name: str) -> int:
    """How many rows the flat formats print: the summary's are the rows of all its sections."""
    found = as_json(name)
    if name == "summary":
        return sum(len(section["rows"]) for section in found)
    return len(found)


# --- formats and fields ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_format_works_on_every_command(name, fmt):
    result = run(*COMMANDS[name], "--format", fmt)
    if name == "summary" and fmt in ("csv", "tsv"):  # sections that do not fit one table
        assert (result.exit_code, result.stdout) == (2, "")
        assert "use --format markdown (a table a section), json or jsonl" in result.stderr
        return
    if name == "summary" and fmt == "markdown":  # a small table under each section's name
        sections = [each for each in as_json(name) if each["rows"]]
        assert result.stdout.count("\n## ") + result.stdout.startswith("## ") == len(sections)
        tables = [line for line in result.stdout.splitlines() if line.startswith("|")]
        assert len(tables) == lines_expected(name) + 2 * len(sections)
        return
    assert result.exit_code == (1 if name == "check" else 0), result.stderr
    out = result.stdout
    assert out.endswith("\n")
    assert "\x1b" not in out
    if fmt == "json":
        assert isinstance(json.loads(out), list)
    elif fmt == "jsonl":
        assert len([json.loads(line) for line in out.splitlines()]) == len(as_json(name))
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(out)))) == lines_expected(name) + 1
    elif fmt == "tsv":
        assert len(out.splitlines()) == lines_expected(name) + 1
        assert len({line.count("\t") for line in out.splitlines()}) == 1
    elif fmt == "markdown":
        lines = out.splitlines()
        assert lines[1].startswith("| --- |")
        assert len(lines) == lines_expected(name) + 2
        assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    else:
        assert out.strip()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_round_trips_unchanged_and_csv_has_a_row_per_object(name):
    text = run(*COMMANDS[name], "--json").stdout
    assert json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n" == text
    assert run(*COMMANDS[name], "--format", "json").stdout == text
    if name != "summary":  # its sections do not fit one CSV table
        rows = list(csv.DictReader(io.StringIO(run(*COMMANDS[name], "--format", "csv").stdout)))
        assert len(rows) == lines_expected(name)


def test_csv_flattens_lists_with_semicolons_and_objects_as_json():
    (row,) = csv.DictReader(io.StringIO(run(*COMMANDS["show"], "--format", "csv").stdout))
    assert row["entities"] == "tmk;itia"
    assert json.loads(row["sources"])[0]["id"] == "uztmk-reia-2025"
    assert row["place"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_fields_pick_and_order_columns_in_every_format(fmt):
    result = run("partners", "--format", fmt, "--fields", "country,id")
    assert result.exit_code == 0
    out = result.stdout
    if fmt == "json":
        assert list(json.loads(out)[0]) == ["country", "id"]
    elif fmt == "jsonl":
        assert list(json.loads(out.splitlines()[0])) == ["country", "id"]
    elif fmt == "csv":
        assert out.splitlines()[:2] == ["country,id", "EE,vlcor-baltic"]
    elif fmt == "tsv":
        assert out.splitlines()[:2] == ["country\tid", "EE\tvlcor-baltic"]
    elif fmt == "markdown":
        assert out.splitlines()[:3] == [
            "| country | id |",
            "| --- | --- |",
            "| EE | vlcor-baltic |",
        ]
    else:
        assert out.split()[:2] + out.split()[3:5] == ["country", "id", "EE", "vlcor-baltic"]


def test_fields_help_lists_the_names_and_an_unknown_one_is_an_error():
    listed = run("partners", "--fields", "help")
    assert (listed.exit_code, listed.stdout.split()) == (
        0,
        ["id", "name", "short_name", "type", "country", "parent", "relations", "facts",
         "first_date", "last_date", "planned"],
    )  # fmt: skip
    wrong = run("partners", "--fields", "id,nmae")
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith(
        "tmkfacts: error: unknown field 'nmae'; --fields takes a comma-separated list of: id, name,"
    )


def test_a_pipe_gets_tab_separated_columns_with_a_header_unless_a_format_is_given():
    piped = run("partners")
    assert piped.stdout.splitlines()[0] == "id\tname\tcountry\trelations\tfirst_date\tlast_date"
    assert "─" not in piped.stdout
    assert "─" in run("partners", "--format", "table").stdout


def test_markdown_escapes_pipes_and_keeps_a_row_on_one_line(tmp_path):
    odd = tmp_path / "odd.toml"
    odd.write_text(
        MINI.read_text().replace('title = "Acme is founded"', 'title = "Acme | Beta \\\\ Co"')
    )
    out = runner.invoke(app, ["list", "--data", str(odd), "--format", "markdown"]).stdout
    assert "| Acme \\| Beta \\\\ Co |" in out


# --- colour, pagers and pipes ---------------------------------------------------------------------


def in_terminal(*args: str, env: dict[str, str]) -> str:
    """The output of the installed command run in a pseudo-terminal, as a person sees it."""
    main, side = pty.openpty()
    process = subprocess.Popen(
        [*installed_script(), *args], stdin=side, stdout=side, stderr=side, env=env
    )
    os.close(side)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed when the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


TERMINAL = {**clean_env(), "TERM": "xterm-256color", "COLUMNS": "100"}


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, True),
        ([], {"NO_COLOR": ""}, False),  # set, even empty
        ([], {"NO_COLOR": "1"}, False),
        ([], {"TERM": "dumb"}, False),
        (["--color", "never"], {}, False),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),  # the flag beats the environment
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--json"], {}, False),
        (["--json", "--color", "always"], {"FORCE_COLOR": "1"}, False),  # JSON never
    ],
)
def test_colour_at_a_terminal(args, env, coloured):
    out = in_terminal("partners", *args, env={**TERMINAL, **env})
    assert ("\x1b[" in out) is coloured


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        (["--color", "always"], {}, True),
        (["--format", "csv", "--color", "always"], {}, False),
    ],
)
def test_colour_in_a_pipe(args, env, coloured):
    done = subprocess.run(
        [*installed_script(), "partners", "--format", "table", *args],
        capture_output=True, text=True, env={**clean_env(), **env}, check=False,
    )  # fmt: skip
    assert ("\x1b[" in done.stdout) is coloured


def test_a_pager_is_used_at_a_terminal_only_when_asked():
    env = {**TERMINAL, "PAGER": "sed s/^/PAGED:/", "MANPAGER": ""}
    assert "PAGED:" in in_terminal("list", "--pager", env=env)
    assert "PAGED:" not in in_terminal("list", env=env)
    piped = subprocess.run(
        [*installed_script(), "list", "--pager", "--format", "table"],
        capture_output=True, text=True, check=False,
        env={**clean_env(), "PAGER": "sed s/^/PAGED:/"},
    )  # fmt: skip
    assert "PAGED:" not in piped.stdout


@pytest.mark.parametrize(
    "pipeline", ["list --json | head -c 100", "timeline --format table | head -3", "list | head -1"]
)
def test_a_closed_pipe_ends_quietly(pipeline):
    command, _, reader = pipeline.partition(" | ")
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{' '.join(installed_script())} {command} | {reader}"],
        capture_output=True, text=True, env=clean_env(), check=False,
    )  # fmt: skip
    assert done.returncode in (0, 141)
    assert done.stderr == ""
    assert done.stdout


# --- user fact files ------------------------------------------------------------------------------

MINE = """
[[fact]]
id = "my-note"
date = "2025-07"
kind = "statement"
title = "TMK says more rhenium is coming"
text = "A note of my own about TMK."
entities = ["tmk"]
sources = ["newscentralasia-2025-07-14"]
"""


@pytest.fixture
def my_folder(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "tmkfacts"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(MINE)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return folder


def test_the_users_own_files_are_read_after_the_shipped_base(my_folder):
    assert locations.user_data_dir() == my_folder
    assert locations.default_paths() == [locations.builtin_path(), my_folder / "mine.toml"]
    assert "my-note" in [row["id"] for row in json.loads(run("list", "--json").stdout)]
    files = json.loads(run("info", "--json").stdout)
    shipped = len(load(["builtin"]).facts)
    assert [(row["role"], row["facts"]) for row in files] == [("shipped", shipped), ("yours", 1)]


def test_data_names_exactly_the_files_and_builtin_stands_for_the_shipped_base(my_folder):
    mine = str(my_folder / "mine.toml")
    only_shipped = json.loads(run("list", "--json", "--data", "builtin").stdout)
    assert "my-note" not in [row["id"] for row in only_shipped]
    both = json.loads(run("list", "--json", "--data", "builtin", "--data", mine).stdout)
    assert len(both) == len(only_shipped) + 1
    from_env = run("list", "--json", env={"TMKFACTS_DATA": f"builtin{os.pathsep}{mine}"})
    assert json.loads(from_env.stdout) == both
    alone = run("list", "--json", "--data", mine)  # its source and entity are in the base
    assert alone.exit_code == 2
    assert "'entities' names unknown entity 'tmk'" in alone.stderr


def test_a_duplicate_id_across_files_names_both_files_and_lines(my_folder):
    (my_folder / "again.toml").write_text(MINE)
    result = run("check")
    assert result.exit_code == 1
    again, mine = my_folder / "again.toml", my_folder / "mine.toml"
    assert f"{mine}:3: my-note: duplicate fact id 'my-note' (first defined at {again}:3)" in (
        result.stdout
    )


def test_info_says_where_the_users_files_go(my_folder):
    shown = run("info", "--format", "table").stdout
    assert "mine.toml" in "".join(shown.split())
    assert f"every*.tomlin{my_folder}" in "".join(shown.split())  # however the path wraps


def test_no_home_means_no_user_files(monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(Path, "home", lambda: (_ for _ in ()).throw(RuntimeError("no home")))
    assert locations.user_data_dir() is None
    assert locations.default_paths() == [locations.builtin_path()]


# --- export ---------------------------------------------------------------------------------------


def test_export_to_sqlite_with_a_full_text_index(tmp_path):
    target = tmp_path / "facts.sqlite"
    result = run("export", "--to", str(target))
    assert result.exit_code == 0, result.stderr
    base = load()
    with sqlite3.connect(target) as db:
        counts = [
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("facts", "entities", "sources")
        ]
        found = db.execute(
            "SELECT facts.id FROM facts_fts JOIN facts ON facts.rowid = facts_fts.rowid "
            "WHERE facts_fts MATCH 'rhenium'"
        ).fetchall()
        links = db.execute("SELECT count(*) FROM facts, json_each(facts.sources)").fetchone()[0]
    assert counts == [len(base.facts), len(base.entities), len(base.sources)]
    assert ("first-metallic-rhenium-export",) in found
    assert links == sum(len(fact.sources) for fact in base.facts)
    if shutil.which("sqlite3"):  # the sqlite3 shell, where it is installed
        done = subprocess.run(
            ["sqlite3", str(target), "SELECT count(*) FROM facts"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.stdout.strip() == str(len(base.facts))


def test_export_to_json_and_csv(tmp_path):
    base = load()
    assert run("export", "--to", str(tmp_path / "facts.json")).exit_code == 0
    document = json.loads((tmp_path / "facts.json").read_text())
    assert [len(document[k]) for k in ("sources", "entities", "facts")] == [
        len(base.sources), len(base.entities), len(base.facts)
    ]  # fmt: skip
    assert len(document["facts"]) >= 150
    assert run("export", "--to", str(tmp_path / "facts.csv")).exit_code == 0
    with (tmp_path / "facts.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(base.facts)


def test_json_and_csv_exports_written_as_made_are_what_whole_documents_give(generated, tmp_path):
    big = load([generated])
    for base in (big, FactBase(big.sources, big.entities, (), big.files), load()):
        document = {
            "sources": [rows.source(each) for each in base.sources],
            "entities": [rows.entity(each) for each in base.entities],
            "facts": [rows.fact(base, each) for each in base.facts],
        }
        written = export.export(base, tmp_path / "facts.json", force=True).read_text()
        assert written == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        table = export.export(base, tmp_path / "facts.csv", force=True).read_text()
        flat = [rows.fact(base, each, flat=True) for each in base.facts]  # CSV cells: addresses
        header = (*rows.FACT_FIELDS, *rows.FLAT_FIELDS)
        assert table == formats.write(flat, "csv", header=header)
        assert len(table.splitlines()) == 1 + sum(1 + fact.text.count("\n") for fact in base.facts)


def test_export_overwrites_only_with_force(tmp_path):
    target = tmp_path / "facts.json"
    target.write_text("precious")
    refused = run("export", "--to", str(target))
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"tmkfacts: error: {target} exists; --force replaces it\n",
    )
    assert target.read_text() == "precious"
    assert run("export", "--to", str(target), "--force").exit_code == 0
    assert json.loads(target.read_text())["facts"]


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=oct)
def test_an_export_gets_the_permissions_a_shell_would_give_it(tmp_path, umask):
    new, replaced = tmp_path / "new.csv", tmp_path / "replaced.json"
    replaced.write_text("old")
    replaced.chmod(0o640)
    before = os.umask(umask)
    try:
        export.export(load(), new)
        export.export(load(), replaced, force=True)
    finally:
        os.umask(before)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    assert replaced.stat().st_mode & 0o777 == 0o640
    assert json.loads(replaced.read_text())["facts"]


def test_an_interrupted_export_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "facts.json"
    target.write_text("old")

    def interrupted(base, path):
        path.write_text('{"half": ')
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_json", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export.export(load(), target, force=True)
    assert target.read_text() == "old"
    assert sorted(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(
    ("name", "message"),
    [("facts.xml", "cannot export to 'facts.xml': name it .sqlite, .sqlite3, .db, .json, .csv")],
)
def test_export_refuses_an_unknown_kind_of_file(tmp_path, name, message):
    with pytest.raises(WriteError, match="name it"):
        export.export(load(), tmp_path / name)
    assert run("export", "--to", str(tmp_path / name)).stderr == f"tmkfacts: error: {message}\n"


# --- schema and citations -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*sorted(COMMANDS), "cite"])
def test_real_output_validates_against_its_schema(name):
    schema = json.loads(run("schema", name).stdout)
    args = (
        ["cite", "itia-membership", "first-metallic-rhenium-export"]
        if name == "cite"
        else COMMANDS[name]
    )
    out = run(*args, "--format", "json").stdout
    jsonschema.validate(json.loads(out), schema)


def test_schema_lists_every_command_and_refuses_an_unknown_one():
    every = json.loads(run("schema").stdout)
    assert set(every) == {*COMMANDS, "cite"}
    for each in every.values():
        jsonschema.Draft202012Validator.check_schema(each)
    wrong = run("schema", "lst")
    assert (wrong.exit_code, wrong.stderr) == (
        2,
        "tmkfacts: error: no JSON output for 'lst' (did you mean 'list'?)\n",
    )


def test_cite_in_every_style():
    cited = ["itia-membership", "reia-membership", "first-metallic-rhenium-export"]
    text = run("cite", *cited).stdout
    sources = {s for fact in cited for s in load().fact(fact).sources}
    assert text.count("\n[") == len(sources) - 1  # each source once: the uztmk.uz page for both
    assert "(for itia-membership, reia-membership)" in text
    assert "14 July 2025" in text
    markdown = run("cite", "itia-membership", "--format", "markdown").stdout
    # The page has no headline: its title is ours, so it is printed in square brackets.
    assert ". [TMK brings Uzbekistan into the trends" in text
    assert '"TMK brings' not in text
    assert markdown.startswith(
        "[^1]: Uzbekistan Technological Metals Complex (uztmk.uz), [\\[TMK brings"
    )
    bibtex = run("cite", "itia-membership", "--format", "bibtex").stdout
    assert bibtex.startswith("@online{uztmk-reia-2025,\n  title = {[TMK brings Uzbekistan")
    headline = run("cite", "eu-uzbekistan-crm-memorandum").stdout
    assert '"EU, Uzbekistan forge partnership' in headline
    assert bibtex.rstrip().endswith("}")
    rows = json.loads(run("cite", "itia-membership", "--format", "json").stdout)
    assert rows[0]["facts"] == ["itia-membership"]
    missing = run("cite", "itia-membership", "no-such-fact")
    assert missing.exit_code == 1


def test_with_sources_numbers_the_sources_and_lists_them_under_the_table():
    out = run("list", "--kind", "membership", "--with-sources", "--format", "table").stdout
    flat = " ".join(out.split())
    assert "TMK joins the International Tungsten Industry Association [1]" in flat
    assert "Sources [1] Uzbekistan Technological Metals Complex (uztmk.uz)," in flat


# --- completion, version, Python API --------------------------------------------------------------


def complete(words: str) -> list[str]:
    env = {**clean_env(), "_TMKFACTS_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}  # fmt: skip
    done = subprocess.run(installed_script(), capture_output=True, text=True, env=env, check=False)
    return done.stdout.split()


def test_completion_of_commands_fact_ids_entities_and_kinds():
    assert complete("tmkfacts sh") == ["show"]
    assert complete("tmkfacts show itia-membership-b") == ["itia-membership-benefits"]
    assert complete("tmkfacts cite first-metallic") == ["first-metallic-rhenium-export"]
    assert complete("tmkfacts list --kind mem") == ["membership"]
    assert "Chalieco" in complete("tmkfacts list --entity Chal")
    assert "--install-completion" in run("--help").stdout


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"tmkfacts {tmkfacts.__version__}\n")


def test_the_python_api():
    from tmkfacts import query, search

    base = tmkfacts.load()
    found = search.search(base, "Chinalco tungstn")
    assert found.corrections == (("tungstn", "tungsten"),)
    assert found.hits[0].fact.id == "chalieco-tungsten-modernization-contract"
    assert [p.entity.id for p in query.partners(base, "export partner")] == ["vlcor-baltic"]
    assert len(query.memberships(base)) == 5
    assert len(base.facts) >= 150
    assert base.entity("tmk").short_name == "TMK"
    assert base.fact("itia-membership").date == tmkfacts.PartialDate(2025, 3)
