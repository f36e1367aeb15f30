"""``positions log [IRI]``: the change log of the base, or of one node.

The rows come from :mod:`positions.adding.history` through
:meth:`positions.api.KnowledgeBase.log`, and are rendered as a query's answer is.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import command, open_kb
from positions.output.render import OutputFormat

LOG_HELP = (
    "Show the change log: every add, amend, retract and import, oldest first, one row per "
    "change, node and property, with when, the kind of change, by whom, the values before "
    "and after, and the reason given. With IRI, only the changes of that node. A retracted "
    "or replaced value is shown here though the base no longer holds it.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions log\n\n"
    "  positions log kb:us-written-response\n\n"
    "  positions log -f csv > changes.csv\n"
)


def register(app: typer.Typer) -> None:
    app.command("log", help=LOG_HELP)(log_command)


@command
def log_command(
    iri: Annotated[
        str | None,
        typer.Argument(metavar="[IRI]", help="Only the changes of this node.", show_default=False),
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, csv, tsv, json, md (default: a table on a terminal, CSV elsewhere).",
            show_default=False,
        ),
    ] = None,
) -> None:
    from positions.errors import UsageError
    from positions.output.render import FormatMismatch, default_format, render

    kb = open_kb()
    result = kb.log(iri)
    terminal = sys.stdout.isatty()
    chosen = fmt or default_format(result.kind, terminal)
    if not result.rows and terminal:
        print("No changes recorded." if iri is None else f"No changes recorded for {iri}.")
        return
    try:
        text = render(result, chosen, store=None, terminal=terminal, width=None)
    except FormatMismatch as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(text)
