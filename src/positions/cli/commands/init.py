"""``positions init DIR``: a base of one's own, copied from the bundled one (or empty)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from positions.cli.options import command

INIT_HELP = (
    "Make a base of your own in DIR (a new or empty folder): a copy of the base bundled with "
    "positions (ontology, saved queries and data), or with --empty the ontology and the "
    "saved queries and no data, to start a new negotiation. Then write to it with "
    "positions --kb DIR add ..., or run positions inside DIR, or set POSITIONS_KB=DIR.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions init my-base\n\n"
    "  positions init iran-talks --empty\n"
)


def register(app: typer.Typer) -> None:
    app.command("init", help=INIT_HELP)(init_command)


@command
def init_command(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A new or empty folder.", show_default=False)
    ],
    empty: Annotated[
        bool, typer.Option("--empty", help="The ontology and saved queries, and no data.")
    ] = False,
) -> None:
    from positions.api import KnowledgeBase

    kb = KnowledgeBase.init(folder, empty=empty)
    what = "an empty base (ontology and saved queries)" if empty else "a copy of the bundled base"
    print(f"Made {what} in {kb.root}.")
    print(f"Use it with: positions --kb {kb.root} info  (or cd into it, or set POSITIONS_KB)")
