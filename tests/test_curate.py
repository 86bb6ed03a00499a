"""Curators' tools: `add` (by flags and at a terminal), `check FILE`, `fmt`, `entities`, `info`."""

import json
import os
import re
import select
import subprocess
import time
from pathlib import Path

import pytest
import tomli
from hypothesis import given
from typer.testing import CliRunner

from tmkfacts import layout, load, loads
from tmkfacts.cli import app
from tmkfacts.locations import builtin_path

from .conftest import DATA, clean_env, installed_script
from .test_properties import fact_bases

runner = CliRunner()
ADVICE = DATA / "advice"

NOTES = """\
# My notes on TMK.

# --- sources --------------------------------------------------------------------------------
[[source]]
id = "my-fair-notes"
title = "Notes from a trade fair"  # my own
publisher = "me"
url = "https://example.org/notes"
published = "2025-10"

# --- facts ----------------------------------------------------------------------------------
[[fact]]
id = "fair-talk"
date = "2025-10"
kind = "statement"
title = "TMK talks of more rhenium"
text = "Heard at a fair."
entities = ["tmk"]
sources = ["my-fair-notes"]
"""

NEW_SOURCE = [
    "--title", "TMK ships a second batch of rhenium", "--date", "2025-09", "--kind", "export",
    "--text", "A second batch went abroad.", "--entity", "TMK", "--entity", "VLCor Baltic",
    "--source", "https://example.org/second", "--publisher", "Example News",
    "--published", "2025-09-20", "--source-title", "A second rhenium shipment",
    "--material", "rhenium",
]  # fmt: skip


def run(*args: str) -> "subprocess.CompletedProcess[str]":
    """The installed command, as a user runs it, in a pipe."""
    return subprocess.run(
        [*installed_script(), *args], capture_output=True, text=True, env=clean_env(), check=False
    )


# --- add --------------------------------------------------------------------------------------


def test_add_writes_a_fact_and_its_new_source_that_search_then_finds(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(NOTES, encoding="utf-8")
    result = runner.invoke(app, ["add", *NEW_SOURCE, "--to", str(mine), "--json"])
    assert result.exit_code == 0, result.stderr
    (shown,) = json.loads(result.stdout)
    assert shown["id"] == "tmk-ships-a-second-batch-of-rhenium"
    assert shown["entities"] == ["tmk", "vlcor-baltic"]  # names became ids
    assert shown["sources"][0]["id"] == "example-news-2025-09-20"
    assert result.stderr == f"tmkfacts: added {shown['id']} to {mine}\n"
    text = mine.read_text(encoding="utf-8")
    assert text.startswith(
        NOTES.split("# --- facts", maxsplit=1)[0].rstrip("\n") + "\n\n[[source]]\n"
    )
    assert "# --- facts ---" in text  # the comments and the other records stay as they were
    assert text == layout.format_text(text)  # in the one layout already
    found = runner.invoke(
        app, ["search", "second", "batch", "--json", "--data", "builtin", "--data", str(mine)]
    )
    assert [row["id"] for row in json.loads(found.stdout)] == [shown["id"]]
    assert json.loads(found.stdout)[0]["origin"] == str(mine)


def test_add_by_default_writes_the_users_own_file_and_marks_its_facts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app,
        ["add", "--title", "TMK meets a trader", "--date", "2025-07", "--kind", "meeting",
         "--text", "They met.", "--entity", "tmk", "--source", "newscentralasia-2025-07-14"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    own = Path(os.environ["XDG_DATA_HOME"]) / "tmkfacts" / "facts.toml"
    assert "tmk-meets-a-trader" in own.read_text(encoding="utf-8")
    listed = runner.invoke(app, ["list", "--kind", "meeting", "--json"])
    origins = {row["id"]: row["origin"] for row in json.loads(listed.stdout)}
    assert origins["tmk-meets-a-trader"] == str(own)
    assert origins["ppp-tashkent-meeting"] == "builtin"
    table = runner.invoke(app, ["list", "--kind", "meeting", "--format", "table"])
    assert "tmk-meets-a-trader · meeting · yours" in table.stdout
    assert "ppp-tashkent-meeting" in table.stdout
    assert "ppp-tashkent-meeting · meeting · yours" not in table.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--entity", "nobody"], "tmkfacts: error: no entity 'nobody'"),
        (["--date", "Sept 2025"], "tmkfacts: error: --date: 'Sept 2025' is not a date"),
        (["--date", "2026-01"], "after its source 'example-news-2025-09-20' was published"),
        (["--kind", "exprot"], "tmkfacts: error: unknown kind 'exprot' (did you mean 'export'?"),
        (["--id", "fair-talk"], "tmkfacts: error: a fact 'fair-talk' exists already"),
        (["--source", "no-such-source"], "tmkfacts: error: no source 'no-such-source'"),
    ],
)
def test_a_refused_add_leaves_the_file_byte_for_byte_as_it_was(tmp_path, change, message):
    mine = tmp_path / "mine.toml"
    mine.write_bytes(NOTES.encode("utf-8"))
    args = list(NEW_SOURCE)
    for flag, value in zip(change[::2], change[1::2], strict=True):
        if flag in args and flag != "--entity":
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    result = runner.invoke(app, ["add", *args, "--to", str(mine)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert mine.read_bytes() == NOTES.encode("utf-8")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine.toml"]  # no temporary left


def test_add_in_a_pipe_names_every_missing_field(tmp_path):
    mine = tmp_path / "mine.toml"
    result = run(
        "add", "--title", "Something", "--source", "https://example.org/x", "--to", str(mine)
    )
    assert result.returncode == 2
    assert result.stderr == (
        "tmkfacts: error: missing --date, --kind, --text, --entity, --publisher, --published, "
        "--source-title (stdin is not a terminal, so they cannot be asked for)\n"
    )
    assert not mine.exists()


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_add_at_a_terminal_asks_for_what_the_flags_did_not_give(tmp_path):
    import pty

    mine = tmp_path / "mine.toml"
    env = {**clean_env(), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "100"}
    pid, fd = pty.fork()
    if pid != 0:  # a terminal wide enough for the longest message on one line
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    if pid == 0:  # the child: the installed command, at a terminal
        command = installed_script()
        os.execvpe(command[0], [*command, "add", "--to", str(mine), "--kind", "meeting"], env)
    answers = [
        "TMK meets a trader in Tallinn",  # title
        "July 2025",  # a date in another form: refused, with a suggestion; then mended
        "\x15" + "2025-07",  # Ctrl-U clears the line
        "They met.",  # text
        "tmk, VLCor Baltic OU",  # entities, by id and by name
        "newscentralasia-2025-07-14",  # source
        "Tallinn",  # place
        "",  # date note
        "",  # the id: its default
    ]
    seen = b""

    def read(seconds: float) -> None:
        nonlocal seen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                seen += chunk

    read(3)
    for answer in answers:
        os.write(fd, answer.encode() + b"\r")
        read(1)
    read(3)
    deadline = time.monotonic() + 20
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        read(0.2)
    if done[0] == 0:  # still asking: say what it showed, rather than wait for ever
        os.kill(pid, 9)
        done = os.waitpid(pid, 0)
    status = done[1]
    os.close(fd)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode("utf-8", "replace"))
    assert os.waitstatus_to_exitcode(status) == 0, screen[-2000:]
    assert "did you mean '2025-07'?" in screen
    written = tomli.loads(mine.read_text(encoding="utf-8"))
    (fact,) = written["fact"]
    assert fact == {
        "id": "tmk-meets-a-trader-in-tallinn",
        "date": "2025-07",
        "kind": "meeting",
        "place": "Tallinn",
        "title": "TMK meets a trader in Tallinn",
        "text": "They met.",
        "entities": ["tmk", "vlcor-baltic"],
        "sources": ["newscentralasia-2025-07-14"],
    }
    found = run("search", "trader", "Tallinn", "--json", "--data", "builtin", "--data", str(mine))
    assert [row["id"] for row in json.loads(found.stdout)] == [fact["id"]]


# --- check FILE -------------------------------------------------------------------------------


ADVICE_FILES = sorted(ADVICE.glob("*.toml"))


@pytest.mark.parametrize("path", ADVICE_FILES, ids=lambda p: p.stem)
def test_check_file_with_the_shipped_base_says_what_to_mend(path, monkeypatch, regen_golden):
    """Each file under tests/data/advice holds one mistake; .txt is what check prints."""
    monkeypatch.chdir(ADVICE)
    result = runner.invoke(app, ["check", path.name])
    shown = result.stdout.replace(str(builtin_path()), "BUILTIN")
    expected = path.with_suffix(".txt")
    if regen_golden:
        expected.write_text(shown, encoding="utf-8")
    assert shown == expected.read_text(encoding="utf-8")
    assert result.exit_code == (0 if "warning:" in shown else 1)
    if "warning:" in shown:
        assert runner.invoke(app, ["check", path.name, "--strict"]).exit_code == 1
    assert "BUILTIN" in shown or result.exit_code == 1  # checked with the shipped base


def test_every_advice_file_has_its_expected_report():
    assert sorted(p.stem for p in ADVICE.glob("*.txt")) == [p.stem for p in ADVICE_FILES]


def test_check_alone_checks_the_files_by_themselves():
    result = runner.invoke(app, ["check", str(ADVICE / "entity-by-name.toml"), "--alone"])
    assert result.exit_code == 1
    assert "names unknown entity 'TMK'" in result.stdout
    assert "checked alone" in result.stderr


# --- fmt ------------------------------------------------------------------------------------


def test_the_shipped_base_is_kept_in_the_one_layout():
    text = builtin_path().read_text(encoding="utf-8")
    assert layout.format_text(text) == text


@given(fact_bases())
def test_fmt_keeps_every_value_and_changes_nothing_the_second_time(generated):
    document, _ = generated
    once = layout.format_text(document)
    assert tomli.loads(once) == tomli.loads(document)
    assert loads(once) == loads(document)
    assert layout.format_text(once) == once


def test_fmt_keeps_comments_with_what_they_precede_and_lays_out_the_rest(tmp_path):
    messy = tmp_path / "messy.toml"
    messy.write_text(
        "# top\n[[fact]]\nsources = ['s']  # why\ntitle = 'T'\n# the kind\nkind = \"export\"\n"
        "id = \"f\"\n\n\n\n[[fact.figures]]\nunit = 'u'\nvalue = 1\nmetric = 'm'\n"
        '[[source]]\nid = "s"\npublished = 2025-07-14\ntitle = "A"\nurl = "https://e.org"\n'
        'publisher = "P"\n',
        encoding="utf-8",
    )
    before = tomli.loads(messy.read_text(encoding="utf-8"))
    check = run("fmt", "--check", str(messy))
    assert (check.returncode, check.stdout) == (1, f"would reformat {messy}\n")
    done = run("fmt", str(messy))
    assert (done.returncode, done.stdout) == (0, f"reformatted {messy}\n")
    text = messy.read_text(encoding="utf-8")
    assert text == (
        '# top\n[[fact]]\nid = "f"\n# the kind\nkind = "export"\ntitle = "T"\n'
        'sources = ["s"]  # why\n\n[[fact.figures]]\nmetric = "m"\nvalue = 1\nunit = "u"\n\n'
        '[[source]]\nid = "s"\ntitle = "A"\npublisher = "P"\nurl = "https://e.org"\n'
        "published = 2025-07-14\n"
    )
    assert tomli.loads(text) == before
    again = run("fmt", "--check", str(messy))
    assert (again.returncode, again.stdout) == (0, "")


def test_fmt_refuses_what_it_cannot_lay_out_and_writes_nothing(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[[fact]]\ntitle = "unclosed\n', encoding="utf-8")
    done = run("fmt", str(broken))
    assert done.returncode == 2
    assert done.stderr.startswith(f"tmkfacts: error: {broken}: cannot lay out: line 2")
    assert broken.read_text(encoding="utf-8") == '[[fact]]\ntitle = "unclosed\n'


# --- entities, entity, info -------------------------------------------------------------------


def test_entities_lists_and_filters_through_the_installed_command():
    every = json.loads(run("entities", "--json").stdout)
    assert len(every) == len(load().entities) >= 58
    chinese = run("entities", "--country", "China", "--fields", "id")
    assert chinese.stdout.split() == ["id", "chinalco", "chalieco", "china-mining-2025"]
    people = json.loads(run("entities", "--type", "person", "--json").stdout)
    assert {row["id"] for row in people} >= {"gareth-hatch", "tracy-hughes"}
    partners = json.loads(run("entities", "--relation", "contractor", "--json").stdout)
    assert [row["id"] for row in partners] == ["chalieco"]
    wrong = run("entities", "--type", "compny")
    assert (wrong.returncode, wrong.stderr.count("\n")) == (2, 1)
    assert "did you mean 'company'?" in wrong.stderr


def test_entity_shows_one_by_any_name_with_its_facts_newest_first():
    (found,) = json.loads(
        run("entity", "China Aluminum International Engineering", "--json").stdout
    )
    assert found["id"] == "chalieco"
    assert found["parent"] == "chinalco"
    assert found["facts"][-1] == "chalieco-founded"  # 2003: the oldest, last
    (parent,) = json.loads(run("entity", "chinalco", "--json").stdout)
    assert parent["subsidiaries"] == ["chalieco"]
    table = run("entity", "UzTMK", "--format", "table")
    assert "Uzbekistan Technological Metals Complex" in table.stdout
    missing = run("entity", "chalico")
    assert (missing.returncode, missing.stderr) == (
        1,
        "tmkfacts: no entity 'chalico' (did you mean 'chalieco'?)\n",
    )
    redirected = run("show", "chalieco")
    assert redirected.returncode == 1
    assert "'tmkfacts entity chalieco' shows it" in redirected.stderr


def test_info_lists_a_broken_file_with_its_first_problem_and_exits_0(tmp_path):
    folder = tmp_path / "data" / "tmkfacts"
    folder.mkdir(parents=True)
    (folder / "good.toml").write_text(NOTES, encoding="utf-8")
    (folder / "worse.toml").write_text('[[fact]]\ntitle = "no end\n', encoding="utf-8")
    env = {**clean_env(), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [*installed_script(), "info", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0
    rows = {Path(row["file"]).name: row for row in json.loads(done.stdout)}
    assert (rows["facts.toml"]["role"], rows["facts.toml"]["problem"]) == ("shipped", None)
    assert (rows["good.toml"]["facts"], rows["good.toml"]["problem"]) == (1, None)
    assert rows["worse.toml"]["facts"] is None
    assert rows["worse.toml"]["problem"].startswith(f"{folder / 'worse.toml'}:2:")
    assert done.stderr.startswith("tmkfacts: ")
    table = subprocess.run(
        [*installed_script(), "info", "--format", "table"],
        capture_output=True, text=True, env={**env, "COLUMNS": "200"}, check=False,
    )  # fmt: skip
    assert "invalid TOML" in table.stdout
