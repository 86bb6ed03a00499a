import json
import os
import select
import subprocess
import sys
from importlib import metadata

import pytest
from typer.testing import CliRunner

from tmkfacts import load
from tmkfacts.cli import app
from tmkfacts.locations import builtin_path

from .conftest import INVALID, MINI, clean_env, generate, installed_script, ok_line

runner = CliRunner()
INVALID_FILES = sorted(INVALID.glob("*.toml"))


def test_check_reports_what_it_checked_in_the_shipped_base():
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ok_line(load())
    assert str(builtin_path()) in result.stdout


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.stem)
def test_check_reports_each_problem_at_its_line(path, monkeypatch, regen_golden):
    """Each file under tests/data/invalid holds one class of fault; .txt is the exact report."""
    monkeypatch.chdir(INVALID)
    result = runner.invoke(app, ["check", "--data", path.name])
    expected = path.with_suffix(".txt")
    if regen_golden:
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.exit_code == 1
    assert result.stdout == expected.read_text(encoding="utf-8")
    count = result.stdout.count("\n")
    counted, *hint = result.stderr.splitlines()
    assert counted == f"{count} problem{'s' if count != 1 else ''} found in {path.name}"
    # 'reia' is an id of the shipped base, which the file was checked without
    alone = (
        "tmkfacts: the files were checked alone; 'tmkfacts check FILE...' checks them with the "
        "shipped base, whose ids they may name"
    )
    assert hint == ([alone] if path.stem == "dangling-organization" else [])


def test_every_invalid_file_has_its_expected_report():
    assert INVALID_FILES
    assert sorted(p.stem for p in INVALID.glob("*.txt")) == [p.stem for p in INVALID_FILES]


def test_check_exits_2_with_one_line_for_a_missing_file(tmp_path):
    missing = tmp_path / "nope.toml"
    result = runner.invoke(app, ["check", "--data", str(missing)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"tmkfacts: error: {missing}: no such file\n"


def test_check_exits_2_for_a_folder(tmp_path):
    result = runner.invoke(app, ["check", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"tmkfacts: error: {tmp_path}: is a folder, not a fact file\n"


def test_check_merges_repeated_data_options():
    result = runner.invoke(app, ["check", "--data", str(MINI), "--data", str(MINI)])
    assert result.exit_code == 1
    assert "duplicate fact id 'first-export'" in result.stdout


def test_environment_variable_selects_the_files(monkeypatch, tmp_path):
    monkeypatch.setenv("TMKFACTS_DATA", f"{MINI}{os.pathsep}")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert result.stdout == f"ok: 2 sources, 5 entities and 5 facts checked in {MINI}\n"
    # --data beats the environment
    result = runner.invoke(app, ["check", "--data", str(tmp_path / "x.toml")])
    assert result.exit_code == 2


def test_environment_variable_lists_several_files(monkeypatch, tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[source]]\nid = "more"\ntitle = "T"\npublisher = "P"\n'
        'url = "https://e.org"\npublished = "2025"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TMKFACTS_DATA", os.pathsep.join([str(MINI), str(extra)]))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    warning, ok = result.stdout.splitlines()
    assert warning == f"{extra}:2: more: warning: no fact cites this source"
    assert ok.startswith("ok: 3 sources, 5 entities and 5 facts checked in ")
    assert ok.endswith(f"{MINI}, {extra}")


def test_unknown_command_is_a_usage_error():
    result = runner.invoke(app, ["nonsense"])
    assert result.exit_code == 2


def test_no_arguments_show_help():
    result = runner.invoke(app, [])
    assert "check" in result.output
    assert "Usage" in result.output


def test_installed_script_checks_from_another_folder(tmp_path):
    done = subprocess.run(
        [*installed_script(), "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.replace("\r", "") == ok_line(load())


def test_python_dash_m_reports_bad_file_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[fact]]\nid = \n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tmkfacts", "check", "--data", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == f"{bad}:2:6: invalid TOML: Invalid value\n"
    assert done.stderr == f"1 problem found in {bad}\n"


def test_the_script_runs_without_the_cyclic_garbage_collector():
    """`tmkfacts` and `python -m tmkfacts` run through `__main__.run` (see its docstring)."""
    (script,) = metadata.entry_points(group="console_scripts", name="tmkfacts")
    assert script.value == "tmkfacts.__main__:run"
    probe = (
        "import atexit, gc, sys\n"
        "def passes(): return sum(each['collections'] for each in gc.get_stats())\n"
        "sys.argv = ['tmkfacts', 'search', 'zzzzqqqq', '--json']\n"
        "from tmkfacts.__main__ import run\n"
        "before = passes()\n"
        "atexit.register(lambda: print(gc.isenabled(), passes() - before, gc.get_freeze_count(),"
        " file=sys.stderr))\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=clean_env(), check=False
    )
    assert done.returncode == 1, done.stderr  # the command's own exit code: nothing found
    enabled, passes, frozen = done.stderr.splitlines()[-1].split()
    assert enabled == "False"
    assert passes == "0"  # not one pass of the collector, from the command line's imports on
    assert int(frozen) > 10_000  # Typer's and tmkfacts's objects: the last pass walks none


def test_importing_tmkfacts_leaves_the_collector_alone():
    probe = (
        "import gc, tmkfacts.__main__, tmkfacts.cli\nprint(gc.isenabled(), gc.get_freeze_count())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "True 0\n"


def told(command, path, cache, terminal):
    """What a command about the fact file writes to stderr: a terminal, or a pipe."""
    env = {**clean_env(), "XDG_CACHE_HOME": str(cache)}
    argv = [*installed_script(), *command, "--json", "--data", str(path)]
    if not terminal:
        done = subprocess.run(argv, capture_output=True, env=env, check=False)
        assert done.returncode == 0
        return done.stderr.decode()
    import pty

    reader, writer = pty.openpty()
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=writer, env=env, check=False)
        assert done.returncode == 0
        written = b""
        while select.select([reader], [], [], 0)[0]:
            written += os.read(reader, 4096)
    finally:
        os.close(writer)
        os.close(reader)
    return written.decode().replace("\r\n", "\n")


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_reading_a_big_base_anew_is_announced_on_a_terminal_only(tmp_path):
    big = generate(10_000, tmp_path / "big.toml")
    megabytes = round(big.stat().st_size / 1e6)
    search, listing = ["search", "rhenium"], ["list", "--limit", "1"]
    reading = f"tmkfacts: reading {megabytes} MB of facts...\n"
    assert told(search, big, tmp_path / "cache", terminal=True) == reading
    assert told(search, big, tmp_path / "cache", terminal=True) == ""  # the database is kept
    assert told(search, big, tmp_path / "other", terminal=False) == ""  # built, on a pipe
    assert told(search, MINI, tmp_path / "cache", terminal=True) == ""  # quick: not told
    assert told(listing, big, tmp_path / "third", terminal=True) == reading
    assert told(listing, big, tmp_path / "third", terminal=True) == ""  # the database is kept
    assert told(listing, big, tmp_path / "fourth", terminal=False) == ""


DESCRIBED = """
[[source]]
id = "wire"
title = "A report"
publisher = "Example Wire"
url = "https://example.org/r"
published = "2025-07-14"

[[entity]]
id = "tmk"
name = "TMK"
type = "company"

[[fact]]
id = "tmk-profile"
date = "2025"
date_note = "As described in the report of 14 July 2025."
kind = "profile"
title = "What TMK is"
text = "A text."
entities = ["tmk"]
sources = ["wire"]

[[fact]]
id = "tmk-export"
date = "2025"
kind = "export"
title = "An export the report does not date: no warning"
text = "A text."
entities = ["tmk"]
sources = ["wire"]
"""


def test_check_warns_of_a_profile_dated_less_precisely_than_its_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text(DESCRIBED, encoding="utf-8")
    result = runner.invoke(app, ["check", "--data", "mine.toml"])
    assert result.exit_code == 0
    warning = (
        "mine.toml:16: tmk-profile: warning: dated 2025, but a profile takes the date its "
        "source described it: 'wire' was published 2025-07-14; write date = \"2025-07-14\"\n"
    )
    assert result.stdout.startswith(warning)
    assert result.stdout[len(warning) :].startswith("ok: 1 sources, 1 entities and 2 facts")
    assert result.stderr == "1 warning\n"
    strict = runner.invoke(app, ["check", "--data", "mine.toml", "--strict"])
    assert (strict.exit_code, strict.stdout) == (1, result.stdout)
    as_json = runner.invoke(app, ["check", "--data", "mine.toml", "--json"])
    assert as_json.exit_code == 0
    assert [row["record"] for row in json.loads(as_json.stdout)] == ["tmk-profile"]


def test_check_of_the_shipped_base_has_no_warning():
    result = runner.invoke(app, ["check", "--strict"])
    assert result.exit_code == 0
    assert "warning" not in result.stderr
    assert result.stderr.startswith("2 open disagreements")  # listed, not warned of
