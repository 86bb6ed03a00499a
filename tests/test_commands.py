"""The lookup commands through Typer's CliRunner, on the small test base, and one real process."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmkfacts import formats, load, rows, search
from tmkfacts import query as q
from tmkfacts.cli import app

from .conftest import INVALID, MINI, assert_jq_reads, clean_env, installed_script

runner = CliRunner()
MINI_BASE = load([MINI])

# Each command, the words that call it on the test base, and a line its table must hold.
COMMANDS = {
    "list": (["list"], "Acme exports rhenium for the first time"),
    "search": (["search", "acme", "guild"], "Acme joins the Metals Guild"),
    "show": (["show", "first-export"], "Reported on 14 July 2025."),
    "partners": (["partners"], "Buyer OU"),
    "memberships": (["memberships"], "Metals Guild"),
    "timeline": (["timeline"], "Jun 3"),
    "summary": (["summary"], "Facts by kind"),
    "sources": (["sources"], "Example Wire"),
}


def run(*args, env=None):
    return runner.invoke(app, [*args, "--data", str(MINI)], env=env)


def json_of(result):
    assert result.stdout.endswith("\n")
    return json.loads(result.stdout)


def ids(result):
    return [row["id"] for row in json_of(result)]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_draws_a_table(name):
    args, expected = COMMANDS[name]
    result = run(*args, "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert expected in result.stdout
    assert result.stderr == ""
    assert "\x1b" not in result.stdout  # not a terminal: no colour codes


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_prints_a_bare_json_array(name):
    args, _ = COMMANDS[name]
    result = run(*args, "--json", env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "\x1b" not in result.stdout
    data = json_of(result)
    assert isinstance(data, list)
    assert data
    assert all(isinstance(row, dict) for row in data)


def test_json_is_exactly_the_rows_of_the_core():
    assert json_of(run("list", "--json")) == [
        rows.fact(MINI_BASE, fact) for fact in q.list_facts(MINI_BASE)
    ]
    assert json_of(run("partners", "--json")) == [
        rows.partner(partner) for partner in q.partners(MINI_BASE)
    ]
    assert json_of(run("summary", "--json")) == rows.summary(q.summarize(MINI_BASE))


def test_a_big_answer_written_in_pieces_is_the_json_of_all_its_rows(generated):
    base = load([generated])
    every = [rows.fact(base, fact) for fact in q.list_facts(base)]
    whole = runner.invoke(app, ["list", "--json", "--data", str(generated)]).stdout
    assert len(whole) > 20 * 2**16
    assert whole == json.dumps(every, ensure_ascii=False, indent=2) + "\n"
    lines = runner.invoke(app, ["list", "--format", "jsonl", "--data", str(generated)]).stdout
    assert lines == "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in every)
    pieces = list(formats.pieces(every, "json"))
    assert all(len(piece) >= 2**16 for piece in pieces[:-1])
    assert "".join(pieces) == whole


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 1234])
@pytest.mark.parametrize("ascii", [False, True])
def test_json_written_a_batch_at_a_time_is_the_json_of_the_whole_list(generated, count, ascii):
    base = load([generated])
    every = [rows.fact(base, fact) for fact in base.facts[:count]]
    every[-1:] = [{**row, "text": "Ünï\ncode\t“quoted” \\ /"} for row in every[-1:]]
    assert rows.dumps(iter(every), ascii=ascii) == json.dumps(every, ensure_ascii=ascii, indent=2)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "markdown"])
def test_rows_are_made_as_they_are_written_not_all_first(generated, fmt):
    base = load([generated])
    made: list[str] = []

    def make(fact):
        made.append(fact.id)
        return rows.fact(base, fact)

    each = rows.Each(base.facts, make, rows.FACT_FIELDS)
    assert formats.known_fields(each, ()) == list(rows.FACT_FIELDS)
    assert not made
    written = formats.pieces(formats.pick(each, None), fmt, header=rows.FACT_FIELDS)
    next(written)
    assert 0 < len(made) < len(base.facts) / 4
    assert "".join(written)
    assert len(made) == len(base.facts)


def test_json_of_many_rows_leaves_the_collector_next_to_nothing(generated):
    # The command line runs without the cyclic garbage collector (tmkfacts/__main__.py).
    base = load([generated])
    every = [rows.fact(base, fact) for fact in base.facts]
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        assert rows.dumps(every)
        assert gc.collect() < len(every) / 10
    finally:
        if was:
            gc.enable()


def test_json_keeps_text_exact_and_unescaped():
    (benefits,) = [row for row in json_of(run("list", "--json")) if row["id"] == "guild-benefits"]
    assert benefits["text"] == "Access to [bold]markets[/bold] and grants."
    founded = json_of(run("show", "founded", "--json"))[0]
    assert founded["text"] == "Acme was set up\nin June 2024."
    assert founded["date"] == "2024-06-03"


def test_tables_draw_markup_and_emoji_codes_in_facts_as_written(tmp_path):
    odd = tmp_path / "odd.toml"
    text = MINI.read_text(encoding="utf-8").replace(
        'title = "What the Guild gives Acme"', 'title = "Guild :thumbs_up: [red]gives[/red]"'
    )
    odd.write_text(text, encoding="utf-8")
    for args in (["list"], ["show", "guild-benefits"], ["search", "guild", "gives"]):
        result = runner.invoke(app, [*args, "--data", str(odd), "--format", "table"])
        assert result.exit_code == 0, result.stderr
        assert "Guild :thumbs_up: [red]gives[/red]" in result.stdout, args
    shown = runner.invoke(app, ["show", "guild-benefits", "--data", str(odd), "--format", "table"])
    assert "[bold]markets[/bold]" in shown.stdout


def test_list_is_newest_first_and_limited():
    assert ids(run("list", "--json")) == [f.id for f in q.list_facts(MINI_BASE)]
    assert ids(run("list", "--json", "--limit", "2")) == ["guild-benefits", "first-export"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--kind", "export", "--kind", "Founding"], ["first-export", "founded"]),
        (["--entity", "AMC", "--entity", "buyer ou"], ["first-export"]),
        (["--entity", "jane-doe"], ["director-quote"]),
        (["--material", "rhenium"], ["first-export"]),
        (["--tag", "quote"], ["director-quote"]),
        (["--since", "2025-07"], ["guild-benefits", "first-export", "director-quote"]),
        (["--since", "2025-08"], ["guild-benefits"]),  # the others were reported on 14 July
        (["--until", "2024"], ["founded"]),
        (
            ["--since", "2025-03", "--until", "2025-03-31"],
            ["guild-benefits", "director-quote", "guild-membership"],
        ),
    ],
)
def test_list_filters(options, expected):
    assert ids(run("list", "--json", *options)) == expected


def test_timeline_is_oldest_first_and_takes_the_same_filters():
    assert ids(run("timeline", "--json")) == [f.id for f in q.oldest_first(MINI_BASE.facts)]
    assert ids(run("timeline", "--json", "--since", "2025-04")) == [
        "director-quote",
        "first-export",
        "guild-benefits",
    ]
    assert ids(run("timeline", "--json", "--kind", "membership")) == ["guild-membership"]


def test_search_ranks_and_reports_what_matched():
    found = json_of(run("search", "Guild", "--json"))
    assert [row["id"] for row in found] == ["guild-membership", "guild-benefits"]
    assert found[0]["score"] > found[1]["score"]
    assert found[0]["matched"] == ["guild"]


def test_search_takes_minus_words_as_exclusions_not_options():
    assert ids(run("search", "acme", "-rhenium", "-guild", "-jane", "--json")) == ["founded"]
    after_dashes = ["search", "--json", "--data", str(MINI), "--", "guild", "-member"]
    assert ids(runner.invoke(app, after_dashes)) == ["guild-benefits"]


def test_search_says_what_it_searched_for_instead_of_a_typo():
    result = run("search", "rhenum", "--json")
    assert (result.exit_code, ids(result)) == (0, ["first-export"])
    assert result.stderr == "tmkfacts: no fact has 'rhenum'; searched for 'rhenium' instead\n"
    table = run("search", "rhenum")
    assert table.stderr == result.stderr
    assert "Acme exports rhenium" in table.stdout


def test_search_field_filters_and_options_must_both_hold():
    assert ids(run("search", "kind:membership", "--json")) == ["guild-membership"]
    result = run("search", "kind:membership", "--kind", "benefit", "--json")
    assert (result.exit_code, result.stdout) == (1, "[]\n")


def test_search_words_may_come_in_one_argument_or_several():
    assert ids(run("search", "acme buyer", "--json")) == ids(
        run("search", "acme", "buyer", "--json")
    )


def test_search_takes_the_list_filters():
    assert ids(run("search", "acme", "--json", "--kind", "founding")) == ["founded"]
    best = search.search(MINI_BASE, "acme").hits[0].fact.id
    assert ids(run("search", "acme", "--json", "--limit", "1")) == [best]


def test_partners_filter_by_relation():
    assert ids(run("partners", "--json", "--relation", "buyers")) == ["buyer"]
    result = run("partners", "--json", "--relation", "contractor")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "[]\n",
        "tmkfacts: no partners\n",
    )


def test_show_prints_a_fact_in_full():
    result = run("show", "FIRST-EXPORT", "--format", "table")
    assert result.exit_code == 0
    for expected in (
        "2025-07 (month only)",
        "Buyer OU (company; EE; buyer)",
        "export value: 21.3 million USD for 2025-H1, +118%",
        "Example Wire, 2025-07-14",
        "https://example.org/wire",
    ):
        assert expected in result.stdout


# --- nothing found: exit 1 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--tag", "quote", "--kind", "export"], "no facts match"),
        (["list", "--entity", "byer"], "no entity 'byer' (did you mean 'buyer'?)"),
        (["list", "--material", "gold"], "no fact has the material 'gold'"),
        (["search", "nothing-like-this"], "no fact has the word 'nothing'"),
        (["search", "acme", "--kind", "profile"], "no facts match"),
        (
            ["search", "acme", "tashkent", "--kind", "export"],
            "no fact matches all of 'acme', 'tashkent'",
        ),
        (["timeline", "--since", "2030"], "no facts match"),
        (["show", "first-exprot"], "no fact 'first-exprot'; did you mean first-export?"),
        (["show", "zebra"], "no fact 'zebra'; 'tmkfacts list' shows every id"),
    ],
)
def test_nothing_found_exits_1_with_a_reason(args, message):
    table = run(*args)
    assert (table.exit_code, table.stdout, table.stderr) == (1, "", f"tmkfacts: {message}\n")
    as_json = run(*args, "--json")
    assert (as_json.exit_code, as_json.stdout, as_json.stderr) == (1, "[]\n", table.stderr)


def test_an_empty_base_has_nothing_to_summarize(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    for command in ("list", "summary", "sources", "partners", "memberships", "timeline"):
        result = runner.invoke(app, [command, "--data", str(empty), "--json"])
        assert (result.exit_code, result.stdout) == (1, "[]\n"), command


# --- errors: exit 2, one line on stderr ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense"], "no command 'nonsense' (see 'tmkfacts --help')"),
        (["serch", "x"], "no command 'serch' (did you mean 'search'?) (see 'tmkfacts --help')"),
        (["list", "--bogus"], "No such option: --bogus (see 'tmkfacts list --help')"),
        (["list", "--kind", "exprot"], "unknown kind 'exprot' (did you mean 'export'?)"),
        (
            ["list", "--since", "2025-13"],
            (
                "Invalid value for '--since': '2025-13' has no month 13; months run from 01 to 12 "
                "(see 'tmkfacts list --help')"
            ),
        ),
        (
            ["timeline", "--until", "July"],
            (
                "Invalid value for '--until': 'July' is not a date of the form YYYY, YYYY-MM or "
                "YYYY-MM-DD (see 'tmkfacts timeline --help')"
            ),
        ),
        (
            ["list", "--since", "2026", "--until", "2025"],
            "--since 2026 is after --until 2025; nothing can match",
        ),
        (
            ["list", "--limit", "0"],
            (
                "Invalid value for '--limit' / '-n': 0 is not in the range x>=1. "
                "(see 'tmkfacts list --help')"
            ),
        ),
        (["search", " "], "give at least one word to search for"),
        (
            ["search", "acme", "--limt", "1"],
            "no such option: --limt (did you mean '--limit'?) (see 'tmkfacts search --help')",
        ),
        (
            ["search", "date:2025-13"],
            "date:2025-13: '2025-13' has no month 13; months run from 01 to 12",
        ),
        (["search", "kind:"], "'kind:' needs a value, as in kind:membership"),
        (["search"], "Missing argument 'QUERY...'. (see 'tmkfacts search --help')"),
        (["show"], "Missing argument 'ID...'. (see 'tmkfacts show --help')"),
        (
            ["partners", "--relation", "friend"],
            (
                "unknown relation 'friend' (known: buyer, export partner, contractor, "
                "research partner, negotiation partner, joint-venture prospect)"
            ),
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message):
    result = run(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"tmkfacts: error: {message}\n"


@pytest.mark.parametrize("command", [args for args, _ in COMMANDS.values()], ids=sorted(COMMANDS))
def test_an_unreadable_fact_file_exits_2_for_every_command(command, tmp_path):
    missing = tmp_path / "missing.toml"
    result = runner.invoke(app, [*command, "--json", "--data", str(missing)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"tmkfacts: error: {missing}: no such file\n"


def test_an_invalid_fact_file_exits_2_and_points_to_check(monkeypatch):
    monkeypatch.chdir(INVALID)
    result = runner.invoke(app, ["list", "--data", "unknown-kind.toml"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "tmkfacts: error: unknown-kind.toml:16: unknown-kind: unknown kind 'exprot' "
        "(did you mean 'export'?) (and 1 more; 'tmkfacts check' lists them all)\n"
    )


def test_the_environment_variable_chooses_the_files_for_every_command(monkeypatch):
    monkeypatch.setenv("TMKFACTS_DATA", str(MINI))
    result = runner.invoke(app, ["partners", "--json"])
    assert [row["id"] for row in json.loads(result.stdout)] == ["buyer"]


def test_no_command_shows_help():
    result = runner.invoke(app, [])
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    for name in COMMANDS:
        assert name in result.stdout


def test_check_reports_problems_as_json(monkeypatch):
    monkeypatch.chdir(INVALID)
    result = runner.invoke(app, ["check", "--json", "--data", "unknown-kind.toml"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0] == {
        "file": "unknown-kind.toml",
        "line": 16,
        "column": None,
        "record": "unknown-kind",
        "message": "unknown kind 'exprot' (did you mean 'export'?)",
    }
    clean = run("check", "--json")
    assert (clean.exit_code, clean.stdout) == (0, "[]\n")


# --- the installed console script, in a real process --------------------------------------------


def script(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*installed_script(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(),
        check=False,
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_installed_script_answers_as_json_and_as_a_table(name, tmp_path):
    args = [*COMMANDS[name][0], "--data", str(MINI)]
    as_json = script(tmp_path, *args, "--json")
    assert (as_json.returncode, as_json.stderr) == (0, "")
    assert json.loads(as_json.stdout)
    assert_jq_reads(as_json.stdout)
    table = script(tmp_path, *args, "--format", "table")
    assert table.returncode == 0, table.stderr
    assert COMMANDS[name][1] in table.stdout


def test_installed_script_exit_codes(tmp_path):
    found = script(tmp_path, "search", "rhenium")
    assert (found.returncode, found.stderr) == (0, "")
    missed = script(tmp_path, "search", "xylophone-like-this")
    assert (missed.returncode, missed.stderr) == (1, "tmkfacts: no fact has the word 'xylophone'\n")
    wrong = script(tmp_path, "list", "--kind", "exprot")
    assert (wrong.returncode, wrong.stderr) == (
        2,
        "tmkfacts: error: unknown kind 'exprot' (did you mean 'export'?)\n",
    )


def _imported_modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tmkfacts", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}


def test_json_output_never_imports_rich_and_a_table_does():
    assert not {m for m in _imported_modules("search", "rhenium", "--json") if m.startswith("rich")}
    assert "rich.table" in _imported_modules("partners", "--format", "table")


#: Runs the command line and prints the modules it ran: cli.py loads some lazily, and a module
#: loaded so is not run until it is first used, and then not reported by -X importtime.
_RAN = """
import json, sys
from tmkfacts.cli import main
try:
    main()
finally:
    ran = [name for name, module in sys.modules.items() if type(module).__name__ != "_LazyModule"]
    print(json.dumps(ran), file=sys.stderr)
"""


def _ran_modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _RAN, *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_answers_from_the_cache_run_neither_the_parser_nor_other_commands_cores():
    assert {"tmkfacts.cli", "tmkfacts.search"} <= _ran_modules("search", "rhenium", "--json")
    again = _ran_modules("search", "rhenium", "--json")  # answered from the cache
    unneeded = {"tomli", "tmkfacts.store", "pickle", "tmkfacts.query", "rich", "unicodedata"}
    assert not again & unneeded
    assert "tmkfacts.query" in _ran_modules("partners", "--format", "table")
    drawn = _ran_modules("partners", "--format", "table")
    assert not drawn & {"tomli", "tmkfacts.store", "tmkfacts.search", "tmkfacts.index"}
    assert "rich.table" in drawn
    _ran_modules("list", "--json")
    listed = _ran_modules("list", "--json")  # the base answered from the cache
    assert not listed & {"tomli", "tmkfacts.store", "pickle", "tmkfacts.index", "rich"}
