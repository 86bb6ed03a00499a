"""Tables and panels, drawn at 80 and 40 columns and compared with golden files.

Regenerate the goldens with `pytest tests/test_render.py --regen-golden` and review the diff.
"""

import io

import pytest
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tmkfacts import loads, render, search
from tmkfacts import query as q
from tmkfacts.model import Figure

from .conftest import DATA, MINI

GOLDEN = DATA / "render"
# Read under a short name, so that the file shown in `show` is the same on every machine.
MINI_BASE = loads(MINI.read_bytes(), name="mini.toml")

VIEWS = {
    "list": lambda: render.fact_table(q.list_facts(MINI_BASE)),
    "search": lambda: render.hit_table(search.search(MINI_BASE, "acme ship").hits),
    "show": lambda: render.fact_panel(MINI_BASE, MINI_BASE.fact("first-export")),
    "partners": lambda: render.partner_table(q.partners(MINI_BASE)),
    "memberships": lambda: render.membership_table(q.memberships(MINI_BASE)),
    "timeline": lambda: render.timeline_table(q.oldest_first(MINI_BASE.facts)),
    "summary": lambda: render.summary_view(q.summarize(MINI_BASE)),
    "sources": lambda: render.source_table(q.source_uses(MINI_BASE)),
}


def draw(renderable, width: int) -> str:
    """What the command line prints of it at a terminal this wide (render.draw), uncoloured."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    render.draw(console, renderable)
    return console.export_text()


@pytest.mark.parametrize("width", [200, 80, 40])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_matches_its_golden_file(name, width, regen_golden):
    text = draw(VIEWS[name](), width)
    golden = GOLDEN / f"{name}-{width}.txt"
    if regen_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


SHOWN_IDS = {
    "list": [fact.id for fact in MINI_BASE.facts],
    "timeline": [fact.id for fact in MINI_BASE.facts],
    "search": ["first-export"],
    "show": ["first-export"],
    "partners": ["buyer"],
    "sources": ["wire-2025-07-14", "blog-2025"],
}


@pytest.mark.parametrize("width", [20, 30, 40, 60, 75, 76, 100, 200])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_fits_any_width_without_losing_ids(name, width):
    text = draw(VIEWS[name](), width)
    lines = text.splitlines()
    # an address is printed whole, on a line of its own, for the terminal to wrap
    assert all(len(line.rstrip()) <= width for line in lines if "://" not in line)
    unfolded = "".join(text.split())  # an id folded over two lines is still whole
    for shown in SHOWN_IDS.get(name, []):
        # whole, or cut with an ellipsis where the column is narrow, never split mid-word
        cut = [word[:-1] for word in text.split() if word.endswith("…")]
        assert shown in unfolded or any(len(c) >= 3 and shown.startswith(c) for c in cut)


def test_markup_in_facts_is_shown_as_written():
    text = draw(render.membership_table(q.memberships(MINI_BASE)), 80)
    assert "[bold]markets[/bold]" in text
    hits = render.hit_table(search.search(MINI_BASE, "[bold]markets").hits)
    assert "[bold]markets[/bold]" in draw(hits, 80)


def test_search_highlights_whole_words_that_matched():
    table = render.hit_table(search.search(MINI_BASE, "acme ship").hits)
    assert isinstance(table, Table)  # without source notes, the table alone
    (cell,) = table.columns[1].cells
    assert isinstance(cell, Group)  # the title, the kind and id, the sentence
    texts = [each for each in cell.renderables if isinstance(each, Text)]
    marked = [
        text.plain[span.start : span.end]
        for text in texts
        for span in text.spans
        if span.style == "bold reverse"
    ]
    # the title, then the sentence of the text where 'ship' matched
    assert marked == ["Acme", "Acme", "shipped"]


def test_a_sentence_is_added_only_for_words_missing_from_the_title():
    table = render.hit_table(search.search(MINI_BASE, "acme rhenium").hits)
    assert isinstance(table, Table)
    (cell,) = table.columns[1].cells
    assert isinstance(cell, Group)
    plain = [each.plain for each in cell.renderables if isinstance(each, Text)]
    assert plain == ["Acme exports rhenium for the first time", "first-export · export · yours"]


@pytest.mark.parametrize(
    ("figure", "text"),
    [
        (
            Figure("export value", 21.3, "USD", "million", "2025-H1", 118, "expected"),
            "export value: expected 21.3 million USD for 2025-H1, +118%",
        ),
        (
            Figure("companies met", 15, "companies", qualifier="more than"),
            "companies met: more than 15 companies",
        ),
        (Figure("tonnes", 1234567.5, "t", change_pct=-2.5), "tonnes: 1,234,567.5 t, -2.5%"),
    ],
)
def test_figures_read_as_phrases(figure, text):
    assert render.figure_text(figure) == text
