"""``positions retract IRI...``: take facts out of the base, with their evidence.

The work is in :mod:`positions.adding.retract`; this module parses options and
prints what went (exit 0 retracted, 1 refused: facts still point at it, an
unknown node, an ontology term, violations; 2 a word that is not an IRI).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import By, DryRun, Reason, Strict, command, open_kb

RETRACT_HELP = (
    "Remove the facts about each IRI (every triple with it as subject, in whichever data "
    "files hold them) and what hangs only from them (their evidence, a period). While "
    "other facts still point at one (a statement at the source it cites), nothing is "
    "removed and they are listed with their file and line; --cascade retracts them too, "
    "and so on until nothing left points at what goes (try it with --dry-run first).\n\n"
    "Validated, recorded in the change log with every removed triple (positions log), and "
    "written all or nothing under the same lock and journal as positions add.\n\n"
    "[bold]Exit codes[/bold]: 0 retracted; 1 refused (facts point at it, unknown node, "
    "ontology term, violations); 2 a word that is not an IRI.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions retract kb:stmt-x --dry-run\n\n"
    '  positions retract kb:source-x --cascade --reason "the source was withdrawn"\n'
)


def register(app: typer.Typer) -> None:
    app.command("retract", help=RETRACT_HELP)(retract_command)


@command
def retract_command(
    iris: Annotated[
        list[str],
        typer.Argument(
            metavar="IRI...",
            help="The nodes to retract: kb:name, or a full IRI.",
            show_default=False,
        ),
    ],
    cascade: Annotated[
        bool,
        typer.Option("--cascade", help="Retract the facts that point at them too."),
    ] = False,
    dry_run: DryRun = False,
    strict: Strict = False,
    by: By = None,
    reason: Reason = None,
) -> None:
    outcome = open_kb().retract(
        iris, cascade=cascade, dry_run=dry_run, strict=strict, by=by, reason=reason
    )
    sys.stdout.write(outcome.to_text())
