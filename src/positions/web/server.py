"""``positions serve``: the report's views as pages, a page per node, the saved queries
as forms, and a read-only SPARQL 1.1 Protocol endpoint.

    site = Site(KnowledgeBase.open(None))
    server = make_server(site, "127.0.0.1", 8080)   # a ThreadingHTTPServer
    server.serve_forever()

Routes:

* ``/`` the whole report; ``/matrix``, ``/timeline``, ``/sources``, ``/gaps`` one view each;
* ``/browse`` every named node by kind (``entity-index``);
* ``/id/<local>`` the page of ``https://w3id.org/positions/id/<local>``: what it is
  (``node-description``) and every statement about it (``node-statements``).  The
  same URL answers Turtle, JSON-LD or N-Triples by content negotiation (``Accept``),
  or by ``?format=ttl|jsonld|nt``, so the base's IRIs can be dereferenced once
  w3id.org redirects to this server;
* ``/queries`` and ``/queries/<name>`` the saved queries, each a form of its parameters;
* ``/sparql`` the SPARQL 1.1 Protocol endpoint (GET ``?query=``, POST
  ``application/sparql-query`` or form-encoded), answering SPARQL JSON, XML, CSV or
  TSV (rows) and Turtle, N-Triples or JSON-LD (graphs) by ``Accept``.

Queries go through :func:`positions.sparql.engine.run`, the engine of ``positions query``:
the same inspection refuses updates, SERVICE, FROM outside the base and LOAD
(403), syntax errors are 400, and the same time limit and row cap apply (503).
There is no update endpoint at all.  pyoxigraph cannot cancel a query: when the
time is up the server stops waiting and answers 503, while the worker thread
runs to its end in the background (it is a daemon thread and holds no lock).

Every page is built from the base as loaded at start: the server reads, never writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from positions.errors import (
    InputError,
    PositionsError,
    QueryLimitExceeded,
    QueryRefused,
    UsageError,
)
from positions.output import html_report as report
from positions.output.html_report import e
from positions.rdf.namespaces import DATA, PREFIXES, compact

if TYPE_CHECKING:
    from positions.base.kb import KnowledgeBase
    from positions.sparql.engine import QueryResult
    from positions.sparql.saved import Parameter, SavedQuery

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_TIMEOUT = 30.0  # seconds, as `positions query`
DEFAULT_MAX_ROWS = 10_000  # rows (or triples) one SPARQL request may return
MAX_BODY = 1_000_000  # bytes of a POSTed query

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
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def text_response(status: int, message: str) -> Response:
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


# --- The site ----------------------------------------------------------------------


class Site:
    """Everything the server answers, independent of the HTTP plumbing (and so testable)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        self.kb = kb
        self.timeout = timeout
        self.max_rows = max_rows
        _ = kb.store  # load once, before threads share it
        self._data: report.ReportData | None = None
        self._lock = threading.Lock()

    # -- helpers

    @property
    def data(self) -> report.ReportData:
        with self._lock:  # the report's queries run once, on first use
            if self._data is None:
                self._data = report.collect(self.kb)
            return self._data

    @staticmethod
    def link(iri: str) -> str | None:
        """The page of a node of the base; other IRIs are not served here."""
        if iri.startswith(DATA) and len(iri) > len(DATA):
            return "/id/" + quote(iri[len(DATA) :], safe="-._~")
        return None

    def page(self, title: str, body: str, current: str = "") -> Response:
        return Response(200, HTML, report.page(title, body, nav=nav(current)).encode("utf-8"))

    def error_page(self, status: int, message: str) -> Response:
        body = f'<h1>{e(HTTPStatus(status).phrase)}</h1>\n<p class="error">{e(message)}</p>'
        response = self.page(HTTPStatus(status).phrase, body)
        response.status = status
        return response

    # -- dispatch

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        """Answer one request; ``headers`` keys are lower-case."""
        parts = urlsplit(target)
        path = unquote(parts.path)
        params = parse_qs(parts.query, keep_blank_values=True)
        if path == "/sparql":
            return self.sparql(method, params, headers, body)
        if method not in ("GET", "HEAD"):
            return text_response(405, f"{method} is not allowed here; this server only reads")
        try:
            return self.route(path, params, headers)
        except PositionsError as error:
            return self.error_page(400, str(error))

    def route(self, path: str, params: dict[str, list[str]], headers: dict[str, str]) -> Response:
        views: dict[str, Callable[[], Response]] = {
            "/": self.home,
            "/browse": self.browse,
            "/queries": self.queries,
        }
        if path in views:
            return views[path]()
        if path.lstrip("/") in report.SECTIONS:
            return self.section(path.lstrip("/"))
        if path.startswith("/id/") and len(path) > 4:
            return self.node(path[4:], params, headers)
        if path.startswith("/queries/"):
            return self.saved_query(path[len("/queries/") :], params)
        return self.error_page(404, f"nothing at {path}")

    # -- report views

    def home(self) -> Response:
        body = [
            "<h1>Negotiation positions</h1>\n<p>The report's views, drawn from saved queries; "
            'every name links to its page. See also <a href="/browse">every node by kind</a>, '
            '<a href="/queries">the saved queries</a> and the <a href="/sparql">SPARQL '
            "endpoint</a>.</p>\n",
            report.legend(self.data),
        ]
        body += [render(self.data, self.link) for _, render in report.SECTIONS.values()]
        return self.page("Negotiation positions", "".join(body), "/")

    def section(self, key: str) -> Response:
        title, render = report.SECTIONS[key]
        return self.page(title, render(self.data, self.link) + report.legend(self.data), f"/{key}")

    def browse(self) -> Response:
        groups: dict[str, list[str]] = {}
        for row in self.kb.query("entity-index").to_dicts():
            item = f"<li>{report.name(row['entityLabel'], row['entity'], self.link)}</li>"
            groups.setdefault(row["kindLabel"], []).append(item)
        sections = "".join(
            f'<section><h2 id="{e(kind.replace(" ", "-"))}">{e(kind.capitalize())} '
            f"({len(items)})</h2><ul>{''.join(items)}</ul></section>\n"
            for kind, items in groups.items()
        )
        return self.page("Browse", "<h1>Every node, by kind</h1>\n" + sections, "/browse")

    # -- node pages

    def node(self, local: str, params: dict[str, list[str]], headers: dict[str, str]) -> Response:
        iri = DATA + local
        try:
            subject = ox.NamedNode(iri)
        except ValueError:
            return self.error_page(404, f"{iri} is not an IRI of this base")
        if not any(True for _ in self.kb.store.quads_for_pattern(subject, None, None, None)):
            return self.error_page(404, f"the base says nothing about {iri}")
        wanted = self._node_format(params, headers)
        if wanted is None:
            return text_response(
                406,
                "available as text/html, text/turtle, application/ld+json, application/n-triples",
            )
        description = self.kb.query("node-description", node=subject)
        if wanted != "text/html":
            return self._graph(description, wanted, {"Vary": "Accept"})
        statements = self.kb.query("node-statements", node=subject)
        html_text = node_page(iri, description, statements, self.kb.store, self.link)
        response = self.page(_label(self.kb.store, iri) or local, html_text)
        response.headers["Vary"] = "Accept"
        response.headers["Link"] = ", ".join(
            f'<?format={word}>; rel="alternate"; type="{media}"'
            for word, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"))
        )
        return response

    @staticmethod
    def _node_format(params: dict[str, list[str]], headers: dict[str, str]) -> str | None:
        word = (params.get("format") or [""])[0].lower()
        if word:
            return FORMAT_WORDS.get(word)
        return negotiate(headers.get("accept"), ["text/html", *GRAPH_TYPES])

    @staticmethod
    def _graph(result: QueryResult, media: str, headers: dict[str, str] | None = None) -> Response:
        from positions.output.render import OutputFormat, render

        fmt, content_type = GRAPH_TYPES[media]
        text = render(result, OutputFormat(fmt))
        return Response(200, content_type, text.encode("utf-8"), dict(headers or {}))

    # -- saved queries

    def queries(self) -> Response:
        rows = []
        for query in self.kb.catalogue.all():
            params = ", ".join(p.name + ("" if p.needs_value else "?") for p in query.parameters)
            rows.append(
                f'<tr><td><a href="/queries/{e(quote(query.name))}">{e(query.name)}</a></td>'
                f"<td>{e(query.summary)}</td><td>{e(params or '–')}</td>"
                f"<td>{e(', '.join(query.tags))}</td></tr>"
            )
        body = (
            '<h1>Saved queries</h1>\n<p class="note">Each query answers one question; open one '
            "to fill in its parameters and run it. The same queries run from the command line "
            "(<code>positions query NAME -p name=value</code>).</p>\n"
            "<table><thead><tr><th>Query</th><th>Question</th><th>Parameters (? optional)</th>"
            "<th>Tags</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
        return self.page("Saved queries", body, "/queries")

    def saved_query(self, name: str, params: dict[str, list[str]]) -> Response:
        if name not in self.kb.catalogue:
            return self.error_page(404, f"no saved query {name!r}")
        query = self.kb.catalogue.get(name)
        given = {
            p.name: params[p.name][0]
            for p in query.parameters
            if params.get(p.name) and params[p.name][0].strip()
        }
        ran = "run" in params or not any(p.needs_value for p in query.parameters)
        status, results = 200, ""
        if ran:
            try:
                result = self._run(query, given)
                results = result_html(result, self.kb.store, self.link)
            except PositionsError as error:
                status, results = _status_of(error), f'<p class="error">{e(error)}</p>'
        body = query_page(query, given, self._choices(), results)
        response = self.page(name, body, "/queries")
        response.status = status
        return response

    def _run(self, query: SavedQuery | str, params: dict[str, Any]) -> QueryResult:
        from positions.sparql.engine import run

        return run(self.kb, query, params, timeout=self.timeout, max_rows=self.max_rows)

    def _choices(self) -> list[tuple[str, str]]:
        """(kb:local, label) for the IRI parameters' suggestion list."""
        return [(compact(r["entity"]), r["entityLabel"]) for r in self.data_index()]

    def data_index(self) -> list[dict[str, Any]]:
        return self.kb.query("entity-index").to_dicts()

    # -- SPARQL protocol

    def sparql(
        self, method: str, params: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Response:
        cors = {"Access-Control-Allow-Origin": "*"}  # read-only: any page may query it
        if method == "OPTIONS":
            return Response(
                204,
                TEXT,
                b"",
                {
                    **cors,
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type, Accept",
                    "Access-Control-Max-Age": "86400",
                },
            )
        try:
            text = self._protocol_query(method, params, headers, body)
        except _ProtocolError as problem:
            response = text_response(problem.status, problem.message)
            response.headers.update(cors)
            return response
        if text is None:  # a person opening /sparql in a browser
            return self.page("SPARQL", sparql_form(), "/sparql")
        response = self._answer(text, headers.get("accept"))
        response.headers.update(cors)
        response.headers["Vary"] = "Accept"
        return response

    def _protocol_query(
        self, method: str, params: dict[str, list[str]], headers: dict[str, str], body: bytes
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

    def _answer(self, text: str, accept: str | None) -> Response:
        from positions.sparql.saved import SavedQuery

        try:
            query = SavedQuery.from_text(text, name="the query")
            result = self._run(query, {})
        except PositionsError as error:
            return text_response(_status_of(error), endpoint_message(error))
        if result.kind in ("construct", "describe"):
            media = negotiate(accept, list(GRAPH_TYPES))
            if media is None:
                return text_response(406, "a graph is available as " + ", ".join(GRAPH_TYPES))
            return self._graph(result, media)
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


def _status_of(error: PositionsError) -> int:
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


def _label(store: ox.Store, iri: str) -> str | None:
    from positions.output.render import labels_for

    return labels_for(store, [ox.NamedNode(iri)]).get(iri)


# --- SPARQL result documents --------------------------------------------------------


def results_document(result: QueryResult, media: str) -> bytes:
    """SELECT or ASK results in one of :data:`RESULT_TYPES`."""
    from positions.output.render import OutputFormat, render

    if media in ("application/sparql-results+json", "application/json"):
        return render(result, OutputFormat.json).encode("utf-8")
    if media == "application/sparql-results+xml":
        return results_xml(result).encode("utf-8")
    if result.kind == "ask":  # CSV and TSV have no boolean form; one cell says it
        return ("_askResult\r\n" + ("true" if result.boolean else "false") + "\r\n").encode()
    fmt = OutputFormat.csv if media == "text/csv" else OutputFormat.tsv
    return render(result, fmt).encode("utf-8")


def results_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format (W3C, 2013)."""
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        out.append(f"<head/><boolean>{'true' if result.boolean else 'false'}</boolean></sparql>")
        return "\n".join(out) + "\n"
    out.append(
        "<head>"
        + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
        + "</head><results>"
    )
    for row in result.rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in row.items()
            if t is not None
        )
        out.append(f"<result>{cells}</result>")
    out.append("</results></sparql>")
    return "\n".join(out) + "\n"


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
    return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"


# --- HTML pieces --------------------------------------------------------------------

NAV = (
    ("/", "Report"),
    ("/matrix", "Matrix"),
    ("/timeline", "Timeline"),
    ("/sources", "Sources"),
    ("/gaps", "Gaps"),
    ("/browse", "Browse"),
    ("/queries", "Queries"),
    ("/sparql", "SPARQL"),
)


def nav(current: str) -> str:
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if href == current else ""}>{e(title)}</a>'
        for href, title in NAV
    )
    return f'<nav class="top">{links}</nav>\n'


def term_html(term: Any, labels: dict[str, str], link: report.Linker) -> str:
    """A term for a page: a label linked to its page, or the literal with its tag or type."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        label = labels.get(term.value)
        short = compact(term.value, PREFIXES)
        # Nodes of the base link to their pages; Wikidata links out (the only outside IRIs
        # the base asserts as identities); vocabulary IRIs stay text.
        href = link(term.value) or (
            term.value if term.value.startswith("http://www.wikidata.org/entity/") else None
        )
        text = (
            e(label) + f' <span class="iri">{e(short)}</span>'
            if label
            else (f'<span class="iri">{e(short)}</span>')
        )
        return f'<a href="{e(href)}">{text}</a>' if href else text
    if isinstance(term, ox.BlankNode):
        return f'<span class="iri">_:{e(term.value)}</span>'
    suffix = ""
    if term.language and term.language != "en":
        suffix = f' <span class="muted">@{e(term.language)}</span>'
    elif not term.language and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        suffix = f' <span class="muted">{e(compact(term.datatype.value, PREFIXES))}</span>'
    return e(term.value) + suffix


def node_page(
    iri: str,
    description: QueryResult,
    statements: QueryResult,
    store: ox.Store,
    link: report.Linker,
) -> str:
    """What a node is (its triples, its evidence), every statement about it, who points to it."""
    from positions.output.render import labels_for

    triples = report_sorted(description.triples)
    terms = [t for tr in triples for t in (tr.subject, tr.predicate, tr.object)]
    labels = labels_for(store, terms)
    node = ox.NamedNode(iri)
    own = [t for t in triples if t.subject == node]
    blanks: dict[ox.BlankNode, list[ox.Triple]] = {}
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            blanks.setdefault(t.subject, []).append(t)
    incoming = [t for t in triples if t.object == node and t.subject != node]
    types = [
        term_html(t.object, labels, link)
        for t in own
        if t.predicate.value.endswith("22-rdf-syntax-ns#type")
    ]
    props = "".join(
        f"<tr><th>{term_html(t.predicate, labels, link)}</th>"
        f"<td>{_object_html(t.object, blanks, labels, link)}</td></tr>"
        for t in own
    )
    label = labels.get(iri) or compact(iri)
    parts = [
        f'<h1>{e(label)}</h1>\n<p><span class="iri">{e(iri)}</span> · '
        f"{' '.join(types) or 'no type'}</p>\n"
        '<p class="noprint">Also as <a href="?format=ttl">Turtle</a>, '
        '<a href="?format=jsonld">JSON-LD</a>, <a href="?format=nt">N-Triples</a>.</p>\n'
        f"<h2>What the base says of it</h2>\n<table><tbody>{props}</tbody></table>\n",
        statements_html(statements, link),
    ]
    stated = {row["statement"] for row in statements.to_dicts()}
    others = [t for t in incoming if t.subject.value not in stated]
    if others:
        rows = "".join(
            f"<tr><td>{term_html(t.subject, labels, link)}</td>"
            f"<td>{term_html(t.predicate, labels, link)}</td></tr>"
            for t in others
        )
        parts.append(
            f"<h2>Referred to by</h2>\n<table><thead><tr><th>Node</th><th>as</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>\n"
        )
    return "".join(parts)


def report_sorted(triples: list[Any]) -> list[Any]:
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _object_html(
    term: Any, blanks: dict[Any, list[Any]], labels: dict[str, str], link: report.Linker
) -> str:
    if isinstance(term, ox.BlankNode) and term in blanks:  # evidence: show it in place
        rows = "".join(
            f"<tr><th>{term_html(t.predicate, labels, link)}</th>"
            f"<td>{term_html(t.object, labels, link)}</td></tr>"
            for t in blanks[term]
        )
        return f'<table class="small"><tbody>{rows}</tbody></table>'
    return term_html(term, labels, link)


def statements_html(statements: QueryResult, link: report.Linker) -> str:
    rows = statements.to_dicts()
    if not rows:
        return '<h2>Statements</h2>\n<p class="muted">No statement is about it.</p>\n'
    body = "".join(
        f"<tr><td>{e(r['date'] or 'not given')}</td><td>{e(r['role'])}</td>"
        f"<td>{report.name(r['statementLabel'], r['statement'], link)}</td>"
        f"<td>{e(r['stanceLabel'])}</td>"
        f"<td>{report.name(r['speakerLabel'], r['speaker'], link)} for "
        f"{report.name(r['partyLabel'], r['party'], link)}</td><td>{e(r['sources'])}</td></tr>"
        for r in rows
    )
    return (
        f"<h2>Statements ({len({r['statement'] for r in rows})})</h2>\n"
        "<table><thead><tr><th>Date</th><th>As</th><th>Statement</th><th>Stance</th>"
        "<th>Who</th><th>Sources</th></tr></thead><tbody>" + body + "</tbody></table>\n"
    )


def result_html(result: QueryResult, store: ox.Store, link: report.Linker) -> str:
    """A query result as a page shows it: a table of rows, true/false, or Turtle."""
    from positions.output.render import OutputFormat, labels_for, render

    if result.kind == "ask":
        return f'<p class="result">Answer: <strong>{"yes" if result.boolean else "no"}</strong></p>'
    if result.kind in ("construct", "describe"):
        return f"<pre>{e(render(result, OutputFormat.turtle))}</pre>"
    labels = labels_for(store, [t for row in result.rows for t in row.values()])
    head = "".join(f"<th>{e(v)}</th>" for v in result.variables)
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{term_html(row.get(v), labels, link)}</td>" for v in result.variables)
        + "</tr>"
        for row in result.rows
    )
    return (
        f'<p class="result-count">{len(result.rows)} rows</p>\n'
        f'<table class="results"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


NO_PARAMETERS = '<p class="muted">No parameters.</p>'


NO_PARAMETERS = '<p class="muted">No parameters.</p>'


def query_page(
    query: SavedQuery, given: dict[str, str], choices: list[tuple[str, str]], results: str
) -> str:
    fields = "".join(_field(p, given.get(p.name, "")) for p in query.parameters)
    options = "".join(f'<option value="{e(v)}">{e(label)}</option>' for v, label in choices)
    call = ["positions", "query", query.name] + [f"-p {k}={v}" for k, v in given.items()]
    return (
        f"<h1>{e(query.name)}</h1>\n<p><strong>{e(query.summary)}</strong></p>\n"
        f"<p>{e(query.description)}</p>\n"
        f'<form class="params" method="get" action="/queries/{e(quote(query.name))}">'
        f"{fields or NO_PARAMETERS}"
        '<input type="hidden" name="run" value="1"><button type="submit">Run</button></form>\n'
        f'<datalist id="nodes">{options}</datalist>\n'
        f'<p class="small muted">Same as <code>{e(" ".join(call))}</code></p>\n'
        f'<section id="results">{results}</section>\n'
        f"<details><summary>SPARQL</summary><pre>{e(query.text)}</pre></details>\n"
    )


_INPUT_TYPES = {"date": "date", "integer": "number", "datetime": "datetime-local"}


def _field(parameter: Parameter, value: str) -> str:
    label = e(parameter.describe())
    field_id = f"p-{e(parameter.name)}"
    if parameter.choices or parameter.kind == "boolean":
        values = [str(c) for c in parameter.choices] or ["true", "false"]
        blank = "" if parameter.needs_value else '<option value="">(any)</option>'
        opts = "".join(
            f'<option{" selected" if v == value else ""} value="{e(v)}">{e(v)}</option>'
            for v in values
        )
        control = f'<select id="{field_id}" name="{e(parameter.name)}">{blank}{opts}</select>'
    else:
        kind = _INPUT_TYPES.get(parameter.kind, "text")
        extra = ' list="nodes" placeholder="kb:russia"' if parameter.kind == "iri" else ""
        required = " required" if parameter.needs_value else ""
        control = (
            f'<input id="{field_id}" type="{kind}" name="{e(parameter.name)}" '
            f'value="{e(value)}"{extra}{required}>'
        )
    return f'<label for="{field_id}">{label}<br>{control}</label>'


def sparql_form() -> str:
    example = (
        "SELECT ?party ?label WHERE {\n"
        "  ?party a/rdfs:subClassOf* pos:Party ; rdfs:label ?label .\n}"
    )
    return (
        "<h1>SPARQL endpoint</h1>\n<p>A read-only SPARQL 1.1 Protocol endpoint over the base "
        "(the union of its graphs). GET <code>/sparql?query=...</code> or POST "
        "<code>application/sparql-query</code> or a form; results as SPARQL JSON, XML, CSV or TSV, "
        "graphs as Turtle, N-Triples or JSON-LD, by <code>Accept</code>. Updates, SERVICE, "
        "FROM outside the base and LOAD are refused; queries stop at the time limit. The "
        "prefixes of the base (pos:, kb:, rdfs:, ...) are predeclared.</p>\n"
        '<form method="get" action="/sparql"><textarea name="query" rows="10" cols="90">'
        f'{e(example)}</textarea><br><button type="submit">Run (SPARQL JSON)</button></form>\n'
    )


# --- HTTP plumbing -----------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Hands each request to the :class:`Site` and writes its :class:`Response`."""

    site: Site  # set on the subclass that make_server builds
    server_version = "positions"
    protocol_version = "HTTP/1.1"

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(text_response(413, f"the request body is over {MAX_BODY:,} bytes"), method)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = self.site.handle(method, self.path, headers, body)
        except Exception as error:  # a bug: say so, keep serving
            self.log_error("internal error on %s: %r", self.path, error)
            response = text_response(500, "internal error; see the server log")
        self._send(response, method)

    def _send(self, response: Response, method: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._serve("OPTIONS")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)


def make_server(
    site: Site, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, quiet: bool = False
) -> ThreadingHTTPServer:
    """A threading HTTP server for ``site`` (port 0: one the system picks)."""
    handler = type("SiteHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.quiet = quiet  # type: ignore[attr-defined]
    return server
