"""``positions add``: merge new facts into data/ after validating them with the base.

The work is in :mod:`positions.adding.apply`; this module parses options, prints what
was added and sets the exit code (0 added or nothing to add, 1 conflicts or
violations, 2 an input that cannot be read).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from positions.cli.options import (
    By,
    DryRun,
    Insecure,
    Reason,
    Strict,
    command,
    endpoint_option,
    open_kb,
    timeout_option,
)

ADD_HELP = (
    "Add the facts of FILE... to the base. The new facts are validated together with the "
    "base; only if they conform are they merged into data/, each node into the file of its "
    "class, or into the last numbered part of that class once its file has grown to a "
    "megabyte (see docs/adding.md, 'Where facts go'); every changed file is rewritten whole "
    "in the canonical layout so that the change reads as a clean diff.\n\n"
    "Facts already in the base are reported and not added again (the same evidence given "
    "twice is the same evidence). A new value for a property that takes one value (a "
    "statement's date, speaker, stance, ...) that differs from the base is a conflict: the "
    "error names both values.\n\n"
    "All or nothing: on a conflict, a violation or an unreadable file, not one byte of data/ "
    "changes. Concurrent runs wait for each other (.positions.lock) and all land; a run that "
    "is killed leaves the base as it was before or after, and the next run tidies up.\n\n"
    "[bold]Exit codes[/bold]: 0 added (or nothing new); 1 conflicts or violations (under "
    "--strict, warnings too); 2 a file cannot be read (file, line and column named).\n\n"
    "[bold]A base held by a server[/bold]: with --to STORE_URL (the Graph Store Protocol URL "
    "that `positions push` wrote to) the same steps run against the server instead of data/: "
    "duplicates and conflicts are looked up there, the new facts are validated against the "
    "server's data with the local ontology and shapes, and they are sent in one POST, which "
    "the server applies whole or not at all. Credentials as for push ($POSITIONS_PUSH_USER "
    "and _PASSWORD, or _TOKEN). See docs/remote.md.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions add docs/examples/new-statement.ttl --dry-run\n\n"
    "  positions add new-statements.ttl more-sources.ttl\n\n"
    "  positions --kb ~/my-base add facts.ttl --strict\n\n"
    "  positions add new-statements.ttl --to http://127.0.0.1:7878/store\n"
)


def register(app: typer.Typer) -> None:
    app.command("add", help=ADD_HELP)(add_command)


@command
def add_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="RDF files of new facts (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML).",
            show_default=False,
        ),
    ],
    dry_run: DryRun = False,
    strict: Strict = False,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="STORE_URL",
            help="Add to the base held by this Graph Store Protocol server (…/store) "
            "instead of data/.",
            show_default=False,
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        endpoint_option(
            "With --to: the server's SPARQL query endpoint (default: …/query beside "
            "…/store or …/data)."
        ),
    ] = None,
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="With --to: the named graph that holds the base."),
    ] = None,
    insecure: Insecure = False,
    timeout: Annotated[float, timeout_option("With --to: seconds for each request.")] = 30.0,
    by: By = None,
    reason: Reason = None,
) -> None:
    kb = open_kb(endpoint, timeout=timeout)
    outcome = kb.add(
        files,
        dry_run=dry_run,
        strict=strict,
        to=to,
        graph=graph,
        insecure=insecure,
        by=by,
        reason=reason,
    )
    sys.stdout.write(outcome.to_text())
