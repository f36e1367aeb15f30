"""Errors that positions raises for a person to read.

Library code raises these; the CLI turns them into one ``Error: ...`` line on
standard error and an exit code, never a traceback.  Each error knows its exit
code so that the CLI needs no table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class PositionsError(Exception):
    """Base class of every error meant for the user."""

    exit_code: int = 2

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message if hasattr(self, "message") else super().__str__()


class UsageError(PositionsError):
    """A parameter, option or name given by the user is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Position:
    """Where in a file something is: 1-based line and column (column may be unknown)."""

    path: Path | str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class InputError(PositionsError):
    """A file (RDF, query, CSV) cannot be read: it names the file, line and what is wrong."""

    def __init__(self, position: Position, problem: str, excerpt: str | None = None) -> None:
        self.position = position
        self.problem = problem
        self.excerpt = excerpt
        message = f"{position}: {problem}"
        if excerpt:
            message += f"\n    {excerpt.rstrip()}"
            if position.column:
                message += "\n    " + " " * (position.column - 1) + "^"
        super().__init__(message)
        self.message = message


class QueryRefused(PositionsError):
    """A query asks for something positions does not allow (update, SERVICE, FROM, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryLimitExceeded(PositionsError):
    """A query ran past its time limit or row cap."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotABase(PositionsError):
    """A folder given as a knowledge base is not laid out as one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# What to look at, for the causes whose words do not say it.
_HINTS = {
    "EPERM": "an immutable or append-only file? `lsattr` shows it",
    "EDQUOT": "the user's disk quota is used up",
}


def describe_os_error(error: OSError) -> str:
    """What the operating system refused, in its words and code: ``No space left on
    device (ENOSPC)``, with a hint where the words alone do not say what to look at."""
    import errno

    code = errno.errorcode.get(error.errno or 0)
    words = error.strerror or str(error)
    if not code:
        return words
    hint = _HINTS.get(code)
    return f"{words} ({code}: {hint})" if hint else f"{words} ({code})"


class FileSystemError(PositionsError):
    """The operating system refused to read or write a file: no space, no permission, a
    read-only file system, an immutable file.  Not a bug of positions: the message names
    the file, the cause, and what became of the base (``outcome``)."""

    def __init__(
        self,
        error: OSError,
        path: Path | str | None = None,
        outcome: str = "",
        *,
        doing: str = "write",
    ) -> None:
        self.cause = error
        where = path if path is not None else error.filename
        message = f"cannot {doing} {where}: " if where is not None else ""
        message += describe_os_error(error)
        if outcome:
            message += f"; {outcome}"
        super().__init__(message)
        self.message = message
