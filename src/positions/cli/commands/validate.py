"""``positions validate``: check the base, or new files in its context.

The work is in :mod:`positions.checking.validate`; this module parses options, prints the
report and sets the exit code.  rdflib and pyshacl are imported by the API only
when the command runs.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

VALIDATE_HELP = (
    "Validate the whole base, or the given FILEs in the context of the base (new facts may "
    "refer to the parties, demands and sources already there), against the SHACL shapes of "
    "ontology/shapes/ and the checks beyond SHACL Core (dates of responses, roles held at the"
    " date, the party a role speaks for, shared Wikidata IRIs, statements dated after their "
    "source).\n\n"
    "Each problem is shown once, under the file and at the line where its node is defined, "
    "with the node, the property path, the value, the severity and the shape's message; a "
    "summary line ends the report. With FILEs, only the problems that concern them are "
    "shown.\n\n"
    "[bold]Exit codes[/bold]: 0 the data conforms (warnings alone do not fail, unless "
    "--strict); 1 there are violations; 2 a file cannot be read (the error names the file, "
    "line and column).\n\n"
    "[bold]Against a server[/bold]: with --endpoint URL (a SPARQL 1.1 query endpoint, "
    "Oxigraph server: http://HOST:PORT/query), the FILEs are validated against the base the "
    "server holds: the part of its data the new facts reach is looked up there, the ontology "
    "and the shapes come from the local base. Same report and exit codes; an unreachable "
    "server exits 2. Credentials: $POSITIONS_ENDPOINT_USER and $POSITIONS_ENDPOINT_PASSWORD, "
    "or $POSITIONS_ENDPOINT_TOKEN (see docs/remote.md).\n\n"
    "[bold]Formats[/bold]: text (grouped by file), json (an object with the verdict, the "
    "counts and a list of problems), turtle (the W3C SHACL validation report).\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions validate\n\n"
    "  positions validate new-statements.ttl --strict\n\n"
    "  positions validate --quiet data/statements.ttl\n\n"
    "  positions validate --format turtle > report.ttl\n\n"
    "  positions validate new-statements.ttl --endpoint http://127.0.0.1:7878/query\n"
)


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


def register(app: typer.Typer) -> None:
    app.command("validate", help=VALIDATE_HELP)(validate_command)


def validate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE",
            help="RDF files to validate in the context of the base (Turtle, TriG, "
            "N-Triples, N-Quads, JSON-LD, RDF/XML). Without FILE, the whole base.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Warnings fail too: exit 1 when there is any warning."),
    ] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="Output format."),
    ] = ReportFormat.text,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Text format: list violations only; warnings are still counted in the "
            "summary (and still fail under --strict).",
        ),
    ] = False,
    whole: Annotated[
        bool,
        typer.Option(
            "--all",
            help="With FILE: validate the whole base with the files, not only what the "
            "files touch (slower on a large base; finds problems the new facts cause in "
            "nodes they do not mention). Without FILE the whole base is always validated.",
        ),
    ] = False,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            metavar="URL",
            help="Validate FILEs against the base held by this SPARQL 1.1 query endpoint "
            "(the data they reach is looked up there; the ontology and shapes are local).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=0.1, help="With --endpoint: seconds to wait for each request."
        ),
    ] = 30.0,
) -> None:
    from positions.checking.validate import validate
    from positions.cli import app as cli
    from positions.errors import PositionsError

    try:
        if endpoint is not None:
            report = _validate_remote(cli.open_kb(), files, endpoint, whole, timeout, strict)
        else:
            report = validate(cli.open_kb(), files or None, strict=strict, incremental=not whole)
    except PositionsError as error:
        cli.fail(error)
        return
    if fmt is ReportFormat.json:
        sys.stdout.write(report.to_json())
    elif fmt is ReportFormat.turtle:
        sys.stdout.write(report.to_turtle())
    else:
        _print_text(report, show_warnings=not quiet)
    raise typer.Exit(code=report.exit_code)


def _validate_remote(kb, files, endpoint, whole, timeout, strict):  # noqa: ANN001, ANN202, PLR0913
    from positions.errors import UsageError
    from positions.remote.endpoint import Credentials
    from positions.remote.store import validate_remote

    if not files:
        raise UsageError(
            "--endpoint validates new FILEs against the server's base; give the files (the "
            "whole base is validated locally: positions validate)"
        )
    if whole:
        raise UsageError(
            "--all cannot be used with --endpoint: whole-base validation runs on the local base"
        )
    credentials = Credentials.from_options(env_prefix="POSITIONS_ENDPOINT")
    return validate_remote(
        kb, files, endpoint=endpoint, credentials=credentials, timeout=timeout, strict=strict
    )


def _print_text(report, *, show_warnings: bool) -> None:  # noqa: ANN001 - Report, imported lazily
    """Plain text when piped; the same text with colour on a terminal."""
    if not sys.stdout.isatty():
        sys.stdout.write(report.to_text(show_warnings=show_warnings))
        return
    from rich.console import Console
    from rich.text import Text

    from positions.checking.report import VIOLATION, problem_lines

    console = Console(highlight=False, soft_wrap=True)
    colours = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}
    for file, problems in report.by_file().items():
        shown = [p for p in problems if show_warnings or p.severity == VIOLATION]
        if not shown:
            continue
        console.print(Text(file or "(not defined in any file)", style="bold underline"))
        for problem in shown:
            head, *rest = problem_lines(problem)
            line = Text(head)
            start = head.index(": ") + 2  # the severity follows the line number
            line.stylize(colours.get(problem.severity, ""), start, start + len(problem.severity))
            console.print(line)
            for text in rest:
                console.print(Text(text, style="dim" if text.strip().startswith("path") else ""))
        console.print()
    style = "bold red" if report.violations else ("yellow" if report.warnings else "green")
    console.print(Text(report.summary(), style=style))
