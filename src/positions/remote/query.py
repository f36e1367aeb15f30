"""Run a query of the base on a SPARQL 1.1 Protocol endpoint; the same result as locally.

    result = run_remote(kb, "statements", {"party": "kb:russia"},
                        endpoint="http://127.0.0.1:7878/query")

The query is resolved, inspected and its parameters typed by
:func:`positions.sparql.engine.prepare`, so the same queries and values are
refused as by a local run; the answer goes through the same
:func:`positions.sparql.engine.finish_result`.  What differs is the binding: an
endpoint has no substitutions, so the values travel as a ``VALUES`` block
(:mod:`positions.remote.values`), and the base's prefixes are declared in the
text sent.  Requests go through :func:`positions.remote.http.request`.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.remote.http import (
    DEFAULT_TIMEOUT,
    NO_CREDENTIALS,
    Credentials,
    RemoteError,
    Response,
    check_url,
    request,
    shown,
)
from positions.remote.values import check_remote_parameters, inject_values

if TYPE_CHECKING:
    from positions.base.local import LocalBase
    from positions.sparql.engine import Prepared, QueryResult
    from positions.sparql.saved import SavedQuery

SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"


def run_remote(
    kb: LocalBase,
    name_or_text: str | SavedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    endpoint: str,
    credentials: Credentials = NO_CREDENTIALS,
    allow_network: bool = False,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = None,
) -> QueryResult:
    """Run a query of ``kb`` on a SPARQL 1.1 Protocol endpoint; the same result as locally.

    The query is inspected and its parameters typed exactly as by
    :func:`positions.sparql.engine.run`, so the same queries and values are refused.
    """
    from positions.sparql.engine import DEFAULT_MAX_ROWS, finish_result

    check_url(endpoint, credentials=credentials)
    prepared = prepare_remote(kb, name_or_text, params, allow_network=allow_network)
    query = prepared.query
    cap = row_limit if row_limit is not None else (max_rows or DEFAULT_MAX_ROWS)
    seconds = timeout if timeout is not None else DEFAULT_TIMEOUT
    kind = query.kind
    accept = GRAPH_ACCEPT if kind in ("construct", "describe") else SELECT_ACCEPT
    answer = post_query(
        endpoint, prepared.text, accept=accept, credentials=credentials, timeout=seconds
    )
    result = _result(parse_answer(answer, kind, endpoint), kind, cap)
    return finish_result(result, query, prepared.projected, cap, row_limit, prepared.prefixes)


def prepare_remote(
    kb: LocalBase,
    name_or_text: str | SavedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    allow_network: bool = False,
) -> Prepared:
    """:func:`positions.sparql.engine.prepare`, with the text to send to an endpoint.

    The text is the query with ``BOUND`` rewritten, its parameters in a VALUES
    block and the base's prefixes declared; the parameters are not added to the
    projection (the ``projected`` columns are kept all the same).
    """
    from positions.rdf.namespaces import PREFIXES
    from positions.sparql.engine import prepare
    from positions.sparql.lexer import scan_query
    from positions.sparql.rewrite import rewrite_bound

    prepared = prepare(kb, name_or_text, params, allow_network=allow_network)
    query = prepared.query
    substitutions = prepared.options["substitutions"]
    bound = {variable.value: term for variable, term in substitutions.items()}
    # The text before the local run's projection of the parameters: here they are
    # bound by VALUES, in scope without being projected (`SELECT *` would show them).
    text = rewrite_bound(query.text, list(bound), query.source)
    check_remote_parameters(text, list(bound), query.source)
    if bound:
        text = inject_values(text, bound, query.source)
    declared = scan_query(query.text).prefixes
    missing = {p: ns for p, ns in PREFIXES.items() if p not in declared}
    # The base's prefixes are known to every local query; an endpoint knows none of them.
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in missing.items())
    return dataclasses.replace(prepared, text=header + text)


def post_query(
    endpoint: str,
    text: str,
    *,
    accept: str = SELECT_ACCEPT,
    credentials: Credentials = NO_CREDENTIALS,
    timeout: float = DEFAULT_TIMEOUT,
) -> Response:
    """Send query ``text`` to ``endpoint`` as an HTML form (SPARQL 1.1 Protocol, POST)."""
    return request(
        "POST",
        endpoint,
        body=urllib.parse.urlencode({"query": text}).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        credentials=credentials,
        timeout=timeout,
    )


def _result(answer: Any, kind: str, cap: int) -> QueryResult:
    """The same QueryResult as a local run gives (at most ``cap + 1`` rows or triples)."""
    from positions.sparql.engine import QueryResult, collect

    if isinstance(answer, list):  # triples of a CONSTRUCT or DESCRIBE
        return QueryResult(kind=kind, triples=answer[: cap + 1])
    return collect(answer, kind, cap, None)


def parse_answer(answer: Response, kind: str, endpoint: str) -> Any:
    """Parse the body as query results (SELECT, ASK) or triples (CONSTRUCT, DESCRIBE)."""
    media = answer.content_type.split(";")[0].strip().lower()
    try:
        if kind in ("construct", "describe"):
            rdf_format = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return [q.triple for q in ox.parse(answer.body, format=rdf_format)]
        results_format = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
        return ox.parse_query_results(answer.body, format=results_format)
    except (SyntaxError, ValueError) as error:
        raise RemoteError(
            f"{shown(endpoint)} answered with something that is not a SPARQL result "
            f"({media or 'no content type'}): {str(error)[:200]}"
        ) from None
