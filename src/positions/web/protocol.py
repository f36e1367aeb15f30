"""HTTP answers of ``positions serve``: the :class:`Response`, content negotiation, and the
read-only SPARQL 1.1 Protocol endpoint.

    response = sparql(method, params, headers, body, run=run_query, graphs=names)
    # None: GET without a query, where the server shows a form or a service description

The endpoint takes a query by GET ``?query=``, POST ``application/sparql-query`` or POST
form-encoded, refuses updates (403), and answers SPARQL JSON, XML (also as
``application/xml``), CSV or TSV (rows) and Turtle, N-Triples, RDF/XML or JSON-LD (graphs)
by ``Accept`` (406 when none fits), or by ``format=`` / ``output=`` (short names as Fuseki
takes them: ``json``, ``xml``, ``csv``, ``tsv``; ``ttl``, ``nt``, ``rdfxml``, ``jsonld``;
or a media type), which wins over ``Accept``.  ``default-graph-uri`` and
``named-graph-uri`` name the query's dataset among the base's graphs; an IRI that is not
one of them is a 400 (the protocol lets a service refuse a dataset it does not hold).

The query is plain SPARQL: a ``#+`` line is a comment and ``?_name`` an ordinary variable.
The decorators and parameters of saved queries belong to ``/queries/<name>`` and
``positions query`` alone (a client such as grlc fills them in before it sends a query
here).  Errors of the engine keep the words of ``positions query``: refusals are 403,
syntax errors 400, the time limit and row cap 503.
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
    "application/rdf+xml": ("rdfxml", "application/rdf+xml"),
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
    "application/xml",
)
# /sparql's graph answers: GRAPH_TYPES, and application/xml as RDF/XML (what clients that
# ask for "XML" of a CONSTRUCT mean).
SPARQL_GRAPH_TYPES = (*GRAPH_TYPES, "application/xml")
# format= and output= words, as Fuseki takes them: rows, then graphs.
RESULT_WORDS = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_WORDS = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "rdf/xml": "application/rdf+xml",
    "json": "application/ld+json",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
}


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
    if fmt == "rdfxml":  # no command prints RDF/XML; pyoxigraph writes it
        import pyoxigraph as ox

        body = ox.serialize(result.triples, format=ox.RdfFormat.RDF_XML) or b""
        return Response(200, content_type, body, dict(headers or {}))
    text = render(result, OutputFormat(fmt))
    return Response(200, content_type, text.encode("utf-8"), dict(headers or {}))


# --- The SPARQL 1.1 Protocol endpoint -----------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names (``default-graph-uri``, ``named-graph-uri``)."""

    default: tuple[str, ...]
    named: tuple[str, ...]


Run = Callable[["SavedQuery", "Dataset | None"], "QueryResult"]


def sparql(
    method: str,
    params: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
    *,
    run: Run,
    graphs: Callable[[], set[str]] = set,
) -> Response | None:
    """Answer one request to the endpoint; None for a GET without a query (the server
    then shows a form or the service description).  ``graphs``: the base's graph IRIs,
    the only ones a request's dataset may name."""
    try:
        fields, text = _query_text(method, params, headers, body)
        if text is None:
            return None
        dataset = _dataset(fields, graphs)
        wanted = _format_word(fields)
    except _ProtocolError as problem:
        return text_response(problem.status, problem.message)
    response = _answer(text, wanted or headers.get("accept"), run, dataset)
    response.headers["Vary"] = "Accept"
    return response


def _query_text(
    method: str, params: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> tuple[dict[str, list[str]], str | None]:
    if method not in ("GET", "HEAD", "POST"):
        raise _ProtocolError(405, f"{method} is not allowed; the endpoint only reads")
    fields = params
    if method == "POST":
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise _ProtocolError(403, "updates are refused: this endpoint is read-only")
        if media == "application/sparql-query":
            return params, _decode(body)
        if media != "application/x-www-form-urlencoded":
            raise _ProtocolError(
                415,
                "POST a query as application/sparql-query or "
                "application/x-www-form-urlencoded (query=...)",
            )
        fields = {**params, **parse_qs(_decode(body), keep_blank_values=True)}
    if "update" in fields:
        raise _ProtocolError(403, "updates are refused: this endpoint is read-only")
    queries = fields.get("query", [])
    if len(queries) > 1:
        raise _ProtocolError(400, "give one query parameter, not several")
    if not queries:
        if method in ("GET", "HEAD") and not set(fields) - _FORMAT_KEYS:
            return fields, None  # a person, or a client asking what the service is
        raise _ProtocolError(400, "no query: pass ?query=... (SPARQL 1.1 Protocol)")
    if not queries[0].strip():
        raise _ProtocolError(400, "the query is empty")
    return fields, queries[0]


_FORMAT_KEYS = {"format", "output"}


def _dataset(fields: dict[str, list[str]], graphs: Callable[[], set[str]]) -> Dataset | None:
    """The dataset named by ``default-graph-uri`` and ``named-graph-uri``; None if neither."""
    default = tuple(fields.get("default-graph-uri", []))
    named = tuple(fields.get("named-graph-uri", []))
    if not default and not named:
        return None
    known = graphs()
    for key, iris in (("default-graph-uri", default), ("named-graph-uri", named)):
        for iri in iris:
            if iri not in known:
                raise _ProtocolError(
                    400,
                    f"{key} {iri} is not a graph of this base; its graphs are listed in "
                    "the service description (GET /sparql with Accept: text/turtle)",
                )
    return Dataset(default, named)


def _format_word(fields: dict[str, list[str]]) -> str | None:
    """``format=`` or ``output=`` as an Accept header of its own; None when not given."""
    words = [w.strip() for key in ("format", "output") for w in fields.get(key, []) if w.strip()]
    if not words:
        return None
    word = words[0]
    if "/" in word and word.lower() not in GRAPH_WORDS:  # a media type
        return word
    lower = word.lower()
    if lower not in RESULT_WORDS and lower not in GRAPH_WORDS:
        known = ", ".join(sorted({*RESULT_WORDS, *GRAPH_WORDS}))
        raise _ProtocolError(400, f"format={word} is not a format of this endpoint ({known})")
    return "format=" + lower


def _answer(text: str, accept: str | None, run: Run, dataset: Dataset | None) -> Response:
    from positions.sparql.lexer import scan_query
    from positions.sparql.saved import SavedQuery

    try:
        # Plain SPARQL: no decorators read, no parameters (see the module's docstring).
        query = SavedQuery(name="the query", text=text, info=scan_query(text))
        result = run(query, dataset)
    except PositionsError as error:
        return text_response(status_of(error), endpoint_message(error))
    if result.kind in ("construct", "describe"):
        media = _choose(accept, SPARQL_GRAPH_TYPES, GRAPH_WORDS)
        if media is None:
            return text_response(406, "a graph is available as " + ", ".join(GRAPH_TYPES))
        if media == "application/xml":
            media = "application/rdf+xml"
        return graph_response(result, media)
    media = _choose(accept, RESULT_TYPES, RESULT_WORDS)
    if media is None:
        return text_response(406, "results are available as " + ", ".join(RESULT_TYPES))
    return Response(200, _content_type(media), results_document(result, media))


def _choose(accept: str | None, offers: tuple[str, ...], words: dict[str, str]) -> str | None:
    """The offer an Accept header (or a ``format=`` word, see :func:`_format_word`) picks."""
    if accept and accept.startswith("format="):
        return words.get(accept.removeprefix("format="))
    return negotiate(accept, list(offers))


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
    if media in ("application/sparql-results+xml", "application/xml"):
        return results_xml(result).encode("utf-8")
    if result.kind == "ask":  # CSV and TSV have no boolean form; one cell says it
        return ("_askResult\r\n" + ("true" if result.boolean else "false") + "\r\n").encode()
    fmt = OutputFormat.csv if media == "text/csv" else OutputFormat.tsv
    return render(result, fmt).encode("utf-8")
