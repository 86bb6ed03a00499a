"""The one layout of fact files: `tmkfacts fmt` writes it, and `tmkfacts add` adds records in it.

The layout: the keys of each record in the order of docs/facts-format.md (`FIELD_ORDER`), then
any others as they came; one blank line between records; every value as tomlkit writes it
(basic strings, one quoting style); an array on one line when it fits in 100 columns, one item
per line when not; figures as `[[fact.figures]]` tables after their fact. Comments stay with
what they precede: those above a record stay above it, those above a key stay above the key, a
comment after a value stays after it. Values never change: the text parses, with tomli, to
the very data it parsed to before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import tomli

from tmkfacts.store import scan_strings

#: The keys of each kind of record, in the order the layout writes them.
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "source": (
        "id", "title", "title_supplied", "publisher", "url", "published", "language", "notes",
    ),
    "entity": (
        "id", "name", "short_name", "aliases", "search_aliases", "type", "country", "parent",
        "role", "organization", "description", "relations",
    ),
    "fact": (
        "id", "date", "not_before", "not_after", "date_note", "kind", "place", "title", "text",
        "entities", "materials", "sources", "disputes", "tags",
    ),
    "fact.figures": ("metric", "value", "unit", "scale", "period", "change_pct", "qualifier"),
}  # fmt: skip
WIDTH = 100  # columns an array may take on one line

_HEADER = re.compile(r"\s*\[\[\s*(source|entity|fact|fact\s*\.\s*figures)\s*\]\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"\s*\[")
_KEY = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


class FormatError(ValueError):
    """A fact file the layout cannot be given: not TOML, or not tables of records."""


class _Line(NamedTuple):
    text: str
    kind: str  # blank, comment, header, key, more (a value's next line), string (inside one)


class _Record:
    """One record as read: its header, the comments above it, its keys' comments."""

    def __init__(self, table: str, leading: list[str], header_comment: str | None) -> None:
        self.table = table
        self.leading = leading  # comment lines, "" for a blank line between them and the header
        self.header_comment = header_comment
        self.above: dict[str, list[str]] = {}  # comments above each key
        self.after: dict[str, str] = {}  # a comment after a key's value, on its line
        self.keys: list[str] = []  # in the order written
        self.figures: list[_Record] = []


def format_text(text: str) -> str:
    """The text in the one layout; FormatError for text that cannot be laid out so."""
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        raise FormatError(f"line {error.lineno}: invalid TOML: {error.msg}") from None
    records, trailing = _read(text)
    tables: dict[str, list[_Record]] = {"source": [], "entity": [], "fact": []}
    for record in records:
        tables[record.table].append(record)
    for key, value in document.items():
        wanted = tables.get(key)
        if wanted is None or not isinstance(value, list) or len(value) != len(wanted):
            raise FormatError(
                f"'{key}' is not written as [[{key}]] tables; 'tmkfacts check' says more"
            )
    values = {table: iter(document.get(table, [])) for table in tables}  # in file order
    out = []
    for record in records:
        found = next(values[record.table])
        figures = found.get("figures", [])
        if record.figures and len(record.figures) != len(figures):
            raise FormatError("figures are written both inline and as [[fact.figures]]")
        out.append(_write(record, found))
    if trailing:
        out.append("\n".join(trailing) + "\n")
    return "\n".join(out)


def record_text(table: str, values: Mapping[str, object]) -> str:
    """One new record in the layout, ending with a newline: what `add` writes."""
    return _write(_Record(table, [], None), values)


def insert(text: str, table: str, record: str) -> str:
    """The text with a record (from `record_text`) added after the last of its table.

    Without one of its table, a source goes before the first record and anything else at the
    end. Nothing else in the text moves or changes.
    """
    lines = _lines(text, ends=True)
    kinds = _classify([line.rstrip("\r\n") for line in lines])
    records = []  # (line, table) of each record's header, figures apart
    for number, line in enumerate(kinds):
        if line.kind != "header":
            continue
        match = _HEADER.match(line.text)
        name = re.sub(r"\s", "", match[1]) if match else None
        if name != "fact.figures":
            records.append((number, name))
    mine = [number for number, name in records if name == table]
    if mine:  # after the last one's body: before the comments over whatever follows it
        later = [number for number, _ in records if number > mine[-1]]
        at = _leading_start(kinds, later[0]) if later else _trailing_start(kinds)
    elif table == "source" and records:
        at = _leading_start(kinds, records[0][0])
    else:
        at = len(lines)
    before, after = "".join(lines[:at]), "".join(lines[at:])
    if before and not before.endswith("\n"):
        before += "\n"
    if before.strip():
        before = before.rstrip("\n") + "\n\n"
    return before + record + ("\n" + after.lstrip("\n") if after.strip() else "")


# --- reading ------------------------------------------------------------------------------------


def _lines(text: str, *, ends: bool = False) -> list[str]:
    """The lines of a text, split at newlines alone, as TOML splits them.

    Not str.splitlines, which also splits at characters a string may hold (U+0085, U+2028).
    """
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [part + "\n" for part in parts] if ends else parts


def _classify(lines: Sequence[str]) -> list[_Line]:
    found = []
    open_string: str | None = None
    for line in lines:
        stripped = line.strip()
        if open_string is not None:
            kind = "string"
        elif not stripped:
            kind = "blank"
        elif stripped.startswith("#"):
            kind = "comment"
        elif _ANY_HEADER.match(line):
            kind = "header"
        elif _KEY.match(line):
            kind = "key"
        else:
            kind = "more"
        found.append(_Line(line, kind))
        open_string = scan_strings(line, open_string)
    return found


def _leading_start(lines: Sequence[_Line], header: int) -> int:
    """Where the run of comments and blank lines just above a header starts."""
    start = header
    while start > 0 and lines[start - 1].kind in ("comment", "blank"):
        start -= 1
    return start


def _trailing_start(lines: Sequence[_Line]) -> int:
    """Where the comments and blank lines at the end of the text start."""
    return _leading_start(lines, len(lines))


def _read(text: str) -> tuple[list[_Record], list[str]]:
    lines = _classify([line.removesuffix("\r") for line in _lines(text)])
    headers = [n for n, line in enumerate(lines) if line.kind == "header"]
    for n in headers:
        if not _HEADER.match(lines[n].text):
            raise FormatError(
                f"line {n + 1}: '{lines[n].text.strip()}' is not a [[source]], [[entity]], "
                "[[fact]] or [[fact.figures]] header; 'tmkfacts check' says more"
            )
    records: list[_Record] = []
    current: _Record | None = None
    for index, n in enumerate(headers):
        match = _HEADER.match(lines[n].text)
        assert match is not None  # checked above
        name = re.sub(r"\s", "", match[1])
        leading = _comments(lines[_leading_start(lines, n) : n], gap=True)
        record = _Record(name, leading, match[2])
        if name == "fact.figures":
            if current is None or current.table != "fact":
                raise FormatError(f"line {n + 1}: [[fact.figures]] outside a [[fact]]")
            current.figures.append(record)
        else:
            records.append(record)
            current = record
        end = (
            _leading_start(lines, headers[index + 1])
            if index + 1 < len(headers)
            else (_trailing_start(lines))
        )
        _read_body(record, lines[n + 1 : end])
    return records, _comments(lines[_trailing_start(lines) :])


def _comments(lines: Sequence[_Line], *, gap: bool = False) -> list[str]:
    """Comment lines, with "" for each run of blank lines between them.

    None before the first; with `gap`, one after the last where blank lines followed it (a
    banner stays apart from the record under it).
    """
    found: list[str] = []
    for line in lines:
        if line.kind == "comment":
            found.append(line.text.strip())
        elif found and found[-1] != "":
            found.append("")
    if not gap and found and found[-1] == "":
        found.pop()
    return found


def _read_body(record: _Record, lines: Sequence[_Line]) -> None:
    pending: list[str] = []
    key: str | None = None
    for line in lines:
        if line.kind == "comment":
            pending.append(line.text.strip())
        elif line.kind == "key":
            match = _KEY.match(line.text)
            assert match is not None  # classified so
            key = _unquote(match[1])
            record.keys.append(key)
            if pending:
                record.above[key] = pending
                pending = []
            comment = _inline_comment(line.text)
            if comment:
                record.after[key] = comment
        elif line.kind == "more":  # inside a multi-line array: its comments go above its key
            comment = _inline_comment(line.text)
            if comment and key is not None:
                record.above.setdefault(key, []).append(comment)
    if pending:  # comments at the end of a body with no key after them
        record.above.setdefault("", []).extend(pending)


def _inline_comment(line: str) -> str | None:
    """The comment after a value on its line, if any: a # outside any string."""
    i = 0
    while i < len(line):
        char = line[i]
        if char == "#":
            return line[i:].strip()
        if char == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif char == "'":
            closing = line.find("'", i + 1)
            i = closing if closing >= 0 else len(line)
        i += 1
    return None


def _unquote(key: str) -> str:
    if key.startswith('"'):
        return str(tomli.loads(f"k = {key}")["k"])
    return key.strip("'")


# --- writing ------------------------------------------------------------------------------------


def _write(record: _Record, values: Mapping[str, object]) -> str:
    lines = list(record.leading)
    header = f"[[{record.table}]]"
    lines.append(f"{header}  {record.header_comment}" if record.header_comment else header)
    order = FIELD_ORDER[record.table]
    written = [key for key in order if key in values]
    written += [key for key in record.keys if key not in order and key in values]
    written += [key for key in values if key not in written and key != "figures"]
    for key in written:
        if key == "figures" and record.table == "fact":
            continue
        lines += record.above.get(key, [])
        text = f"{_key(key)} = {_value(values[key], len(_key(key)) + 3)}"
        after = record.after.get(key)
        lines.append(f"{text}  {after}" if after else text)
    lines += record.above.get("", [])
    text = "\n".join(lines) + "\n"
    figures = values.get("figures")
    if record.table == "fact" and isinstance(figures, list):
        subs = record.figures or [_Record("fact.figures", [], None) for _ in figures]
        for sub, figure in zip(subs, figures, strict=True):
            text += "\n" + _write(sub, figure)
    return text


def _key(key: str) -> str:
    if _BARE.fullmatch(key):
        return key
    import tomlkit

    return tomlkit.key(key).as_string()


def _value(value: object, indent: int) -> str:
    import tomlkit

    if isinstance(value, list) and not any(isinstance(each, dict | list) for each in value):
        items = [_value(each, 0) for each in value]
        one_line = "[" + ", ".join(items) + "]"
        if indent + len(one_line) <= WIDTH or len(items) < 2:
            return one_line
        return "[\n" + "".join(f"  {item},\n" for item in items) + "]"
    if isinstance(value, dt.date | dt.datetime | dt.time | bool | int | float | str | list | dict):
        return str(tomlkit.item(value).as_string())
    raise FormatError(f"a value tmkfacts cannot write: {value!r}")
