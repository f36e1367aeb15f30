"""``positions amend FILE``: new values for properties of nodes the base holds.

The work is in :mod:`positions.adding.amend`; this module parses options and
prints what changed (exit 0 changed or nothing to change, 1 refused: an unknown
node, an ontology term, violations; 2 a file that cannot be read).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from positions.cli.options import By, DryRun, Reason, Strict, command, open_kb

AMEND_HELP = (
    "Replace the values FILE gives for the properties of nodes the base holds. For each "
    "node FILE names and each property it gives, every value the base has goes and the "
    "file's values come in (a status, a date, a stance, a label, a piece of evidence); "
    "the node's other properties are left alone. A node the base does not hold is refused "
    "(positions add adds new ones), and so is a term of the ontology.\n\n"
    "The base as it would be is validated (whole on a small base, what the change reaches "
    "on a large one); the change is recorded in the change log (data/changes.ttl: when, "
    "by whom, why, the old and new values; see positions log) and written with it all or "
    "nothing, under the same lock and journal as positions add.\n\n"
    "[bold]Exit codes[/bold]: 0 changed (or nothing to change); 1 refused (unknown node, "
    "ontology term, violations; under --strict, warnings too); 2 FILE cannot be read.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions amend sent.ttl --dry-run\n\n"
    '  positions amend sent.ttl --reason "delivered on 26 January 2022"\n'
)


def register(app: typer.Typer) -> None:
    app.command("amend", help=AMEND_HELP)(amend_command)


@command
def amend_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="An RDF file with the new values (Turtle, TriG, N-Triples, JSON-LD, ...).",
            show_default=False,
        ),
    ],
    dry_run: DryRun = False,
    strict: Strict = False,
    by: By = None,
    reason: Reason = None,
) -> None:
    outcome = open_kb().amend(file, dry_run=dry_run, strict=strict, by=by, reason=reason)
    sys.stdout.write(outcome.to_text())
