"""``positions info``: which base is in use and why, what it holds, its store, the version."""

from __future__ import annotations

from typing import Annotated

import typer

from positions.cli.options import command, open_kb

INFO_HELP = (
    "Say which base the commands read and write: its folder and why it was chosen (--kb, "
    "$POSITIONS_KB, the current folder, or the copy bundled with positions, which is not "
    "written when it is inside an installed package), its counts (statements, demands, "
    "parties, people, sources, triples), its store (in memory or on disk, and where) and the "
    "version of positions.\n\n"
    "[bold]Examples[/bold]\n\n"
    "  positions info\n\n"
    "  positions --kb my-base info -f json\n"
)


def register(app: typer.Typer) -> None:
    app.command("info", help=INFO_HELP)(info_command)


@command
def info_command(
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="text or json.", metavar="text|json"),
    ] = "text",
) -> None:
    if fmt not in ("text", "json"):
        from positions.errors import UsageError

        raise UsageError(f"--format {fmt}: info is written as text or json")
    about = open_kb().info()
    print(about.to_json() if fmt == "json" else about.to_text(), end="")
