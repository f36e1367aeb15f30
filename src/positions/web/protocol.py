"""HTTP answers of ``positions serve``: the :class:`Response`, content negotiation, and the
read-only SPARQL 1.1 Protocol endpoint.

    response = sparql(method, params, headers, body, run=run_query)  # None: show the form

The endpoint takes a query by GET ``?query=``, POST ``application/sparql-query`` or POST
form-encoded, refuses updates (403), and answers SPARQL JSON, XML, CSV or TSV (rows) and
Turtle, N-Triples or JSON-LD (graphs) by ``Accept`` (406 when none fits).  Errors of the
engine keep the words of ``positions query``: refusals are 403, syntax errors 400, the
time limit and row cap 503.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from positions.errors import (
    InputError,
    PositionsError,
    QueryLimitExceeded,
    QueryRefused,
    UsageError,
)

if TYPE_CHECKING:
    from positions.sparql.engine import QueryResult
    from positions.sparql.saved import SavedQuery

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

# Graph formats: media type -> (render format, Content-Type).
GRAPH_TYPES = {
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/ld+json": ("jsonld", "application/ld+json"),
    "application/n-triples": ("ntriples", "application/n-triples"),
}
FORMAT_WORDS = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "html": "text/html",
}
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
)


@dataclass
class Response:
    """One HTTP answer: status, Content-Type, body and any further headers."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def text_response(status: int, message: str) -> Response:
    """A plain-text answer of one message, ending in a newline."""
    return Response(status, TEXT, (message.rstrip("\n") + "\n").encode("utf-8"))


# --- Content negotiation ------------------------------------------------------------


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q values (1 when not given)."""
    ranges = []
    for part in (header or "*/*").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for extra in fields[1:]:
            key, _, value = extra.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (q value, then specificity, then our order); None if none."""
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        kind = offer.split("/")[0]
        for media, q in ranges:
            specificity = (
                2
                if media == offer
                else 1
                if media == f"{kind}/*"
                else (0 if media == "*/*" else -1)
            )
            if specificity < 0 or q <= 0:
                continue
            key = (q, specificity, -index)
            if best is None or key > best:
                best, chosen = key, offer
    return chosen


def graph_response(
    result: QueryResult, media: str, headers: dict[str, str] | None = None
) -> Response:
    """A CONSTRUCT or DESCRIBE result in one of :data:`GRAPH_TYPES`."""
    from positions.output.render import OutputFormat, render

    fmt, content_type = GRAPH_TYPES[media]
    text = render(result, OutputFormat(fmt))
    return Response(200, content_type, text.encode("utf-8"), dict(headers or {}))


# --- The SPARQL 1.1 Protocol endpoint -----------------------------------------------


def sparql(
    method: str,
    params: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
    *,
    run: Callable[[SavedQuery], QueryResult],
) -> Response | None:
    """Answer one request to the endpoint; None when a person opens it without a query."""
    try:
        text = _query_text(method, params, headers, body)
    except _ProtocolError as problem:
        return text_response(problem.status, problem.message)
    if text is None:  # a person opening /sparql in a browser
        return None
    response = _answer(text, headers.get("accept"), run)
    response.headers["Vary"] = "Accept"
    return response


def _query_text(
    method: str, params: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> str | None:
    if method not in ("GET", "HEAD", "POST"):
        raise _ProtocolError(405, f"{method} is not allowed; the endpoint only reads")
    fields = params
    if method == "POST":
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise _ProtocolError(403, "updates are refused: this endpoint is read-only")
        if media == "application/sparql-query":
            return _decode(body)
        if media != "application/x-www-form-urlencoded":
            raise _ProtocolError(
                415,
                "POST a query as application/sparql-query or "
                "application/x-www-form-urlencoded (query=...)",
            )
        fields = {**params, **parse_qs(_decode(body), keep_blank_values=True)}
    if "update" in fields:
        raise _ProtocolError(403, "updates are refused: this endpoint is read-only")
    if fields.get("default-graph-uri") or fields.get("named-graph-uri"):
        raise _ProtocolError(
            400,
            "default-graph-uri and named-graph-uri are not supported: the endpoint "
            "serves the base; name one of its graphs with FROM in the query",
        )
    queries = fields.get("query", [])
    if len(queries) > 1:
        raise _ProtocolError(400, "give one query parameter, not several")
    if not queries:
        if method == "GET" and not params:
            return None
        raise _ProtocolError(400, "no query: pass ?query=... (SPARQL 1.1 Protocol)")
    if not queries[0].strip():
        raise _ProtocolError(400, "the query is empty")
    return queries[0]


def _answer(text: str, accept: str | None, run: Callable[[SavedQuery], QueryResult]) -> Response:
    from positions.sparql.saved import SavedQuery

    try:
        query = SavedQuery.from_text(text, name="the query")
        result = run(query)
    except PositionsError as error:
        return text_response(status_of(error), endpoint_message(error))
    if result.kind in ("construct", "describe"):
        media = negotiate(accept, list(GRAPH_TYPES))
        if media is None:
            return text_response(406, "a graph is available as " + ", ".join(GRAPH_TYPES))
        return graph_response(result, media)
    media = negotiate(accept, list(RESULT_TYPES))
    if media is None:
        return text_response(406, "results are available as " + ", ".join(RESULT_TYPES))
    return Response(200, _content_type(media), results_document(result, media))


class _ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _ProtocolError(400, "the request body is not UTF-8") from None


def endpoint_message(error: PositionsError) -> str:
    """The error as ``positions query`` words it, less the CLI's --allow-network advice."""
    from positions.sparql.policy import NETWORK_HINT

    message = str(error).replace(f" To run it anyway, {NETWORK_HINT}.", "")
    if message != str(error):
        message += " This endpoint never calls out."
    return message


def status_of(error: PositionsError) -> int:
    """The HTTP status of a failed query: 403 refused, 503 over a limit, else 400."""
    if isinstance(error, QueryRefused):
        return 403
    if isinstance(error, QueryLimitExceeded):
        return 503
    if isinstance(error, InputError | UsageError):
        return 400
    return 400


def _content_type(media: str) -> str:
    if media.startswith("text/"):
        return media + "; charset=utf-8"
    return media


def results_document(result: QueryResult, media: str) -> bytes:
    """SELECT or ASK results in one of :data:`RESULT_TYPES`."""
    from positions.output.render import OutputFormat, render
    from positions.output.xml_results import results_xml

    if media in ("application/sparql-results+json", "application/json"):
        return render(result, OutputFormat.json).encode("utf-8")
    if media == "application/sparql-results+xml":
        return results_xml(result).encode("utf-8")
    if result.kind == "ask":  # CSV and TSV have no boolean form; one cell says it
        return ("_askResult\r\n" + ("true" if result.boolean else "false") + "\r\n").encode()
    fmt = OutputFormat.csv if media == "text/csv" else OutputFormat.tsv
    return render(result, fmt).encode("utf-8")
