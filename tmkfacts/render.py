"""Rich tables and panels for people at a terminal. Each function returns a renderable.

Text from the fact base is data, never markup: every cell is a `Text` built from the plain
string, so `[bold]` in a fact shows as written. Long words fold and columns wrap, so a table
stays whole at any width.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.style import Style
from rich.table import Table
from rich.text import Text

from tmkfacts.errors import printable
from tmkfacts.formats import flat
from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate
from tmkfacts.rows import BUILTIN, FILE_FIELDS, Row, origin_of

if TYPE_CHECKING:  # only named in annotations: a table of partners need not define searches
    from rich.console import OverflowMethod
    from rich.panel import Panel  # imported where used: only `show` and `summary` draw panels

    from tmkfacts.query import EntityView, Membership, Partner, SourceUse, Summary
    from tmkfacts.search import Hit

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_MATCH = "bold reverse"
_BAR = "█"
_BAR_WIDTH = 20
_WIDE = 76  # columns below which tables fold their details into fewer columns


class _Text(Text):
    r"""Rich text that shows control and bidi characters from the fact base as escapes.

    An escape sequence in a fact must not recolour the terminal, and a right-to-left override
    must not reorder the table; `\x1b` and `\u202e` show what is there instead.
    """

    def __init__(
        self, text: str = "", style: str = "", *, no_wrap: bool | None = None,
        overflow: OverflowMethod | None = None,
    ) -> None:  # fmt: skip
        super().__init__(
            printable(text, lines=True), style=style, no_wrap=no_wrap, overflow=overflow
        )

    def append(self, text: str | Text, style: str | Style | None = None) -> _Text:
        """Append text, made printable when it is a plain string."""
        super().append(printable(text, lines=True) if isinstance(text, str) else text, style)
        return self


class SourceNotes:
    """Footnotes for a table of facts: each source numbered once, and a legend of them.

    With `--with-sources`, a fact never travels without its sources, even in a table.
    """

    def __init__(self, base: FactBase, facts: Iterable[Fact]) -> None:
        self.numbers: dict[str, int] = {}
        for fact in facts:
            for source_id in fact.sources:
                self.numbers.setdefault(source_id, len(self.numbers) + 1)
        self.sources = [base.source(source_id) for source_id in self.numbers]

    def marks(self, fact: Fact) -> str:
        """The footnote marks of a fact's sources, as [1][3]."""
        return "".join(f"[{self.numbers[source_id]}]" for source_id in fact.sources)

    def legend(self) -> list[Text]:
        """The numbered sources: publisher, title and date, then the address on its own line."""
        lines: list[Text] = [_Text(""), _Text("Sources", style="bold")]
        for number, source in enumerate(self.sources, start=1):
            line = _Text(f"[{number}] ", style="bold")
            line.append(f"{source.publisher}, {source.shown_title}, {source.published}.")
            lines += [line, _address(source.url)]
        return lines


class Addressed:
    """Something drawn, then lines printed as they are: web addresses are never broken.

    The terminal wraps a long line, so an address can be copied whole (see `draw`). Drawn
    by Rich elsewhere (in a test, a pager), it is the body and the lines one after another.
    """

    def __init__(self, body: RenderableType, lines: Sequence[Text]) -> None:
        self.body, self.lines = body, lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.body
        yield from self.lines


def draw(console: Console, shown: RenderableType) -> None:
    """Print to the console: its lines without trailing spaces, then any lines unwrapped."""
    from rich.segment import Segment, Segments

    body, after = (shown.body, shown.lines) if isinstance(shown, Addressed) else (shown, [])
    for line in console.render_lines(body, console.options, pad=False, new_lines=False):
        while line and not line[-1].text.strip() and not line[-1].control:
            line.pop()  # padding: only spaces
        if line:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(), last.style, last.control)
        console.print(Segments([*line, Segment.line()]), soft_wrap=True, end="")
    for text in after:
        console.print(text, soft_wrap=True)


def _address(url: str) -> Text:
    return _Text(url, style="underline")


def fact_table(facts: Sequence[Fact], notes: SourceNotes | None = None) -> RenderableType:
    """Facts, one row each: the date, and the title over the kind and the id to `show` it by."""
    table = _table("Date", "Fact")
    for fact in facts:
        table.add_row(_Text(when(fact)), _fact_cell(fact, notes=notes))
    return _with_legend(table, notes)


def _with_legend(table: Table, notes: SourceNotes | None) -> RenderableType:
    return table if notes is None else Addressed(table, notes.legend())


def hit_table(hits: Sequence[Hit], notes: SourceNotes | None = None) -> RenderableType:
    """Search results, best first, with the matched words highlighted.

    When a word matched outside the title, the sentence of the text that holds it is shown too.
    """
    table = _table("Date", "Fact")
    for hit in hits:
        sentence = _sentence_with(hit.fact.text, hit.words, beyond=hit.fact.title)
        cell = _fact_cell(hit.fact, hit.words, notes, more=sentence)
        table.add_row(_Text(when(hit.fact)), cell)
    return _with_legend(table, notes)


def fact_panel(base: FactBase, fact: Fact) -> Addressed:
    """One fact in full: date and how it is known, kind, text, entities, figures and sources."""
    from rich.panel import Panel

    date = _Text(_dated(fact.date))
    if fact.when != (fact.date, fact.date):
        date.append(f", {_bounds(fact, years=True)}")
    if fact.date_note:
        date.append(f"\n{fact.date_note}", style="dim")
    rows: list[tuple[str, RenderableType]] = [("Date", date), ("Kind", _Text(fact.kind))]
    if fact.place:
        rows.append(("Place", _Text(fact.place)))
    rows.append(("Text", _Text(fact.text)))
    entities = _Text("\n").join(_entity_line(base, base.entity(e)) for e in fact.entities)
    rows.append(("Entities", entities))
    if fact.figures:
        rows.append(("Figures", _Text("\n").join(_Text(figure_text(f)) for f in fact.figures)))
    if fact.materials:
        rows.append(("Materials", _Text(", ".join(fact.materials))))
    if fact.tags:
        rows.append(("Tags", _Text(", ".join(fact.tags))))
    sources = _Text()
    addresses: list[Text] = [_Text("")]
    for number, source_id in enumerate(fact.sources, start=1):
        source = base.source(source_id)
        sources.append(f"[{number}] ", style="bold")
        sources.append(source.shown_title)
        sources.append(f"\n{source.publisher}, {_dated(source.published)}")
        if number < len(fact.sources):
            sources.append("\n")
        addresses.append(_Text(f"[{number}] ", style="bold").append_text(_address(source.url)))
    rows.append(("Sources", sources))
    if fact.disputes:
        disputed = ", ".join(fact.disputes)
        rows.append(("Disputed", _Text(f"by {disputed}, whose sources say otherwise (shown too)")))
    if fact.origin is not None:
        rows.append(("Defined", _Text(str(fact.origin), style="dim")))
    grid = _pairs(rows, label_style="bold")
    heading = _Text(fact.title, style="bold")
    heading.append(f"\n{fact.id}\n", style="dim")
    return Addressed(Panel(Group(heading, grid), box=box.ROUNDED, expand=False), addresses)


def partner_table(partners: Sequence[Partner]) -> RenderableType:
    """Partners, one row each: name, country, relations, first and latest date, fact count."""

    def wide() -> Table:
        table = _table("Partner", "Country", "Relations", "First", "Latest", "Facts")
        table.columns[2].max_width = 16  # room for names and ids before relations
        table.columns[-1].justify = "right"
        for partner in partners:
            entity = partner.entity
            table.add_row(
                _named(entity, entity.id, _part_of(partner), short=True),
                _Text(entity.country or "-"),
                _Text("\n".join(entity.relations)),
                _Text(when(partner.first) if partner.first else "-"),
                _Text(_latest(partner)),
                _Text(str(len(partner.facts))),
            )
        return table

    def narrow() -> Table:
        table = _table("Partner", "Facts")
        table.columns[-1].justify = "right"
        for partner in partners:
            entity = partner.entity
            dates = _span(partner)
            details = (
                entity.country,
                ", ".join(entity.relations),
                dates,
                _part_of(partner),
                entity.id,
            )
            table.add_row(_named(entity, *details, short=True), _Text(str(len(partner.facts))))
        return table

    return _ByWidth(wide, narrow)


def membership_table(memberships: Sequence[Membership]) -> RenderableType:
    """Bodies TMK joined: when, which, where based, and what the membership is to give."""

    def gives(membership: Membership) -> Text:
        return _Text("\n").join(_Text(f.text) for f in membership.benefits) or _Text("-")

    def where(membership: Membership) -> str | None:
        place = membership.fact.place
        return f"joined in {place}" if place else None

    def wide() -> Table:
        table = _table("Joined", "Member of", "Based", "Expected to give")
        for membership in memberships:
            body = membership.body
            name = _named(body, body.short_name or body.id, body.type, where(membership))
            based = _Text(body.country or "-")
            table.add_row(_Text(when(membership.fact)), name, based, gives(membership))
        return table

    def narrow() -> Table:
        table = _table("Joined", "Member of")
        for membership in memberships:
            body = membership.body
            details = (body.short_name or body.id, body.type, body.country, where(membership))
            cell = _named(body, *details)
            if membership.benefits:
                cell.append("\n")
                cell.append_text(gives(membership))
            table.add_row(_Text(when(membership.fact)), cell)
        return table

    return _ByWidth(wide, narrow)


def entity_table(entities: Sequence[Entity]) -> RenderableType:
    """Entities, one row each: the name over its id, the type, country and relations."""

    def wide() -> Table:
        table = _table("Entity", "Type", "Country", "Relations")
        for entity in entities:
            table.add_row(
                _named(entity, entity.id),
                _Text(entity.type),
                _Text(entity.country or "-"),
                _Text("\n".join(entity.relations) or "-"),
            )
        return table

    def narrow() -> Table:
        table = _table("Entity")
        for entity in entities:
            details = (entity.type, entity.country, ", ".join(entity.relations), entity.id)
            table.add_row(_named(entity, *details))
        return table

    return _ByWidth(wide, narrow)


def entity_panel(view: EntityView) -> RenderableType:
    """One entity in full: names, what it is, where, its relatives and its facts, newest first."""
    from rich.panel import Panel

    entity = view.entity
    rows: list[tuple[str, RenderableType]] = [("Type", _Text(entity.type))]
    names = [name for name in entity.names if name not in entity.search_aliases]
    if len(names) > 1:
        rows.append(("Names", _Text("\n".join(names[1:]))))
    if entity.search_aliases:
        rows.append(("Also found by", _Text(", ".join(entity.search_aliases), style="dim")))
    plain = (("Country", entity.country), ("Role", entity.role))
    rows += [(label, _Text(value)) for label, value in plain if value]
    if entity.organization:
        rows.append(("Works for", _Text(entity.organization)))
    if view.parent:
        rows.append(("Part of", _named(view.parent, view.parent.id)))
    if view.subsidiaries:
        rows.append(("Owns", _Text("\n").join(_named(e, e.id) for e in view.subsidiaries)))
    if view.people:
        people = _Text("\n").join(_named(e, e.role, e.id) for e in view.people)
        rows.append(("People", people))
    if entity.relations:
        rows.append(("Relations", _Text(", ".join(entity.relations))))
    if entity.description:
        rows.append(("About", _Text(entity.description)))
    if view.facts:
        listed = Table.grid(padding=(0, 1))
        listed.add_column(no_wrap=True)
        listed.add_column()
        for fact in view.facts:
            listed.add_row(_Text(when(fact)), _fact_cell(fact))
        rows.append(("Facts", listed))
    if entity.origin is not None:
        rows.append(("Defined", _Text(str(entity.origin), style="dim")))
    heading = _Text(entity.name, style="bold")
    heading.append(f"\n{entity.id}\n", style="dim")
    return Panel(Group(heading, _pairs(rows, label_style="bold")), box=box.ROUNDED, expand=False)


def timeline_table(facts: Sequence[Fact], notes: SourceNotes | None = None) -> RenderableType:
    """Facts oldest first, grouped by year and then by month, or by what bounds a year alone.

    A fact known only to its year stands where its span puts it: after the months its
    sources' publication bounds it by (`by 14 Jul`), or at the end of its year (`year only`).
    """
    table = _table("Year", "When", "Fact")
    previous: tuple[int, str] | None = None
    for fact in facts:
        date = fact.date
        label = _MONTHS[date.month - 1] + (f" {date.day}" if date.day else "") if date.month else ""
        bounds = _bounds(fact)
        label = f"{label}, {bounds}" if label and bounds else label or bounds or "year only"
        new_year = previous is None or previous[0] != date.year
        if new_year and previous is not None:
            table.add_section()
        shown = label if new_year or previous != (date.year, label) or date.day else ""
        cell = _fact_cell(fact, notes=notes)
        table.add_row(_Text(str(date.year) if new_year else ""), _Text(shown), cell)
        previous = (date.year, label)
    return _with_legend(table, notes)


def rows_table(found: Sequence[Row], fields: Sequence[str]) -> Table:
    """Rows as a plain table of the chosen fields, for --fields at a terminal."""
    table = _table(*fields)
    for row in found:
        table.add_row(*(_Text(flat(row.get(name))) for name in fields))
    return table


def file_table(found: Sequence[Row], folder: str | None, *, chosen: bool) -> RenderableType:
    """The fact files read, in order, what each holds, and where the user's own files go."""
    table = _table("File", "Whose", "Sources", "Entities", "Facts")
    for column in table.columns[2:]:
        column.justify = "right"
    for row in found:
        cell = _Text(str(row["file"]))
        if row.get("problem"):
            cell.append(f"\n{row['problem']}", style="red")
        counts = (_Text("-" if row[name] is None else str(row[name])) for name in FILE_FIELDS[2:5])
        table.add_row(cell, _Text(str(row["role"])), *counts)
    if folder is None:
        where = "Your own fact files: no home folder, so none are read."
    else:
        where = f"Your own fact files: every *.toml in {folder}"
        where += (
            ", read when neither --data nor TMKFACTS_DATA names files."
            if chosen
            else ", read after the shipped base."
        )
    return Group(table, _Text(""), _Text(where))


def source_table(uses: Sequence[SourceUse]) -> Addressed:
    """Sources numbered, with publisher, date and facts supported; their addresses below."""
    table = _table("#", "Published", "Source", "Facts")
    table.columns[0].justify = table.columns[-1].justify = "right"
    addresses: list[Text] = [_Text(""), _Text("Addresses", style="bold")]
    for number, use in enumerate(uses, start=1):
        source = use.source
        cell = _Text(source.shown_title)
        cell.append(f"\n{source.publisher}", style="italic")
        cell.append(f"\n{source.id}", style="dim")
        table.add_row(
            _Text(str(number)), _Text(str(source.published)), cell, _Text(str(len(use.facts)))
        )
        addresses.append(_Text(f"[{number}] ", style="bold").append_text(_address(source.url)))
    return Addressed(table, addresses)


def summary_view(summary: Summary) -> Group:
    """The fact base at a glance: totals, bar charts, export figures, partners, memberships."""
    from rich.columns import Columns

    base = summary.base
    heading = _Text(
        f"{summary.facts} facts from {len(base.sources)} sources "
        f"about {len(base.entities)} entities",
        style="bold",
    )
    if summary.first_date and summary.last_date:
        heading.append(f", dated {summary.first_date} to {summary.last_date}")
    counts = Columns(
        [
            _bars("Facts by kind", [(kind, n) for kind, n in summary.by_kind]),
            _bars("Facts by year", [(str(year), n) for year, n in summary.by_year]),
        ]
    )
    exports = _pairs(
        (
            when(fact),
            _Text(fact.title).append(f"\n{figure_text(figure)}" if figure else "", style="bold"),
        )
        for fact, figure in summary.exports
    )
    partners = _pairs(
        (country or "-", _Text(", ".join(_short(p.entity) for p in found)))
        for country, found in summary.partners_by_country
    )
    joined = _pairs(
        (str(year), _Text(", ".join(_short(m.body) + _month_of(m.fact) for m in found)))
        for year, found in summary.memberships_by_year
    )
    newest = _pairs((when(fact), _fact_cell(fact)) for fact in summary.newest)
    return Group(
        heading,
        counts,
        _panel("Exports", exports),
        Columns([_panel("Partners by country", partners), _panel("Memberships by year", joined)]),
        _panel("Latest facts", newest),
    )


def figure_text(figure: Figure) -> str:
    """A figure as a phrase: "export value: expected 21.3 million USD for 2025-H1, +118%"."""
    amount = " ".join(
        part
        for part in (figure.qualifier, _number(figure.value), figure.scale, figure.unit)
        if part
    )
    text = f"{figure.metric}: {amount}"
    if figure.period:
        text += f" for {figure.period}"
    if figure.change_pct is not None:
        text += f", {figure.change_pct:+,.10g}%"
    return text


# --- helpers ----------------------------------------------------------------------------------


class _ByWidth:
    """A table drawn one way where there is room, and with fewer, fuller columns where not."""

    def __init__(self, wide: Callable[[], Table], narrow: Callable[[], Table]) -> None:
        self.wide, self.narrow = wide, narrow

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.wide() if options.max_width >= _WIDE else self.narrow()


def _named(entity: Entity, *details: str | None, short: bool = False) -> Text:
    """An entity's name (or short name) over a dim line of the details that are known."""
    cell = _Text(_short(entity) if short else entity.name)
    shown = " · ".join(detail for detail in details if detail)
    if shown:
        cell.append(f"\n{shown}", style="dim")
    return cell


def _part_of(partner: Partner) -> str | None:
    return f"part of {_short(partner.parent)}" if partner.parent else None


def _span(partner: Partner) -> str | None:
    first, last = partner.first, partner.last
    done = None
    if first is not None and last is not None:
        done = when(first, ", ")
        done += "" if first == last else f" to {when(last, ', ')}"
    planned = f"planned {when(partner.planned[-1], ', ')}" if partner.planned else None
    return " · ".join(part for part in (done, planned) if part) or None


def _table(*headers: str) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        header_style="bold",
        show_lines=True,  # a blank line between rows: each row is several lines
    )
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _panel(title: str, body: RenderableType) -> Panel:
    from rich.panel import Panel

    return Panel(body, title=_Text(title, style="bold"), title_align="left", expand=False)


def _fact_cell(
    fact: Fact,
    words: frozenset[str] = frozenset(),
    notes: SourceNotes | None = None,
    more: Text | None = None,
) -> Group:
    """A fact's title (its matched words marked), and a line of its id and kind below.

    The id is never split: where the column is too narrow it ends in an ellipsis (--json
    has it whole). `more` is a line under them, such as the sentence a search matched.
    """
    title = _highlighted(fact.title, words)
    if notes is not None:
        title.append(f" {notes.marks(fact)}", style="bold")
    line = _Text(f"{fact.id} · {fact.kind}", style="dim", no_wrap=True, overflow="ellipsis")
    if origin_of(fact) not in (BUILTIN, None):
        line.append(" · yours", style="bold dim")
    return Group(title, line, *([more] if more is not None else []))


def _highlighted(text: str, words: frozenset[str], style: str = "") -> Text:
    """Text with these words (folded, as a search found them) highlighted."""
    shown = _Text(text, style=style)
    if words:  # a search's: only a table of hits needs tmkfacts.words
        from tmkfacts.words import spans

        for start, end in spans(shown.plain, words):  # the plain text, after any escapes
            shown.stylize(_MATCH, start, end)
    return shown


def _sentence_with(text: str, words: frozenset[str], beyond: str) -> Text | None:
    """The first sentence of text holding a matched word that `beyond` lacks; or None."""
    from tmkfacts.words import words as split

    def folded(part: str) -> set[str]:
        return {word for _, _, word in split(part)}

    missing = (set(words) & folded(text)) - folded(beyond)
    if not missing:
        return None
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if missing & folded(sentence):
            return _highlighted(sentence, words, style="italic")
    return None


def _pairs(pairs: Iterable[tuple[str, RenderableType]], label_style: str = "") -> Table:
    """A borderless two-column grid: a short label, then text that wraps."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=label_style, no_wrap=True)
    grid.add_column(overflow="fold")
    for label, text in pairs:
        grid.add_row(_Text(label), text)
    return grid


def _month_of(fact: Fact) -> str:
    date = fact.date
    if date.month:
        return f" ({_MONTHS[date.month - 1]})"
    bounds = _bounds(fact)
    return f" ({bounds})" if bounds else ""


def _bars(title: str, counts: Sequence[tuple[str, int]]) -> Panel:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True, overflow="crop")
    most = max((n for _, n in counts), default=0)
    for label, n in counts:
        width = max(1, round(_BAR_WIDTH * n / most)) if most else 0
        grid.add_row(_Text(label), _Text(str(n)), _Text(_BAR * width, style="cyan"))
    return _panel(title, grid)


def _entity_line(base: FactBase, entity: Entity) -> Text:
    line = _Text(entity.name)
    if entity.type == "person":
        where = base.entity(entity.organization).name if entity.organization else None
        details = [", ".join(part for part in (entity.role, where) if part)]
    else:
        details = [entity.type, entity.country or "", ", ".join(entity.relations)]
    shown = "; ".join(part for part in details if part)
    if shown:
        line.append(f" ({shown})", style="dim")
    return line


def _short(entity: Entity) -> str:
    return entity.short_name or entity.name


def _dated(date: PartialDate) -> str:
    return {"year": f"{date} (year only)", "month": f"{date} (month only)", "day": str(date)}[
        date.precision
    ]


def when(fact: Fact, separator: str = "\n") -> str:
    """A fact's date with what bounds it, for a narrow column: `2025` over `by 14 Jul`."""
    bounds = _bounds(fact)
    return f"{fact.date}{separator}{bounds}" if bounds else str(fact.date)


def _bounds(fact: Fact, *, years: bool = False) -> str:
    """What narrows a fact's date, as `from 14 Jul` and `by Aug`; empty when nothing does."""
    date, span = fact.date, fact.when
    parts = [f"from {_bound(span.start, date, years)}"] if span.start != date else []
    if span.end != date:
        parts.append(f"by {_bound(span.end, date, years)}")
    return " ".join(parts) if len(parts) < 2 else f"{parts[0]}, {parts[1]}"


def _bound(bound: PartialDate, date: PartialDate, years: bool) -> str:
    parts = [str(bound.day)] if bound.day else []
    if bound.month:
        parts.append(_MONTHS[bound.month - 1])
    if years or bound.year != date.year or not parts:
        parts.append(str(bound.year))
    return " ".join(parts)


def _latest(partner: Partner) -> str:
    """A partner's latest fact of what happened, and its latest plan below it."""
    text = when(partner.last) if partner.last else "-"
    if partner.planned:
        text += f"\nplanned\n{when(partner.planned[-1])}"
    return text


def _number(value: float) -> str:
    return format(value, ",.10g")
