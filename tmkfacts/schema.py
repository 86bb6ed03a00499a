"""JSON Schemas of what each command prints with --json: the contract, in machine form.

Within a major version, fields are only ever added, never renamed or removed, so the schemas
allow properties they do not list and consumers should ignore keys they do not know.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_STRING: Schema = {"type": "string"}
_TEXT: Schema = {"type": "string", "minLength": 1}
_OPTIONAL: Schema = {"type": ["string", "null"]}
_DATE: Schema = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
_OPTIONAL_DATE: Schema = {"anyOf": [_DATE, {"type": "null"}]}
_DAY: Schema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_EARLIEST: Schema = {
    **_DAY,
    "description": "The earliest day the fact may fall on: the first day of its date, or of "
    "its 'not_before' bound; for a plan or forecast, no earlier than its first report.",
}
_LATEST: Schema = {
    **_DAY,
    "description": "The latest day the fact may fall on: the last day of its date, or of its "
    "'not_after' bound; for every kind but plans and forecasts, no later than the first "
    "publication of its sources, since a report tells of what has happened.",
}
_NUMBER: Schema = {"type": "number"}
_STRINGS: Schema = {"type": "array", "items": _STRING}
_COUNT: Schema = {"type": "integer", "minimum": 0}


def _object(properties: dict[str, Schema], description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": True,
    }


def _array(item: Schema) -> Schema:
    return {"$schema": _DRAFT, "type": "array", "items": item}


SOURCE = _object(
    {
        "id": _TEXT,
        "title": _TEXT,
        "publisher": _TEXT,
        "url": _TEXT,
        "published": _DATE,
        "notes": _OPTIONAL,
        "title_supplied": {
            "type": "boolean",
            "description": "True when the title is not the article's headline but ours (from "
            "its address, translated, or describing it); citations print it in [brackets].",
        },
        "language": {
            "type": ["string", "null"],
            "description": "The article's language, a BCP 47 tag ('en', 'ru', 'uz-Cyrl').",
        },
    },
    "A published article that facts are drawn from.",
)
FIGURE = _object(
    {
        "metric": _TEXT,
        "value": _NUMBER,
        "unit": _TEXT,
        "scale": {"enum": ["thousand", "million", "billion", None]},
        "period": _OPTIONAL,
        "change_pct": {"type": ["number", "null"]},
        "qualifier": _OPTIONAL,
    },
    "A number a fact reports.",
)
FACT = _object(
    {
        "id": _TEXT,
        "date": _DATE,
        "date_note": _OPTIONAL,
        "kind": _TEXT,
        "title": _TEXT,
        "text": _TEXT,
        "place": _OPTIONAL,
        "entities": _STRINGS,
        "materials": _STRINGS,
        "figures": {"type": "array", "items": FIGURE},
        "tags": _STRINGS,
        "sources": {"type": "array", "items": SOURCE, "minItems": 1},
        "disputes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Ids of facts whose sources say otherwise of the same thing.",
        },
        "earliest": _EARLIEST,
        "latest": _LATEST,
        "origin": {
            "type": ["string", "null"],
            "description": "Where the fact comes from: 'builtin' for the shipped base, else "
            "the path of the fact file (the user's own).",
        },
    },
    "One dated, sourced fact, its sources spelled out.",
)
HIT = _object(
    {**FACT["properties"], "score": _NUMBER, "matched": _STRINGS},
    "A fact found by a search, its score and the search terms that matched.",
)
_ENTITY = {
    "id": _TEXT,
    "name": _TEXT,
    "short_name": _OPTIONAL,
    "type": _TEXT,
    "country": {"type": ["string", "null"], "pattern": "^[A-Z]{2}$"},
    "parent": _OPTIONAL,
}
PARTNER = _object(
    {
        **_ENTITY,
        "relations": _STRINGS,
        "facts": _STRINGS,
        "first_date": _OPTIONAL_DATE,
        "last_date": _OPTIONAL_DATE,
        "planned": {
            **_STRINGS,
            "description": "Ids of the plans and forecasts between them, oldest first; "
            "first_date and last_date are of what happened, and leave them out.",
        },
    },
    "An organization TMK deals with.",
)
MEMBERSHIP = _object(
    {
        **_ENTITY,
        "date": _DATE,
        "date_note": _OPTIONAL,
        "place": _OPTIONAL,
        "fact": _TEXT,
        "earliest": _EARLIEST,
        "latest": _LATEST,
        "benefits": {
            "type": "array",
            "items": _object({"fact": _TEXT, "text": _TEXT}, "What the membership should give."),
        },
    },
    "A body TMK joined.",
)
_ENTITY_FULL = {
    **_ENTITY,
    "aliases": _STRINGS,
    "role": _OPTIONAL,
    "organization": _OPTIONAL,
    "description": _OPTIONAL,
    "relations": _STRINGS,
    "search_aliases": {
        **_STRINGS,
        "description": "Names people type that no source uses: found by search, never shown.",
    },
}
ENTITY = _object(_ENTITY_FULL, "An organization, person, country or event.")
ENTITY_VIEW = _object(
    {
        **_ENTITY_FULL,
        "subsidiaries": _STRINGS,
        "people": _STRINGS,
        "facts": {**_STRINGS, "description": "Ids of the facts about it, newest first."},
    },
    "An entity, its subsidiaries and people, and its facts.",
)
SOURCE_USE = _object({**SOURCE["properties"], "facts": _STRINGS}, "A source and its facts.")
SECTION = _object(
    {
        "section": {
            "enum": [
                "totals", "kinds", "years", "exports", "partners_by_country",
                "memberships_by_year", "latest",
            ]
        },
        "rows": {"type": "array", "items": {"type": "object"}},
    },
    "One section of the summary.",
)  # fmt: skip
PROBLEM = _object(
    {
        "file": _TEXT,
        "line": {"type": ["integer", "null"]},
        "column": {"type": ["integer", "null"]},
        "record": _OPTIONAL,
        "message": _TEXT,
    },
    "A problem in a fact file.",
)
FILE = _object(
    {
        "file": _TEXT,
        "role": {"enum": ["shipped", "yours", "given"]},
        "sources": {"type": ["integer", "null"], "minimum": 0},
        "entities": {"type": ["integer", "null"], "minimum": 0},
        "facts": {"type": ["integer", "null"], "minimum": 0},
        "problem": {
            "type": ["string", "null"],
            "description": "The file's first problem, or null; counts are null for a file "
            "that is not TOML.",
        },
    },
    "A fact file read, and what it holds.",
)

_SCHEMAS: dict[str, Schema] = {
    "list": _array(FACT),
    "search": _array(HIT),
    "show": _array(FACT),
    "timeline": _array(FACT),
    "partners": _array(PARTNER),
    "memberships": _array(MEMBERSHIP),
    "entities": _array(ENTITY),
    "entity": _array(ENTITY_VIEW),
    "sources": _array(SOURCE_USE),
    "summary": _array(SECTION),
    "check": _array(PROBLEM),
    "info": _array(FILE),
    "cite": _array(SOURCE_USE),
}


def schemas() -> dict[str, Schema]:
    """The schema of each command's --json output, by command."""
    return dict(_SCHEMAS)


def schema_of(command: str) -> Schema:
    """The schema of one command's --json output; QueryError for a command without one."""
    from tmkfacts.errors import QueryError, known_hint

    if command not in _SCHEMAS:
        raise QueryError(f"no JSON output for '{command}'{known_hint(command, _SCHEMAS)}")
    return _SCHEMAS[command]
