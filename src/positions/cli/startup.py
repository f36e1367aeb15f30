"""The ``positions`` console script: what it does before it imports typer.

Importing typer and the command line takes about 50 ms, as long as opening the
on-disk store of a base of a million statements.  So the script first reads, from
the words of the command line alone, which command runs and on which base, and
for a ``query`` on a base whose store is on disk it begins opening the store in a
thread (:mod:`positions.base.opening`) before it imports the rest, unless a writer
holds the store's lock (it never waits here).  The store is checked against the
files before anything is read from it, as always
(:meth:`positions.base.store.DiskStore.open`).

This reading is only a guess at what typer will decide: when it is wrong (a word
typer reads otherwise, a base that turns out to use the memory store), an open
is wasted, never used.  Any error is left for typer and the command to report.
"""

from __future__ import annotations

import os
import sys

from positions.cli.argv import command_name, kb_option

# The commands that read the store as soon as they start, and read nothing else first.
OPEN_AHEAD_COMMANDS = frozenset({"query"})


def open_store_ahead(args: list[str]) -> None:
    """Begin opening the store of the base ``args`` name, if they run a command that
    reads it first and the base keeps one on disk (see the module docstring)."""
    if command_name(args) not in OPEN_AHEAD_COMMANDS:
        return
    if any(word == "--endpoint" or word.startswith("--endpoint=") for word in args):
        return  # the query runs elsewhere
    if os.environ.get("POSITIONS_STORE") not in (None, "", "disk"):
        return
    from positions.base.layout import STORE_DATA, STORE_LOCK, Layout, locate_base
    from positions.errors import PositionsError

    try:
        root = locate_base(kb_option(args))
    except PositionsError:
        return  # reported by the command
    if Layout(root).add_interrupted():
        return  # an interrupted add is finished first, under the writers' lock
    from positions.base import opening

    try:
        opening.begin(root / STORE_DATA, root / STORE_LOCK)
    except OSError:
        return  # an unreadable cache folder: the command meets it and says so


def main() -> None:
    """Entry point of the console script."""
    open_store_ahead(sys.argv[1:])
    from positions.cli.app import main as cli_main

    cli_main()
