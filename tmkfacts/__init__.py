"""tmkfacts: sourced, dated facts about the Uzbekistan Technological Metals Complex (TMK).

The public names are imported when first used, so that `import tmkfacts` and the command line
pay only for what they touch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_WHERE = {
    "FactsError": "tmkfacts.errors",
    "Problem": "tmkfacts.errors",
    "Entity": "tmkfacts.model",
    "Fact": "tmkfacts.model",
    "FactBase": "tmkfacts.model",
    "Figure": "tmkfacts.model",
    "PartialDate": "tmkfacts.model",
    "Source": "tmkfacts.model",
    "builtin_path": "tmkfacts.locations",
    "load": "tmkfacts.store",
    "loads": "tmkfacts.store",
}

__all__ = [
    "Entity",
    "Fact",
    "FactBase",
    "FactsError",
    "Figure",
    "PartialDate",
    "Problem",
    "Source",
    "__version__",
    "builtin_path",
    "load",
    "loads",
]

if TYPE_CHECKING:
    from tmkfacts.errors import FactsError, Problem
    from tmkfacts.locations import builtin_path
    from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate, Source
    from tmkfacts.store import load, loads


def __getattr__(name: str) -> object:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tmkfacts' has no attribute {name!r}")
