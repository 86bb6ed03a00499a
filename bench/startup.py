"""Start-up time of tmkfacts commands against a minimal Typer app, as medians and ratios.

    python bench/startup.py                 # 20 rounds
    python bench/startup.py --rounds 50

Runs the installed `tmkfacts` script of this interpreter's environment and bench/hello.py
with the same interpreter, alternately, so both see the same machine state; prints each
command's median wall time and its ratio to the hello-world's median, with the targets.
Three floors are timed beside them, for reference, each without the cyclic garbage collector,
as tmkfacts runs (see tmkfacts/__main__.py): the hello-world, and what a search from the index
and a command drawing a Rich table must import (and draw) before any of tmkfacts's own work.
The package is byte-compiled first, as `pip install` does; an editable install run with
PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HELLO = [sys.executable, str(Path(__file__).with_name("hello.py"))]

#: command -> the most it may cost, as a multiple of the hello-world
COMMANDS: dict[str, float | None] = {
    "search rhenium --json": 1.2,
    "list --json": None,
    "partners --format table": 1.7,
    "--help": 1.3,
    "search --help": 1.3,
    "summary --format table": None,
    "timeline --format table": None,
    "complete: tmkfacts se": 1.3,
    "complete: tmkfacts search --li": 1.3,
}
#: What bash sets to have a command complete the words typed (see `tmkfacts --show-completion`).
COMPLETE = "complete: "
#: Floors, for reference: the least a command must import before tmkfacts does anything.
FLOOR = "floor: "
#: What tmkfacts.__main__.run does: the cyclic garbage collector off for the whole run, and
#: what the run made frozen as it ends, before the interpreter's last pass. The floors do the
#: same.
UNCOLLECTED = "import atexit, gc; gc.disable(); atexit.register(gc.freeze); {}"
FLOORS = {
    # the hello-world, without the collector as tmkfacts runs
    "floor: hello, uncollected": UNCOLLECTED.format("import typer")
    + f"; exec(open({str(HELLO[1])!r}).read())",
    # a search from the index: Typer, the JSON writer, SQLite and the model's records
    "floor: search": UNCOLLECTED.format("import typer.main, json, sqlite3, tmkfacts.model"),
    # a table: Typer, the model's records and Rich drawing 8 rows of 6 columns
    "floor: table": UNCOLLECTED.format("import typer.main, tmkfacts.model")
    + """
from rich.console import Console
from rich.table import Table
table = Table("Partner", "Country", "Relations", "First", "Latest", "Facts")
for _ in range(8):
    table.add_row("Saskatchewan Research Council", "CA", "negotiation partner", "2025", "2025", "1")
Console(width=100).print(table)
""",
}


def tmkfacts_script() -> str:
    """The tmkfacts console script installed beside this interpreter."""
    beside = Path(sys.executable).with_name("tmkfacts")
    found = str(beside) if beside.exists() else shutil.which("tmkfacts")
    if not found:
        sys.exit("bench/startup.py: no tmkfacts script; pip install -e . first")
    return found


def run_of(name: str, script: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one of the runs: a command, a completion, or hello."""
    if name == "hello-world":
        return HELLO, env
    if name.startswith(FLOOR):
        return [sys.executable, "-c", FLOORS[name]], env
    if name.startswith(COMPLETE):
        words = name.removeprefix(COMPLETE)
        completing = {"_TMKFACTS_COMPLETE": "complete_bash", "COMP_WORDS": words}
        return [script], {**env, **completing, "COMP_CWORD": str(len(words.split()) - 1)}
    return [script, *name.split()], env


def once(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run, in seconds; the run must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    """Run every command and the hello-world alternately; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    script = tmkfacts_script()
    import tmkfacts

    compileall.compile_dir(Path(tmkfacts.__file__).parent, quiet=1)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    names = ["hello-world", *COMMANDS, *FLOORS]
    runs: dict[str, list[float]] = {name: [] for name in names}
    for name in runs:
        once(*run_of(name, script, env))  # warm the file cache and any tmkfacts cache first
    for _ in range(rounds):
        for name, times in runs.items():
            times.append(once(*run_of(name, script, env)))
    floor = statistics.median(runs["hello-world"])
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{python}, {os.cpu_count()} cores, medians of {rounds} alternating runs")
    print(f"{'command':<32}{'median':>10}{'ratio':>8}{'target':>8}")
    failed = False
    for name, times in runs.items():
        median = statistics.median(times)
        target = COMMANDS.get(name)
        ratio = median / floor
        verdict = ""
        if target is not None:
            verdict = f"≤{target}" + (" ok" if ratio <= target else " MISSED")
            failed |= ratio > target
        print(f"{name:<32}{median * 1000:>8.1f}ms{ratio:>8.2f}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
