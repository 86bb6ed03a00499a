"""Every case in search_cases.toml: what people type, and the facts they must get back."""

from pathlib import Path

import pytest
import tomli

from tmkfacts import load, search

CASES = tomli.loads((Path(__file__).parent / "search_cases.toml").read_text(encoding="utf-8"))
BASE = load()


def test_there_are_enough_cases_and_every_ability_has_some():
    abilities = {case["about"].split(":")[0] for case in CASES["case"]}
    assert len(CASES["case"]) >= 60
    assert abilities >= {
        "names",
        "parent finds subsidiary",
        "word forms",
        "synonyms",
        "places",
        "typos",
        "ranking",
        "phrases",
        "exclusion",
        "field filters",
        "plain text",
    }


def test_every_id_a_case_names_is_a_fact():
    known = {fact.id for fact in BASE.facts}
    for case in CASES["case"]:
        named = {*case["expect"], *case.get("absent", ()), *filter(None, [case.get("first")])}
        assert named <= known, case["query"]


@pytest.mark.parametrize("case", CASES["case"], ids=lambda case: case["query"])
def test_case(case):
    found = [hit.fact.id for hit in search.search(BASE, case["query"]).hits]
    assert set(case["expect"]) <= set(found)
    top = found[:5]
    # recall@5 = 1: every expected id in the top five, or a top five of expected ids only
    assert set(top) <= set(case["expect"]) or set(case["expect"]) <= set(top), top
    if "first" in case:
        assert found[0] == case["first"]
    assert not set(case.get("absent", ())) & set(found)
