"""Run every property test with 10,000 examples each, and report how many ran.

    python bench/fuzz.py          # a few minutes

The properties (tests/test_properties.py and the search property in tests/test_search.py):
random valid fact bases load and keep every character through JSON; random bytes and random
TOML-like text give a fact base or the loader's own error; random queries give hits or a
QueryError, and with a limit the first of the hits they give without one; random values are
encoded as JSON as `json.dumps` indents them. CI runs the same properties with 50 examples
each.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = [
    "tests/test_properties.py",
    "tests/test_search.py::test_search_never_fails_on_any_text",
]


def main() -> int:
    """Run pytest with the fuzz profile and print hypothesis's statistics."""
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--hypothesis-profile=fuzz", "--hypothesis-show-statistics", *PROPERTIES,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if "passing" in line or "Stopped" in line or "::" in line or " passed" in line:
            print(line.strip())
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-2000:], sep="\n")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
