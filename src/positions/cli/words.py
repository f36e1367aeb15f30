"""What the query commands read from the user beyond typer's options: the query
(a name, a file, ``-`` for standard input, or ``--sparql`` text) and ``-p NAME=VALUE``
pairs; and the width of the terminal the answer goes to."""

from __future__ import annotations

import sys

from positions.errors import UsageError


def query_source(target: str | None, sparql: str | None) -> str:
    """The saved query's name, the file, or the SPARQL text to run."""
    if sparql is not None and target is not None:
        raise UsageError("give either a query NAME/FILE/- or --sparql TEXT, not both")
    if sparql is not None:
        if not sparql.strip():
            raise UsageError("--sparql was given an empty query")
        return sparql
    if target is None:
        raise UsageError(
            "which query? Give a saved query's name (see `positions queries`), a .rq file, "
            "- for standard input, or --sparql TEXT"
        )
    if target == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise UsageError("no query on standard input")
        return text if _is_text(text) else text + "\n"
    return target


def _is_text(text: str) -> bool:
    # A one-word query read from stdin must not be taken for a saved query's name.
    return any(c.isspace() or c in "{}" for c in text.strip())


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``-p NAME=VALUE`` pairs as a mapping; a pair without ``=`` or given twice is refused."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"-p expects NAME=VALUE, not {pair!r}")
        if name in given:
            raise UsageError(f"parameter {name!r} is given twice")
        given[name] = value
    return given


def terminal_width() -> int | None:
    """The width of the terminal standard output is, or None in a pipe."""
    import shutil

    return shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else None
