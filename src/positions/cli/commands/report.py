"""``positions report`` writes the report: one self-contained HTML file.

The work is in :mod:`positions.output.html_report`; this module maps the options to it and
writes the file atomically (the previous report stays whole if interrupted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from positions.cli.options import command, open_kb

REPORT_HELP = """
Write an HTML report of the base: the demand-by-party matrix (click a cell for the
statements behind it), the timeline of meetings, calls and statements, the sources with
how many statements rest on each alone, and the demands without response and statements
whose target was left unspecified.

The file carries its own style and script and names no outside resource: it opens
offline, prints legibly, and the same base gives the same bytes.

[bold]Examples[/bold]

  positions report

  positions report --output negotiation.html
"""


def register(app: typer.Typer) -> None:
    app.command("report", help=REPORT_HELP)(report_command)


@command
def report_command(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Write the report to this file."),
    ] = Path("report.html"),
) -> None:
    open_kb().report(output)
    typer.echo(f"Wrote {output}", err=True)
