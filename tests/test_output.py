"""Output analysts can cite and scripts can consume, through the installed command.

In a pipe as scripts read it, and at a pseudo-terminal where it concerns terminals.
"""

import csv
import io
import json
import os
import re
import subprocess

import pytest

from tmkfacts.cli import command_names

from .conftest import clean_env, installed_script


def run(*args: str, env: dict[str, str] | None = None) -> "subprocess.CompletedProcess[str]":
    """The installed command in a pipe."""
    return subprocess.run(
        [*installed_script(), *args],
        capture_output=True,
        text=True,
        env={**clean_env(), **(env or {})},
        check=False,
    )


def at_terminal(*args: str, width: int, env: dict[str, str] | None = None) -> str:
    """What the installed command shows at a terminal of this width (a pseudo-terminal)."""
    import pty
    import select

    reader, writer = pty.openpty()
    chunks = []
    try:
        # Read while the command writes (a long table fills the terminal's buffer otherwise),
        # and keep our end of the terminal open until all is read: closed, it may drop the rest.
        child = subprocess.Popen(
            [*installed_script(), *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            env={**clean_env(), "COLUMNS": str(width), "TERM": "dumb", **(env or {})},
        )
        os.set_blocking(reader, False)
        while True:
            ready, _, _ = select.select([reader], [], [], 0.05)
            if ready:
                chunks.append(os.read(reader, 65536))
            elif child.poll() is not None:
                break
        _, stderr = child.communicate()
    finally:
        os.close(writer)
        os.close(reader)
    done = subprocess.CompletedProcess(child.args, child.returncode, None, stderr)
    assert done.returncode == 0, done.stderr
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


# --- show in a pipe, and sources in every format ---------------------------------------------


def test_show_in_a_pipe_prints_whole_records_of_several_facts():
    done = run("show", "first-metallic-rhenium-export", "itia-membership")
    assert done.returncode == 0
    first, second = done.stdout.split("\n\n")
    assert first.startswith("id: first-metallic-rhenium-export\ntitle: TMK makes")
    for line in ("date: 2025", "may fall on: 2025-01-01 to 2025-07-14", "kind: export"):
        assert line in first.splitlines()
    assert "date note: The report of 14 July 2025" in first
    assert "text: TMK shipped metallic rhenium abroad" in first
    assert (
        "sources:\n  [1] News Central Asia, from the Dunyo news agency, [Uzbekistan Technological "
        "Metals Complex (TMK) strengthens international cooperation], 2025-07-14\n      "
        "https://www.newscentralasia.net/2025/07/14/uzbekistan-technological-metals-complex-tmk-"
        "strengthens-international-cooperation/\n  [2] Open4Business, "
    ) in first
    assert first.endswith("https://open4business.com.ua/?p=237934")
    assert second.startswith("id: itia-membership\n")
    assert "\x1b" not in done.stdout
    assert "╭" not in done.stdout


def test_sources_travel_in_every_format():
    as_csv = run("list", "--kind", "membership", "-f", "csv", "--with-sources").stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))  # every field, the addresses flat
    assert rows[0]["source_urls"].startswith("https://")
    tsv = run("list", "--kind", "membership", "--with-sources").stdout  # a pipe: TSV
    assert tsv.splitlines()[0] == "id\tdate\tkind\ttitle\tsource_urls"
    markdown = run("list", "--kind", "membership", "-f", "markdown", "--with-sources").stdout
    table, notes = markdown.split("\n\n")
    assert table.splitlines()[0] == "| id | date | kind | title | sources |"
    assert "[^1] |" in table
    assert notes.startswith("[^1]: Uzbekistan Technological Metals Complex (uztmk.uz), [TMK")
    picked = run(
        "list", "-n", "1", "-f", "csv", "--fields", "date,title,source_urls,publishers,published"
    )
    (row,) = csv.DictReader(io.StringIO(picked.stdout))
    assert row["publishers"]
    assert row["published"]
    assert "{" not in row["source_urls"]


def test_cite_takes_json_and_writes_markdown_footnotes():
    as_json = json.loads(run("cite", "itia-membership", "--json").stdout)
    assert as_json[0]["facts"] == ["itia-membership"]
    notes = run("cite", "itia-membership", "first-metallic-rhenium-export", "-f", "markdown")
    marks = [line[:5] for line in notes.stdout.splitlines()]
    assert marks == [f"[^{n}]:" for n in range(1, 7)]  # six sources, each once
    assert run("cite", "itia-membership", "--json", "-f", "bibtex").returncode == 2


# --- for scripts -------------------------------------------------------------------------------


def test_ids_piped_into_cite_without_a_header():
    ids = run("search", "rhenium", "--fields", "id", "--no-headers").stdout.split()
    assert ids
    assert "id" not in ids
    assert run("cite", *ids).returncode == 0
    assert run("list", "-f", "csv", "--no-headers", "--fields", "id").stdout.split()[0] != "id"


@pytest.mark.parametrize("name", command_names())
def test_every_command_takes_h_and_shows_examples(name):
    done = run(name, "-h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: tmkfacts {name}")
    assert "Examples:" in done.stdout
    assert f"tmkfacts {name}" in done.stdout.split("Examples:")[1]


def test_the_help_list_cuts_no_first_line():
    listed = run("-h", env={"COLUMNS": "80"}).stdout.split("Commands:")[1]
    assert "..." not in listed
    assert run("-V").stdout.startswith("tmkfacts ")


def test_short_options_are_options_and_minus_words_are_words():
    two = json.loads(run("search", "rhenium", "-n", "2", "--json").stdout)
    assert len(two) == 2
    help_text = run("search", "-h").stdout
    assert help_text.startswith("Usage: tmkfacts search")
    without = {
        row["id"] for row in json.loads(run("search", "rhenium", "-export", "--json").stdout)
    }
    assert "first-metallic-rhenium-export" not in without
    assert "rhenium-strategic-uses" in without  # -export is a word to leave out, -e not an option


def test_contradictory_options_are_an_error():
    done = run("list", "--json", "--format", "csv")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "tmkfacts: error: --json and --format csv contradict each other\n"


def test_export_to_stdout_as_json_or_csv():
    document = json.loads(run("export", "--to", "-").stdout)
    assert len(document["facts"]) >= 150
    rows = list(csv.DictReader(io.StringIO(run("export", "--to", "-", "-f", "csv").stdout)))
    assert len(rows) == len(document["facts"])


def test_options_take_what_search_takes():
    china = json.loads(run("list", "--entity", "China", "--json").stdout)
    assert {row["id"] for row in china} == {
        row["id"] for row in json.loads(run("search", "country:China", "--json").stdout)
    }
    assert {row["id"] for row in json.loads(run("list", "--material", "Re", "--json").stdout)} == {
        row["id"] for row in json.loads(run("list", "--material", "rhenium", "--json").stdout)
    }
    rhenium = json.loads(run("partners", "--material", "rhenium", "--json").stdout)
    assert {row["id"] for row in rhenium} == {"vlcor-baltic", "solvomet"}
    chinese = json.loads(run("partners", "--country", "CN", "--json").stdout)
    assert [row["id"] for row in chinese] == ["chalieco"]
    later = json.loads(run("memberships", "--since", "2025-06", "--json").stdout)
    assert {row["id"] for row in later} == {"erma", "cmi", "reia"}  # not ITIA (March), ECGA


def test_completion_offers_values_that_work_when_inserted():
    def complete(*words: str) -> list[str]:
        env = {
            "_TMKFACTS_COMPLETE": "complete_bash",
            "COMP_WORDS": " ".join(["tmkfacts", *words]),
            "COMP_CWORD": str(len(words)),
        }
        return run(env=env).stdout.split()

    assert complete("partners", "--relation", "r") == ["research-partner"]
    assert all(" " not in value for value in complete("list", "--entity", ""))
    assert "saskatchewan-research-council" in complete("list", "--entity", "sask")


# --- tables that read well --------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("width", [40, 80, 200])
@pytest.mark.parametrize(
    "command", ["list", "partners", "memberships", "sources", "show first-metallic-rhenium-export",
                "search rhenium --with-sources", "summary", "timeline", "entities"],
)  # fmt: skip
def test_tables_at_a_terminal_keep_addresses_and_ids_whole(command, width):
    shown = at_terminal(*command.split(), width=width)
    lines = shown.splitlines()
    assert all(line == line.rstrip() for line in lines), "trailing spaces"
    for url in re.findall(r"https?://\S+", shown):  # whole, on a line of its own
        assert any(
            (line.endswith(url) and len(line) > width) or len(line) <= width for line in lines
        )
        assert url in {u for line in lines for u in re.findall(r"https?://\S+", line)}
    known = json.loads(run("list", "--json").stdout)
    ids = {row["id"] for row in known} | {s["id"] for row in known for s in row["sources"]}
    for word in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+-?", shown):
        if word.endswith("-"):  # folded at a hyphen: its start is an id's
            assert any(each.startswith(word) for each in ids | {"saskatchewan-research-"})


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_an_address_in_show_is_printed_whole_however_narrow():
    shown = at_terminal("show", "first-metallic-rhenium-export", width=40)
    address = (
        "https://www.newscentralasia.net/2025/07/14/uzbekistan-technological-metals-complex-tmk-"
        "strengthens-international-cooperation/"
    )
    assert f"[1] {address}" in shown.splitlines()


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_a_partners_name_is_the_same_at_every_width():
    for width in (40, 80, 200):
        shown = at_terminal("partners", width=width)
        assert "Chalieco" in shown
        assert "China Aluminum International Engineering" not in shown


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_ascii_output_gets_stand_ins_not_question_marks(encoding):
    done = subprocess.run(
        [*installed_script(), "search", "solvomet", "start", "-f", "table"],
        capture_output=True,
        env={**clean_env(), "PYTHONIOENCODING": encoding},
        check=False,
    )
    assert done.returncode == 0
    shown = done.stdout.decode(encoding)
    assert "SOLVOMET-TMK project" in shown  # an en dash, which neither can show
    dot = "*" if encoding == "ascii" else "·"  # Latin-1 has the middle dot
    assert f"solvomet-project-start {dot} plan" in shown
    assert "?" not in shown


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_your_own_facts_are_marked_in_tables_and_carry_their_origin(tmp_path):
    folder = tmp_path / "data" / "tmkfacts"
    folder.mkdir(parents=True)
    mine = folder / "facts.toml"
    mine.write_text(
        '[[fact]]\nid = "my-note"\ndate = "2025-07"\nkind = "meeting"\ntitle = "TMK meets me"\n'
        'text = "A note of mine."\nentities = ["tmk"]\nsources = ["newscentralasia-2025-07-14"]\n',
        encoding="utf-8",
    )
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    rows = json.loads(run("list", "--kind", "meeting", "--json", env=env).stdout)
    origins = {row["id"]: row["origin"] for row in rows}
    assert origins.pop("my-note") == str(mine)
    assert {"ppp-tashkent-meeting", "reia-conference-meetings"} <= set(origins)
    assert set(origins.values()) == {"builtin"}
    shown = at_terminal("list", "--kind", "meeting", width=80, env=env)
    assert "my-note · meeting · yours" in shown
    assert "ppp-tashkent-meeting · meeting\n" in shown
