"""The errors of tmkfacts: invalid fact files and questions that cannot be asked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

Category = Literal["io", "syntax", "schema", "reference", "warning"]


class Problem(NamedTuple):
    """One fault in a fact file, located as precisely as it is known."""

    file: str
    line: int | None
    message: str
    record: str | None = None
    column: int | None = None
    category: Category = "schema"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.record is None:
            return f"{where}: {self.message}"
        return f"{where}: {self.record}: {self.message}"


class FactsError(Exception):
    """Fact files that cannot be read or do not validate; carries every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    @property
    def unreadable(self) -> bool:
        """True when a file could not be read at all (missing, a folder, no permission)."""
        return any(problem.category == "io" for problem in self.problems)

    def __str__(self) -> str:
        if not self.problems:
            return "invalid fact files"
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return f"{first} (and {more} more)" if more else first


class WriteError(OSError):
    """A file tmkfacts was asked to write cannot be written, or may not be overwritten."""


class QueryError(ValueError):
    """A question that cannot be asked: an unknown kind, an empty search, --since after --until."""


def closest(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Up to n choices that look like word, closest first: the one nearest-word function.

    difflib's ratio of matching characters, from 0 to 1; below `cutoff` is not close.
    """
    import difflib  # only on the error path and for typos, to keep start-up lean

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint such as " (did you mean 'export'?)" naming the choice closest to word, or ""."""
    candidates = list(choices)
    # A slug cut short ('vlcor' for 'vlcor-baltic') is as likely a slip as a misspelling.
    close = [c for c in candidates if c.startswith(f"{word}-")]
    close = close or closest(word, candidates)
    return f" (did you mean '{close[0]}'?)" if close else ""


def known_hint(word: str, choices: Iterable[str]) -> str:
    """The choice closest to word, as did_you_mean gives it; else " (known: a, b, c)"."""
    candidates = list(choices)
    return did_you_mean(word, candidates) or f" (known: {', '.join(candidates)})"


# Characters a terminal would act on rather than show: C0 and C1 controls (ESC starts colour
# and cursor sequences) and the bidi controls that reorder what follows them. A pattern, not
# compiled at import: `re` compiles it when first used, and --json output never uses it.
_UNSAFE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def printable(text: str, *, lines: bool = False) -> str:
    r"""Text that shows at a terminal as written: controls and bidi marks become escapes (\x1b).

    With `lines`, newlines stay and a tab becomes a space; without, all whitespace runs become
    one space, for a message on one line.
    """
    text = text.replace("\t", " ") if lines else " ".join(text.split())
    return re.sub(_UNSAFE, _escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
