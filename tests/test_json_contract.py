"""The `--json` contract with scripts: the keys of each command's objects, pinned.

Keys may be added (update the sets here and the README); none may be renamed or removed.
"""

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tmkfacts.cli import app

runner = CliRunner()

SOURCE = {"id", "title", "publisher", "url", "published", "notes", "title_supplied", "language"}
FIGURE = {"metric", "value", "unit", "scale", "period", "change_pct", "qualifier"}
FACT = {
    "id",
    "date",
    "date_note",
    "kind",
    "title",
    "text",
    "place",
    "entities",
    "materials",
    "figures",
    "tags",
    "sources",
    "disputes",
    "earliest",
    "latest",
    "origin",
}
ENTITY = {"id", "name", "short_name", "type", "country", "parent"}
SHAPES = {
    "list": FACT,
    "search rhenium": FACT | {"score", "matched"},
    "show first-metallic-rhenium-export": FACT,
    "timeline": FACT,
    "partners": ENTITY | {"relations", "facts", "first_date", "last_date", "planned"},
    "memberships": ENTITY
    | {"date", "date_note", "place", "fact", "benefits", "earliest", "latest"},
    "sources": SOURCE | {"facts"},
    "entities": ENTITY
    | {"aliases", "role", "organization", "description", "relations", "search_aliases"},
    "entity chalieco": ENTITY
    | {"aliases", "role", "organization", "description", "relations", "search_aliases"}
    | {"subsidiaries", "people", "facts"},
    "summary": {"section", "rows"},
}


def output(command: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, [*command.split(), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    assert data
    return data


@pytest.mark.parametrize("command", sorted(SHAPES))
def test_every_object_has_exactly_the_pinned_keys(command):
    for row in output(command):
        assert set(row) == SHAPES[command], row


@pytest.mark.parametrize("command", ["list", "search rhenium", "timeline"])
def test_facts_carry_their_sources_and_figures_as_objects(command):
    for row in output(command):
        assert isinstance(row["date"], str)
        for key in ("entities", "materials", "tags"):
            assert all(isinstance(item, str) for item in row[key])
        for source in row["sources"]:
            assert set(source) == SOURCE
            assert source["url"].startswith(("https://", "http://"))
        for figure in row["figures"]:
            assert set(figure) == FIGURE
            assert isinstance(figure["value"], int | float)


def test_partners_name_countries_by_iso_code_and_facts_by_id():
    fact_ids = {row["id"] for row in output("list")}
    for row in output("partners"):
        assert row["country"] is None or (
            isinstance(row["country"], str) and len(row["country"]) == 2
        )
        assert row["relations"]
        assert set(row["facts"]) <= fact_ids
        assert isinstance(row["first_date"], str)
        assert isinstance(row["last_date"], str)


def test_summary_sections_are_named_and_in_order():
    sections = [row["section"] for row in output("summary")]
    assert sections == [
        "totals",
        "kinds",
        "years",
        "exports",
        "partners_by_country",
        "memberships_by_year",
        "latest",
    ]
    (totals,) = output("summary")[0]["rows"]
    assert set(totals) == {"sources", "entities", "facts", "first_date", "last_date"}
