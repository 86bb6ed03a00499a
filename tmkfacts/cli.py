"""The tmkfacts command line: parse options, call the core, print, and map errors to exit codes.

Exit codes follow grep: 0 found (or clean), 1 nothing found (or problems found by `check`),
2 a usage error or a fact file that cannot be read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tmkfacts import store
from tmkfacts.errors import FactsError

app = typer.Typer(
    name="tmkfacts",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

DataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        metavar="PATH",
        help="Fact file to read instead of the shipped base; repeat to merge several. "
        "Default: the files in $TMKFACTS_DATA (separated by ':'), else the shipped base.",
        show_default=False,
    ),
]


@app.callback()
def _main() -> None:
    """Sourced, dated facts about the Uzbekistan Technological Metals Complex (TMK)."""


@app.command()
def check(data: DataOpt = None) -> None:
    """Validate fact files and list every problem, one per line: FILE:LINE: ID: MESSAGE.

    Exits 0 when clean, 1 when problems were found, 2 when a file cannot be read.
    """
    try:
        base = store.load(_data_paths(data))
    except FactsError as error:
        if error.unreadable:
            for problem in error.problems:
                if problem.category == "io":
                    typer.echo(f"tmkfacts: error: {problem}", err=True)
            raise typer.Exit(2) from None
        for problem in error.problems:
            typer.echo(str(problem))
        count = len(error.problems)
        typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        raise typer.Exit(1) from None
    files = ", ".join(base.files)
    typer.echo(
        f"ok: {len(base.sources)} sources, {len(base.entities)} entities and "
        f"{len(base.facts)} facts checked in {files}"
    )


def _data_paths(data: list[Path] | None) -> list[Path] | None:
    """The files to read: --data, else $TMKFACTS_DATA, else None for the shipped base."""
    if data:
        return data
    from_env = [
        Path(part) for part in os.environ.get("TMKFACTS_DATA", "").split(os.pathsep) if part
    ]
    return from_env or None


def main() -> None:
    """Entry point of the `tmkfacts` console script."""
    app(prog_name="tmkfacts")
