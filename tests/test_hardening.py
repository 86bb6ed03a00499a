"""Hostile and broken input: never a crash, never a lie, never a changed file.

Each test names the bad input it covers. Files live in tests/bad/; the very large ones are
generated here rather than kept in the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from tmkfacts import db, load, locations, search
from tmkfacts.cli import app

from .conftest import MINI, clean_env, generate, installed_script

BAD = Path(__file__).parent / "bad"
#: Runs the command as the `tmkfacts` script does, then prints its peak resident memory.
MEASURED = """
import resource, sys
from tmkfacts.__main__ import run
try:
    run()
finally:
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("peak-kib", peak, file=sys.stderr)
"""
runner = CliRunner()
COMMANDS = ["list", "search acme", "show first-export", "partners", "memberships", "timeline",
            "summary", "sources", "check"]  # fmt: skip


def run(*args: str, data: Path | str = MINI):
    return runner.invoke(app, [*args, "--data", str(data)])


def one_error_line(result, message: str, code: int = 2) -> None:
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr == f"tmkfacts: error: {message}\n"


# --- fact files -----------------------------------------------------------------------------------


def test_a_missing_file():
    one_error_line(run("list", data="no/such.toml"), "no/such.toml: no such file")


def test_a_folder():
    one_error_line(run("list", data=BAD), f"{BAD}: is a folder, not a fact file")


def test_a_file_without_read_permission(tmp_path, monkeypatch):
    locked = tmp_path / "locked.toml"
    locked.write_bytes(MINI.read_bytes())
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: make the read fail as it would
        real = Path.read_bytes

        def refuse(path: Path) -> bytes:
            if path == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    one_error_line(run("list", data=locked), f"{locked}: permission denied")


def test_an_empty_file_holds_no_facts():
    result = run("list", data=BAD / "empty.toml")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"tmkfacts: no facts: {BAD / 'empty.toml'} holds none\n"
    checked = run("check", data=BAD / "empty.toml")
    assert checked.exit_code == 0
    assert checked.stdout.startswith("ok: 0 sources, 0 entities and 0 facts checked")


def test_a_utf8_byte_order_mark_is_read_past():
    assert [f.id for f in load([BAD / "bom.toml"]).facts] == [f.id for f in load([MINI]).facts]


def test_a_file_that_is_not_utf8():
    one_error_line(
        run("list", data=BAD / "not-utf8.toml"),
        f"{BAD / 'not-utf8.toml'}:3: not UTF-8 text: byte 0xe9 cannot be decoded",
    )


def test_invalid_toml_names_file_line_and_column():
    one_error_line(
        run("list", data=BAD / "invalid-toml.toml"),
        f"{BAD / 'invalid-toml.toml'}:3:11: invalid TOML: Illegal character '\\n'",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fact-is-a-number", ":2: 'fact' must be an array of tables ([[fact]]), not an integer"),
        ("fact-is-a-string", ":2: fact #1: each [[fact]] must be a table, not a string"),
    ],
)
def test_valid_toml_of_the_wrong_shape(name, message):
    one_error_line(run("list", data=BAD / f"{name}.toml"), f"{BAD / name}.toml{message}")


@pytest.mark.parametrize("name", ["deeply-nested", "deeply-nested-tables"])
def test_deeply_nested_arrays_and_tables(name):
    path = BAD / f"{name}.toml"
    one_error_line(
        run("list", data=path), f"{path}: invalid TOML: arrays or tables are nested too deeply"
    )


def test_every_schema_fault_of_check_is_one_line_and_exit_2_elsewhere():
    for fault in sorted((Path(__file__).parent / "data" / "invalid").glob("*.toml")):
        result = run("list", data=fault)
        assert (result.exit_code, result.stdout) == (2, ""), fault.name
        assert result.stderr.startswith(f"tmkfacts: error: {fault}"), fault.name
        assert result.stderr.count("\n") == 1, fault.name


def with_peak_memory(*args: str) -> tuple[int, str, int]:
    """Run tmkfacts in a fresh interpreter: its exit code, its one stderr line, its peak KiB.

    Measured from /proc, so that nothing the test process held is counted.
    """
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args],
        capture_output=True, text=True, env=clean_env(), check=False,
    )  # fmt: skip
    message, peak = done.stderr.splitlines()
    return done.returncode, message, int(peak.removeprefix("peak-kib "))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as out:  # 80 MB, sparse: a comment line, then nothing; refused by size
        out.write(b"# padding\n")
        out.truncate(80 * 10**6)
    started = time.perf_counter()
    code, message, peak_kib = with_peak_memory("list", "--data", str(huge))
    assert code == 2
    assert message == (
        f"tmkfacts: error: {huge}: 76.3 MiB is more than a fact file may hold (64 MiB); split it"
    )
    assert peak_kib < 100 * 1024  # the file is never read into memory
    assert time.perf_counter() - started < 10
    assert locations.MAX_FILE_BYTES == 64 * 2**20


def test_a_50_mb_file_is_read_in_bounded_memory(tmp_path):
    big = tmp_path / "big.toml"
    with big.open("w") as out:  # 50 MB of blank lines and comments: valid TOML, no facts
        out.write("# nothing but space\n" + "\n" * (50 * 10**6))
    code, message, peak_kib = with_peak_memory("list", "--data", str(big))
    assert (code, message) == (1, f"tmkfacts: no facts: {big} holds none")
    assert peak_kib < 5 * 50 * 1024  # a few times the file, not without bound


def test_ten_thousand_duplicate_ids_make_a_readable_report(tmp_path):
    copies = tmp_path / "copies.toml"
    record = (
        '\n[[source]]\nid = "wire-2025-07-14"\ntitle = "t"\npublisher = "p"\n'
        'url = "https://x"\npublished = "2025"\n'
    )
    copies.write_text(MINI.read_text() + record * 10_000)
    result = run("check", data=copies)
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 51
    assert all("duplicate source id 'wire-2025-07-14'" in line for line in lines[:50])
    assert lines[50] == "... and 9950 more; 'tmkfacts check --all' lists them all"
    assert result.stderr == f"10000 problems found in {copies}\n"
    assert len(run("check", "--all", data=copies).stdout.splitlines()) == 10_000
    assert len(json.loads(run("check", "--json", data=copies).stdout)) == 10_000
    listed = run("list", data=copies)
    assert listed.exit_code == 2
    assert listed.stderr.endswith("(and 9999 more; 'tmkfacts check' lists them all)\n")


# --- text in facts --------------------------------------------------------------------------------

HOSTILE = BAD / "hostile-text.toml"


@pytest.mark.parametrize("width", [20, 40, 80, 120])
@pytest.mark.parametrize(
    "command", ["list", "show escapes", "show bidi", "show wide", "sources", "timeline", "summary"]
)
def test_hostile_text_is_shown_inertly_and_tables_stay_aligned(command, width):
    done = subprocess.run(
        [*installed_script(), *command.split(), "--format", "table", "--data", str(HOSTILE)],
        capture_output=True, text=True, env={**clean_env(), "COLUMNS": str(width)}, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    out = done.stdout
    for dangerous in (
        "\x1b",
        "\x07",
        "\x08",
        "\r",
        "\x7f",
        "\x9b",
        "\u202e",
        "\u2066",
        "\u200f",
        "\u2028",
    ):
        assert dangerous not in out
    lines = [line for line in out.splitlines() if "://" not in line]  # addresses: whole
    assert all(cell_len(line.rstrip()) <= width for line in lines)
    if command == "show escapes":
        assert "\\x1b[31malert" in "".join(out.split())
    if command == "list" and width >= 80:
        assert "[bold red]Not bold[/]" in out
        assert "\\u202etxt.exe" in out


def test_json_keeps_hostile_text_exact():
    rows = json.loads(run("list", "--json", data=HOSTILE).stdout)
    titles = {row["id"]: row["title"] for row in rows}
    assert titles == {fact.id: fact.title for fact in load([HOSTILE]).facts}
    assert "\u001b[31malert" in titles["escapes"]
    assert "\u202etxt.exe" in titles["bidi"]


# --- queries and options --------------------------------------------------------------------------


KINDS = (
    "export, production, agreement, membership, meeting, negotiation, announcement, plan, "
    "forecast, profile, founding, background, benefit, statement, assessment"
)
ERROR = "tmkfacts: error:"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["search", ""], 2, f"{ERROR} give at least one word to search for"),
        (["search", "   "], 2, f"{ERROR} give at least one word to search for"),
        (
            ["search", "x" * 100_000],
            2,
            f"{ERROR} the query is 100,000 characters long; at most 1,000 are searched",
        ),
        (["search", "*(["], 2, f"{ERROR} give at least one word to search for"),
        (["search", "[bold]x[/bold]"], 1, "tmkfacts: no fact has the word 'x'"),
        (["search", ".*"], 2, f"{ERROR} give at least one word to search for"),
        (
            ["search", "date:2025-13"],
            2,
            f"{ERROR} date:2025-13: '2025-13' has no month 13; months run from 01 to 12",
        ),
        (["search", "kind:"], 2, f"{ERROR} 'kind:' needs a value, as in kind:membership"),
        (["search", "kind:rumour"], 2, f"{ERROR} unknown kind 'rumour' (known: {KINDS})"),
        (
            ["search", "colour:red"],
            2,
            (
                f"{ERROR} unknown field 'colour:' (did you mean 'country'?); put text with ':' in "
                "quotes to search it"
            ),
        ),
        (["list", "--kind", "rumour"], 2, f"{ERROR} unknown kind 'rumour' (known: {KINDS})"),
        (
            ["list", "--limit", "-1"],
            2,
            (
                f"{ERROR} Invalid value for '--limit' / '-n': -1 is not in the range x>=1. "
                "(see 'tmkfacts list --help')"
            ),
        ),
        (
            ["list", "--since", "2026", "--until", "2025"],
            2,
            f"{ERROR} --since 2026 is after --until 2025; nothing can match",
        ),
        (["frobnicate"], 2, f"{ERROR} no command 'frobnicate' (see 'tmkfacts --help')"),
        (["search", "\x1b[31mred"], 1, "tmkfacts: no fact has the word '31mred'"),
        (
            ["show", "\x1b[2J\u202e"],
            1,
            "tmkfacts: no fact '\\x1b[2J\\u202e'; 'tmkfacts list' shows every id",
        ),
    ],
)
def test_bad_queries_and_options_give_one_line_and_a_code(args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert result.stderr == message + "\n"
    assert "Traceback" not in result.output


# --- environment ----------------------------------------------------------------------------------


def script(*args: str, env: dict[str, str], data: Path = MINI) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*installed_script(), *args, "--data", str(data)],
        capture_output=True, text=True, env=env, check=False, errors="replace",
    )  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_a_20_column_terminal(command):
    done = script(*command.split(), "--format", "table", env={**clean_env(), "COLUMNS": "20"})
    assert (done.returncode, done.stderr) == (0, "")
    if command != "check":  # check's one line of text is left to the terminal to wrap
        lines = [line for line in done.stdout.splitlines() if "://" not in line]
        assert all(cell_len(line.rstrip()) <= 20 for line in lines)  # addresses are whole


@pytest.mark.parametrize("command", ["partners", "summary", "search acme"])
def test_a_dumb_terminal_gets_no_escape_codes(command):
    done = script(*command.split(), env={**clean_env(), "TERM": "dumb", "FORCE_COLOR": ""})
    assert done.returncode == 0
    assert "\x1b" not in done.stdout


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("command", ["partners", "summary", "timeline", "show first-export"])
def test_a_terminal_that_is_not_utf8(encoding, command):
    env = {**clean_env(), "PYTHONIOENCODING": encoding, "LANG": "C", "LC_ALL": "C"}
    done = script(*command.split(), env=env, data=HOSTILE if command == "timeline" else MINI)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip()


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_json_stays_valid_json_on_a_terminal_that_is_not_utf8(encoding):
    env = {**clean_env(), "PYTHONIOENCODING": encoding, "LC_ALL": "C"}
    done = script("list", "--json", env=env, data=HOSTILE)
    assert done.returncode == 0
    rows = json.loads(done.stdout)
    assert rows[0]["title"].startswith("乌兹别克斯坦")


def test_no_home_and_read_only_folders(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    blocked = tmp_path / "a-file"  # a folder inside a file cannot be made, not even by root
    blocked.write_text("")
    env = {k: v for k, v in clean_env().items() if k != "HOME"}
    for cache_home in (locked, blocked / "cache"):
        env |= {"XDG_DATA_HOME": str(locked), "XDG_CACHE_HOME": str(cache_home)}
        env |= {"TMPDIR": str(locked)}
        for command in COMMANDS:
            done = script(*command.split(), env=env)
            assert (done.returncode, done.stderr) == (0, ""), command
    if not os.access(locked, os.W_OK):  # root may write anyway; others must find it untouched
        assert list(locked.iterdir()) == []
    assert blocked.read_text() == ""


# --- interrupts and bugs --------------------------------------------------------------------------


def test_ctrl_c_during_a_long_command_exits_130_quietly(tmp_path):
    big = generate(20_000, tmp_path / "big.toml")
    process = subprocess.Popen(
        [*installed_script(), "search", "metal", "--data", str(big)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    time.sleep(0.8)  # past start-up, inside the load of 20,000 facts
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert err.strip() == ""


@pytest.fixture(scope="module")
def long_to_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A base that takes a second or so to read into a database: 15,000 facts, 7 MB."""
    return generate(15_000, tmp_path_factory.mktemp("long") / "big.toml")


def started_writing(process: subprocess.Popen[str]) -> bool:
    """Wait until the command has begun to write an entry of the cache; False if it ended."""
    folder = db.cache_dir()
    assert folder is not None
    while process.poll() is None:
        if folder.is_dir() and any(folder.glob(".*.tmp*")):
            time.sleep(0.1)  # and has written some of it
            return True
        time.sleep(0.01)
    return False


def processes_reading(path: Path) -> list[str]:
    """The processes whose command line names path: the command, or a process it forked."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(path).encode() in cmdline.read_bytes().split(b"\0"):
                found.append(cmdline.parent.name)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="signals as Linux sends them, and /proc")
@pytest.mark.parametrize(
    ("command", "ending", "to_group"),
    [("search metal", "SIGTERM", True), ("list --json", "SIGTERM", False),
     ("search metal", "SIGHUP", False)],
    ids=["timeout", "kill", "terminal-closed"],
)  # fmt: skip
def test_a_command_ended_by_a_signal_leaves_nothing_half_written(
    long_to_index, command, ending, to_group
):
    big = long_to_index
    process = subprocess.Popen(
        [*installed_script(), *command.split(), "--data", str(big)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
        start_new_session=True,
    )  # fmt: skip
    assert started_writing(process)
    number = getattr(signal, ending)
    if to_group:  # as `timeout` sends it: to the command and what it forked
        os.killpg(process.pid, number)
    else:
        process.send_signal(number)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (128 + number, "", "")
    folder = db.cache_dir()
    assert folder is not None
    assert [path.name for path in folder.iterdir() if "tmp" in path.name] == []
    assert processes_reading(big) == []


@pytest.mark.skipif(not shutil.which("nohup"), reason="nohup is not installed")
def test_a_command_run_by_nohup_goes_on_when_its_terminal_closes(long_to_index):
    big = long_to_index
    process = subprocess.Popen(
        ["nohup", *installed_script(), "search", "metal", "--json", "--data", str(big)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=clean_env(),
    )  # fmt: skip
    assert started_writing(process)
    process.send_signal(signal.SIGHUP)
    out, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (0, "")
    assert json.loads(out)
    assert len(list(cast(Path, db.cache_dir()).glob("facts-*.db"))) == 1


@pytest.mark.parametrize("command", ["list --json", "timeline", "list", "check --all"])
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path, command):
    big = generate(3000, tmp_path / "big.toml")
    if command == "check --all":  # 3,000 problems to list: every fact's source is unknown
        big.write_text(big.read_text().replace('sources = ["source-', 'sources = ["gone-'))
    pipeline = f"{' '.join(installed_script())} {command} --data {big} | head -c 100 >/dev/null"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline],
        capture_output=True, text=True, env=clean_env(), check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1 if command == "check --all" else 0, 141)
    assert "Traceback" not in done.stderr
    assert "Broken pipe" not in done.stderr
    assert done.stderr in ("", f"3000 problems found in {big}\n")


def test_ctrl_c_anywhere_exits_130(monkeypatch):
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(search, "search", interrupted)
    result = run("search", "acme")
    assert (result.exit_code, result.stdout) == (130, "")


def test_a_bug_is_one_line_unless_debugging(monkeypatch):
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(search, "search", broken)
    one_error_line(
        run("search", "acme"),
        "internal error: ZeroDivisionError: boom (run with --debug to see where)",
    )
    debugging = runner.invoke(app, ["--debug", "search", "acme", "--data", str(MINI)])
    assert isinstance(debugging.exception, ZeroDivisionError)
    assert app.pretty_exceptions_show_locals is False


# --- files are only read --------------------------------------------------------------------------


def test_no_command_writes_to_a_fact_file_or_beside_it(tmp_path):
    copy = tmp_path / "facts.toml"
    copy.write_bytes(locations.builtin_path().read_bytes())
    before = (copy.read_bytes(), copy.stat().st_mtime_ns)
    commands = [*COMMANDS[3:], "search rhenium", "show itia-membership", "list --json"]
    for command in [*commands, "check --json"]:
        assert run(*command.split(), data=copy).exit_code == 0, command
    assert (copy.read_bytes(), copy.stat().st_mtime_ns) == before
    assert sorted(tmp_path.iterdir()) == [copy]
