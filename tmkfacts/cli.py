"""The tmkfacts command line: parse options, ask the core, print, and map errors to exit codes.

Exit codes follow grep: 0 something found (or a clean check), 1 nothing found (or problems
found by `check`), 2 a usage error or a fact file that cannot be read or is invalid. Errors are
one line on stderr.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from tmkfacts import query, rows, store
from tmkfacts import search as full_text
from tmkfacts.errors import FactsError, QueryError, did_you_mean, printable
from tmkfacts.model import KINDS, RELATIONS, FactBase, PartialDate


def _lazy(name: str) -> ModuleType:
    """Import a module when first used: Rich takes ~45 ms to import and --json never needs it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from rich.console import RenderableType

    from tmkfacts import render
else:
    render = _lazy("tmkfacts.render")

T = TypeVar("T")


class _Commands(TyperGroup):
    """Runs a command and turns every error into one line on stderr and an exit code."""

    def main(  # type: ignore[override]  # keeps TyperGroup's keyword arguments in **extra
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        _tolerate_narrow_encodings()
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as error:  # a usage error: bad option, unknown command
            context = getattr(error, "ctx", None)
            hint = f" (see '{context.command_path} --help')" if context is not None else ""
            code = _fail(f"{error.format_message()}{hint}", error.exit_code)
        except FactsError as error:
            code = _fail(_facts_error_line(error), 2)
        except QueryError as error:
            code = _fail(str(error), 2)
        except KeyboardInterrupt:  # Ctrl-C: the shell's convention, and no traceback
            code = 130
        except Exception as error:  # a bug in tmkfacts, not bad input
            if "--debug" in argv or os.environ.get("TMKFACTS_DEBUG"):
                raise
            bug = f"{type(error).__name__}: {error}"
            code = _fail(f"internal error: {bug} (run with --debug to see where)", 2)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Name an unknown command, and the one that was probably meant."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            ctx.fail(f"no command '{name}'{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="tmkfacts",
    cls=_Commands,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

#: How many problems `check` lists unless asked for all: a screenful stays readable.
_SHOWN_PROBLEMS = 50

# --- options shared by the commands, declared once -------------------------------------------


def _date(text: str) -> PartialDate:
    try:
        return PartialDate.parse(text.strip())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


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
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print a JSON array, one object per row, instead of a table."),
]
KindOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        metavar="KIND",
        help=f"Only facts of this kind; repeat for any of several. Kinds: {', '.join(KINDS)}.",
        show_default=False,
    ),
]
EntityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--entity",
        metavar="NAME",
        help="Only facts about this entity, by id or any of its names (any case); "
        "repeat for facts about all of several.",
        show_default=False,
    ),
]
MaterialOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--material",
        metavar="MATERIAL",
        help="Only facts about this material (rhenium, tungsten...); repeat for all of several.",
        show_default=False,
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        metavar="TAG",
        help="Only facts with this tag; repeat for all of several.",
        show_default=False,
    ),
]
SinceOpt = Annotated[
    PartialDate | None,
    typer.Option(
        "--since",
        metavar="DATE",
        parser=_date,
        help="Only facts that may fall on or after DATE: 2025, 2025-07 or 2025-07-14. "
        "A fact dated only 2025 overlaps any range that touches 2025.",
        show_default=False,
    ),
]
UntilOpt = Annotated[
    PartialDate | None,
    typer.Option(
        "--until",
        metavar="DATE",
        parser=_date,
        help="Only facts that may fall on or before DATE: 2025, 2025-07 or 2025-07-14.",
        show_default=False,
    ),
]
LimitOpt = Annotated[
    int | None,
    typer.Option("--limit", metavar="N", min=1, help="Show at most N facts.", show_default=False),
]

# --- commands -----------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def _main(
    context: typer.Context,
    debug: Annotated[  # read before parsing, in _Commands.main
        bool,
        typer.Option("--debug", help="Show the traceback of an internal error.", hidden=True),
    ] = False,
) -> None:
    """Sourced, dated facts about the Uzbekistan Technological Metals Complex (TMK)."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


@app.command("list")
def list_(
    *,
    data: DataOpt = None,
    as_json: JsonOpt = False,
    kind: KindOpt = None,
    entity: EntityOpt = None,
    material: MaterialOpt = None,
    tag: TagOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
) -> None:
    """List facts, newest first."""
    base, where = _base(data), _filter(kind, entity, material, tag, since, until)
    facts = query.list_facts(base, where, limit)
    _emit(
        facts,
        as_json,
        partial(rows.fact, base),
        lambda: render.fact_table(facts),
        _miss(base, where),
    )


@app.command(context_settings={"ignore_unknown_options": True})  # -word excludes a word
def search(
    context: typer.Context,
    words: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False)],
    *,
    data: DataOpt = None,
    as_json: JsonOpt = False,
    kind: KindOpt = None,
    entity: EntityOpt = None,
    material: MaterialOpt = None,
    tag: TagOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
) -> None:
    """Find facts matching every word of QUERY, best match first.

    Case, accents and word endings do not matter ('exported' finds 'exports'); names, synonyms
    (REE, CRM), countries (Estonia, Estonian, EE) and typos are understood. Also: "a phrase",
    -word to exclude, and filters kind: entity: material: tag: country: date: after: before:
    (date:2025Q1, date:2025-03..2025-08). See the README for the whole syntax.
    """
    _no_unknown_options(context, words)
    base, where = _base(data), _filter(kind, entity, material, tag, since, until)
    found = full_text.search(base, " ".join(words), where, limit)
    for typed, instead in found.corrections:
        typer.echo(f"tmkfacts: no fact has '{typed}'; searched for '{instead}' instead", err=True)
    _emit(
        found.hits,
        as_json,
        partial(rows.hit, base),
        lambda: render.hit_table(found.hits),
        lambda: found.hint or query.explain_miss(base, where) or _no_match(base),
    )


@app.command()
def show(
    fact_id: Annotated[str, typer.Argument(metavar="ID", show_default=False)],
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one fact in full: its date and how it is known, entities, figures and sources."""
    base = _base(data)
    found = [fact] if (fact := query.find_fact(base, fact_id)) else []
    _emit(
        found,
        as_json,
        partial(rows.fact, base),
        lambda: render.fact_panel(base, found[0]),
        lambda: _no_fact(base, fact_id),
    )


@app.command()
def partners(
    data: DataOpt = None,
    as_json: JsonOpt = False,
    relation: Annotated[
        str | None,
        typer.Option(
            "--relation",
            metavar="RELATION",
            help=f"Only partners with this relation: {', '.join(RELATIONS)}.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the organizations TMK deals with: buyers, contractors, research partners and more."""
    found = query.partners(_base(data), relation)
    _emit(found, as_json, rows.partner, lambda: render.partner_table(found), lambda: "no partners")


@app.command()
def memberships(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """List the associations and alliances TMK joined, and what each is expected to give."""
    found = query.memberships(_base(data))
    _emit(
        found,
        as_json,
        rows.membership,
        lambda: render.membership_table(found),
        lambda: "no memberships",
    )


@app.command()
def timeline(
    *,
    data: DataOpt = None,
    as_json: JsonOpt = False,
    kind: KindOpt = None,
    entity: EntityOpt = None,
    material: MaterialOpt = None,
    tag: TagOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Show facts on a time line, oldest first, by year and month."""
    base, where = _base(data), _filter(kind, entity, material, tag, since, until)
    facts = query.oldest_first(query.select(base, where))
    _emit(
        facts,
        as_json,
        partial(rows.fact, base),
        lambda: render.timeline_table(facts),
        _miss(base, where),
    )


@app.command()
def summary(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Show the fact base at a glance: counts, exports, partners, memberships, latest facts."""
    base = _base(data)
    found = query.summarize(base)
    sections = rows.summary(found) if base.facts else []
    _emit(sections, as_json, dict, lambda: render.summary_view(found), lambda: "no facts")


@app.command()
def sources(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """List the sources, each with the number of facts it supports."""
    found = query.source_uses(_base(data))
    _emit(found, as_json, rows.source_use, lambda: render.source_table(found), lambda: "no sources")


@app.command()
def check(
    data: DataOpt = None,
    as_json: JsonOpt = False,
    show_all: Annotated[
        bool,
        typer.Option("--all", help=f"List every problem, not only the first {_SHOWN_PROBLEMS}."),
    ] = False,
) -> None:
    """Validate fact files and list their problems, one per line: FILE:LINE: ID: MESSAGE.

    Exits 0 when clean, 1 when problems were found, 2 when a file cannot be read.
    """
    try:
        base = store.load(_data_paths(data))
    except FactsError as error:
        if error.unreadable:
            raise
        problems = error.problems
        with _pipe_may_close():
            if as_json:
                typer.echo(rows.dumps(rows.problem(problem) for problem in problems))
            else:
                shown = problems if show_all else problems[:_SHOWN_PROBLEMS]
                for problem in shown:
                    typer.echo(printable(str(problem)))
                if len(shown) < len(problems):
                    more = len(problems) - len(shown)
                    typer.echo(f"... and {more} more; 'tmkfacts check --all' lists them all")
        count = len(problems)
        typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(rows.dumps([]))
        return
    files = ", ".join(base.files)
    typer.echo(
        f"ok: {len(base.sources)} sources, {len(base.entities)} entities and "
        f"{len(base.facts)} facts checked in {files}"
    )


# --- the one place output is written -----------------------------------------------------------


def _emit(
    items: Sequence[T],
    as_json: bool,
    row: Callable[[T], rows.Row],
    view: Callable[[], RenderableType],
    miss: Callable[[], str],
) -> None:
    """Print items as a JSON array or as a table; exit 1, saying why, when there are none."""
    with _pipe_may_close():
        if as_json:
            typer.echo(rows.dumps((row(item) for item in items), ascii=not _utf8(sys.stdout)))
        elif items:
            from rich.console import Console

            Console(highlight=False).print(view())
    if not items:
        typer.echo(f"tmkfacts: {printable(miss())}", err=True)
        raise typer.Exit(1)


def _no_unknown_options(context: typer.Context, words: list[str]) -> None:
    """Refuse a mistyped --option, which search takes as words so that -word can exclude one."""
    for word in words:
        if word.startswith("--") and len(word) > 2:
            known = [name for param in context.command.params for name in param.opts]
            context.fail(f"no such option: {word}{did_you_mean(word, known)}")


def _fail(message: str, code: int) -> int:
    typer.echo(f"tmkfacts: error: {printable(message)}", err=True)
    return code


def _tolerate_narrow_encodings() -> None:
    """Print what an ASCII or Latin-1 terminal cannot show as '?', rather than fail on it."""
    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and not _utf8(stream):
        stream.reconfigure(errors="replace")


def _utf8(stream: object) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.casefold().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


@contextmanager
def _pipe_may_close() -> Iterator[None]:
    """End quietly when the reader of a pipe stops reading (`| head`), as Unix tools do."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # Later writes, and the interpreter's last flush, go nowhere instead of failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(128 + 13) from None  # 141: killed by SIGPIPE, as the shell reports it


def _facts_error_line(error: FactsError) -> str:
    if error.unreadable:
        return str(next(p for p in error.problems if p.category == "io"))
    more = len(error.problems) - 1
    line = str(error.problems[0])
    if more:
        line += f" (and {more} more; 'tmkfacts check' lists them all)"
    return line


def _base(data: list[Path] | None) -> FactBase:
    return store.load(_data_paths(data))


def _data_paths(data: list[Path] | None) -> list[Path] | None:
    """The files to read: --data, else $TMKFACTS_DATA, else None for the shipped base."""
    if data:
        return data
    from_env = [
        Path(part) for part in os.environ.get("TMKFACTS_DATA", "").split(os.pathsep) if part
    ]
    return from_env or None


def _filter(  # noqa: PLR0917 -- the filter options of list, search and timeline, in order
    kinds: list[str] | None,
    entities: list[str] | None,
    materials: list[str] | None,
    tags: list[str] | None,
    since: PartialDate | None,
    until: PartialDate | None,
) -> query.Filter:
    return query.Filter(
        kinds=tuple(kinds or ()),
        entities=tuple(entities or ()),
        materials=tuple(materials or ()),
        tags=tuple(tags or ()),
        since=since,
        until=until,
    )


def _miss(base: FactBase, where: query.Filter) -> Callable[[], str]:
    return lambda: query.explain_miss(base, where) or _no_match(base)


def _no_match(base: FactBase) -> str:
    if not base.facts:
        files = ", ".join(base.files) or "the fact files"
        return f"no facts: {files} {'holds' if len(base.files) == 1 else 'hold'} none"
    return "no facts match"


def _no_fact(base: FactBase, fact_id: str) -> str:
    close = query.closest_fact_ids(base, fact_id)
    if close:
        return f"no fact '{fact_id}'; did you mean {' or '.join(close)}?"
    return f"no fact '{fact_id}'; 'tmkfacts list' shows every id"


def main() -> None:
    """Entry point of the `tmkfacts` console script."""
    app(prog_name="tmkfacts")
