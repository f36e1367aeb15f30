"""``positions report`` writes the report: one self-contained HTML file.

The work is in :mod:`positions.output.html_report`; this module maps the options to it and
writes the file atomically (the previous report stays whole if interrupted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

REPORT_HELP = """
Write an HTML report of the base: the demand-by-party matrix (click a cell for the
statements behind it), the timeline of meetings, calls and statements, the sources with
how many statements rest on each alone, and the demands without response and statements
whose target was left unspecified.

The file carries its own style and script and names no outside resource: it opens
offline, prints legibly, and the same base gives the same bytes.

[bold]Examples[/bold]

  positions report

  positions report --output out/report.html
"""


def register(app: typer.Typer) -> None:
    app.command("report", help=REPORT_HELP)(report_command)


def report_command(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Write the report to this file."),
    ] = Path("report.html"),
) -> None:
    from positions.cli.app import fail, open_kb
    from positions.errors import PositionsError
    from positions.output.export import refuse_output_inside_data, write_atomically
    from positions.output.html_report import build_report

    try:
        kb = open_kb()
        refuse_output_inside_data(kb, output)
        write_atomically(output, build_report(kb).encode("utf-8"))
        _readable_by_all(output)
    except PositionsError as error:
        fail(error)
        return
    typer.echo(f"Wrote {output}", err=True)


def _readable_by_all(path: Path) -> None:
    # The atomic writer's temporary file is private (0600); a report is meant to be
    # shared, so give it the mode a new file would have under the user's umask.
    import contextlib
    import os

    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):  # a file system without modes: nothing to fix
        path.chmod(0o666 & ~umask)
