"""Whether positions lets a query run on a read-only, closed base.

Before a query reaches the engine, :func:`inspect_query` reads it with the
lexer (:mod:`positions.sparql.lexer`) and refuses:

* updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY): the
  base changes only through ``positions add``;
* SERVICE (also SILENT, also inside FILTER EXISTS): pyoxigraph would call out
  through its own HTTP client, which no Python audit hook sees;
* FROM / FROM NAMED naming anything but one of the base's own graphs.

First of all, :func:`check_shape` refuses a text too large or nested too deep
for the engine's parser (:mod:`positions.sparql.limits`), naming the limit and,
for depth, the line and column where it was passed.

:func:`check_syntax` inspects a query the same way and has pyoxigraph parse it
without touching a base.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Iterator

import pyoxigraph as ox

from positions.errors import InputError, Position, QueryRefused
from positions.sparql.lexer import (
    Finding,
    QueryInfo,
    line_and_column,
    nesting_past,
    scan_query,
    syntax_error,
)
from positions.sparql.limits import (
    DEFAULT_QUERY_LIMITS,
    QUERY_LIMIT_OPTIONS,
    QueryLimits,
    on_query_stack,
)

NETWORK_HINT = "pass --allow-network (allow_network=True) if you mean it"


def inspect_query(
    text: str,
    *,
    allowed_graphs: Container[str] = (),
    allow_network: bool = False,
    source: str = "<query>",
) -> QueryInfo:
    """Read ``text``; refuse what a read-only, closed base does not allow.

    ``allowed_graphs`` are the IRIs that FROM and FROM NAMED may name (the base's
    own graphs).  ``allow_network`` lifts the SERVICE and FROM refusals, never
    the refusal of updates.
    """
    check_shape(text, source)
    info = scan_query(text)
    for finding in info.findings:
        if finding.what == "update":
            raise _refuse_update(finding, source)
    if allow_network:
        return info
    for finding in info.findings:
        if finding.what == "service":
            raise _refuse_service(finding, source)
        if finding.what == "from" and finding.target not in allowed_graphs:
            raise _refuse_from(finding, source)
    return info


def check_shape(
    text: str, source: str = "<query>", limits: QueryLimits = DEFAULT_QUERY_LIMITS
) -> None:
    """Refuse a query larger or nested deeper than ``limits``, before any parser sees it."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise InputError(
            Position(source),
            f"the query is {size:,} bytes, over the size limit of {limits.max_bytes:,} bytes "
            f"(QueryLimits.max_bytes; raise it with {QUERY_LIMIT_OPTIONS['max_bytes']}); "
            "nothing was run",
        )
    offset = nesting_past(text, limits.max_nesting)
    if offset is None:
        return
    line, column = line_and_column(text, offset)
    row = text.split("\n")[line - 1].rstrip("\r")
    raise InputError(
        Position(source, line, column),
        f"the query nests deeper than the limit of {limits.max_nesting} levels "
        "(of { ( [ << and runs of !; QueryLimits.max_nesting; raise it with "
        f"{QUERY_LIMIT_OPTIONS['max_nesting']}); nothing was run",
        row if len(row) <= _MAX_EXCERPT else None,
    )


_MAX_EXCERPT = 200  # a longer line is not quoted: the line and column say where


def _refuse_update(finding: Finding, source: str) -> QueryRefused:
    return QueryRefused(
        f"{source}: {finding.word} (line {finding.line}, column {finding.column}) is a SPARQL "
        "update; queries are read-only and cannot change the base. "
        "To add facts, use `positions add`."
    )


def _refuse_service(finding: Finding, source: str) -> QueryRefused:
    target = f" {finding.target}" if finding.target else ""
    return QueryRefused(
        f"{source}: SERVICE{target} (line {finding.line}, column {finding.column}) would call "
        "out to the network; queries run only on the base itself. "
        f"To run it anyway, {NETWORK_HINT}."
    )


def _refuse_from(finding: Finding, source: str) -> QueryRefused:
    return QueryRefused(
        f"{source}: FROM <{finding.target}> (line {finding.line}, column {finding.column}) "
        "would read a file or URL outside the base; FROM and FROM NAMED may only name the "
        "base's own graphs (https://w3id.org/positions/graph/<file>). "
        f"To run it anyway, {NETWORK_HINT}."
    )


def check_syntax(text: str, source: str = "<query>") -> QueryInfo:
    """Parse ``text`` with pyoxigraph without touching a base; raise InputError if invalid.

    The query is first inspected with the network refused, so that parsing it on
    an empty store can never call out.
    """
    from positions.rdf.namespaces import PREFIXES

    info = inspect_query(text, source=source, allowed_graphs=_AnyGraph())

    def parse() -> None:  # on a stack that holds any parse the limits allow
        result = ox.Store().query(text, prefixes=PREFIXES)
        if info.kind in ("select", "construct", "describe"):
            next(iter(result), None)

    try:
        on_query_stack(parse)
    except SyntaxError as error:
        raise syntax_error(error, text, source) from None
    return info


class GraphsOnDemand(Container[str]):
    """Graph IRIs listed on the first membership test, for ``allowed_graphs``.

    Most queries name no graph, and listing the graphs of a large base (one per
    file) costs milliseconds that every query would pay.
    """

    def __init__(self, list_graphs: Callable[[], Iterable[str]]) -> None:
        self._list_graphs = list_graphs
        self._graphs: frozenset[str] | None = None

    def __contains__(self, item: object) -> bool:
        if self._graphs is None:
            self._graphs = frozenset(self._list_graphs())
        return item in self._graphs


class _AnyGraph(Collection[str]):
    """Every IRI is allowed: for a syntax check on an empty store, nothing can be read."""

    def __contains__(self, item: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
