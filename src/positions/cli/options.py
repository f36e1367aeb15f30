"""What every command shares: the base chosen by the global options, the options
that several commands take (declared here once), and the one way a user error
ends a command.

A command module declares its own options only; ``--endpoint``, ``--timeout``,
``--insecure``, ``--strict``, ``--dry-run`` and ``--format`` come from here, and
its body is wrapped in :func:`command`, which turns a
:class:`~positions.errors.PositionsError` into one ``Error:`` line on standard
error and the error's exit code.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from positions.errors import PositionsError

if TYPE_CHECKING:  # imported when a command runs, to keep start-up fast
    from positions.api import KnowledgeBase


class State:
    """Options given before the command name, shared by every command."""

    kb_path: Path | None = None
    debug: bool = False


state = State()


def open_kb(endpoint: str | None = None, *, timeout: float = 30.0) -> KnowledgeBase:
    """The base chosen by the global options; with ``endpoint``, its queries and
    validation run on that SPARQL endpoint (credentials from $POSITIONS_ENDPOINT_*)."""
    from positions.api import KnowledgeBase

    return KnowledgeBase.open(state.kb_path, endpoint=endpoint, timeout=timeout)


def fail(error: PositionsError) -> None:
    """Print a user error and exit with its code."""
    print(f"Error: {error}", file=sys.stderr)
    raise typer.Exit(code=error.exit_code)


F = TypeVar("F", bound=Callable[..., Any])


def command(body: F) -> F:
    """Wrap a command's body: a :class:`PositionsError` it raises is printed as one
    ``Error:`` line and ends the command with the error's exit code."""

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except PositionsError as error:
            fail(error)

    return run  # type: ignore[return-value]


def endpoint_option(help: str) -> Any:
    """``--endpoint URL``: a SPARQL 1.1 query endpoint (the help says what for)."""
    return typer.Option("--endpoint", metavar="URL", help=help, show_default=False)


def timeout_option(help: str = "Seconds to wait for each request.") -> Any:
    """``--timeout SECONDS``, at least 0.1."""
    return typer.Option("--timeout", min=0.1, help=help)


Strict = Annotated[
    bool,
    typer.Option(
        "--strict", help="Warnings fail too: exit 1 when there is any warning (nothing is added)."
    ),
]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        "-n",
        help="Show what would be added (new nodes by class, files that would change) "
        "and validate, without writing.",
    ),
]
Insecure = Annotated[
    bool,
    typer.Option("--insecure", help="Allow plain http:// to a host other than this machine."),
]
Timeout = Annotated[float, timeout_option()]
By = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who makes the change, for the change log (default: $USER).",
        show_default=False,
    ),
]
Reason = Annotated[
    str | None,
    typer.Option(
        "--reason",
        metavar="TEXT",
        help="Why, for the change log (positions log shows it).",
        show_default=False,
    ),
]
