"""The ``positions`` command: a thin typer layer over the Python API.

Each command lives in its own module under :mod:`positions.cli.commands` and
registers itself on :data:`app`; what they share is in :mod:`positions.cli.options`.
Errors raised as :class:`PositionsError` are printed as one ``Error:`` line on
standard error with their exit code; any other exception is a bug, shown with a
traceback only under ``--debug``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from positions.cli.argv import command_name
from positions.cli.options import state
from positions.errors import PositionsError

APP_SETTINGS: dict = {
    "name": "positions",
    "help": (
        "A knowledge base of negotiation positions: who demanded what of whom, who answered "
        "how, where, when, and on whose report.\n\n"
        "Without --kb, the base is $POSITIONS_KB, else the current folder if it holds "
        "ontology/, data/ and queries/, else the base bundled with positions."
    ),
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": "rich",
}
app = typer.Typer(**APP_SETTINGS)


def _print_version(asked: bool) -> None:
    if asked:
        from positions import __version__

        print(f"positions {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    kb: Annotated[
        Path | None,
        typer.Option(
            "--kb",
            help="Folder of the knowledge base (ontology/, data/, queries/).",
            envvar="POSITIONS_KB",
            show_envvar=True,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for unexpected errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version of positions and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    max_input_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-input-bytes",
            min=1,
            help="Refuse RDF input files larger than this (default 50 MiB).",
            show_default=False,
        ),
    ] = None,
    max_nesting: Annotated[
        int | None,
        typer.Option(
            "--max-nesting",
            min=1,
            help="Refuse RDF input nested deeper than this ([ ] and ( ); default 64).",
            show_default=False,
        ),
    ] = None,
    max_number_digits: Annotated[
        int | None,
        typer.Option(
            "--max-number-digits",
            min=1,
            help="Refuse numbers longer than this in RDF input (default 1000).",
            show_default=False,
        ),
    ] = None,
    max_query_nesting: Annotated[
        int | None,
        typer.Option(
            "--max-query-nesting",
            min=1,
            help="Refuse SPARQL queries nested deeper than this ({ ( [ and !; default 64).",
            show_default=False,
        ),
    ] = None,
    max_query_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-query-bytes",
            min=1,
            help="Refuse SPARQL queries larger than this (default 64 KiB).",
            show_default=False,
        ),
    ] = None,
) -> None:
    state.kb_path = kb
    if kb is not None and _from_environment(ctx, "kb"):
        state.kb_path = None  # found again as $POSITIONS_KB, so that `info` says so
    state.debug = debug
    _configure_input_limits(max_input_bytes, max_nesting, max_number_digits)
    from positions.sparql.limits import configure_query_limits  # light: no pyoxigraph

    configure_query_limits(max_nesting=max_query_nesting, max_bytes=max_query_bytes)


def _from_environment(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)  # an enum of the click that typer runs on
    return getattr(source, "name", None) == "ENVIRONMENT"


def _configure_input_limits(
    max_bytes: int | None, max_nesting: int | None, max_number_digits: int | None
) -> None:
    # rdfio is light (pyoxigraph only), but skip even that when nothing is set
    # and nothing was set before in this process.
    import sys as _sys

    nothing_set = max_bytes is None and max_nesting is None and max_number_digits is None
    if nothing_set and "positions.rdf.rdfio" not in _sys.modules:
        return
    from positions.rdf import rdfio

    rdfio.configure_limits(
        max_bytes=max_bytes, max_nesting=max_nesting, max_number_digits=max_number_digits
    )


def _register_commands() -> None:
    from positions.cli.commands import register_all

    register_all(app)


_register_commands()


def app_for(args: list[str]) -> typer.Typer:
    """The app to run ``args``: one holding only the command they name, when they
    name one, else the whole app.

    typer turns every registered command into a click command before it parses a
    word (12 ms for the ten, 5 % of a quick query on a large base); one command is
    a tenth of that. Anything else (no command, --help before it, an unknown
    word) goes to the whole app, which lists the commands or suggests one.
    """
    name = command_name(args)
    commands = [info for info in app.registered_commands if info.name == name]
    if not commands:
        return app
    one = typer.Typer(**APP_SETTINGS)
    one.registered_callback = app.registered_callback
    one.registered_commands = commands
    return one


def main() -> None:
    """Entry point of the console script."""
    try:
        app_for(sys.argv[1:])(standalone_mode=True)
    except PositionsError as error:  # raised outside a command body
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except OSError as error:  # not a bug: a full disk, a read-only folder, ...
        if state.debug:
            raise
        print(f"Error: {os_error_text(error)}", file=sys.stderr)
        sys.exit(2)
    except Exception:
        if state.debug:
            raise
        print(
            "Error: an unexpected internal error occurred; rerun with --debug for details "
            "and please report it.",
            file=sys.stderr,
        )
        sys.exit(3)


def os_error_text(error: OSError) -> str:
    """An operating-system error that no layer below worded, as one line: the file and
    the cause, and what a writing command guarantees."""
    from positions.errors import describe_os_error

    where = f"{error.filename}: " if error.filename is not None else ""
    return (
        f"{where}{describe_os_error(error)}; the command stopped there (a command that "
        "writes leaves data/ as it was before or after it: its writes are all or nothing)"
    )
