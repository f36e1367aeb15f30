"""The default limits of a query (imports nothing heavy: the command line reads
them to write its help).

Time: saved queries are reviewed and may aggregate a large base; an ad-hoc query
is fenced more tightly, so that a runaway join answers quickly with a message.

Shape: pyoxigraph parses and plans a query by recursion, and a text deep or long
enough overflows the stack of the thread that runs it (3,000 nested groups, or
9,000 ``!`` in a row, end the process with a segmentation fault).  So a query's
text is checked before pyoxigraph sees it (:func:`positions.sparql.policy.check_shape`):
at most :attr:`QueryLimits.max_nesting` nested ``{ ( [ <<`` (a run of ``!`` counts
as that many levels) and :attr:`QueryLimits.max_bytes` bytes; and every query runs
in a thread whose stack, :func:`stack_bytes`, holds the deepest parse those limits
allow with room to spare (measured on pyoxigraph 0.5: under 10 KiB a nesting level,
under 1 KiB a byte of operator chains such as ``1+1+1``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

SAVED_TIMEOUT = 30.0
ADHOC_TIMEOUT = 10.0

MAX_QUERY_NESTING = 64  # the saved queries nest 7 deep at most
MAX_QUERY_BYTES = 64 * 1024  # the saved queries are under 5 KiB
MEMORY_PER_QUERY_MIB = 1024  # `positions serve`: memory one query may take


class QueryLimits:
    """What the engine accepts; change :data:`DEFAULT_QUERY_LIMITS` with
    :func:`configure_query_limits` (the global options of :data:`QUERY_LIMIT_OPTIONS`)."""

    def __init__(self, max_nesting: int = MAX_QUERY_NESTING, max_bytes: int = MAX_QUERY_BYTES):
        self.max_nesting = max_nesting
        self.max_bytes = max_bytes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryLimits) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"QueryLimits(max_nesting={self.max_nesting}, max_bytes={self.max_bytes})"


DEFAULT_QUERY_LIMITS = QueryLimits()

# The command-line option that raises each limit, named in every refusal.
QUERY_LIMIT_OPTIONS = {"max_nesting": "--max-query-nesting", "max_bytes": "--max-query-bytes"}


def configure_query_limits(**values: int | None) -> None:
    """Set the limits every query is checked against (the CLI's global options).

    A limit not given (None) goes back to its built-in value, so that one
    command's options never leak into the next run in the same process.
    """
    built_in = QueryLimits()
    for name in QUERY_LIMIT_OPTIONS:
        value = values.get(name)
        setattr(DEFAULT_QUERY_LIMITS, name, getattr(built_in, name) if value is None else value)


def stack_bytes(limits: QueryLimits | None = None) -> int:
    """The stack of a thread that runs a query: room for the deepest parse the limits
    allow (16 KiB a level, 1 KiB a byte: about twice what was measured), and 32 MiB
    more.  Only the pages a parse touches are ever used."""
    limits = limits or DEFAULT_QUERY_LIMITS
    needed = (32 << 20) + limits.max_nesting * (16 << 10) + limits.max_bytes * 1024
    return (needed + 0xFFFF) & ~0xFFFF  # a multiple of 64 KiB


def on_query_stack(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a thread of :func:`stack_bytes`; its result, or its error."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = function(*args)
        except BaseException as error:  # handed over to the caller's thread
            outcome["error"] = error

    worker = start_on_query_stack(work, "positions-parse")
    worker.join()
    if "error" in outcome:
        error = outcome.pop("error")
        raise error
    return outcome["result"]


_STACK_LOCK = threading.Lock()
# A process forked while another thread holds the lock (positions serve forks a
# worker per query) would inherit it held, by a thread the child does not have,
# and hang at its first query: the fork waits for the lock and both sides let go.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_STACK_LOCK.acquire,
        after_in_parent=_STACK_LOCK.release,
        after_in_child=_STACK_LOCK.release,
    )


def start_on_query_stack(target: Callable[[], None], name: str) -> threading.Thread:
    """Start a daemon thread running ``target`` with a stack of :func:`stack_bytes`."""
    worker = threading.Thread(target=target, name=name, daemon=True)
    with _STACK_LOCK:  # threading.stack_size is for the whole process: set, start, restore
        before = threading.stack_size(stack_bytes())
        try:
            worker.start()
        finally:
            threading.stack_size(before)
    return worker
