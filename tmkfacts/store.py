"""Read fact files into validated records: bytes -> tomli -> typed records -> references.

This is the only module that parses fact files, and it never writes one. Every problem in every
file is collected, each with its file and line, and raised together as one FactsError.

A file is read whole (`load`), or cut at its top-level `[[fact]]` headers (`cut_files`) so
that the database (`tmkfacts.db`) can parse its facts a batch at a time, and only those whose
bytes changed since it was last written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import NamedTuple, TypeVar

import tomli

from tmkfacts import dates
from tmkfacts.errors import FactsError, Problem, did_you_mean, known_hint
from tmkfacts.locations import MAX_FILE_BYTES, StrPath, default_paths, resolve
from tmkfacts.model import (
    Entity,
    Fact,
    FactBase,
    Figure,
    Origin,
    PartialDate,
    Source,
)
from tmkfacts.vocabularies import (
    COUNTRIES,
    ENTITY_TYPES,
    KINDS,
    NOT_ORGANIZATIONS,
    RELATIONS,
    SCALES,
)
from tmkfacts.words import country_named

_T = TypeVar("_T")

_TABLES = ("source", "entity", "fact")
_FIELDS: dict[str, frozenset[str]] = {
    "source": frozenset("id title title_supplied publisher url published language notes".split()),
    "entity": frozenset(
        "id name short_name aliases search_aliases type country parent role organization "
        "description relations".split()
    ),
    "fact": frozenset(
        "id date not_before not_after date_note kind title text place entities materials "
        "figures sources disputes tags".split()
    ),
    "figure": frozenset("metric value unit scale period change_pct qualifier".split()),
}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: A BCP 47 language tag as sources need one: a language, then script or region subtags.
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-(?:[A-Z][a-z]{3}|[A-Z]{2}|[0-9]{3}))*")
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}


def load(
    paths: Iterable[StrPath] | None = None, contents: Mapping[Path, bytes] | None = None
) -> FactBase:
    """Read, merge and validate fact files; raise FactsError.

    Without paths: the shipped base and the user's own files (see `default_paths`). A path may
    be `builtin` for the shipped base. `contents` gives the bytes to read for some paths in
    place of their files: what a file would hold after an edit, checked before it is written.
    This always reads and validates the files; `tmkfacts.db.load` answers from the cache when
    they are unchanged.
    """
    files = [resolve(p) for p in paths] if paths is not None else default_paths()
    parsed: list[_ParsedFile] = []
    problems: list[Problem] = []
    for path in files:
        name = str(path)
        if contents is not None and path in contents:
            parsed.append(_parse(name, contents[path]))
            continue
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


def count_records(path: Path) -> tuple[int, int, int] | None:
    """How many sources, entities and facts a file holds, valid or not; None if not TOML."""
    try:
        document = tomli.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError, RecursionError):
        return None
    sizes = [document.get(table, []) for table in _TABLES]
    return tuple(len(each) if isinstance(each, list) else 1 for each in sizes)  # type: ignore[return-value]


class Segment(NamedTuple):
    """One top-level [[fact]] table of a file: where its bytes are, its line, their digest."""

    start: int
    end: int
    line: int
    digest: bytes


class Cut(NamedTuple):
    """Fact files cut at their [[fact]] headers: sources and entities read, facts not yet."""

    base: FactBase  # without facts
    data: list[bytes]
    segments: list[list[Segment]]
    head_digests: list[bytes]


_FACT_HEADER = re.compile(rb"^\[\[fact\]\][ \t]*\r?$", re.MULTILINE)
_OTHER_HEADER = re.compile(rb"^[ \t]*\[\[?[ \t]*[\"']?(source|entity)\b", re.MULTILINE)


def cut_files(paths: Sequence[Path]) -> Cut | None:
    """Read the files' sources and entities and cut their facts into segments, unparsed.

    None when a file cannot be cut so (a source or entity after its first fact, a header inside
    a multi-line string, any problem in the part before its facts, or a file that cannot be
    read): `load` then reads the files whole and says what any problem is.
    """
    data: list[bytes] = []
    heads: list[_ParsedFile] = []
    segments: list[list[Segment]] = []
    digests: list[bytes] = []
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        starts = [match.start() for match in _FACT_HEADER.finditer(raw)]
        head_end = starts[0] if starts else len(raw)
        head = _parse(str(path), raw[:head_end])
        if len(raw) > MAX_FILE_BYTES or _OTHER_HEADER.search(raw, head_end) or head.facts:
            return None
        heads.append(head)
        data.append(raw)
        digests.append(blake2b(raw[:head_end], digest_size=16).digest())
        line = raw.count(b"\n", 0, head_end) + 1
        found, view = [], memoryview(raw)
        ends = [*starts[1:], len(raw)] if starts else []
        for start, end in zip(starts, ends, strict=True):
            found.append(
                Segment(start, end, line, blake2b(view[start:end], digest_size=16).digest())
            )
            line += raw.count(b"\n", start, end)
        segments.append(found)
    try:
        return Cut(_assemble(heads, []), data, segments, digests)
    except FactsError:
        return None


def facts_of(cut: Cut, file: int, segments: Sequence[Segment]) -> list[Fact] | None:
    """The facts of segments (at least one) that follow each other in one file, checked.

    Checked against the base's sources and entities; None for any problem in them: `load`
    then reads the files whole and says what it is.
    """
    name = cut.base.files[file]
    text = _decode(name, cut.data[file][segments[0].start : segments[-1].end])
    try:
        document = tomli.loads(text) if isinstance(text, str) else {}
    except (tomli.TOMLDecodeError, RecursionError):
        return None
    tables = document.get("fact")
    if not isinstance(tables, list) or document.keys() != {"fact"} or len(tables) != len(segments):
        return None
    # Each record is placed at its segment's line; the lines of keys matter only for problems,
    # which `load` finds again, placed precisely.
    spans = {"source": [], "entity": [], "fact": [_Span(segment.line) for segment in segments]}
    parsed = _read_document(name, document, spans, {})
    known = {
        "entity": {entity.id for entity in cut.base.entities},
        "source": {source.id for source in cut.base.sources},
    }
    # A disagreement names other facts, which only the whole base knows: read it whole.
    if parsed.problems or any(
        r.table not in known or not known[r.table].issuperset(r.targets) for r in parsed.refs
    ):
        return None
    published = {source.id: source.published for source in cut.base.sources}
    problems: list[Problem] = []
    facts = _spanned(parsed.facts, published, parsed.date_lines, problems)
    return None if problems else facts


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
_SINGLE_HEADER = re.compile(r"\s*\[\s*([^\[\]]*?)\s*\]")
_NAMES = {"[[fact]]": "fact", "[[fact.figures]]": "fact.figures"}  # the usual headers, quickly
_KEY_LINE = re.compile(r"""\s*(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _locate(text: str) -> tuple[dict[str, list[_Span]], dict[str, int]]:
    """Find each [[source]], [[entity]] and [[fact]] table and its keys' lines, and top-level keys.

    tomli parses without positions, so this scan over lines gives them, skipping the insides of
    multi-line strings. It only places problems; what the file means comes from tomli alone.
    """
    found = _Found()
    string_end: str | None = None
    number, position = 1, 0
    # Only lines with something on them; a file of blank lines costs neither time nor a list.
    for match in _LINE.finditer(text):
        number += text.count("\n", position, match.start())
        position = match.start()
        line = match.group().removesuffix("\r")
        if string_end is None and not found.header(line, number):
            key = _KEY_LINE.match(line)
            if key:
                name = key[1] if key[1] is not None else key[2] if key[2] is not None else key[3]
                found.key(name, number)
        string_end = scan_strings(line, string_end)
    return found.spans, found.top_level


class _Found:
    """What `_locate` has found so far: the tables' spans, and where top-level keys are."""

    def __init__(self) -> None:
        self.spans: dict[str, list[_Span]] = {table: [] for table in _TABLES}
        self.top_level: dict[str, int] = {}
        self.current: _Span | None = None
        self.target: _Span | None = None  # the span keys go to: a record, or one of its figures
        self.in_root = True

    def header(self, line: str, number: int) -> bool:
        """Note a table header, if the line is one."""
        header = _ARRAY_HEADER.match(line)
        if header:
            name = _NAMES.get(line) or header[1].replace(" ", "").replace('"', "")
            self.in_root = False
            self.top_level.setdefault(name.split(".")[0], number)
            if name in self.spans:
                self.current = self.target = _Span(number)
                self.spans[name].append(self.current)
            elif name == "fact.figures" and self.current is not None:
                self.target = _Span(number)
                self.current.figures.append(self.target)
            else:
                self.current = self.target = None
            return True
        table = _SINGLE_HEADER.match(line)
        if table or _TABLE_HEADER.match(line):
            self.in_root = False
            name = table[1].replace(" ", "").replace('"', "") if table else ""
            if name == "fact.figures" and self.current is not None:  # [fact.figures]: one table
                self.current.keys.setdefault("figures", number)
            else:
                self.top_level.setdefault(name.split(".")[0], number)
                self.current = None
            self.target = None
            return True
        return False

    def key(self, name: str, number: int) -> None:
        """Note the line of a key."""
        if self.in_root:
            self.top_level.setdefault(name, number)
        elif self.target is not None:
            self.target.keys.setdefault(name, number)


def scan_strings(line: str, string_end: str | None) -> str | None:
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


class _Ref(NamedTuple):
    """References from one record's key to others, checked once every file is read."""

    table: str  # the table the targets must be in
    targets: tuple[str, ...]
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
    date_lines: list[int | None] = field(default_factory=list)  # of each fact read, in order


def _parse(name: str, data: bytes) -> _ParsedFile:
    text = _decode(name, data)
    if isinstance(text, Problem):
        return _ParsedFile(name, [text])
    return _parse_text(name, text)


def _decode(name: str, data: bytes) -> str | Problem:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be decoded"
        return Problem(name, line, message, category="syntax")


def _parse_text(name: str, text: str) -> _ParsedFile:
    """Parse and check one document; each problem is placed on its key's line."""
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        return _ParsedFile(name, [_syntax_problem(name, error, text)])
    except RecursionError:  # tomli's limit on nesting, or Python's where tomli has none
        message = "invalid TOML: arrays or tables are nested too deeply"
        return _ParsedFile(name, [Problem(name, None, message, category="syntax")])
    return _read_document(name, document, *_locate(text))


def _read_document(
    name: str, document: dict[str, object], spans: dict[str, list[_Span]], top_level: dict[str, int]
) -> _ParsedFile:
    parsed = _ParsedFile(name)
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
            if isinstance(value, dict):
                message += f": write [[{key}]] where [{key}] is written"
            parsed.problems.append(Problem(name, top_level.get(key), message))
            continue
        table_spans = spans[key]
        if len(table_spans) != len(value):
            # Inline arrays (`fact = [{...}]`): every record is placed at the array's line.
            table_spans = [_Span(top_level.get(key)) for _ in value]
        for index, (raw, span) in enumerate(zip(value, table_spans, strict=True)):
            _read_record(parsed, key, index, raw, span)
    return parsed


def _syntax_problem(name: str, error: tomli.TOMLDecodeError, text: str = "") -> Problem:
    message = f"invalid TOML: {error.msg}{_syntax_hint(error, text)}"
    return Problem(name, error.lineno, message, column=error.colno, category="syntax")


def _syntax_hint(error: tomli.TOMLDecodeError, text: str) -> str:
    """What a TOML syntax error most likely means, in words, for the usual mistakes."""
    lines = text.split("\n")
    line = lines[error.lineno - 1] if 0 < error.lineno <= len(lines) else ""
    if error.msg.startswith("Expected newline or end of document") and re.match(
        r"\s*[\w-]+\s*=\s*\"", line
    ):
        return (
            '; a quote inside a string ends it: write \\" for a quote inside "...", or '
            "put the string in single quotes"
        )
    if error.msg.startswith("Cannot declare") and _SINGLE_HEADER.match(line):
        table = _SINGLE_HEADER.match(line)
        assert table is not None
        return f"; [{table[1]}] is one table: write [[{table[1]}]] for each record"
    if error.msg.startswith("Unclosed array") or error.msg.startswith("Unclosed inline"):
        return "; a ']' or '}' is missing"
    return ""


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
    elif builder is _fact:  # keep the date lines in step with the facts kept
        record.parsed.date_lines.pop()


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
        if allowed.issuperset(self.raw):
            return
        for key in self.raw:
            if key not in allowed:
                self.problem(key, f"unknown key '{key}'{did_you_mean(key, allowed)}")

    def _get(self, key: str, required: bool) -> object | None:
        value = self.raw.get(key)
        if value is None and required:
            self.problem(None, f"missing required key '{key}'")
        return value

    def text(self, key: str, required: bool = False) -> str:
        value = self.raw.get(key)
        if type(value) is str and value.strip():
            return value  # the usual case
        if value is None and required:
            self.problem(None, f"missing required key '{key}'")
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
            line = self.span.line_of("id")
            origin = self.origin if line == self.origin.line else Origin(self.parsed.name, line)
            self.parsed.ids.setdefault(self.table, []).append((value, origin))
        return value

    def strings(self, key: str, required: bool = False, slugs: bool = False) -> tuple[str, ...]:
        value = self.raw.get(key)
        if type(value) is list and (value or not required):
            try:  # the usual case, checked at once: strings, none empty, none twice
                if (
                    len(set(value)) == len(value)
                    and all(map(str.strip, value))
                    and (not slugs or all(map(_SLUG.fullmatch, value)))
                ):
                    return tuple(value)
            except TypeError:  # not all strings: looked at one by one below
                pass
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
        named = tuple(target for target in targets if target.strip())
        if named:
            line = self.span.line_of(key)
            self.parsed.refs.append(_Ref(table, named, key, self.parsed.name, line, self.label))
        return targets

    def ref(self, key: str, table: str, target: str) -> None:
        if target.strip():
            line = self.span.line_of(key)
            self.parsed.refs.append(_Ref(table, (target,), key, self.parsed.name, line, self.label))

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

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(key, f"'{key}' must be true or false, not {_toml_type(value)}")
            return False
        return value

    def optional_date(self, key: str) -> PartialDate | None:
        return self.date(key) if key in self.raw else None

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
            meant = dates.suggest(value)
            hint = f" (did you mean '{meant}'?)" if meant and meant != value else ""
            self.problem(key, f"invalid {key}: {error}{hint}")
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
    supplied = record.flag("title_supplied")
    language = record.optional_text("language")
    if language is not None and not _LANGUAGE.fullmatch(language):
        record.problem(
            "language",
            f"language '{language}' is not a BCP 47 tag such as 'en', 'ru' or 'uz-Cyrl'",
        )
    return Source(
        source_id,
        title,
        publisher,
        url,
        published,
        notes,
        supplied,
        language,
        origin=record.origin,
    )


def _entity(record: _Record) -> Entity:
    entity_id = record.ident()
    name = record.text("name", required=True)
    entity_type = record.choice("type", ENTITY_TYPES)
    short_name = record.optional_text("short_name")
    aliases = record.strings("aliases")
    country = record.optional_text("country")
    if country is not None and country not in COUNTRIES:
        code = country.upper() if country.upper() in COUNTRIES else _COUNTRY_HINTS.get(country)
        code = code or country_named(country)
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
        record.strings("search_aliases"),
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
    entities = record.refs("entities", "entity", required=kind != "background")
    sources = record.refs("sources", "source", required=True)
    # Few facts are disputed: read the key only where it is written.
    disputes = record.refs("disputes", "fact") if "disputes" in record.raw else ()
    if fact_id in disputes:
        record.problem("disputes", "a fact cannot dispute itself")
    not_before, not_after = record.optional_date("not_before"), record.optional_date("not_after")
    if dates.span(date, kind, (), not_before, not_after) is None:
        if not_before and not_before.first_day > date.last_day:
            record.problem("not_before", f"'not_before' {not_before} is after the date {date}")
        elif not_after and not_after.last_day < date.first_day:
            record.problem("not_after", f"'not_after' {not_after} is before the date {date}")
        else:
            record.problem(
                "not_after", f"'not_before' {not_before} is after 'not_after' {not_after}"
            )
    record.parsed.date_lines.append(record.span.line_of("date"))
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
        not_before=not_before,
        not_after=not_after,
        disputes=disputes,
        origin=record.origin,
    )


def _figures(record: _Record) -> tuple[Figure, ...]:
    value = record.raw.get("figures")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        hint = ": write [[fact.figures]] where [fact.figures] is written"
        message = "'figures' must be an array of tables ([[fact.figures]])"
        record.problem("figures", message + (hint if isinstance(value, dict) else ""))
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
    found = [*problems, *_cross_problems(parsed)]
    sources = tuple(source for one in parsed for source in one.sources)
    facts: list[Fact] = []
    if not found:
        published = {source.id: source.published for source in sources}
        for one in parsed:
            facts += _spanned(one.facts, published, one.date_lines, found)
    if found:
        order = {one.name: index for index, one in enumerate(parsed)}
        found.sort(key=lambda p: (order.get(p.file, -1), p.line or 0, p.column or 0))
        raise FactsError(found)
    return FactBase(
        sources=sources,
        entities=tuple(entity for one in parsed for entity in one.entities),
        facts=tuple(facts),
        files=tuple(one.name for one in parsed),
    )


def _spanned(
    facts: list[Fact],
    published: Mapping[str, PartialDate],
    lines: Sequence[int | None],
    problems: list[Problem],
) -> list[Fact]:
    """The facts, each with its span (`tmkfacts.dates.span`); a problem for any that has none."""
    spanned = []
    known: dict[tuple[object, ...], dates.Span | None] = {}  # facts share dates and sources
    forward = dates.FORWARD_KINDS
    make = tuple.__new__  # as Fact._make does, without its checks: a record read a moment ago
    for fact, line in zip(facts, lines, strict=True):
        key = (fact.date, fact.kind in forward, fact.sources, fact.not_before, fact.not_after)
        if key not in known:
            reports = [published[source] for source in fact.sources]
            known[key] = dates.span(fact.date, fact.kind, reports, fact.not_before, fact.not_after)
        when = known[key]
        if when is None:
            problems.append(_unspanned(fact, published, line))
        else:
            spanned.append(make(Fact, (*fact[:-2], when, fact[-1])))
    return spanned


def _unspanned(fact: Fact, published: Mapping[str, PartialDate], line: int | None) -> Problem:
    """Why a fact has no span: dated after its first report, or, a plan, before it.

    Its own date and bounds were checked as it was read.
    """
    if fact.kind in dates.FORWARD_KINDS:
        first = min(fact.sources, key=lambda source: published[source].first_day)
        message = (
            f"a {fact.kind} dated {fact.date}, before its source '{first}' was published "
            f"({published[first]}): a {fact.kind} is of what is still to come when it is "
            "reported; correct the date, or give what happened another kind"
        )
    else:
        first = min(fact.sources, key=lambda source: published[source].last_day)
        message = (
            f"dated {fact.date}, after its source '{first}' was published "
            f"({published[first]}): what a source reports happened no later than the "
            "report; correct the date, or make the fact a plan or forecast"
        )
    file = fact.origin.file if fact.origin else ""
    return Problem(file, line, message, fact.id, category="reference")


def _cross_problems(parsed: list[_ParsedFile]) -> list[Problem]:
    """The problems of each file, then duplicate ids, unknown references and parent loops."""
    problems = [problem for one in parsed for problem in one.problems]
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
    named = {  # an entity's names and aliases, folded, to the entity's id
        " ".join(name.casefold().split()): entity.id
        for one in parsed
        for entity in one.entities
        for name in entity.names
    }
    for one in parsed:
        for ref in one.refs:
            for target in ref.targets:
                if target in known[ref.table]:
                    continue
                entity_id = named.get(" ".join(target.casefold().split()))
                if ref.table == "entity" and entity_id:
                    hint = f" (did you mean '{entity_id}'? '{target}' is its name; give its id)"
                else:
                    hint = did_you_mean(target, known[ref.table])
                message = f"'{ref.key}' names unknown {ref.table} '{target}'{hint}"
                problems.append(
                    Problem(ref.file, ref.line, message, ref.record, category="reference")
                )
    problems.extend(
        _parent_cycles([ref for one in parsed for ref in one.refs if ref.key == "parent"])
    )
    return problems


def _parent_cycles(parent_refs: list[_Ref]) -> list[Problem]:
    parent_of = {ref.record: ref.targets[0] for ref in parent_refs}
    problems = []
    for ref in parent_refs:
        seen = {ref.record}
        step: str | None = ref.targets[0]
        while step is not None and step not in seen:
            seen.add(step)
            step = parent_of.get(step)
        if step == ref.record:
            message = (
                "an entity cannot be its own parent"
                if ref.targets[0] == ref.record
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
