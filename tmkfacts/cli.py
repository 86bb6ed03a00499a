"""The tmkfacts command line: parse options, ask the core, print, and map errors to exit codes.

Exit codes follow grep: 0 something found (or a clean check), 1 nothing found (or problems
found by `check`), 2 a usage error or a fact file that cannot be read or is invalid. Errors are
one line on stderr.

Annotations here are evaluated as the module runs, not kept as strings: Typer reads every
annotation of the command it runs, twice, and evaluating strings cost a millisecond a run.
Names imported only for type checking are quoted.
"""

import importlib.util
import inspect
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer
import typer.main
import typer.models
from typer.core import TyperCommand, TyperGroup

from tmkfacts import formats, rows
from tmkfacts.errors import FactsError, QueryError, WriteError, did_you_mean, printable
from tmkfacts.vocabularies import ENTITY_TYPES, KINDS, RELATIONS


def _lazy(name: str) -> ModuleType:
    """Import a module when first used: Rich takes ~45 ms to import and --json never needs it."""
    if name in sys.modules:  # imported already: one module, so one of each of its classes
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# Help and completion need none of these: each is loaded when a command first uses it.
if TYPE_CHECKING:
    from rich.console import RenderableType

    from tmkfacts import cite as citing
    from tmkfacts import curate, db, filters, locations, query, render
    from tmkfacts import export as exporting
    from tmkfacts import schema as schemas
    from tmkfacts.dates import PartialDate
    from tmkfacts.db import Database
    from tmkfacts.errors import Problem
    from tmkfacts.model import Fact, FactBase
else:
    db = _lazy("tmkfacts.db")
    filters = _lazy("tmkfacts.filters")
    locations = _lazy("tmkfacts.locations")
    query = _lazy("tmkfacts.query")
    render = _lazy("tmkfacts.render")
    citing = _lazy("tmkfacts.cite")
    exporting = _lazy("tmkfacts.export")
    schemas = _lazy("tmkfacts.schema")


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
        argv = self._search_words_last(list(sys.argv[1:] if args is None else args))
        _tolerate_narrow_encodings()
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as error:  # a usage error: bad option, unknown command
            context = getattr(error, "ctx", None)
            hint = f" (see '{context.command_path} --help')" if context is not None else ""
            code = _fail(f"{error.format_message()}{hint}", error.exit_code)
        except FactsError as error:
            code = _fail(_facts_error_line(error), 2)
        except (QueryError, WriteError) as error:
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

    def _search_words_last(self, argv: list[str]) -> list[str]:
        """The arguments, with `search`'s words after `--` (see `_exclusions_last`)."""
        command = next((n for n, arg in enumerate(argv) if not arg.startswith("-")), None)
        if command is None or argv[command] != "search" or "--" in argv:
            return argv
        search = self.get_command(None, "search")
        return [*argv[: command + 1], *_exclusions_last(argv[command + 1 :], search)]

    def list_commands(self, ctx: Any) -> list[str]:  # click's signature
        """Every command, in the order they are declared."""
        return command_names()

    def get_command(self, ctx: Any, cmd_name: str) -> Any:  # click's signature
        """The command of this name, built from its function when first asked for.

        Typer would build every command's options on every run; only the one invoked is needed,
        and building them is a sixth of the start-up time.
        """
        if cmd_name not in self.commands:
            _name_option_types()
            for info in _registry.registered_commands:
                if _command_name(info) == cmd_name:
                    command = typer.main.get_command_from_info(
                        info, pretty_exceptions_short=True, rich_markup_mode=None
                    )
                    command.context_settings = {**_HELP, **command.context_settings}
                    self.commands[cmd_name] = command
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:  # click's signature
        """List the commands in --help by the first line of their docstrings, building none."""
        shown = [info for info in _registry.registered_commands if not info.hidden]
        limit = formatter.width - 6 - max(len(_command_name(info)) for info in shown)

        def line(info: typer.models.CommandInfo) -> tuple[str, str]:
            name = _command_name(info)
            plain = TyperCommand(name, help=inspect.getdoc(info.callback))  # no options to build
            return name, plain.get_short_help_str(limit)

        with formatter.section("Commands"):
            formatter.write_dl([line(info) for info in shown])

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Name an unknown command, and the one that was probably meant."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            ctx.fail(f"no command '{name}'{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


_HELP = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="tmkfacts",
    cls=_Commands,
    context_settings=_HELP,
    add_completion=True,  # --install-completion and --show-completion for bash, zsh, fish
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # plain help: drawing it with Rich would double its start-up time
)

#: The commands, kept apart from `app` so that it builds only the one invoked (see _Commands).
_registry = typer.Typer()


def _name_option_types() -> None:
    """Give Typer the types that the commands' options are annotated with, from the core.

    Typer reads a command's annotations when it builds the command; they are imported only
    then, so that --help and completion do without them.
    """
    from tmkfacts.dates import PartialDate

    globals()["PartialDate"] = PartialDate


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")


def command_names() -> list[str]:
    """The names of every command."""
    return [_command_name(info) for info in _registry.registered_commands]


def _exclusions_last(argv: list[str], search: Any) -> list[str]:
    """`search`'s words, -word exclusions among them, after `--`, so no option reads them.

    `tmkfacts search rhenium -export -n 2` is `search -n 2 -- rhenium -export`: -n is an
    option, -export a word to leave out; clustered short options (-rhenium as -r -h ...) never
    happen. The options, and which take a value, are the `search` command's own.
    """
    options = [param for param in search.params if param.param_type_name == "option"]
    valued = {name for param in options if not param.is_flag for name in param.opts}
    short = {name for param in options for name in param.opts if len(name) == 2}
    short |= {name for name in _HELP["help_option_names"] if len(name) == 2}
    options_given, words = [], []
    rest = iter(argv)
    for arg in rest:
        if arg.startswith("--") or arg in short or re.fullmatch(r"-n\d+", arg):
            options_given.append(arg)
            if arg in valued:
                options_given.append(next(rest, ""))
        else:
            words.append(arg)
    return [*options_given, "--", *words]


#: How many problems `check` lists unless asked for all: a screenful stays readable.
_SHOWN_PROBLEMS = 50


def _base_to_complete() -> "Database | None":
    """The base that completion offers names from; None when it is invalid."""
    try:
        return db.load(_data_paths(None))
    except FactsError:
        return None


def _complete_fact(incomplete: str) -> list[str]:
    """Fact ids that start with what has been typed, for shell completion."""
    found = _base_to_complete()
    return [each for each in found.fact_ids() if each.startswith(incomplete)] if found else []


def _complete_entity(incomplete: str) -> list[str]:
    """Entity ids and one-word names that start with what has been typed, for completion.

    A shell inserts a completion as it is, so a name of several words would become several
    arguments: its entity's id, one word, stands for it.
    """
    found = _base_to_complete()
    if found is None:
        return []
    names = (name for entity in found.base.entities for name in (entity.id, *entity.names))
    wanted = incomplete.casefold()
    return sorted(
        {name for name in names if " " not in name and name.casefold().startswith(wanted)}
    )


def _complete_relation() -> list[str]:
    """The relations in the hyphenated form --relation also takes: one word for the shell."""
    return [relation.replace(" ", "-") for relation in RELATIONS]


def _version(wanted: bool) -> None:
    if wanted:
        from tmkfacts import __version__

        typer.echo(f"tmkfacts {__version__}")
        raise typer.Exit(0)


# --- options shared by the commands, declared once -------------------------------------------


def _date(text: str) -> "PartialDate":
    from tmkfacts.dates import PartialDate

    try:
        return PartialDate.parse(text.strip())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


DataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        metavar="PATH",
        help="Fact file to read, 'builtin' for the shipped base; repeat to merge several, in "
        "order. Default: the files in $TMKFACTS_DATA (separated by ':'), else the shipped base "
        "and every *.toml in the user's folder ('tmkfacts info' shows where).",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print a JSON array, one object per row: --format json."),
]


class Format(StrEnum):
    """What a command prints: a table for people, or rows for scripts and reports."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    markdown = "markdown"


class Citation(StrEnum):
    """How `cite` writes a citation."""

    text = "text"
    markdown = "markdown"
    bibtex = "bibtex"
    json = "json"


class Color(StrEnum):
    """When tables are coloured."""

    auto = "auto"
    always = "always"
    never = "never"


FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table, json, jsonl, csv, tsv or markdown. Default: a table at a terminal, "
        "tab-separated columns in a pipe or file.",
        case_sensitive=False,
        show_default=False,
    ),
]
FieldsOpt = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="F1,F2",
        help="Which fields to print, in this order, in any format; 'help' lists them.",
        show_default=False,
    ),
]
ColorOpt = Annotated[
    Color,
    typer.Option(
        "--color",
        help="Colour tables: auto (at a terminal, unless NO_COLOR is set or TERM=dumb; "
        "FORCE_COLOR forces it), always or never.",
        case_sensitive=False,
    ),
]
NoHeadersOpt = Annotated[
    bool,
    typer.Option("--no-headers", help="In CSV, TSV and Markdown, leave out the line of names."),
]
PagerOpt = Annotated[
    bool,
    typer.Option("--pager", help="At a terminal, show a table through $PAGER (less)."),
]
SourcesOpt = Annotated[
    bool,
    typer.Option(
        "--with-sources", help="Number each fact's sources in the table and list them below it."
    ),
]
KindOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        metavar="KIND",
        help=f"Only facts of this kind; repeat for any of several. Kinds: {', '.join(KINDS)}.",
        show_default=False,
        autocompletion=lambda: list(KINDS),
    ),
]
EntityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--entity",
        metavar="NAME",
        help="Only facts about this entity or its subsidiaries, by id or any of its names "
        "(any case); repeat for facts about all of several.",
        show_default=False,
        autocompletion=_complete_entity,
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
CountryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--country",
        metavar="COUNTRY",
        help="Only about entities based in this country: its ISO code (CN) or name (China).",
        show_default=False,
    ),
]
RelationOpt = Annotated[
    str | None,
    typer.Option(
        "--relation",
        metavar="RELATION",
        help=f"Only partners with this relation: {', '.join(RELATIONS)}.",
        show_default=False,
        autocompletion=_complete_relation,
    ),
]
SinceOpt = Annotated[
    "PartialDate | None",
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
    "PartialDate | None",
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
    typer.Option(
        "--limit", "-n", metavar="N", min=1, help="Show at most N facts.", show_default=False
    ),
]


def _examples(*commands: str) -> str:
    """An --help epilog of example commands, kept as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {command}" for command in commands)


#: One or two examples under each command's --help ("\b" keeps click from rewrapping them).
_EXAMPLES = {
    "list": _examples(
        "tmkfacts list --kind membership",
        "tmkfacts list --entity Chalieco --since 2025 --json",
    ),
    "search": _examples(
        "tmkfacts search who buys rhenium",
        "tmkfacts search rhenium OR tungsten country:CN -n 5 --json",
    ),
    "show": _examples(
        "tmkfacts show first-metallic-rhenium-export",
        "tmkfacts show itia-membership ecga-membership > note.txt",
    ),
    "entities": _examples(
        "tmkfacts entities --type association",
        "tmkfacts entities --country China --json",
    ),
    "entity": _examples(
        "tmkfacts entity Chalieco",
        "tmkfacts entity UzTMK --json | jq -r '.[].facts[]'",
    ),
    "partners": _examples(
        "tmkfacts partners",
        "tmkfacts partners --relation contractor --material tungsten",
    ),
    "memberships": _examples(
        "tmkfacts memberships",
        "tmkfacts memberships --since 2025-06 --format markdown",
    ),
    "timeline": _examples(
        "tmkfacts timeline --since 2025",
        "tmkfacts timeline --entity SOLVOMET --with-sources",
    ),
    "summary": _examples(
        "tmkfacts summary",
        "tmkfacts summary --format markdown > summary.md",
    ),
    "sources": _examples(
        "tmkfacts sources",
        "tmkfacts sources --fields publisher,published,url --format csv",
    ),
    "info": _examples(
        "tmkfacts info",
        "tmkfacts info --json",
    ),
    "add": _examples(
        "tmkfacts add",
        "tmkfacts add --title 'TMK meets a trader' --date 2025-07 --kind meeting \\",
        "    --text 'They met.' --entity tmk --source newscentralasia-2025-07-14",
    ),
    "fmt": _examples(
        "tmkfacts fmt mine.toml",
        "tmkfacts fmt --check data/facts.toml",
    ),
    "cite": _examples(
        "tmkfacts cite first-metallic-rhenium-export",
        "tmkfacts search rhenium --fields id --no-headers | xargs tmkfacts cite -f markdown",
    ),
    "export": _examples(
        "tmkfacts export --to tmk.sqlite",
        "tmkfacts export --to - --format csv > facts.csv",
    ),
    "schema": _examples(
        "tmkfacts schema partners",
    ),
    "check": _examples(
        "tmkfacts check",
        "tmkfacts check mine.toml --strict",
    ),
}


# --- commands -----------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def _main(
    context: typer.Context,
    debug: Annotated[  # read before parsing, in _Commands.main
        bool,
        typer.Option("--debug", help="Show the traceback of an internal error.", hidden=True),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version and exit.", is_eager=True, callback=_version
        ),
    ] = False,
) -> None:
    """Sourced, dated facts about the Uzbekistan Technological Metals Complex (TMK)."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


@_registry.command(
    "list",
    epilog=_EXAMPLES["list"],
)
def list_(
    *,
    data: DataOpt = None,
    kind: KindOpt = None,
    entity: EntityOpt = None,
    material: MaterialOpt = None,
    tag: TagOpt = None,
    country: CountryOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
    with_sources: SourcesOpt = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """List facts, newest first."""
    database, where = _base(data), _filter(kind, entity, material, tag, since, until, country)
    facts = query.list_facts(database, where, limit)
    notes = _notes(database.cited, facts, with_sources)
    out = _Out(fmt, as_json, fields, color, pager, no_headers, with_sources)
    _emit(
        out,
        _FACT_VIEW,
        rows.Each(facts, partial(rows.fact, database.cited, flat=out.flat), out.fact_fields),
        lambda: render.fact_table(facts, notes),
        _miss(database, where),
    )


@_registry.command(
    context_settings={"ignore_unknown_options": True},
    epilog=_EXAMPLES["search"],
)  # -word excludes a word
def search(
    context: typer.Context,
    words: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False)],
    *,
    data: DataOpt = None,
    kind: KindOpt = None,
    entity: EntityOpt = None,
    material: MaterialOpt = None,
    tag: TagOpt = None,
    country: CountryOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
    with_sources: SourcesOpt = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """Find facts matching every word of QUERY, best match first.

    Case, accents and word endings do not matter ('exported' finds 'exports'); names, synonyms
    (REE, CRM), countries (Estonia, Estonian, EE) and typos are understood. Also: "a phrase",
    -word to exclude, and filters kind: entity: material: tag: country: date: after: before:
    (date:2025Q1, date:2025-03..2025-08). See the README for the whole syntax.
    """
    from tmkfacts.search import search as find

    _no_unknown_options(context, words)
    out = _Out(fmt, as_json, fields, color, pager, no_headers, with_sources)
    database, where = _base(data), _filter(kind, entity, material, tag, since, until, country)
    table = out.format() == Format.table and not fields
    found = find(database, " ".join(words), where, limit, marks=table)
    for typed, instead in found.corrections:
        typer.echo(f"tmkfacts: no fact has '{typed}'; searched for '{instead}' instead", err=True)
    base = database.cited  # its sources: all that a fact's rows need
    notes = _notes(base, (hit.fact for hit in found.hits), with_sources)
    _emit(
        out,
        _HIT_VIEW,
        rows.Each(
            found.hits,
            partial(rows.hit, base, flat=out.flat),
            (*out.fact_fields, "score", "matched"),
        ),
        lambda: render.hit_table(found.hits, notes),
        lambda: found.hint or _miss(database, where)(),
    )


#: Fact files of this many bytes or more take a second or so to read into a database.
_NOTICED = 4 * 2**20


def _telling(doing: str) -> Callable[[int], None]:
    """What says on a terminal that fact files of a given size are being read anew.

    For big files only, which take a while; a pipe is told nothing.
    """

    def tell(size: int) -> None:
        if size >= _NOTICED and sys.stderr.isatty():
            typer.echo(f"tmkfacts: {doing} {size / 1e6:.0f} MB of facts...", err=True)

    return tell


@_registry.command(epilog=_EXAMPLES["show"])
def show(
    fact_ids: Annotated[
        list[str],
        typer.Argument(metavar="ID...", show_default=False, autocompletion=_complete_fact),
    ],
    *,
    data: DataOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """Show facts in full, and the facts that dispute them.

    In a pipe or a file, each fact is plain text, one headed line a field (date:, text:,
    sources:), a blank line between facts; --format or --fields give rows instead.
    """
    database = _base(data)
    out = _Out(fmt, as_json, fields, color, pager, no_headers)
    found = []
    for fact_id in fact_ids:
        fact = query.find_fact(database, fact_id)
        if fact is None:  # nothing shown: [] for scripts, and why on stderr
            _emit(out, _FACT_VIEW, [], str, lambda: _no_fact(database, fact_id))  # noqa: B023
            return
        found.append(fact)
    for fact in list(found):  # a disputed claim is shown with the claims that dispute it
        for other_id in fact.disputes:
            other = query.find_fact(database, other_id)
            if other is not None and other.id not in {each.id for each in found}:
                found.append(other)
    shown = [rows.fact(database.base, each, flat=out.flat) for each in found]
    if out.format() == Format.tsv and fmt is None and not fields:  # a pipe: whole records
        with _pipe_may_close():
            typer.echo("\n".join(formats.record(row) for row in shown), nl=False)
        return
    _emit(
        out,
        _FACT_VIEW,
        shown,
        lambda: _panels([render.fact_panel(database.base, each) for each in found]),
        lambda: "no facts",
    )


def _panels(panels: list["render.Addressed"]) -> "RenderableType":
    """One fact's panel and addresses, or several, one after another."""
    if len(panels) == 1:
        return panels[0]
    from rich.console import Group

    lines = [line for panel in panels for line in panel.lines]  # every source's address last
    return render.Addressed(Group(*(panel.body for panel in panels)), lines)


@_registry.command(epilog=_EXAMPLES["entities"])
def entities(
    *,
    data: DataOpt = None,
    type_: Annotated[
        str | None,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="Only entities of this type: company, association, person, event...",
            show_default=False,
            autocompletion=lambda: [each.replace(" ", "-") for each in ENTITY_TYPES],
        ),
    ] = None,
    country: CountryOpt = None,
    relation: RelationOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """List the organizations, people and events facts are about."""
    found = query.entities(_base(data), type_, country or (), relation)
    _emit(
        _Out(fmt, as_json, fields, color, pager, no_headers),
        _ENTITY_VIEW,
        [rows.entity(each) for each in found],
        lambda: render.entity_table(found),
        lambda: "no entities match",
    )


@_registry.command(epilog=_EXAMPLES["entity"])
def entity(
    name: Annotated[
        str, typer.Argument(metavar="NAME", show_default=False, autocompletion=_complete_entity)
    ],
    *,
    data: DataOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """Show one entity by id or name, with its facts, newest first."""
    database = _base(data)
    view = query.entity_view(database, name)
    found = [view] if view else []
    _emit(
        _Out(fmt, as_json, fields, color, pager, no_headers),
        _ENTITY_FULL_VIEW,
        [rows.entity_view(each) for each in found],
        lambda: render.entity_panel(found[0]),
        lambda: _no_entity(database, name),
    )


@_registry.command(epilog=_EXAMPLES["partners"])
def partners(
    *,
    data: DataOpt = None,
    relation: RelationOpt = None,
    material: MaterialOpt = None,
    country: CountryOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """List the organizations TMK deals with, and how."""
    where = _filter(None, None, material, None, since, until, country)
    found = query.partners(_base(data), relation, where)
    _emit(
        _Out(fmt, as_json, fields, color, pager, no_headers),
        _PARTNER_VIEW,
        [rows.partner(each) for each in found],
        lambda: render.partner_table(found),
        lambda: "no partners",
    )


@_registry.command(epilog=_EXAMPLES["memberships"])
def memberships(
    *,
    data: DataOpt = None,
    material: MaterialOpt = None,
    country: CountryOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """List the associations TMK joined, and what each should give."""
    where = _filter(None, None, material, None, since, until, country)
    found = query.memberships(_base(data), where)
    _emit(
        _Out(fmt, as_json, fields, color, pager, no_headers),
        _MEMBERSHIP_VIEW,
        [rows.membership(each) for each in found],
        lambda: render.membership_table(found),
        lambda: "no memberships",
    )


@_registry.command(epilog=_EXAMPLES["timeline"])
def timeline(
    *,
    data: DataOpt = None,
    kind: KindOpt = None,
    entity: EntityOpt = None,
    material: MaterialOpt = None,
    tag: TagOpt = None,
    country: CountryOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    with_sources: SourcesOpt = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """Show facts on a time line, oldest first, by year and month."""
    database, where = _base(data), _filter(kind, entity, material, tag, since, until, country)
    facts = query.timeline(database, where)
    notes = _notes(database.cited, facts, with_sources)
    out = _Out(fmt, as_json, fields, color, pager, no_headers, with_sources)
    _emit(
        out,
        _FACT_VIEW,
        rows.Each(facts, partial(rows.fact, database.cited, flat=out.flat), out.fact_fields),
        lambda: render.timeline_table(facts, notes),
        _miss(database, where),
    )


@_registry.command(epilog=_EXAMPLES["summary"])
def summary(
    *,
    data: DataOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """Show the fact base at a glance.

    As Markdown (the default in a pipe), each section is a small table under its heading;
    JSON gives one object per section. Its sections do not fit one CSV or TSV table.
    """
    out = _Out(fmt, as_json, fields, color, pager, no_headers)
    chosen = out.format()
    if chosen in (Format.csv, Format.tsv) and (fmt is not None or fields):
        raise QueryError(
            f"the summary's sections do not fit one {chosen.value.upper()} table: use "
            "--format markdown (a table a section), json or jsonl"
        )
    found = query.summarize(_base(data))
    sections = rows.summary(found) if found.facts else []
    if chosen in (Format.markdown, Format.tsv) and sections:  # a pipe, or Markdown asked for
        with _pipe_may_close():
            typer.echo(formats.sections(sections, titles=not no_headers), nl=False)
        return
    _emit(
        out,
        _SUMMARY_VIEW,
        sections,
        lambda: render.summary_view(found),
        lambda: "no facts",
    )


@_registry.command(epilog=_EXAMPLES["sources"])
def sources(
    *,
    data: DataOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """List the sources, with the number of facts each supports."""
    found = query.source_uses(_base(data))
    _emit(
        _Out(fmt, as_json, fields, color, pager, no_headers),
        _SOURCE_VIEW,
        [rows.source_use(each) for each in found],
        lambda: render.source_table(found),
        lambda: "no sources",
    )


@_registry.command(epilog=_EXAMPLES["info"])
def info(
    *,
    data: DataOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
    color: ColorOpt = Color.auto,
    pager: PagerOpt = False,
    no_headers: NoHeadersOpt = False,
) -> None:
    """Show which fact files are read, and what each holds."""
    paths = _data_paths(data)
    folder = locations.user_data_dir()
    try:
        database = db.load(paths, reading=_telling("reading"), warn=_warn)
        counted: list[tuple[str, int | None, int | None, int | None]] = list(
            rows.file_counts(database)
        )
        problems: dict[str, str] = {}
    except FactsError as error:  # still list every file: which is broken, and how
        from tmkfacts import store

        files = paths if paths is not None else locations.default_paths()
        counted = [(str(path), *(store.count_records(path) or (None,) * 3)) for path in files]
        problems = {}
        for problem in error.problems:
            problems.setdefault(problem.file, str(problem))
        _warn(_facts_error_line(error))
    found = rows.files(counted, locations.builtin_path(), folder, problems)
    _emit(
        _Out(fmt, as_json, fields, color, pager, no_headers),
        _FILE_VIEW,
        found,
        lambda: render.file_table(found, str(folder) if folder else None, chosen=paths is not None),
        lambda: "no fact files",
    )


TextOpt = Annotated[str | None, typer.Option(show_default=False)]


@_registry.command(epilog=_EXAMPLES["add"])
def add(
    *,
    title: Annotated[
        str | None, typer.Option(help="A one-line headline of your own.", show_default=False)
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="When it happened: 2025, 2025-07 or 2025-07-14, as precisely as the source says.",
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            metavar="KIND",
            help=f"What it is: {', '.join(KINDS)}.",
            show_default=False,
            autocompletion=lambda: list(KINDS),
        ),
    ] = None,
    text: Annotated[
        str | None, typer.Option(help="One or two sentences of your own.", show_default=False)
    ] = None,
    entity: Annotated[
        list[str] | None,
        typer.Option(
            "--entity",
            metavar="NAME",
            help="Whom it is about, by id or any name; repeat for each.",
            show_default=False,
            autocompletion=_complete_entity,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            metavar="ID|URL",
            help="The source: the id of a known one, or the address of a new one (then give "
            "--publisher, --published and --source-title).",
            show_default=False,
        ),
    ] = None,
    fact_id: Annotated[
        str | None,
        typer.Option(
            "--id", help="The fact's id. Default: made from the title.", show_default=False
        ),
    ] = None,
    material: Annotated[
        list[str] | None,
        typer.Option(
            "--material",
            help="A metal or mineral it concerns; repeat for each.",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="A topic; repeat for each.", show_default=False),
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="Where it happened.", show_default=False)
    ] = None,
    date_note: Annotated[
        str | None,
        typer.Option(
            help="How the date was arrived at, where the source does not give it plainly.",
            show_default=False,
        ),
    ] = None,
    publisher: Annotated[
        str | None, typer.Option(help="A new source's publisher.", show_default=False)
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="A new source's date of publication.", show_default=False
        ),
    ] = None,
    source_title: Annotated[
        str | None, typer.Option(help="A new source's headline.", show_default=False)
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            metavar="FILE",
            help="The fact file to add to. Default: facts.toml in your own folder ('tmkfacts "
            "info' shows where), created when missing; in a checkout, --to data/facts.toml adds "
            "to the shipped base.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Add a fact, and its source if new, to a fact file.

    At a terminal, asks for what the flags do not give. The whole base with the new fact is
    checked before anything is written, and the file is replaced whole, keeping its comments
    and layout; on any problem nothing is written.
    """
    from tmkfacts import curate, store

    target = to or _own_file()
    paths = _paths_with(target)
    base = store.load([each for each in paths if each != target or target.exists()])
    draft = curate.Draft(
        title, date, kind, text, tuple(entity or ()), source, fact_id, tuple(material or ()),
        tuple(tag or ()), place, date_note, publisher, published, source_title,
    )  # fmt: skip
    if draft.missing() and sys.stdin.isatty() and sys.stdout.isatty():
        draft = _ask(base, draft)
    missing = draft.missing()
    if missing:
        flags = ", ".join("--" + name.replace("_", "-") for name in missing)
        raise QueryError(f"missing {flags} (stdin is not a terminal, so they cannot be asked for)")
    new_source, new_fact = curate.records(base, draft)
    shown, added = curate.add(target, paths, new_source, new_fact)
    _warn(f"added {added.id} to {target}")
    _emit(
        _Out(fmt, as_json, None, color),
        _FACT_VIEW,
        [rows.fact(shown, added)],
        lambda: render.fact_panel(shown, added),
        str,
    )


def _own_file() -> Path:
    folder = locations.user_data_dir()
    if folder is None:
        raise QueryError("no home folder for your own facts: give --to FILE")
    return folder / "facts.toml"


def _paths_with(target: Path) -> list[Path]:
    """The files the base is read from, with the target among them.

    In place of the shipped base if it is that (or the checkout's copy), else after the others.
    """
    paths = locations.default_paths()
    shipped = [locations.builtin_path(), locations.checkout_data()]
    if any(each is not None and _same_file(target, each) for each in shipped):
        return [target, *paths[1:]]
    if not any(_same_file(target, each) for each in paths):
        paths.append(target)
    return [target if _same_file(target, each) else each for each in paths]


def _ask(base: "FactBase", draft: "curate.Draft") -> "curate.Draft":
    """Ask at the terminal for each field the flags did not give, checking each answer."""
    from prompt_toolkit import prompt
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.validation import ValidationError, Validator

    from tmkfacts import curate

    class Checked(Validator):
        """An answer the check accepts; else its message, and the answer stays to be mended."""

        def __init__(self, check: Callable[[str], object]) -> None:
            self.check = check

        def validate(self, document: Any) -> None:
            try:
                self.check(document.text)
            except QueryError as error:  # the cursor stays at the end, to mend the answer
                raise ValidationError(len(document.text), str(error)) from None

    def needed(text: str) -> str:
        if not text.strip():
            raise QueryError("this one is needed")
        return text

    def names(text: str) -> list[str]:
        return [curate.entity_id(base, part) for part in needed(text).split(",") if part.strip()]

    sources = {s.id for s in base.sources}

    def source_of(text: str) -> str:
        if not curate.is_address(text.strip()) and text.strip() not in sources:
            raise QueryError(f"no source '{text}': give a known id, or an address")
        return text

    fields: dict[str, Any] = dict(draft._asdict())

    def ask(
        field: str, label: str, check: Callable[[str], object] | None = None, **more: Any
    ) -> None:
        if not fields[field]:
            answer = prompt(f"{label}: ", validator=Checked(check) if check else None, **more)
            fields[field] = answer.strip() or None

    everyone = sorted({name for e in base.entities for name in (e.id, *e.names)})
    ask("title", "Title", needed)
    ask("date", "Date (2025, 2025-07 or 2025-07-14)", curate.check_date)
    ask("kind", "Kind", curate.check_kind, completer=WordCompleter(list(KINDS)))
    ask("text", "Text", needed)
    if not fields["entity"]:
        completer = WordCompleter(everyone, sentence=True)
        answer = prompt(
            "Entities (ids or names, commas between): ",
            validator=Checked(names),
            completer=completer,
        )
        fields["entity"] = tuple(part.strip() for part in answer.split(",") if part.strip())
    ask(
        "source",
        "Source (a known id, or a new one's address)",
        source_of,
        completer=WordCompleter(sorted(sources)),
    )
    address = str(fields["source"])
    if curate.is_address(address) and not any(
        s.url.rstrip("/") == address.rstrip("/") for s in base.sources
    ):
        ask("publisher", "Publisher", needed)
        ask("published", "Published (2025, 2025-07 or 2025-07-14)", curate.check_date)
        ask("source_title", "Headline", needed)
    ask("place", "Place (Enter for none)")
    ask("date_note", "How the date is known (Enter if the source dates it plainly)")
    if not fields["id"]:
        default = curate.unique(curate.slug(str(fields["title"])), {f.id for f in base.facts})
        fields["id"] = prompt("Id: ", default=default).strip() or default
    return curate.Draft(**fields)


@_registry.command(epilog=_EXAMPLES["fmt"])
def fmt(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE]...",
            help="Fact files to lay out. Default: in a checkout of tmkfacts, its "
            "data/facts.toml; else your own files.",
            show_default=False,
        ),
    ] = None,
    *,
    check_only: Annotated[
        bool,
        typer.Option(
            "--check", help="Change nothing: exit 1 and name the files that would change."
        ),
    ] = False,
) -> None:
    """Rewrite fact files in the one layout; values unchanged."""
    from tmkfacts import curate, layout

    if files:
        chosen = [locations.resolve(each) for each in files]
    else:
        checkout = locations.checkout_data()
        chosen = [checkout] if checkout else locations.default_paths()[1:]
    changed = 0
    for path in chosen:
        try:
            before = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise WriteError(
                f"{path}: cannot read: {getattr(error, 'strerror', None) or error}"
            ) from None
        try:
            after = layout.format_text(before)
        except layout.FormatError as error:
            raise WriteError(f"{path}: cannot lay out: {error}") from None
        if after == before:
            continue
        changed += 1
        if check_only:
            typer.echo(f"would reformat {path}")
        else:
            curate.write(path, after)
            typer.echo(f"reformatted {path}")
    left = len(chosen) - changed
    done = "would be reformatted" if check_only else "reformatted"
    typer.echo(
        f"{changed} file{'s' if changed != 1 else ''} {done}, {left} left unchanged", err=True
    )
    if check_only and changed:
        raise typer.Exit(1)


@_registry.command(epilog=_EXAMPLES["cite"])
def cite(
    fact_ids: Annotated[
        list[str],
        typer.Argument(metavar="ID...", show_default=False, autocompletion=_complete_fact),
    ],
    *,
    data: DataOpt = None,
    style: Annotated[
        Citation,
        typer.Option(
            "--format",
            "-f",
            help="How to write the citations.",
            case_sensitive=False,
            metavar="STYLE",
        ),
    ] = Citation.text,
    as_json: JsonOpt = False,
) -> None:
    """Print citations of the sources of these facts.

    Ready to paste. STYLE is text, markdown (numbered footnotes) or bibtex (for BibTeX and
    biblatex), or json for scripts. Each source is cited once, with the ids of the facts it
    supports.
    """
    if as_json and style not in (Citation.text, Citation.json):
        raise QueryError(f"--json and --format {style.value} contradict each other")
    style = Citation.json if as_json else style
    database = _base(data)
    facts = []
    for fact_id in fact_ids:
        fact = query.find_fact(database, fact_id)
        if fact is None:
            typer.echo(f"tmkfacts: {printable(_no_fact(database, fact_id))}", err=True)
            raise typer.Exit(1)
        facts.append(fact)
    cited = query.citations(database, facts)
    with _pipe_may_close():
        typer.echo(citing.write(cited, style.value), nl=False)


@_registry.command(epilog=_EXAMPLES["export"])
def export(
    to: Annotated[
        Path,
        typer.Option(
            "--to",
            metavar="FILE",
            help="The file to write: .sqlite or .db (a SQLite database with a full-text index), "
            ".json (sources, entities and facts) or .csv (the facts).",
            show_default=False,
        ),
    ],
    *,
    data: DataOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="With --to -: json (the default) or csv.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the fact base to a SQLite, JSON or CSV file, or stdout.

    The file is written whole under a temporary name and then renamed, so an interrupted
    export leaves no half-written file; an existing file is replaced only with --force.
    """
    database = _base(data)
    if str(to) == "-":
        with _pipe_may_close():
            exporting.to_stream(database, sys.stdout, (fmt or Format.json).value)
        return
    if fmt is not None:
        raise QueryError("--format is for --to -; a file's name says its format")
    written = exporting.export(database, to, force=force)
    base = database.base
    typer.echo(f"wrote {written}: {database.count} facts, {len(base.entities)} entities, "
               f"{len(base.sources)} sources", err=True)  # fmt: skip


@_registry.command(epilog=_EXAMPLES["schema"])
def schema(
    command: Annotated[
        str | None,
        typer.Argument(
            metavar="[COMMAND]",
            help="Only the schema of this command's output.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of each command's --json output."""
    import json

    chosen = schemas.schemas() if command is None else schemas.schema_of(command)
    with _pipe_may_close():
        typer.echo(json.dumps(chosen, indent=2))


@_registry.command(epilog=_EXAMPLES["check"])
def check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE]...",
            help="Fact files to check together with the shipped base, so that references to "
            "it resolve. Default: in a checkout of tmkfacts, its data/facts.toml; else the "
            "files every command reads.",
            show_default=False,
        ),
    ] = None,
    *,
    alone: Annotated[
        bool,
        typer.Option("--alone", help="Check the FILEs by themselves, without the shipped base."),
    ] = False,
    data: DataOpt = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help=f"List every problem, not only the first {_SHOWN_PROBLEMS}."),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on problems.")
    ] = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """Validate fact files, and say how to mend each problem.

    One line a problem: FILE:LINE: ID: MESSAGE. Warnings (valid, but better written
    otherwise) are listed too, and on stderr the open disagreements between facts. Exits 0
    when clean or with warnings only, 1 when problems were found (or warnings, with
    --strict), 2 when a file cannot be read.
    """
    out = _Out(fmt, as_json, fields)
    paths = _checked_paths(files, alone=alone, data=data)
    try:
        database = db.load(paths, reading=_telling("reading"), warn=_warn)
    except FactsError as error:
        if error.unreadable:
            raise
        _report(out, error.problems, paths, show_all=show_all)
        raise typer.Exit(1) from None
    from tmkfacts import advice

    warned = advice.warnings(database)
    fmt = out.format(default=Format.table)
    if (fmt != Format.table or fields) and warned:  # the warnings as rows
        _emit(out, _PROBLEM_VIEW, [rows.problem(each) for each in warned], str, str)
    elif fmt != Format.table or fields:  # no problems, as rows: [] or a header alone
        header = formats.choose_fields(fields, _PROBLEM_VIEW.fields) if fields else None
        text = formats.write([], fmt.value, header=header or _PROBLEM_VIEW.fields)
        typer.echo(text, nl=False)
    else:
        base = database.base
        with _pipe_may_close():
            for warning in warned:
                typer.echo(printable(str(warning)))
            typer.echo(
                f"ok: {len(base.sources)} sources, {len(base.entities)} entities and "
                f"{database.count} facts checked in {', '.join(base.files)}"
            )
    if warned:
        count = len(warned)
        typer.echo(f"{count} warning{'s' if count != 1 else ''}", err=True)
    if fmt == Format.table and not fields:
        _list_disagreements(advice.disagreements(database))
    if warned and strict:
        raise typer.Exit(1)


def _list_disagreements(pairs: list[tuple["Fact", "Fact"]]) -> None:
    """The open disagreements, on stderr after check's report: two claims each, with sources."""
    if not pairs:
        return
    count = len(pairs)
    heading = f"{count} open disagreement{'s' if count != 1 else ''}, each claim with its sources"
    typer.echo(f"{heading} (tmkfacts show ID shows both):", err=True)
    for fact, other in pairs:
        for indent, each in (("  ", fact), ("    vs ", other)):
            cited = ", ".join(each.sources)
            typer.echo(indent + printable(f"{each.id}: {each.title} [{cited}]"), err=True)


# --- the one place output is written -----------------------------------------------------------


class _View(NamedTuple):
    """How a command's rows look: the fields of its table, and every field its rows have."""

    table: tuple[str, ...]
    fields: tuple[str, ...]
    flatten: Callable[[list[rows.Row]], list[rows.Row]] | None = None  # for CSV, TSV, Markdown


_FACT_FIELDS = (*rows.FACT_FIELDS, *rows.FLAT_FIELDS)
_FACT_VIEW = _View(("id", "date", "kind", "title"), _FACT_FIELDS)
_HIT_VIEW = _View(("id", "date", "kind", "title", "score"), (*_FACT_FIELDS, "score", "matched"))
_PARTNER_VIEW = _View(
    ("id", "name", "country", "relations", "first_date", "last_date"), rows.PARTNER_FIELDS
)
_MEMBERSHIP_VIEW = _View(("id", "name", "country", "date", "fact"), rows.MEMBERSHIP_FIELDS)
_SOURCE_VIEW = _View(("id", "publisher", "published", "title", "url"), rows.SOURCE_USE_FIELDS)
_SUMMARY_VIEW = _View((), ("section",), rows.summary_lines)  # () : every field, flattened
_FILE_VIEW = _View(rows.FILE_FIELDS, rows.FILE_FIELDS)
_ENTITY_VIEW = _View(("id", "name", "type", "country", "relations"), rows.ENTITY_ROW_FIELDS)
_ENTITY_FULL_VIEW = _View(("id", "name", "type", "country", "facts"), rows.ENTITY_VIEW_FIELDS)
_PROBLEM_VIEW = _View(rows.PROBLEM_FIELDS, rows.PROBLEM_FIELDS)


class _Out(NamedTuple):
    """The output options a command was given."""

    fmt: Format | None = None
    as_json: bool = False
    fields: str | None = None
    color: Color = Color.auto
    pager: bool = False
    no_headers: bool = False
    with_sources: bool = False

    @property
    def flat(self) -> bool:
        """Whether fact rows carry their sources' flat fields: in flat formats, or for --fields."""
        return self.fields is not None or self.format() in (Format.csv, Format.tsv, Format.markdown)

    @property
    def fact_fields(self) -> tuple[str, ...]:
        """The fields of fact rows as this output makes them."""
        return (*rows.FACT_FIELDS, *rows.FLAT_FIELDS) if self.flat else rows.FACT_FIELDS

    def format(self, default: Format | None = None) -> Format:
        """The format asked for; else a table at a terminal and TSV in a pipe or a file."""
        if self.as_json and self.fmt not in (None, Format.json):
            raise QueryError(f"--json and --format {self.fmt.value} contradict each other")
        if self.as_json:
            return Format.json
        if self.fmt is not None:
            return self.fmt
        return default or (Format.table if sys.stdout.isatty() else Format.tsv)


def _emit(
    out: _Out,
    view: _View,
    found: Sequence[rows.Row],
    draw: Callable[[], "RenderableType"],
    miss: Callable[[], str],
) -> None:
    """Print the rows in the format asked for; exit 1, saying why, when there are none.

    The rows may be made as they are printed (`rows.Each`), and are printed as they come.
    """
    fmt = out.format()
    flat = fmt in (Format.csv, Format.tsv, Format.markdown)
    lines = view.flatten(list(found)) if flat and view.flatten else found
    available = formats.known_fields(lines, view.fields)
    if out.fields is not None and out.fields.strip() == "help":
        typer.echo("\n".join(available))
        raise typer.Exit(0)
    chosen = formats.choose_fields(out.fields, available) if out.fields else None
    with _pipe_may_close():
        if fmt == Format.table and found:
            shown = draw() if chosen is None else render.rows_table(lines, chosen)
            _print(shown, out)
        elif fmt in (Format.json, Format.jsonl):
            ascii_only = not _utf8(sys.stdout)
            for piece in formats.pieces(formats.pick(found, chosen), fmt.value, ascii=ascii_only):
                typer.echo(piece, nl=False)
        elif flat and (found or out.fmt is not None):  # an empty table degrades to nothing
            table_like = fmt == Format.markdown or out.fmt is None
            default = view.table if table_like and view.table else available
            header = chosen or [name for name in default if name in available]
            footnotes: list[str] = []
            if out.with_sources and not chosen and fmt == Format.markdown:
                lines, footnotes = formats.footnoted(lines)
                header = [*header, "sources"]
            elif out.with_sources and not chosen and "source_urls" not in header:
                header = [*header, "source_urls"]
            pieces = formats.pieces(
                formats.pick(lines, header), fmt.value, header=header, titles=not out.no_headers
            )
            for piece in pieces:
                typer.echo(piece, nl=False)
            if footnotes:
                typer.echo("\n" + "\n".join(footnotes))
    if not found:
        typer.echo(f"tmkfacts: {printable(miss())}", err=True)
        raise typer.Exit(1)


def _print(shown: "RenderableType", out: _Out) -> None:
    """Draw a renderable on stdout, coloured and paged as the options and environment say."""
    from rich.console import Console

    color = out.color
    if color == Color.auto:
        if "NO_COLOR" in os.environ:  # set, even empty: https://no-color.org
            color = Color.never
        elif os.environ.get("FORCE_COLOR"):
            color = Color.always

    class Quiet(Console):
        """Ends as Unix tools do when the reader of a pipe stops: 141, not Rich's exit 1."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError  # _pipe_may_close makes it exit 141, quietly

    console = Quiet(
        highlight=False,
        markup=False,  # every cell is Text already; fact text is never markup, nor :emoji: codes
        emoji=False,
        no_color=color == Color.never,
        color_system=None if color == Color.never else "auto",
        force_terminal=True if color == Color.always else None,
    )
    if out.pager and sys.stdout.isatty():
        with console.pager(styles=color != Color.never):
            render.draw(console, shown)
    else:
        render.draw(console, shown)


def _notes(base: "FactBase", facts: Iterable["Fact"], wanted: bool) -> "render.SourceNotes | None":
    return render.SourceNotes(base, facts) if wanted else None


def _no_unknown_options(context: typer.Context, words: list[str]) -> None:
    """Refuse a mistyped --option, which search takes as words so that -word can exclude one."""
    for word in words:
        if word.startswith("--") and len(word) > 2:
            known = [name for param in context.command.params for name in param.opts]
            context.fail(f"no such option: {word}{did_you_mean(word, known)}")


def _fail(message: str, code: int) -> int:
    typer.echo(f"tmkfacts: error: {printable(message)}", err=True)
    return code


#: ASCII stand-ins for the punctuation and box lines an ASCII or Latin-1 output cannot show.
_STAND_INS = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00b7": "*", "\u2022": "*",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...",
    "\u00a0": " ", "\u2192": "->", "\u2588": "#", "\u2500": "-", "\u2502": "|",
    "\u256d": "+", "\u256e": "+", "\u2570": "+", "\u256f": "+", "\u2501": "=",
}  # fmt: skip


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler of narrow outputs: a stand-in for each character, else '?'."""
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    return "".join(_STAND_INS.get(char, "?") for char in text), error.end


def _tolerate_narrow_encodings() -> None:
    """Print what an ASCII or Latin-1 output cannot show as a stand-in, rather than fail on it.

    An en dash becomes `-` and a middle dot `*`, never `?`.
    """
    import codecs

    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and not _utf8(stream):
        codecs.register_error("tmkfacts-stand-in", _stand_in)
        stream.reconfigure(errors="tmkfacts-stand-in")


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


def _base(data: list[Path] | None) -> "Database":
    return db.load(_data_paths(data), reading=_telling("reading"), warn=_warn)


def _warn(message: str) -> None:
    typer.echo(f"tmkfacts: {printable(message)}", err=True)


def _data_paths(data: list[Path] | None) -> list[Path] | None:
    """The files to read: --data, else $TMKFACTS_DATA, else None for the default files."""
    if data:
        return [locations.resolve(each) for each in data]
    from_env = [
        locations.resolve(part)
        for part in os.environ.get("TMKFACTS_DATA", "").split(os.pathsep)
        if part
    ]
    return from_env or None


def _report(
    out: _Out, problems: Sequence["Problem"], paths: list[Path] | None, *, show_all: bool
) -> None:
    """`check`'s problems: as lines (the first 50 unless all), or as rows; a count on stderr."""
    if out.format(default=Format.table) == Format.table and not out.fields:
        with _pipe_may_close():
            shown = problems if show_all else problems[:_SHOWN_PROBLEMS]
            for problem in shown:
                typer.echo(printable(str(problem)))
            if len(shown) < len(problems):
                more = len(problems) - len(shown)
                typer.echo(f"... and {more} more; 'tmkfacts check --all' lists them all")
    else:
        _emit(out, _PROBLEM_VIEW, [rows.problem(each) for each in problems], str, str)
    count = len(problems)
    checked = ", ".join(str(path) for path in paths or locations.default_paths())
    typer.echo(f"{count} problem{'s' if count != 1 else ''} found in {checked}", err=True)
    if paths and _names_shipped_ids(paths, problems):
        typer.echo(
            "tmkfacts: the files were checked alone; 'tmkfacts check FILE...' checks them with "
            "the shipped base, whose ids they may name",
            err=True,
        )


def _names_shipped_ids(paths: list[Path], problems: Sequence["Problem"]) -> bool:
    """Whether files checked without the shipped base name ids it defines."""
    import re

    shipped = [each for each in (locations.checkout_data(), locations.builtin_path()) if each]
    if any(_same_file(path, each) for path in paths for each in shipped):
        return False
    unknown = {
        match[1]
        for problem in problems
        if (match := re.search(r"names unknown (?:entity|source) '([^']+)'", problem.message))
    }
    try:
        base = db.load([shipped[0]]).base
    except FactsError:
        return False
    known = {source.id for source in base.sources} | {entity.id for entity in base.entities}
    return bool(unknown & known)


def _checked_paths(
    files: list[Path] | None, *, alone: bool, data: list[Path] | None
) -> list[Path] | None:
    """The files `check` reads: FILEs with the shipped base, or what the others read.

    In a checkout of tmkfacts, the shipped base is the checkout's data/facts.toml: a curator
    editing it means it, not the copy installed from it.
    """
    checkout = locations.checkout_data()
    shipped = checkout or locations.builtin_path()
    if files:
        named = [locations.resolve(each) for each in files]
        if alone or any(_same_file(each, shipped) for each in named):
            return named
        return [shipped, *named]
    if data or os.environ.get("TMKFACTS_DATA"):
        return _data_paths(data)
    if checkout is not None:
        return [checkout, *locations.default_paths()[1:]]
    return None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return False


def _filter(  # noqa: PLR0917 -- the filter options of list, search and timeline, in order
    kinds: list[str] | None,
    entities: list[str] | None,
    materials: list[str] | None,
    tags: list[str] | None,
    since: "PartialDate | None",
    until: "PartialDate | None",
    countries: list[str] | None = None,
) -> "filters.Filter":
    for name in countries or ():
        if filters.country_code(name) is None:
            raise QueryError(f"unknown country '{name}': give its ISO code (CN) or name (China)")
    return filters.Filter(
        kinds=tuple(kinds or ()),
        entities=tuple(entities or ()),
        materials=tuple(materials or ()),
        tags=tuple(tags or ()),
        countries=tuple(countries or ()),
        since=since,
        until=until,
    )


def _miss(database: "Database", where: "filters.Filter") -> Callable[[], str]:
    return lambda: (
        filters.explain_miss(database, where) or _no_match(database.files, database.count)
    )


def _no_match(files: tuple[str, ...], count: int) -> str:
    if not count:
        names = ", ".join(files) or "the fact files"
        return f"no facts: {names} {'holds' if len(files) == 1 else 'hold'} none"
    return "no facts match"


def _no_entity(database: "Database", name: str) -> str:
    ids = [entity.id for entity in database.base.entities]
    return f"no entity '{name}'{did_you_mean(name.casefold(), ids)}"


def _no_fact(database: "Database", fact_id: str) -> str:
    entity = query.find_entity(database, fact_id)
    if entity is not None:
        return f"'{fact_id}' is an entity, not a fact: 'tmkfacts entity {entity.id}' shows it"
    close = query.closest_fact_ids(database, fact_id)
    if close:
        return f"no fact '{fact_id}'; did you mean {' or '.join(close)}?"
    return f"no fact '{fact_id}'; 'tmkfacts list' shows every id"


def main() -> None:
    """Run the command line and exit with its code (the script runs it through __main__.run)."""
    app(prog_name="tmkfacts")
