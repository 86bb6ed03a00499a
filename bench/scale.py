"""How tmkfacts copes with big bases: parse, first search, repeated search and peak memory.

    python bench/scale.py                    # 1,000, 10,000 and 100,000 facts
    python bench/scale.py 1000 10000         # other sizes

For each size, bench/gen_facts.py writes a base; then this prints the time tomli alone takes
to parse it (median of 3), the first `tmkfacts search` of the new file (median of 3, each into
an empty cache: it parses, validates, indexes and caches), the median of 5 repeated searches
(answered from the cache), the first search after the file's facts change (the slowest of the
kinds of change below), and the highest peak resident memory of all those first searches,
beside the file's size and the interpreter's baseline (for a command that forks a process
to share the work, the most that both held at once, if more than its own peak; see `timed`).
The search is `search rhenium --json --limit 10`.

A second table times the first search after each kind of change, made as people make them:
a fact's title edited, a fact inserted, a fact removed, each in the middle of the file; a
fact added at its end; a source added before the facts with a fact citing it at the end; the
entity that every fact names renamed; a source added after the facts, with a fact citing it
after that (median of 3 changes of each kind, each in another place, each on top of the
last; the cache holds the index of the file before the change). A third times other kinds of
search, repeated. A fourth, at the largest size only, times commands whose work grows with the
base, with their peak memory: a search that every fact matches, printing them all; one whose
phrase every fact holds, with a limit; list, partners, summary and export of the whole base;
and first, the first `partners` of the file, which reads it whole and keeps the base. Every
measurement runs in a process of its own. Last come the targets, at the largest size: a
repeated search at most 2 x one at the smallest; the first search after a change at most
1.5 x tomli; peak memory above the baseline at most 3 x the file, for searches and for the
commands of the fourth table. It exits 1 if one is missed. After them, three measurements
of the largest file without a target: the first search of the new file; its floor, the work
that no first search of a new file can skip, done on both cores (see FLOOR); and what
`tmkfacts check` takes without the cache, which parses and checks every record in one
process and indexes nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUERY = ["search", "rhenium", "--json", "--limit", "10"]
#: How many first searches are timed, of the new file and after each kind of change.
FIRSTS = 3
#: A fact as a curator writes one: added at the end of the file, or inserted in it.
ADDED = """
[[fact]]
id = "added-{number}"
date = "2026-11"
kind = "announcement"
title = "A fact added to the file about rhenium"
text = "Added to the file, as a curator adds one."
entities = ["tmk"]
sources = ["source-0"]
"""
FACT = "\n[[fact]]\n"


def edit(text: str, at: int, _number: int) -> str:
    """The title of the fact after `at` edited."""
    title = text.index('title = "', at) + len('title = "')
    return text[:title] + "Edited: " + text[title:]


def insert(text: str, at: int, number: int) -> str:
    """A fact inserted before the one after `at`."""
    before = text.index(FACT, at)
    return text[:before] + ADDED.format(number=f"inserted-{number}") + text[before:]


def remove(text: str, at: int, _number: int) -> str:
    """The fact after `at` removed."""
    start = text.index(FACT, at)
    return text[:start] + text[text.index(FACT, start + 1) :]


def append(text: str, _at: int, number: int) -> str:
    """A fact added at the end."""
    return text + ADDED.format(number=number)


def cite(text: str, _at: int, number: int) -> str:
    """A source added before the facts, and a fact that cites it added at the end."""
    first = text.index(FACT)
    source = (
        f'\n[[source]]\nid = "cited-{number}"\ntitle = "A new report"\npublisher = "A wire"\n'
        f'url = "https://example.org/cited-{number}"\npublished = "2026-11"\n'
    )
    fact = ADDED.format(number=f"citing-{number}").replace("source-0", f"cited-{number}")
    return text[:first] + source + text[first:] + fact


def cite_at_end(text: str, _at: int, number: int) -> str:
    """A source added after the facts, and a fact that cites it after that."""
    source = (
        f'\n[[source]]\nid = "late-{number}"\ntitle = "A later report"\npublisher = "A wire"\n'
        f'url = "https://example.org/late-{number}"\npublished = "2026-11"\n'
    )
    fact = ADDED.format(number=f"late-{number}").replace("source-0", f"late-{number}")
    return text + source + fact


def rename(text: str, _at: int, number: int) -> str:
    """The entity that every fact names renamed: a word put in front of its name."""
    name = text.index(TMK) + len(TMK)
    return text[:name] + f"Renamed{number} " + text[name:]


TMK = 'id = "tmk"\nname = "'
#: The kinds of change whose first search is timed, each made in FIRSTS places in turn.
CHANGES = {
    "edited": edit, "inserted": insert, "removed": remove, "added": append, "cited": cite,
    "renamed": rename, "cited@end": cite_at_end,
}  # fmt: skip
#: Other kinds of query, timed repeated too: a phrase, a typo, a field filter, all of a word.
OTHERS = {
    "phrase": ["search", '"supply chain"', "--json", "--limit", "10"],
    "typo": ["search", "exprots", "--json", "--limit", "10"],
    "filter": ["search", "kind:export metal", "--json", "--limit", "10"],
    "every hit": ["search", "rhenium", "--json"],
}
#: Other commands, timed at the largest size: what they print grows with the base, or they
#: read all of it. Each runs once, untimed, to fill the cache, then 3 times.
WHOLE = {
    "search, every fact a hit": ["search", "tmk", "--json"],
    "search tmk --limit 10": ["search", "tmk", "--json", "--limit", "10"],
    "list --json": ["list", "--json"],
    "partners --json": ["partners", "--json"],
    "summary --json": ["summary", "--json"],
    "export --to facts.json": ["export", "--to", "{folder}/export.json", "--force"],
}
# The peak is read from /proc where there is one: ru_maxrss may carry over the peak of the
# process that started it.
MEASURED = """
import resource, sys
from tmkfacts.__main__ import run  # as the `tmkfacts` script runs
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
#: How often the resident memory of a command and of the process it forks is summed.
SAMPLED = 0.01
#: tomli alone, in its own process too: median seconds of 3 parses of the file in argv[1].
TOMLI = """
import statistics, sys, time, tomli
text = open(sys.argv[1], encoding="utf-8").read()
times = []
for _ in range(3):
    start = time.perf_counter()
    tomli.loads(text)
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""
#: The least a first search of a new file could cost, whatever it does after: the work that
#: none can skip, on both cores as a new index is built, and nothing else. Each process
#: cuts the file, parses and checks its half of the facts and splits every one into words
#: (BM25 needs every fact's length), as `index._index_share` does for the index, but writes
#: no index, ranks nothing and prints nothing. Median seconds of 3.
FLOOR = """
import gc, statistics, sys, time
from pathlib import Path
from tmkfacts import forked, index, store
files = [Path(sys.argv[1])]
share = forked.half_of(files)
if share is None:  # one process: off Linux, on one core, or for a file under 2 MiB
    sys.exit(print("nan"))
class Words:  # a writer for `index._index_share` that keeps nothing of a fact but its words
    def __init__(self, base):
        self.add = index._Reader(base).own_fields
    def start_run(self, *run):
        pass
    def end_run(self):
        pass
def split(base, going, rest):
    return index._index_share(files, base, Words(base), going, share, rest=rest)
gc.disable()  # as the `tmkfacts` script runs
times = []
for _ in range(3):
    start = time.perf_counter()
    heads = store.heads(files)
    base = store.heads_base(files, heads) if heads is not None else None
    assert base is not None, "the file must be cut into runs"
    mine = forked.halves(
        lambda going: split(base, going, False), lambda going: split(base, going, True) is not None
    )
    assert mine is not None, "a run could not be read"
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time in seconds and peak memory in KiB of one run, which must succeed.

    The peak is the command's own, or, when it forks a process to share the work (a new
    index or base of 2 MiB or more), the most that both held at once, sampled every SAMPLED
    seconds, if that is more: it counts twice the pages they share.
    """
    start = time.perf_counter()
    command = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    most = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLED):
            most[0] = max(most[0], resident(command.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, errors = command.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if command.returncode != 0:
        sys.exit(f"bench/scale.py: {' '.join(argv[3:])} failed: {errors.strip()}")
    peak = next(int(line.split()[1]) for line in errors.splitlines() if "peak-kib" in line)
    return elapsed, max(peak, most[0])


def resident(pid: int) -> int:
    """The resident memory in KiB of a process and of the processes it started, now.

    0 where there is no /proc; what a process ending meanwhile held is not counted.
    """
    process, total = Path(f"/proc/{pid}"), 0
    try:
        lines = (process / "status").read_text().splitlines()
        total = next(int(line.split()[1]) for line in lines if line.startswith("VmRSS"))
        children = (process / "task" / str(pid) / "children").read_text().split()
    except (OSError, StopIteration, ValueError):
        return total
    return total + sum(resident(int(child)) for child in children)


def other_searches(base: Path, env: dict[str, str]) -> list[float]:
    """The median time of 3 repeated searches of each of the OTHERS kinds."""
    found = []
    for words in OTHERS.values():
        argv = [sys.executable, "-c", MEASURED, *words, "--data", str(base)]
        found.append(statistics.median(timed(argv, env)[0] for _ in range(3)))
    return found


def check_time(base: Path) -> float:
    """The median time of `tmkfacts check` of the file without the cache: reading alone.

    It parses and checks every record, as the first search of a new file must, and indexes
    nothing.
    """
    argv = [sys.executable, "-c", MEASURED, "check", "--data", str(base)]
    env = {**os.environ, "TMKFACTS_NO_CACHE": "1"}
    return statistics.median(timed(argv, env)[0] for _ in range(FIRSTS))


def floor_time(base: Path) -> float:
    """Seconds of FLOOR: the least a first search of the new file could cost (see FLOOR)."""
    found = subprocess.run(
        [sys.executable, "-c", FLOOR, str(base)], capture_output=True, text=True, check=True
    )
    return float(found.stdout)


def whole(base: Path, folder: str) -> list[tuple[str, float, int]]:
    """Each of WHOLE's commands: its median seconds and highest peak KiB, with a warm cache.

    First, the first `partners` of the file, into an empty cache: it reads the whole file,
    and keeps the base for the commands after it.
    """
    env = {**os.environ, "XDG_CACHE_HOME": str(Path(folder) / "cache-whole")}
    argv = [sys.executable, "-c", MEASURED, "partners", "--json", "--data", str(base)]
    found = [("partners --json, new file", *timed(argv, env))]
    for name, words in WHOLE.items():
        argv = [sys.executable, "-c", MEASURED, *(w.format(folder=folder) for w in words)]
        argv += ["--data", str(base)]
        timed(argv, env)
        runs = [timed(argv, env) for _ in range(3)]
        found.append((name, statistics.median(t for t, _ in runs), max(p for _, p in runs)))
    return found


def show_kinds(changes: list[list[float]], others: list[list[float]]) -> None:
    """Print the tables of the first search after each kind of change, and of other searches."""
    print("\nfirst search after a change, seconds (median of 3 changes of each kind):")
    print("  ".join(f"{name:>9}" for name in ("facts", *CHANGES)))
    for size, *times in changes:
        print("  ".join([f"{size:>9,}", *(f"{time:>9.3f}" for time in times)]))
    print("\nrepeated searches of other kinds, seconds (median of 3):")
    print("  ".join(f"{name:>9}" for name in ("facts", *OTHERS)))
    for size, *times in others:
        print("  ".join([f"{size:>9,}", *(f"{time:>9.3f}" for time in times)]))
    if len(others) > 1:
        pairs = zip(OTHERS, others[0][1:], others[-1][1:], strict=True)
        print("largest / smallest: " + ", ".join(f"{n} {lg / sm:.2f}" for n, sm, lg in pairs))


def show_whole(
    found: list[tuple[str, float, int]], size: int, baseline: int, megabytes: float
) -> float:
    """Print the table of `whole`; return its highest peak above the baseline / file."""
    print(f"\nother commands at {size:,} facts (median of 3 and highest peak):")
    print(f"{'command':<28}{'seconds':>9}{'peak MiB':>10}{'x file':>8}")
    ratios = []
    for name, seconds, most in found:
        ratios.append((most - baseline) / 1024 / megabytes)
        print(f"{name:<28}{seconds:>9.2f}{most / 1024:>10.0f}{ratios[-1]:>8.2f}")
    return max(ratios)


def after_changes(base: Path, argv: list[str], env: dict[str, str]) -> tuple[list[float], int]:
    """The median first search after each kind of change (CHANGES), and the highest peak."""
    medians, peak = [], 0
    for change in CHANGES.values():
        times = []
        for number in range(FIRSTS):  # in the middle of the file, a little further on each time
            text = base.read_text(encoding="utf-8")
            base.write_text(change(text, len(text) * (2 + number) // 5, number), encoding="utf-8")
            elapsed, most = timed(argv, env)
            times.append(elapsed)
            peak = max(peak, most)
        medians.append(statistics.median(times))
    return medians, peak


def main() -> int:
    """Measure each size, print the tables and the targets; exit 1 when one is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10_000, 100_000])
    sizes = parser.parse_args().sizes
    baseline = timed([sys.executable, "-c", MEASURED, "--version"], dict(os.environ))[1]
    print(f"interpreter baseline: {baseline / 1024:.0f} MiB peak (tmkfacts --version)")
    header = (
        "facts", "file MB", "tomli s", "first s", "x tomli", "repeat s", "changed s", "x tomli",
        "peak MiB", "x file",
    )  # fmt: skip
    print("  ".join(f"{name:>9}" for name in header))
    rows, others, changes = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            base = Path(folder) / f"facts-{size}.toml"
            subprocess.run(
                [sys.executable, str(HERE / "gen_facts.py"), str(size), "--out", str(base)],
                check=True,
            )
            parsed = subprocess.run(
                [sys.executable, "-c", TOMLI, str(base)], capture_output=True, text=True, check=True
            )
            tomli_s = float(parsed.stdout)
            argv = [sys.executable, "-c", MEASURED, *QUERY, "--data", str(base)]
            firsts = []
            for attempt in range(FIRSTS):  # each into an empty cache folder of its own
                cache = Path(folder) / f"cache-{size}-{attempt}"
                env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
                firsts.append(timed(argv, env))
            first = statistics.median(elapsed for elapsed, _ in firsts)
            repeated = statistics.median(timed(argv, env)[0] for _ in range(5))
            megabytes = base.stat().st_size / 1e6
            others.append([size, *other_searches(base, env)])
            if size == sizes[-1]:
                checked = check_time(base) / tomli_s
                floor = floor_time(base) / tomli_s
                others_whole = whole(base, folder)
            after, most = after_changes(base, argv, env)
            changes.append([size, *after])
            peak = max(most, *(peak for _, peak in firsts))
            changed = max(after)
            rows.append(
                (size, repeated, first / tomli_s, changed / tomli_s,
                 (peak - baseline) / 1024 / megabytes)
            )  # fmt: skip
            cells = (
                f"{size:,}", f"{megabytes:.1f}", f"{tomli_s:.2f}", f"{first:.2f}",
                f"{first / tomli_s:.2f}", f"{repeated:.3f}", f"{changed:.3f}",
                f"{changed / tomli_s:.2f}", f"{peak / 1024:.0f}",
                f"{(peak - baseline) / 1024 / megabytes:.1f}",
            )  # fmt: skip
            print("  ".join(f"{cell:>9}" for cell in cells), flush=True)
    show_kinds(changes, others)
    (size, repeated, first_ratio, changed_ratio, peak_ratio), smallest = rows[-1], rows[0]
    warm = show_whole(others_whole, size, baseline, megabytes)
    verdicts = [
        (f"first search after a change at {size:,} / tomli", changed_ratio, 1.5),
        (f"peak memory at {size:,} above the baseline / file", peak_ratio, 3.0),
        ("  the same, the other commands of the table", warm, 3.0),
    ]
    if len(rows) > 1:
        ratio = repeated / smallest[1]
        verdicts.insert(0, (f"repeated search at {size:,} / at {smallest[0]:,}", ratio, 2.0))
    print("\ntargets:")
    for name, ratio, target in verdicts:
        print(f"  {name:<48}{ratio:>6.2f}  <={target} " + ("ok" if ratio <= target else "MISSED"))
    print("measured, without a target:")
    measured = (
        (f"first search of a new file at {size:,} / tomli", first_ratio, "reads, checks, indexes"),
        ("  its floor on two cores (FLOOR) / tomli", floor, "reads, checks, splits into words"),
        (f"`tmkfacts check` at {size:,}, no cache / tomli", checked, "reads, checks; one core"),
    )
    for name, ratio, what in measured:
        print(f"  {name:<48}{ratio:>6.2f}  {what}")
    return 1 if any(ratio > target for _, ratio, target in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
