"""Rows as text for scripts and reports: JSON, JSON Lines, CSV, TSV and Markdown tables.

The rows are the `--json` objects of `tmkfacts.rows`. Every format can pick and order fields.
In the flat formats (CSV, TSV, Markdown) a list of plain values is joined with ";", and a
nested object or a list of objects is written as JSON, so that one row stays one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING

from tmkfacts.errors import QueryError
from tmkfacts.rows import Each, encode

if TYPE_CHECKING:
    from tmkfacts.rows import Row

#: The formats every command can print, the first being the one for people.
FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown")


def known_fields(rows: Sequence[Row], fields: Iterable[str]) -> list[str]:
    """Every field rows may have: the declared ones, then any others they hold, in order.

    Rows made as they are read (`tmkfacts.rows.Each`) say which they hold, unread.
    """
    held = rows.fields if isinstance(rows, Each) else (key for row in rows for key in row)
    return list(dict.fromkeys([*fields, *held]))


def choose_fields(spec: str, available: Sequence[str]) -> list[str]:
    """The fields named in a comma-separated list; QueryError naming the valid ones if unknown."""
    wanted = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in available]
    if unknown or not wanted:
        what = f"unknown field '{unknown[0]}'" if unknown else "no fields given"
        names = ", ".join(available)
        raise QueryError(f"{what}; --fields takes a comma-separated list of: {names}")
    return wanted


def pick(rows: Iterable[Row], fields: Sequence[str] | None) -> Iterator[Row]:
    """The rows with only these fields, in this order (all fields when None), as they come."""
    if fields is None:
        return iter(rows)
    return ({name: row.get(name) for name in fields} for row in rows)


def write(
    rows: Iterable[Row],
    fmt: str,
    *,
    header: Sequence[str] | None = None,
    ascii: bool = False,
) -> str:
    r"""The rows as text in one of the machine formats, ending with a newline.

    CSV, TSV and Markdown have a header line: `header`, else every key of the rows. JSON text
    is UTF-8; with `ascii`, other characters are written as \u escapes.
    """
    if fmt in ("json", "jsonl"):
        return "".join(pieces(rows, fmt, ascii=ascii))
    if header is None:
        rows = list(rows)
        header = list(dict.fromkeys(key for row in rows for key in row))
    return "".join(lines(rows, fmt, header))


def lines(
    rows: Iterable[Row], fmt: str, header: Sequence[str], *, titles: bool = True
) -> Iterator[str]:
    """The lines `write` gives as CSV, TSV or Markdown, as the rows come.

    The header's line first, unless `titles` is false (for `--no-headers`).
    """
    cells = ([flat(row.get(name)) for name in header] for row in rows)
    if fmt == "csv":
        import csv  # only for CSV

        out = _Lines()
        writer = csv.writer(out, lineterminator="\n")
        if titles:
            writer.writerow(header)
            yield out.take()
        for line in cells:
            writer.writerow(line)
            yield out.take()
    elif fmt == "tsv":
        if titles:
            yield "\t".join(header) + "\n"
        for line in cells:
            yield "\t".join([_tsv(cell) for cell in line]) + "\n"
    elif fmt == "markdown":
        if titles:
            yield "| " + " | ".join(header) + " |\n"
            yield "| " + " | ".join(["---"] * len(header)) + " |\n"
        for line in cells:
            yield "| " + " | ".join([_md(cell) for cell in line]) + " |\n"
    else:
        raise ValueError(fmt)


def sections(found: Iterable[Row], *, titles: bool = True) -> str:
    """Sections of rows ({"section": name, "rows": [...]}) as Markdown: a table under each name."""
    out = []
    for section in found:
        inner = section["rows"]
        assert isinstance(inner, list)  # each section's rows
        if not inner:
            continue
        header = list(dict.fromkeys(key for row in inner for key in row))
        name = str(section["section"]).replace("_", " ").capitalize()
        out.append(f"## {name}\n\n" + "".join(lines(inner, "markdown", header, titles=titles)))
    return "\n".join(out)


def record(row: Row) -> str:
    """A fact row as plain text, a headed line a field, for a pipe or a note: what `show` prints.

    Empty fields are left out; sources are numbered, each with its address on a line of its
    own; the text ends with a newline.
    """
    out = [f"id: {row['id']}", f"title: {row['title']}", f"date: {row['date']}"]
    if (row.get("earliest"), row.get("latest")) != (None, None):
        out.append(f"may fall on: {row['earliest']} to {row['latest']}")
    plain = ("date_note", "kind", "place", "text")
    out += [f"{name.replace('_', ' ')}: {row[name]}" for name in plain if row.get(name)]
    for name in ("entities", "materials", "tags", "disputes"):
        values = row.get(name)
        if isinstance(values, list) and values:
            out.append(f"{name}: {', '.join(map(str, values))}")
    figures = row.get("figures") or []
    assert isinstance(figures, list)
    for figure in figures:
        assert isinstance(figure, dict)
        parts = [figure.get("qualifier"), figure["value"], figure.get("scale"), figure["unit"]]
        period = f" for {figure['period']}" if figure.get("period") else ""
        change = f", {figure['change_pct']:+g}%" if figure.get("change_pct") is not None else ""
        shown = " ".join(str(part) for part in parts if part)
        out.append(f"figure: {figure['metric']}: {shown}{period}{change}")
    cited = row.get("sources") or []
    assert isinstance(cited, list)
    out.append("sources:")
    for number, source in enumerate(cited, start=1):
        assert isinstance(source, dict)
        title = f"[{source['title']}]" if source.get("title_supplied") else source["title"]
        out.append(f"  [{number}] {source['publisher']}, {title}, {source['published']}")
        out.append(f"      {source['url']}")
    if row.get("origin") not in (None, "builtin"):
        out.append(f"from: {row['origin']}")
    return "\n".join(out) + "\n"


def footnoted(rows: Iterable[Row]) -> tuple[list[Row], list[str]]:
    """Rows whose sources are Markdown footnote marks ([^1]), and the footnotes, numbered."""
    numbers: dict[str, int] = {}
    notes: list[str] = []
    marked: list[Row] = []
    for row in rows:
        marks = []
        cited = row.get("sources") or []
        assert isinstance(cited, list)  # a fact row's sources
        for source in cited:
            assert isinstance(source, dict)
            if source["id"] not in numbers:
                numbers[source["id"]] = len(numbers) + 1
                title = str(source["title"])
                shown = f"[{title}]" if source.get("title_supplied") else f'"{title}"'
                notes.append(
                    f"[^{numbers[source['id']]}]: {source['publisher']}, {shown}, "
                    f"{source['published']}. <{source['url']}>"
                )
            marks.append(f"[^{numbers[source['id']]}]")
        marked.append({**row, "sources": "".join(marks)})
    return marked, notes


class _Lines:
    """Where a CSV writer writes a line at a time, for `lines` to take it."""

    def __init__(self) -> None:
        self._written: list[str] = []

    def write(self, text: str) -> int:
        self._written.append(text)
        return len(text)

    def take(self) -> str:
        """What was written since last taken."""
        text = "".join(self._written)
        self._written.clear()
        return text


def pieces(
    rows: Iterable[Row],
    fmt: str,
    *,
    ascii: bool = False,
    header: Sequence[str] = (),
    titles: bool = True,
) -> Iterator[str]:
    """The text `write` gives, in pieces of about 64 KiB, as the rows come.

    `header` is the fields of the header line, for CSV, TSV and Markdown. Written piece by
    piece as they are encoded, a big answer is never held whole: the 86 MB of JSON of 100,000
    facts took five times its size in memory when it was made whole first.
    """
    if fmt == "json":
        return _batched(chain(encode(rows, ascii=ascii), "\n"))
    if fmt == "jsonl":
        import json

        return _batched(json.dumps(row, ensure_ascii=ascii) + "\n" for row in rows)
    return _batched(lines(rows, fmt, header, titles=titles))


def _batched(texts: Iterable[str], size: int = 2**16) -> Iterator[str]:
    """The texts joined into pieces of at least `size` characters, but for the last."""
    batch: list[str] = []
    held = 0
    for text in texts:
        batch.append(text)
        held += len(text)
        if held >= size:
            yield "".join(batch)
            batch, held = [], 0
    if batch:
        yield "".join(batch)


def flat(value: object) -> str:
    """One value as one cell: lists of plain values joined with ';', objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(each, dict | list) for each in value)
    ):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return ";".join(flat(each) for each in value)
    return str(value)


def _tsv(cell: str) -> str:
    # Tabs and line breaks would end the cell or the row: written as \t and \n instead.
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _md(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")
