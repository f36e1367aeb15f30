"""Run a query on a base: the engine behind ``KnowledgeBase.query`` and ``positions query``.

    result = run(kb, "node-statements", {"node": "kb:russia"})
    for row in result.to_dicts():
        ...

A query is a saved name from ``queries/``, a path to an ``.rq`` file, or SPARQL
text.  Before it runs it is inspected (:func:`positions.sparql.policy.inspect_query`:
not too large or deep for the parser, no updates, no SERVICE, no FROM outside the
base) and its parameters are bound as RDF terms (:func:`positions.sparql.params.bind`),
never spliced into its text.

It then runs on pyoxigraph with the union of the base's graphs as its default
graph, under a time limit and a row cap: pyoxigraph releases the GIL while it
evaluates, so the run happens in a worker thread (with a stack deep enough for any
query the limits let through) that the caller stops waiting for when the time is
up; the command line then exits, and ``positions serve`` runs each query in a
process of its own that it kills (:mod:`positions.web.worker`).  :func:`prepare` does
the checks and binding alone, so that :mod:`positions.output.oxigraph_results` can run
the same text and have pyoxigraph write the CSV itself.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from positions.errors import InputError, Position, QueryLimitExceeded, UsageError
from positions.rdf.namespaces import PREFIXES
from positions.sparql.lexer import syntax_error
from positions.sparql.limits import SAVED_TIMEOUT, start_on_query_stack
from positions.sparql.params import bind
from positions.sparql.policy import GraphsOnDemand, inspect_query
from positions.sparql.rewrite import check_subquery_parameters, project_parameters, rewrite_bound
from positions.sparql.saved import SavedQuery

if TYPE_CHECKING:
    from positions.sparql.catalogue import Catalogue

DEFAULT_TIMEOUT = SAVED_TIMEOUT  # seconds
DEFAULT_MAX_ROWS = 100_000  # a safety cap when the caller asked for no limit


class Queryable(Protocol):
    """What a query needs of a base (a KnowledgeBase is one): its store, saved queries, graphs."""

    @property
    def store(self) -> ox.Store:
        """The store the query runs on, one named graph per file of the base."""
        ...

    @property
    def catalogue(self) -> Catalogue:
        """The saved queries, for a query given by name."""
        ...

    def graph_names(self) -> list[ox.NamedNode]:
        """The base's named graphs: the only ones FROM and FROM NAMED may name."""
        ...


@dataclass
class QueryResult:
    """The outcome of one query: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE)."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # variable -> term or None
    boolean: bool | None = None
    triples: list[Any] = field(default_factory=list)  # pyoxigraph Triples
    truncated: bool = False  # True when a row limit cut the result short
    query: SavedQuery | None = None
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))

    def __iter__(self):  # rows for SELECT, triples for graph queries
        return iter(self.rows if self.kind == "select" else self.triples)

    def __len__(self) -> int:
        return len(self.rows if self.kind == "select" else self.triples)

    def __bool__(self) -> bool:
        if self.kind == "ask":
            return bool(self.boolean)
        return len(self) > 0

    def to_dicts(self) -> list[dict[str, Any]]:
        """Rows as plain Python values: IRIs as str, literals as int, date, bool, str ..."""
        return [{name: to_python(term) for name, term in row.items()} for row in self.rows]


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {
    _XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}


def to_python(term: Any) -> Any:
    """A plain Python value for a term; the lexical form when it does not read cleanly."""
    import datetime
    from decimal import Decimal, InvalidOperation

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, ox.Literal):
        return str(term)
    datatype = term.datatype.value
    converters = {
        _XSD + "boolean": lambda v: v in ("true", "1"),
        _XSD + "decimal": Decimal,
        _XSD + "double": float,
        _XSD + "float": float,
        _XSD + "date": datetime.date.fromisoformat,
        _XSD + "dateTime": datetime.datetime.fromisoformat,
    }
    converter = int if datatype in _INTEGER_TYPES else converters.get(datatype)
    if converter is None:
        return term.value
    try:
        return converter(term.value)
    except (ValueError, InvalidOperation):
        return term.value


def resolve(kb: Queryable, name_or_text: str) -> SavedQuery:
    """A saved query by name, a query file by path, or SPARQL text."""
    text = name_or_text.strip()
    if text.endswith(".rq") and "\n" not in text and Path(text).expanduser().is_file():
        return SavedQuery.from_file(Path(text).expanduser())
    if _looks_like_sparql(text):
        return SavedQuery.from_text(name_or_text, name="<query>")
    if text.endswith(".rq") or "/" in text or "\\" in text:
        raise UsageError(f"no query file {text}")
    return kb.catalogue.get(text)


def _looks_like_sparql(text: str) -> bool:
    """Query text has white space or braces; a saved name or a file name has neither."""
    return any(c.isspace() or c in "{}" for c in text)


@dataclass
class Prepared:
    """A query ready for pyoxigraph: its text and options, and what to undo in the answer."""

    query: SavedQuery
    text: str
    options: dict[str, Any]
    projected: list[str] | None  # the author's own projection (None: not a SELECT)
    hidden: list[str]  # parameter columns projected only so that they could be bound
    prefixes: dict[str, str]


def prepare(
    kb: Queryable,
    name_or_text: str | SavedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    allow_network: bool = False,
) -> Prepared:
    """Resolve, inspect and bind a query (the checks of :func:`run`, without running it)."""
    query = name_or_text if isinstance(name_or_text, SavedQuery) else resolve(kb, name_or_text)
    allowed = GraphsOnDemand(lambda: [graph.value for graph in kb.graph_names()])
    info = inspect_query(
        query.text, allowed_graphs=allowed, allow_network=allow_network, source=query.source
    )
    prefixes = {**PREFIXES, **info.prefixes}
    substitutions = bind(query, params or {}, prefixes)
    bound = [variable.value for variable in substitutions]
    check_subquery_parameters(query.text, bound, query.source)
    text = rewrite_bound(query.text, bound, query.source)
    text, projected = project_parameters(text, bound)
    hidden = [name for name in bound if projected is not None and name not in projected]
    options: dict[str, Any] = {"prefixes": PREFIXES, "substitutions": substitutions}
    if not info.dataset:
        # The base's files are named graphs; a query sees their union unless it names
        # its own dataset with FROM (then pyoxigraph must honour that dataset).
        options["use_default_graph_as_union"] = True
    return Prepared(query, text, options, projected, hidden, prefixes)


def run(
    kb: Queryable,
    name_or_text: str | SavedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    allow_network: bool = False,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> QueryResult:
    """Run a query on ``kb`` and return its result.

    ``row_limit`` keeps the first N rows (``result.truncated`` says if there were
    more).  Without it, a result of more than ``max_rows`` rows, or a run longer
    than ``timeout`` seconds, raises QueryLimitExceeded.
    """
    prepared = prepare(kb, name_or_text, params, allow_network=allow_network)
    return run_prepared(kb, prepared, row_limit=row_limit, timeout=timeout, max_rows=max_rows)


def run_prepared(
    kb: Queryable,
    prepared: Prepared,
    *,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> QueryResult:
    """:func:`run` for a query that :func:`prepare` has made ready."""
    query = prepared.query
    cap = row_limit if row_limit is not None else max_rows
    result = run_with_limit(kb.store, query, prepared.text, prepared.options, cap, timeout)
    return finish_result(result, query, prepared.projected, cap, row_limit, prepared.prefixes)


def finish_result(
    result: QueryResult,
    query: SavedQuery,
    projected: list[str] | None,
    cap: int,
    row_limit: int | None,
    prefixes: dict[str, str],
) -> QueryResult:
    """What a local and a remote run both do to an answer: drop the parameter columns
    projected only for binding, and cut at the row cap (an error without --limit)."""
    if projected is not None and result.kind == "select":
        _keep_columns(result, projected)
    if result.kind != "ask" and len(result) > cap:
        if row_limit is None:
            raise too_many_rows(query, cap)
        del result.rows[cap:], result.triples[cap:]
        result.truncated = True
    result.query = query
    result.prefixes = prefixes
    return result


def too_many_rows(query: SavedQuery, cap: int) -> QueryLimitExceeded:
    """The refusal of an answer over the row cap when no --limit was asked for."""
    return QueryLimitExceeded(
        f"{query.name} gives more than {cap:,} rows and was stopped; "
        "narrow it (parameters, LIMIT) or pass --limit N to see the first N"
    )


def _keep_columns(result: QueryResult, projected: list[str]) -> None:
    """Drop the parameter columns that were projected only so that they could be bound."""
    if result.variables == projected:
        return
    result.variables = [v for v in result.variables if v in projected]
    result.rows = [{v: row.get(v) for v in result.variables} for row in result.rows]


Consume = Callable[[Any, "float | None"], Any]  # (pyoxigraph answer, deadline) -> outcome


def run_with_limit(
    store: ox.Store,
    query: SavedQuery,
    text: str,
    options: dict[str, Any],
    cap: int,
    timeout: float | None,
    consume: Consume | None = None,
) -> Any:
    """Evaluate in a worker thread and wait at most ``timeout`` seconds for it
    (no limit when None).

    ``consume`` turns pyoxigraph's answer into the outcome, in the worker; by
    default the answer is collected into a QueryResult of at most ``cap + 1`` rows.
    The worker's stack holds the deepest parse the query limits allow
    (:func:`positions.sparql.limits.stack_bytes`): the caller's own may not.
    """
    outcome: dict[str, Any] = {}
    deadline = None if timeout is None else time.monotonic() + timeout

    def work() -> None:
        try:
            outcome["result"] = _evaluate(store, query, text, options, cap, deadline, consume)
        except BaseException as error:  # handed over to the caller's thread
            outcome["error"] = error

    # A daemon thread: if the time runs out, the process may still exit.
    worker = start_on_query_stack(work, "positions-query")
    worker.join(timeout)
    if worker.is_alive() or isinstance(outcome.get("error"), TimeUp):
        raise QueryLimitExceeded(
            f"{query.name} ran past the time limit of {timeout:g} s and was stopped; "
            "narrow it (parameters, LIMIT) or raise the limit with --timeout"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


class TimeUp(Exception):
    """Raised in the worker (between rows, or by a consumer) once the deadline has passed."""


def _evaluate(
    store: ox.Store,
    query: SavedQuery,
    text: str,
    options: dict[str, Any],
    cap: int,
    deadline: float | None,
    consume: Consume | None = None,
) -> Any:
    # pyoxigraph's result iterators belong to the thread that made them: drop them
    # here (finally: del) rather than let an error's traceback carry them to the
    # caller, where dropping one prints "PyQuerySolutions is unsendable". Hence a
    # fresh TimeUp: the one _take raised holds, in its traceback, the frame
    # that holds the iterator.
    answer = None
    try:
        answer = store.query(text, **options)
        if consume is not None:
            return consume(answer, deadline)
        return collect(answer, query.kind, cap, deadline)
    except TimeUp:
        failure = TimeUp()
    except SyntaxError as error:
        failure = syntax_error(error, query.text, query.source)
    except (OSError, RuntimeError) as error:  # e.g. a SERVICE that failed, when allowed
        failure = InputError(Position(query.source), f"the query failed: {error}")
        # A damaged store is told by the cause (base.healing); kept without its
        # frames, which hold the answer pyoxigraph wants dropped on this thread.
        failure.__cause__ = error.with_traceback(None)
    except BaseException as error:  # a bug: its traceback stays, the frames' locals go
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        del answer
    raise failure


def collect(answer: Any, kind: str, cap: int, deadline: float | None) -> QueryResult:
    """A QueryResult of an answer, local or parsed from an endpoint: at most ``cap + 1`` rows."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        kind = "describe" if kind == "describe" else "construct"
        return QueryResult(kind=kind, triples=_take(answer, cap, deadline))
    variables = [v.value for v in answer.variables]
    rows = [
        {name: solution[name] for name in variables} for solution in _take(answer, cap, deadline)
    ]
    return QueryResult(kind="select", variables=variables, rows=rows)


def _take(items: Any, cap: int, deadline: float | None) -> list[Any]:
    """Up to ``cap + 1`` items (one more than the cap tells that there were more)."""
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) > cap:
            break
        if deadline is not None and len(taken) % 1024 == 0 and time.monotonic() > deadline:
            raise TimeUp()
    return taken
