"""``positions fmt``: rewrite data/ in the canonical layout (or, with --check, list what is not).

The rewrite is the same all-or-nothing transaction as ``positions add``
(:func:`positions.base.journal.commit`), under the same lock; only the layout
changes, never a triple.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import command, open_kb

FMT_HELP = (
    "Rewrite the files of data/ in the canonical layout that `positions add` writes (prefixes"
    " sorted, one block per subject sorted by IRI, predicates and objects sorted, evidence "
    "inline), so that hand edits read as clean diffs. Only the layout changes; comments are "
    "not kept.\n\n"
    "With --check nothing is written: the files not in canonical form are listed and the exit"
    " code is 1 (useful in CI).\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions fmt\n\n"
    '  positions fmt --check || echo "run positions fmt"\n'
)


def register(app: typer.Typer) -> None:
    app.command("fmt", help=FMT_HELP)(fmt_command)


@command
def fmt_command(
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 listing the non-canonical files."),
    ] = False,
) -> None:
    kb = open_kb()
    if check:
        pending = kb.non_canonical()
        for name in pending:
            print(f"data/{name}: not in canonical form")
        if pending:
            print(
                f"{len(pending)} of {len(kb.layout.data_files())} files would be "
                "rewritten; run `positions fmt`.",
                file=sys.stderr,
            )
            raise typer.Exit(code=1)
        print("data/ is in canonical form.")
        return
    rewritten, recovered = kb.format()
    for line in recovered:
        print(f"Recovered: {line}")
    for name in rewritten:
        print(f"data/{name}: rewritten")
    if not rewritten:
        print("data/ is in canonical form; nothing to rewrite.")
