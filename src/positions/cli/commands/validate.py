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

from positions.cli.options import Strict, command, endpoint_option, open_kb, timeout_option

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
    "  positions validate --engine pyshacl\n\n"
    "  positions validate new-statements.ttl --endpoint http://127.0.0.1:7878/query\n"
)


class Engine(StrEnum):
    turbo = "pyshacl-turbo"
    pyshacl = "pyshacl"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


def register(app: typer.Typer) -> None:
    app.command("validate", help=VALIDATE_HELP)(validate_command)


@command
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
    strict: Strict = False,
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
        endpoint_option(
            "Validate FILEs against the base held by this SPARQL 1.1 query endpoint "
            "(the data they reach is looked up there; the ontology and shapes are local)."
        ),
    ] = None,
    timeout: Annotated[
        float, timeout_option("With --endpoint: seconds to wait for each request.")
    ] = 30.0,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            case_sensitive=False,
            help="The SHACL engine: pyshacl-turbo (fast, reads the store) or pyshacl, the "
            "reference it is tested against (slow on a large base). Both report the same "
            "problems.",
        ),
    ] = Engine.turbo,
) -> None:
    kb = open_kb(endpoint, timeout=timeout)
    report = kb.validate(files or None, strict=strict, whole=whole, engine=engine.value)
    if fmt is ReportFormat.json:
        sys.stdout.write(report.to_json())
    elif fmt is ReportFormat.turtle:
        sys.stdout.write(report.to_turtle())
    else:
        from positions.output.problems import write_report

        write_report(report, sys.stdout, show_warnings=not quiet)
    raise typer.Exit(code=report.exit_code)
