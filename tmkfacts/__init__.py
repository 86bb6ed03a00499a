"""tmkfacts: sourced, dated facts about the Uzbekistan Technological Metals Complex (TMK)."""

from tmkfacts.errors import FactsError, Problem
from tmkfacts.model import Entity, Fact, FactBase, Figure, PartialDate, Source
from tmkfacts.store import builtin_path, load, loads

__version__ = "0.1.0"

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
