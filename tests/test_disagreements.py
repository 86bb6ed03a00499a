"""Disagreements between sources, and the language of a source: how they are written and shown."""

import json

import pytest
from typer.testing import CliRunner

from tmkfacts import FactsError, load, loads
from tmkfacts.advice import disagreements, warnings
from tmkfacts.cli import app

runner = CliRunner()

BASE = """
[[source]]
id = "one"
title = "One report"
publisher = "A"
url = "https://example.org/one"
published = "2025-07-14"
language = "en"

[[source]]
id = "two"
title = "Another report"
publisher = "B"
url = "https://example.org/two"
published = "2025-09"
language = "uz-Cyrl"

[[entity]]
id = "tmk"
name = "Uzbekistan Technological Metals Complex"
type = "company"

[[fact]]
id = "expected"
date = "2025"
kind = "export"
title = "Exports expected to reach $21.3 million"
text = "One report calls the figure expected."
entities = ["tmk"]
sources = ["one"]
disputes = ["achieved"]

[[fact]]
id = "achieved"
date = "2025"
kind = "export"
title = "Exports came to $21.3 million"
text = "Another report calls the figure achieved."
entities = ["tmk"]
sources = ["two"]
disputes = ["expected"]
"""


def messages(document: str) -> list[str]:
    with pytest.raises(FactsError) as caught:
        loads(document)
    return [problem.message for problem in caught.value.problems]


def test_a_disagreement_links_two_facts_each_with_its_own_sources():
    base = loads(BASE)
    assert base.fact("expected").disputes == ("achieved",)
    assert base.fact("achieved").disputes == ("expected",)
    assert [(a.id, b.id) for a, b in disagreements(base)] == [("expected", "achieved")]
    assert warnings(base) == []


def test_a_dispute_must_name_another_fact_that_exists():
    unknown = BASE.replace('disputes = ["achieved"]', 'disputes = ["achieved", "acheived"]')
    assert any(
        "'disputes' names unknown fact 'acheived' (did you mean 'achieved'?)" in m
        for m in messages(unknown)
    )
    itself = BASE.replace('disputes = ["achieved"]', 'disputes = ["expected"]')
    assert "a fact cannot dispute itself" in messages(itself)


def test_a_disagreement_recorded_on_one_side_only_is_a_warning():
    one_sided = BASE.replace('disputes = ["expected"]\n', "")
    found = [w.message for w in warnings(loads(one_sided))]
    expected = (
        "warning: 'expected' disputes it, but it does not list 'expected' in 'disputes': "
        "record a disagreement on both facts"
    )
    assert found == [expected]


def test_a_language_is_a_bcp_47_tag():
    for good in ("en", "uz-Cyrl", "pt-BR"):
        assert loads(BASE.replace('language = "en"', f'language = "{good}"')).source("one")
    wrong = BASE.replace('language = "en"', 'language = "English"')
    assert messages(wrong) == [
        "language 'English' is not a BCP 47 tag such as 'en', 'ru' or 'uz-Cyrl'"
    ]


def test_show_shows_a_disputed_fact_with_the_facts_that_dispute_it():
    done = runner.invoke(app, ["show", "tmk-exports-first-half-2025", "--json"])
    assert done.exit_code == 0
    shown = json.loads(done.stdout)
    assert [row["id"] for row in shown] == [
        "tmk-exports-first-half-2025",
        "tmk-exports-first-half-2025-as-result",
    ]
    assert shown[0]["disputes"] == ["tmk-exports-first-half-2025-as-result"]
    assert shown[0]["sources"][0]["language"] == "en"
    plain = runner.invoke(app, ["show", "traxys-portfolio-2025"]).stdout  # a pipe: records
    assert "disputes: traxys-investment-plan-2026" in plain
    assert "id: traxys-investment-plan-2026" in plain
    table = runner.invoke(app, ["show", "traxys-portfolio-2025", "-f", "table"]).stdout
    assert "Disputed" in table


def test_check_lists_the_open_disagreements_of_the_shipped_base():
    done = runner.invoke(app, ["check", "--strict"])
    assert done.exit_code == 0
    listed = done.stderr.splitlines()
    assert listed[0].startswith("2 open disagreements")
    pairs = {(a.id, b.id) for a, b in disagreements(load())}
    for one, other in pairs:
        assert f"  {one}: " in done.stderr
        assert f"    vs {other}: " in done.stderr
