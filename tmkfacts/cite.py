"""Citations of the sources behind facts, ready to paste: plain text, Markdown or BibTeX."""

from __future__ import annotations

import calendar
import re

from tmkfacts import rows
from tmkfacts.model import PartialDate
from tmkfacts.query import SourceUse

STYLES = ("text", "markdown", "bibtex", "json")


def write(cited: list[SourceUse], style: str) -> str:
    """The citations, one per source, in a style; each names the facts it supports."""
    if style == "json":
        return rows.dumps(rows.source_use(each) for each in cited) + "\n"
    write_one = {"text": _text, "markdown": _markdown, "bibtex": _bibtex}[style]
    separator = "\n" if style == "bibtex" else ""
    return separator.join(write_one(number, use) for number, use in enumerate(cited, start=1))


def spoken(date: PartialDate) -> str:
    """A date as people write it, no more precisely than known: 14 July 2025, July 2025, 2025."""
    if date.month is None:
        return str(date.year)
    month = calendar.month_name[date.month]
    return f"{date.day} {month} {date.year}" if date.day else f"{month} {date.year}"


def _facts(use: SourceUse) -> str:
    return ", ".join(fact.id for fact in use.facts)


def _text(number: int, use: SourceUse) -> str:
    source = use.source
    title = source.shown_title if source.title_supplied else f'"{source.title}"'
    return (
        f"[{number}] {source.publisher}. {title}. {spoken(source.published)}. "
        f"{source.url}\n    (for {_facts(use)})\n"
    )


def _markdown(number: int, use: SourceUse) -> str:
    """A numbered Markdown footnote, as `[^1]` in a text refers to."""
    source = use.source
    title = source.shown_title.replace("[", "\\[").replace("]", "\\]")
    facts = ", ".join(f"`{fact.id}`" for fact in use.facts)
    when = spoken(source.published)
    return f"[^{number}]: {source.publisher}, [{title}]({source.url}), {when}. For {facts}.\n"


def _bibtex(_: int, use: SourceUse) -> str:
    source = use.source
    fields = {
        "title": source.shown_title,
        "organization": source.publisher,
        "date": str(source.published),
        "url": source.url,
        "note": f"Cited for tmkfacts facts {_facts(use)}",
    }
    body = "".join(
        f"  {name} = {{{_latex(value) if name != 'url' else value}}},\n"
        for name, value in fields.items()
    )
    return f"@online{{{source.id},\n{body}}}\n"


_LATEX = {"\\": r"\textbackslash{}", **{char: "\\" + char for char in "{}&%$#_"}}


def _latex(text: str) -> str:
    """Text with the characters LaTeX gives meaning to escaped, in one pass."""
    return re.sub(r"[\\{}&%$#_]", lambda match: _LATEX[match.group()], text)
