"""How tmkfacts copes with big bases: first search, repeated search, an edit, peak memory.

    python bench/scale.py                  # 1,000 and 100,000 facts
    python bench/scale.py 1000 10000       # other sizes: the targets compare the last, first

For each size, bench/gen_facts.py writes a base; then this times, each command in a process of
its own and each figure the median of several runs, the sizes' runs alternating:
- tomli: a process that only parses the file with tomli (the floor every target is set against);
- first search: `search rhenium --json --limit 20` of the new file, into an empty cache: it
  parses and validates every record and writes the SQLite database with its FTS5 index;
- repeated: the same search again, answered from the database;
- after an edit: the first search after one fact's title is edited in the middle of the file
  (the database of the file before the edit is kept, so only that fact is read again);
- peak memory (resident, from wait4) of the first search, beside tomli's.
Then it checks the targets of the largest size, and exits 1 if one is missed:
- repeated search <= 1.5 x the same search at the smallest size;
- first search of a new file <= 3 x tomli;
- first search after an edit <= 1.5 x tomli;
- peak memory of the first search <= 1.25 x tomli's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUERY = ["search", "rhenium", "--json", "--limit", "20"]
ROUNDS = 3
REPEATS = 7


def script() -> list[str]:
    """The installed tmkfacts of this interpreter's environment."""
    beside = Path(sys.executable).with_name("tmkfacts")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "tmkfacts"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time in seconds and peak resident memory in KiB of one run, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench/scale.py: {' '.join(argv)} failed")
    return elapsed, usage.ru_maxrss


def edited(text: str, number: int) -> str:
    """The title of the fact in the middle of the file edited, differently each time."""
    at = text.index('title = "', len(text) // 2) + len('title = "')
    return text[:at] + f"Edited {number}: " + text[at:]


def measure(sizes: list[int], folder: Path) -> dict[int, dict[str, float]]:
    """Every figure of each size, in seconds and KiB.

    The runs of the sizes alternate (tomli, then a first search; the repeated searches), so
    that a machine busier at one moment than at another weighs on them alike.
    """
    files = {count: folder / f"facts-{count}.toml" for count in sizes}
    for count, facts in files.items():
        generate = [sys.executable, str(HERE / "gen_facts.py"), str(count), "--out", str(facts)]
        subprocess.run(generate, check=True)

    def search(count: int, cache: str) -> tuple[float, int]:
        env = {**os.environ, "XDG_CACHE_HOME": str(folder / f"cache-{count}-{cache}")}
        return timed([*script(), *QUERY, "--data", str(files[count])], env)

    runs: dict[int, dict[str, list[tuple[float, int]]]] = {
        count: {"tomli": [], "first": [], "repeated": [], "edit": []} for count in sizes
    }
    for round_ in range(ROUNDS):
        for count, facts in files.items():
            parse = [
                sys.executable,
                "-c",
                f"import tomli; tomli.loads(open({str(facts)!r}).read())",
            ]
            runs[count]["tomli"].append(timed(parse, dict(os.environ)))
            runs[count]["first"].append(search(count, str(round_)))
    for _ in range(REPEATS):
        for count in sizes:
            runs[count]["repeated"].append(search(count, "0"))
    for count, facts in files.items():
        original = facts.read_text(encoding="utf-8")
        for number in range(ROUNDS):
            facts.write_text(edited(original, number), encoding="utf-8")
            runs[count]["edit"].append(search(count, "0"))
    return {
        count: {
            "size_mb": files[count].stat().st_size / 1e6,
            "tomli_kib": statistics.median(memory for _, memory in found["tomli"]),
            "first_kib": max(memory for _, memory in found["first"]),
            **{name: statistics.median(time for time, _ in times) for name, times in found.items()},
        }
        for count, found in runs.items()
    }


def main() -> int:
    """Measure each size, print a table and the targets; exit 1 if one is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 100_000])
    sizes = parser.parse_args().sizes
    with tempfile.TemporaryDirectory() as name:
        found = measure(sizes, Path(name))
    print(f"{os.cpu_count()} cores; medians: tomli and first searches of {ROUNDS}, repeated of "
          f"{REPEATS}, edits of {ROUNDS}")  # fmt: skip
    print(f"{'facts':>8} {'MB':>6} {'tomli':>8} {'first':>8} {'repeated':>9} {'edit':>8} "
          f"{'tomli MiB':>10} {'first MiB':>10}")  # fmt: skip
    for count, row in found.items():
        print(f"{count:>8,} {row['size_mb']:>6.1f} {row['tomli']:>7.2f}s {row['first']:>7.2f}s "
              f"{row['repeated']:>8.3f}s {row['edit']:>7.2f}s {row['tomli_kib'] / 1024:>10.0f} "
              f"{row['first_kib'] / 1024:>10.0f}")  # fmt: skip
    small, big = found[sizes[0]], found[sizes[-1]]
    targets = [
        ("repeated search vs the smallest size", big["repeated"] / small["repeated"], 1.5),
        ("first search of a new file vs tomli", big["first"] / big["tomli"], 3.0),
        ("first search after an edit vs tomli", big["edit"] / big["tomli"], 1.5),
        ("peak memory of the first search vs tomli", big["first_kib"] / big["tomli_kib"], 1.25),
    ]
    print(f"\ntargets at {sizes[-1]:,} facts")
    missed = False
    for label, ratio, most in targets:
        verdict = "ok" if ratio <= most else "MISSED"
        missed |= ratio > most
        print(f"  {label:<44} {ratio:>5.2f} x  (<= {most})  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
