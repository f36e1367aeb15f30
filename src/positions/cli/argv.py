"""Reading the command line's words before typer does: which command, which base.

Used by :mod:`positions.cli.startup` (to open a store ahead) and by
:mod:`positions.cli.app` (to build only the command asked for); it imports nothing.
"""

from __future__ import annotations

# The global options that take a value (the next argument, or after "=").
VALUED_OPTIONS = frozenset({"--kb", "--max-input-bytes", "--max-nesting", "--max-number-digits"})


def command_name(args: list[str]) -> str | None:
    """The first word of ``args`` after the global options, or None if an option
    other than those comes first."""
    words = iter(args)
    for word in words:
        if word in VALUED_OPTIONS:
            next(words, None)
        elif word == "--debug" or (word.startswith("--") and word.split("=")[0] in VALUED_OPTIONS):
            continue
        elif word.startswith("-"):
            return None
        else:
            return word
    return None


def kb_option(args: list[str]) -> str | None:
    """The value of ``--kb`` among the global options (the last one given), if any."""
    found = None
    words = iter(args)
    for word in words:
        if word == "--kb":
            found = next(words, None)
        elif word.startswith("--kb="):
            found = word.removeprefix("--kb=")
        elif word in VALUED_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            break  # the command: what follows is its own
    return found
