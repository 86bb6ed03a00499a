"""Score search on the cases in tests/search_cases.toml: recall@5, precision@5 and MRR.

    python bench/search_quality.py            # one line per case, then the totals
    python bench/search_quality.py --quiet    # the totals only

recall@5 is the share of a case's expected ids among the first five results (of all five when
it expects more than five); precision@5 the share of the first five results that it expects;
the reciprocal rank is 1/rank of its `first` id, or of its first expected id when it names no
`first`. Precision counts only the ids a case lists, so it understates: a case that expects one
fact scores at most 1/5 when five facts are found. Exits 1 unless recall@5 is 1.0 and MRR is at
least 0.9, the targets; `tests/test_search_cases.py` checks each case's own rules.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import tomli

import tmkfacts
from tmkfacts import search
from tmkfacts.errors import QueryError

CASES = Path(__file__).resolve().parent.parent / "tests" / "search_cases.toml"
TOP = 5


@dataclass(frozen=True)
class Score:
    """How one case fared."""

    query: str
    recall: float
    precision: float
    reciprocal_rank: float
    top: tuple[str, ...]


def cases(path: Path = CASES) -> list[dict[str, object]]:
    """The cases of a cases file."""
    return list(tomli.loads(path.read_text(encoding="utf-8"))["case"])


def score(base: tmkfacts.FactBase, case: dict[str, object]) -> Score:
    """Run one case and score it."""
    query = str(case["query"])
    expect = [str(each) for each in case["expect"]]  # type: ignore[attr-defined]
    first = case.get("first")
    try:
        found = [hit.fact.id for hit in search.search(base, query).hits]
    except QueryError as error:
        return Score(query, 0.0, 0.0, 0.0, (f"error: {error}",))
    top = found[:TOP]
    relevant = set(expect)
    recall = len(relevant.intersection(top)) / min(TOP, len(relevant))
    precision = len(relevant.intersection(top)) / len(top) if top else 0.0
    target = [str(first)] if first else expect
    rank = next((i for i, fact_id in enumerate(found, 1) if fact_id in target), None)
    return Score(query, recall, precision, 1 / rank if rank else 0.0, tuple(top))


def main(argv: list[str]) -> int:
    """Print the score of every case and the totals; 1 when the targets are missed."""
    base = tmkfacts.load()
    scores = [score(base, case) for case in cases()]
    if "--quiet" not in argv:
        for each in scores:
            print(
                f"R={each.recall:.2f} P={each.precision:.2f} RR={each.reciprocal_rank:.2f}  "
                f"{each.query}"
            )
            if each.recall < 1 or each.reciprocal_rank < 1:
                print(f"    top {TOP}: {', '.join(each.top)}")
    recall = statistics.mean(each.recall for each in scores)
    mrr = statistics.mean(each.reciprocal_rank for each in scores)
    precision = statistics.mean(each.precision for each in scores)
    print(
        f"{len(scores)} cases: recall@{TOP} {recall:.3f}, precision@{TOP} {precision:.3f}, "
        f"MRR {mrr:.3f}"
    )
    return 0 if recall == 1 and mrr >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
