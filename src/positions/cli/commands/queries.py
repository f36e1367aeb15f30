"""``positions queries``: list the saved queries, or show one in full.

Thin: the text is made by :mod:`positions.output.catalogue`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import command, open_kb

QUERIES_HELP = """
List the saved queries of the base (name, summary, parameters, tags), or show one query
with its description, parameters, text and an example call.

[bold]Examples[/bold]

  positions queries

  positions queries position-over-time
"""


def register(app: typer.Typer) -> None:
    app.command("queries", help=QUERIES_HELP)(queries_command)


@command
def queries_command(
    name: Annotated[
        str | None,
        typer.Argument(help="Show this saved query in full.", show_default=False),
    ] = None,
) -> None:
    from positions.cli.words import terminal_width
    from positions.output.catalogue import describe_query, list_queries
    from positions.output.render import escape_controls

    catalogue = open_kb().catalogue
    if name:
        text = describe_query(catalogue.get(name))
    else:
        text = list_queries(catalogue, terminal_width())
    sys.stdout.write(escape_controls(text))
