"""Read fact files into a validated FactBase: bytes -> tomli -> typed records -> references.

This is the only module that parses fact files, and it never writes one. Every problem in every
file is collected, each with its file and line, and raised together as one FactsError.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import tomli

from tmkfacts.errors import FactsError, Problem, did_you_mean, known_hint
from tmkfacts.locations import (
    BUILTIN,
    MAX_FILE_BYTES,
    builtin_path,
    default_paths,
    resolve,
    user_data_dir,
)
from tmkfacts.model import (
    COUNTRIES,
    ENTITY_TYPES,
    KINDS,
    NOT_ORGANIZATIONS,
    RELATIONS,
    SCALES,
    Entity,
    Fact,
    FactBase,
    Figure,
    Origin,
    PartialDate,
    Source,
)

StrPath = str | os.PathLike[str]
_T = TypeVar("_T")

_TABLES = ("source", "entity", "fact")
_FIELDS: dict[str, frozenset[str]] = {
    "source": frozenset("id title publisher url published notes".split()),
    "entity": frozenset(
        "id name short_name aliases type country parent role organization description "
        "relations".split()
    ),
    "fact": frozenset(
        "id date date_note kind title text place entities materials figures sources tags".split()
    ),
    "figure": frozenset("metric value unit scale period change_pct qualifier".split()),
}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}


__all__ = [
    "BUILTIN",
    "MAX_FILE_BYTES",
    "builtin_path",
    "default_paths",
    "load",
    "load_read",
    "loads",
    "resolve",
    "user_data_dir",
]


def load(paths: Iterable[StrPath] | None = None) -> FactBase:
    """Read, merge and validate fact files; raise FactsError.

    Without paths: the shipped base and the user's own files (see `default_paths`). A path may
    be `builtin` for the shipped base. This always reads and validates the files;
    `tmkfacts.load` answers from the cache when they are unchanged.
    """
    files = [resolve(p) for p in paths] if paths is not None else default_paths()
    parsed: list[_ParsedFile] = []
    problems: list[Problem] = []
    for path in files:
        name = str(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES and path.is_file():
                problems.append(Problem(name, None, _too_big(size), category="io"))
                continue
            data = path.read_bytes()
        except OSError as error:
            problems.append(Problem(name, None, _describe_os_error(error), category="io"))
            continue
        parsed.append(_parse(name, data))
    return _assemble(parsed, problems)


def load_read(read: list[tuple[str, bytes]]) -> FactBase:
    """Validate fact files already read, as (name, bytes) pairs in order; raise FactsError.

    The list is emptied as each file is parsed, so its bytes can be freed.
    """
    parsed = []
    while read:
        name, data = read.pop(0)
        parsed.append(_parse(name, data))
    return _assemble(parsed, [])


def loads(document: str | bytes, name: str = "<string>") -> FactBase:
    """Validate one fact document given as text or bytes; raise FactsError."""
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    return _assemble([_parse(name, data)], [])


def _too_big(size: int) -> str:
    limit = MAX_FILE_BYTES // 2**20
    return f"{size / 2**20:.1f} MiB is more than a fact file may hold ({limit} MiB); split it"


def _describe_os_error(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a fact file"
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"cannot read: {error.strerror or error}"


# --- where things are: line numbers that tomli does not report ------------------------------


@dataclass
class _Span:
    """The lines of one table in the file: its header and the first line of each key."""

    line: int | None
    keys: dict[str, int] = field(default_factory=dict)
    figures: list[_Span] = field(default_factory=list)

    def line_of(self, key: str | None) -> int | None:
        return self.keys.get(key, self.line) if key is not None else self.line


_LINE = re.compile(r"[^\n]+")
_ARRAY_HEADER = re.compile(r"\s*\[\[\s*([^\]]*?)\s*\]\]")
_TABLE_HEADER = re.compile(r"\s*\[")
_KEY_LINE = re.compile(r"""\s*(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _locate(text: str) -> tuple[dict[str, list[_Span]], dict[str, int]]:
    """Find each [[source]], [[entity]] and [[fact]] table and its keys' lines, and top-level keys.

    tomli parses without positions, so this scan over lines gives them, skipping the insides of
    multi-line strings. It only places problems; what the file means comes from tomli alone.
    """
    spans: dict[str, list[_Span]] = {table: [] for table in _TABLES}
    top_level: dict[str, int] = {}
    current: _Span | None = None
    target: _Span | None = None  # the span keys go to: a record, or one of its figures
    in_root = True
    string_end: str | None = None
    number, position = 1, 0
    # Only lines with something on them; a file of blank lines costs neither time nor a list.
    for match in _LINE.finditer(text):
        number += text.count("\n", position, match.start())
        position = match.start()
        line = match.group().removesuffix("\r")
        if string_end is None:
            header = _ARRAY_HEADER.match(line)
            key = _KEY_LINE.match(line)
            if header:
                name = header[1].replace(" ", "").replace('"', "")
                in_root = False
                top_level.setdefault(name.split(".")[0], number)
                if name in spans:
                    current = target = _Span(number)
                    spans[name].append(current)
                elif name == "fact.figures" and current is not None:
                    target = _Span(number)
                    current.figures.append(target)
                else:
                    current = target = None
            elif _TABLE_HEADER.match(line):
                in_root = False
                current = target = None
            elif key:
                name = key[1] if key[1] is not None else key[2] if key[2] is not None else key[3]
                if in_root:
                    top_level.setdefault(name, number)
                elif target is not None:
                    target.keys.setdefault(name, number)
        string_end = _scan_strings(line, string_end)
    return spans, top_level


def _scan_strings(line: str, string_end: str | None) -> str | None:
    """Return the multi-line string delimiter still open at the end of this line, if any."""
    i = 0
    while i < len(line):
        if string_end is not None:
            j = line.find(string_end, i)
            while j > 0 and string_end == '"""' and _escaped(line, j):
                j = line.find(string_end, j + 1)
            if j < 0:
                return string_end
            i, string_end = j + 3, None
            continue
        char = line[i]
        if char == "#":
            return None
        if line.startswith('"""', i) or line.startswith("'''", i):
            string_end, i = line[i : i + 3], i + 3
        elif char == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
        elif char == "'":
            closing = line.find("'", i + 1)
            i = closing + 1 if closing >= 0 else len(line)
        else:
            i += 1
    return string_end


def _escaped(line: str, index: int) -> bool:
    backslashes = len(line[:index]) - len(line[:index].rstrip("\\"))
    return backslashes % 2 == 1


# --- one file: bytes -> records --------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A reference from one record to another, checked once every file is read."""

    table: str  # the table the target must be in
    target: str
    key: str
    file: str
    line: int | None
    record: str


@dataclass
class _ParsedFile:
    name: str
    problems: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    ids: dict[str, list[tuple[str, Origin]]] = field(default_factory=dict)
    refs: list[_Ref] = field(default_factory=list)


def _parse(name: str, data: bytes) -> _ParsedFile:
    parsed = _ParsedFile(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be decoded"
        parsed.problems.append(Problem(name, line, message, category="syntax"))
        return parsed
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        parsed.problems.append(_syntax_problem(name, error))
        return parsed
    except RecursionError:  # tomli's limit on nesting, or Python's where tomli has none
        message = "invalid TOML: arrays or tables are nested too deeply"
        parsed.problems.append(Problem(name, None, message, category="syntax"))
        return parsed
    spans, top_level = _locate(text)
    for key, value in document.items():
        if key not in _TABLES:
            hint = did_you_mean(key, _TABLES)
            message = (
                f"unknown table '{key}'; a fact file has [[source]], [[entity]] and [[fact]]{hint}"
            )
            parsed.problems.append(Problem(name, top_level.get(key), message))
            continue
        if not isinstance(value, list):
            message = f"'{key}' must be an array of tables ([[{key}]]), not {_toml_type(value)}"
            parsed.problems.append(Problem(name, top_level.get(key), message))
            continue
        table_spans = spans[key]
        if len(table_spans) != len(value):
            # Inline arrays (`fact = [{...}]`): every record is placed at the array's line.
            table_spans = [_Span(top_level.get(key)) for _ in value]
        for index, (raw, span) in enumerate(zip(value, table_spans, strict=True)):
            _read_record(parsed, key, index, raw, span)
    return parsed


def _syntax_problem(name: str, error: tomli.TOMLDecodeError) -> Problem:
    message = f"invalid TOML: {error.msg}"
    return Problem(name, error.lineno, message, column=error.colno, category="syntax")


def _read_record(parsed: _ParsedFile, table: str, index: int, raw: object, span: _Span) -> None:
    if not isinstance(raw, dict):
        label = f"{table} #{index + 1}"
        message = f"each [[{table}]] must be a table, not {_toml_type(raw)}"
        parsed.problems.append(Problem(parsed.name, span.line, message, record=label))
        return
    record = _Record(parsed, table, index, raw, span)
    if table == "source":
        _build(record, _source, parsed.sources)
    elif table == "entity":
        _build(record, _entity, parsed.entities)
    else:
        _build(record, _fact, parsed.facts)


def _build(record: _Record, builder: Callable[[_Record], _T], into: list[_T]) -> None:
    built = builder(record)
    record.check_unknown_keys()
    if record.ok:
        into.append(built)


class _Record:
    """Typed access to one raw table; each fault is noted as a problem at its key's line."""

    def __init__(
        self, parsed: _ParsedFile, table: str, index: int, raw: dict[str, object], span: _Span
    ) -> None:
        self.parsed, self.table, self.raw, self.span = parsed, table, raw, span
        raw_id = raw.get("id")
        self.label = (
            raw_id if isinstance(raw_id, str) and raw_id.strip() else f"{table} #{index + 1}"
        )
        self.ok = True
        self.origin = Origin(parsed.name, span.line)

    def problem(self, key: str | None, message: str) -> None:
        self.ok = False
        line = self.span.line_of(key)
        self.parsed.problems.append(Problem(self.parsed.name, line, message, self.label))

    def check_unknown_keys(self) -> None:
        allowed = _FIELDS[self.table]
        for key in self.raw:
            if key not in allowed:
                self.problem(key, f"unknown key '{key}'{did_you_mean(key, allowed)}")

    def _get(self, key: str, required: bool) -> object | None:
        value = self.raw.get(key)
        if value is None and required:
            self.problem(None, f"missing required key '{key}'")
        return value

    def text(self, key: str, required: bool = False) -> str:
        value = self._get(key, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(key, f"'{key}' must be a string, not {_toml_type(value)}")
            return ""
        if not value.strip():
            self.problem(key, f"'{key}' is empty")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.raw else None

    def choice(self, key: str, choices: Mapping[str, object]) -> str:
        value = self.text(key, required=True)
        if value.strip() and value not in choices:
            hint = known_hint(value, choices)
            self.problem(key, f"unknown {key} '{value}'{hint}")
        return value

    def slug(self, key: str, value: str) -> None:
        if value.strip() and not _SLUG.fullmatch(value):
            self.problem(key, f"'{value}' in '{key}' must be lowercase letters, digits and hyphens")

    def ident(self) -> str:
        value = self.text("id", required=True)
        self.slug("id", value)
        if self.ok:
            origin = Origin(self.parsed.name, self.span.line_of("id"))
            self.parsed.ids.setdefault(self.table, []).append((value, origin))
        return value

    def strings(self, key: str, required: bool = False, slugs: bool = False) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(key, f"'{key}' must be an array of strings")
            return ()
        if required and not value:
            self.problem(key, f"'{key}' is empty; give at least one")
        for index, item in enumerate(value):
            if not item.strip():
                self.problem(key, f"'{key}' has an empty string")
            elif item in value[:index]:
                self.problem(key, f"'{key}' lists '{item}' twice")
            elif slugs:
                self.slug(key, item)
        return tuple(value)

    def refs(self, key: str, table: str, required: bool = False) -> tuple[str, ...]:
        targets = self.strings(key, required=required)
        for target in targets:
            self.ref(key, table, target)
        return targets

    def ref(self, key: str, table: str, target: str) -> None:
        if target.strip():
            line = self.span.line_of(key)
            self.parsed.refs.append(_Ref(table, target, key, self.parsed.name, line, self.label))

    def number(self, key: str, required: bool = False) -> int | float | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            message = f"'{key}' must be a number, not {_toml_type(value)} {_toml_repr(value)}"
            self.problem(key, message)
            return None
        if not math.isfinite(value):
            self.problem(key, f"'{key}' must be a finite number, not {value}")
            return None
        return value

    def date(self, key: str) -> PartialDate:
        value = self._get(key, required=True)
        if value is None:
            return PartialDate(1)
        if isinstance(value, dt.datetime | dt.time) or not isinstance(value, str | dt.date):
            self.problem(
                key,
                f"'{key}' must be a string YYYY, YYYY-MM or YYYY-MM-DD, not {_toml_type(value)}",
            )
            return PartialDate(1)
        if isinstance(value, dt.date):
            return PartialDate(value.year, value.month, value.day)
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            self.problem(key, f"invalid {key}: {error}")
            return PartialDate(1)


def _source(record: _Record) -> Source:
    source_id = record.ident()
    title = record.text("title", required=True)
    publisher = record.text("publisher", required=True)
    url = record.text("url", required=True)
    if url.strip() and not url.startswith(("https://", "http://")):
        record.problem("url", f"url '{url}' must start with https:// or http://")
    published = record.date("published")
    notes = record.optional_text("notes")
    return Source(source_id, title, publisher, url, published, notes, origin=record.origin)


def _entity(record: _Record) -> Entity:
    entity_id = record.ident()
    name = record.text("name", required=True)
    entity_type = record.choice("type", ENTITY_TYPES)
    short_name = record.optional_text("short_name")
    aliases = record.strings("aliases")
    country = record.optional_text("country")
    if country is not None and country not in COUNTRIES:
        code = country.upper() if country.upper() in COUNTRIES else _COUNTRY_HINTS.get(country)
        hint = f" (did you mean '{code}'?)" if code else " (leave it out where there is none)"
        record.problem("country", f"country '{country}' is not an ISO 3166-1 alpha-2 code{hint}")
    parent = record.optional_text("parent")
    if parent is not None:
        record.ref("parent", "entity", parent)
    role = record.optional_text("role")
    organization = record.optional_text("organization")
    if organization is not None:
        record.ref("organization", "entity", organization)
    if (role is not None or organization is not None) and entity_type != "person":
        record.problem(
            "role" if role is not None else "organization",
            "'role' and 'organization' are for people (type = \"person\")",
        )
    description = record.optional_text("description")
    relations = record.strings("relations")
    for relation in relations:
        if relation.strip() and relation not in RELATIONS:
            hint = known_hint(relation, RELATIONS)
            record.problem("relations", f"unknown relation '{relation}'{hint}")
    if relations and entity_type in NOT_ORGANIZATIONS:
        record.problem("relations", f"'relations' is for organizations, not a {entity_type}")
    return Entity(
        entity_id,
        name,
        entity_type,
        short_name,
        aliases,
        country,
        parent,
        role,
        organization,
        description,
        relations,
        origin=record.origin,
    )


def _fact(record: _Record) -> Fact:
    fact_id = record.ident()
    date = record.date("date")
    kind = record.choice("kind", KINDS)
    title = record.text("title", required=True)
    if "\n" in title:
        record.problem("title", "'title' must be one line")
    text = record.text("text", required=True)
    entities = record.refs("entities", "entity", required=True)
    sources = record.refs("sources", "source", required=True)
    return Fact(
        fact_id,
        date,
        kind,
        title,
        text,
        entities,
        sources,
        date_note=record.optional_text("date_note"),
        place=record.optional_text("place"),
        materials=record.strings("materials", slugs=True),
        figures=_figures(record),
        tags=record.strings("tags", slugs=True),
        origin=record.origin,
    )


def _figures(record: _Record) -> tuple[Figure, ...]:
    value = record.raw.get("figures")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        record.problem("figures", "'figures' must be an array of tables ([[fact.figures]])")
        return ()
    figures = []
    for index, raw in enumerate(value):
        span = record.span.figures[index] if len(record.span.figures) == len(value) else None
        sub = _Record(
            record.parsed, "figure", index, raw, span or _Span(record.span.line_of("figures"))
        )
        sub.label = f"{record.label}: figure {index + 1}"
        figure = Figure(
            metric=sub.text("metric", required=True),
            value=sub.number("value", required=True) or 0,
            unit=sub.text("unit", required=True),
            scale=sub.optional_text("scale"),
            period=sub.optional_text("period"),
            change_pct=sub.number("change_pct"),
            qualifier=sub.optional_text("qualifier"),
        )
        if figure.scale is not None and figure.scale not in SCALES:
            sub.problem("scale", f"unknown scale '{figure.scale}' (known: {', '.join(SCALES)})")
        sub.check_unknown_keys()
        record.ok = record.ok and sub.ok
        figures.append(figure)
    return tuple(figures)


# --- all files: duplicates and references ----------------------------------------------------


def _assemble(parsed: list[_ParsedFile], problems: list[Problem]) -> FactBase:
    for one in parsed:
        problems.extend(one.problems)
    known: dict[str, dict[str, Origin]] = {table: {} for table in _TABLES}
    for one in parsed:
        for table, ids in one.ids.items():
            for record_id, origin in ids:
                first = known[table].setdefault(record_id, origin)
                if first is not origin:
                    message = f"duplicate {table} id '{record_id}' (first defined at {first})"
                    problems.append(
                        Problem(origin.file, origin.line, message, record_id, category="reference")
                    )
    for one in parsed:
        for ref in one.refs:
            if ref.target not in known[ref.table]:
                hint = did_you_mean(ref.target, known[ref.table])
                message = f"'{ref.key}' names unknown {ref.table} '{ref.target}'{hint}"
                problems.append(
                    Problem(ref.file, ref.line, message, ref.record, category="reference")
                )
    problems.extend(
        _parent_cycles([ref for one in parsed for ref in one.refs if ref.key == "parent"])
    )
    if problems:
        order = {one.name: index for index, one in enumerate(parsed)}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.line or 0, p.column or 0))
        raise FactsError(problems)
    return FactBase(
        sources=tuple(source for one in parsed for source in one.sources),
        entities=tuple(entity for one in parsed for entity in one.entities),
        facts=tuple(fact for one in parsed for fact in one.facts),
        files=tuple(one.name for one in parsed),
    )


def _parent_cycles(parent_refs: list[_Ref]) -> list[Problem]:
    parent_of = {ref.record: ref.target for ref in parent_refs}
    problems = []
    for ref in parent_refs:
        seen = {ref.record}
        step: str | None = ref.target
        while step is not None and step not in seen:
            seen.add(step)
            step = parent_of.get(step)
        if step == ref.record:
            message = (
                "an entity cannot be its own parent"
                if ref.target == ref.record
                else f"'parent' chain loops back to '{ref.record}'"
            )
            problems.append(Problem(ref.file, ref.line, message, ref.record, category="reference"))
    return problems


_TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
    list: "an array",
    dict: "a table",
    dt.datetime: "a date-time",
    dt.date: "a date",
    dt.time: "a time",
}


def _toml_type(value: object) -> str:
    return _TOML_TYPES.get(type(value), type(value).__name__)


def _toml_repr(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)
