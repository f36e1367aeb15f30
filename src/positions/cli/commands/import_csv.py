"""``positions import``: facts from a spreadsheet (CSV), merged as ``positions add`` merges.

The work is in :mod:`positions.adding.csvimport` (reading, the column layout) and
:mod:`positions.adding.apply` (plan, validate, commit).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from positions.cli.options import By, DryRun, Reason, Strict, command, open_kb
from positions.errors import UsageError

KINDS = (
    "statement, demand, proposal, document, meeting, media-appearance, source, outlet, person, "
    "role, role-held, party, place"
)
IMPORT_HELP = (
    "Import any kind of node a negotiation needs from a CSV file (one "
    "row per node, the columns of docs/adding.md, 'Spreadsheets'). The rows become the same "
    "triples as hand-written Turtle; then they are validated with the base and merged into "
    "data/ exactly as `positions add` does: all or nothing, duplicates reported, conflicts "
    "named.\n\n"
    f"What the rows are: the 'kind' column ({KINDS}), else --kind, else the file name "
    "(statements.csv, people.csv, roles-held.csv, parties.csv, ...). A row whose id repeats "
    "an earlier row's adds one more evidence to that node. --template KIND prints a kind's "
    "header and one example row.\n\n"
    "Errors name the row and the column: docs/examples/statements.csv:3: column 'stance': ...\n\n"
    "[bold]Exit codes[/bold]: 0 imported (or nothing new); 1 conflicts or violations; 2 a "
    "cell or the file cannot be read.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions import docs/examples/statements.csv --dry-run\n\n"
    "  positions import coded-2022-01.csv --kind statement\n\n"
    "  positions import --template person > people.csv\n"
)


def register(app: typer.Typer) -> None:
    app.command("import", help=IMPORT_HELP)(import_command)


@command
def import_command(
    file: Annotated[
        Path | None,
        typer.Argument(metavar="FILE.csv", help="The CSV file (UTF-8, comma-separated)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=f"What every row is, when there is no 'kind' column: {KINDS}."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="KIND",
            help="Print the header of KIND's rows and one example row, and import nothing.",
        ),
    ] = None,
    dry_run: DryRun = False,
    strict: Strict = False,
    by: By = None,
    reason: Reason = None,
) -> None:
    if template is not None:
        from positions.api import KnowledgeBase

        sys.stdout.write(KnowledgeBase.csv_template(template))
        return
    if file is None:
        raise UsageError("give the CSV file to import, or --template KIND")
    outcome = open_kb().import_csv(
        file, kind=kind, dry_run=dry_run, strict=strict, by=by, reason=reason
    )
    sys.stdout.write(outcome.to_text())
