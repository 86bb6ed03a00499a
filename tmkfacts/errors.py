"""The one error type of tmkfacts, and the problems it carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["io", "syntax", "schema", "reference"]


@dataclass(frozen=True, slots=True)
class Problem:
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
