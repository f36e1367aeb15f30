"""``positions serve``'s HTTP server and routing: which request gets which answer.

The server shows the report's views as pages, a page per node, the saved queries as
forms, and a read-only SPARQL 1.1 Protocol endpoint.  The pages' HTML is built by
:mod:`positions.web.pages`; the endpoint and content negotiation are
:mod:`positions.web.protocol`.

    site = Site(KnowledgeBase.open(None))
    server = make_server(site, "127.0.0.1", 8080)   # a BoundedServer
    server.serve_forever()

Routes:

* ``/`` the whole report; ``/matrix``, ``/timeline``, ``/sources``, ``/gaps`` one view each;
* ``/browse`` every named node by kind (``entity-index``);
* ``/id/<local>`` the page of ``https://w3id.org/positions/id/<local>``: what it is
  (``node-description``) and every statement about it (``node-statements``).  The
  same URL answers Turtle, JSON-LD or N-Triples by content negotiation (``Accept``),
  or by ``?format=ttl|jsonld|nt``, so the base's IRIs can be dereferenced once
  w3id.org redirects to this server;
* ``/search?q=`` the nodes whose words match (:mod:`positions.base.search`);
* ``/statements`` and ``/demands`` the faceted lists (:mod:`positions.web.facetpages`);
* ``/queries`` and ``/queries/<name>`` the saved queries, each a form of its parameters,
  its rows paged, sortable and downloadable (``&format=csv|json``);
* ``/sparql`` the SPARQL 1.1 Protocol endpoint (GET ``?query=``, POST
  ``application/sparql-query`` or form-encoded, ``default-graph-uri`` and
  ``named-graph-uri``), answering SPARQL JSON, XML, CSV or TSV (rows) and Turtle,
  N-Triples, RDF/XML or JSON-LD (graphs) by ``Accept`` or ``format=``
  (:mod:`positions.web.protocol`); without a query, a form for a browser and the
  service description (:mod:`positions.web.service`) for any other client.  Its
  queries are plain SPARQL: saved-query decorators and ``?_name`` parameters are
  read on ``/queries/<name>`` only.

Queries go through the engine of ``positions query``: the same inspection refuses
updates, SERVICE, FROM outside the base and LOAD (403), a text too large or deep
for the parser and syntax errors are 400, and the same time limit and row cap apply
(503).  There is no update endpoint at all.  The queries of ``/sparql`` and
``/queries/<name>`` each run in a process of their own (:mod:`positions.web.worker`),
killed at the time limit and capped in memory (503 too): pyoxigraph cannot cancel a
query, and a runaway one must not take the server's memory or CPU.

The server reads, never writes.  A base whose store is on disk is read as it is at each
request (a committed ``positions add`` is seen by the next one), and the server holds no
lock between requests; a base in memory is loaded once, at start.
"""

from __future__ import annotations

import functools
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pyoxigraph as ox

from positions.base.search import SearchIndex
from positions.errors import PositionsError
from positions.output import html_report as report
from positions.output.html import e
from positions.rdf.namespaces import DATA, VOCAB_BASE, compact
from positions.sparql.engine import run
from positions.sparql.facets import FACETS
from positions.sparql.limits import MEMORY_PER_QUERY_MIB, SAVED_TIMEOUT
from positions.web import facetpages, naming, pages, protocol
from positions.web.bounded import BoundedServer, DeadlineReader
from positions.web.guard import (
    Refused,
    Safety,
    body_length,
    check_headers,
    check_target,
    merge_headers,
)
from positions.web.nodes import Lookups, node_page
from positions.web.protocol import (
    FORMAT_WORDS,
    GRAPH_TYPES,
    HTML,
    TEXT,
    Response,
    graph_response,
    negotiate,
    status_of,
    text_response,
)
from positions.web.results import Paging, download, downloads, pager, result_table

if TYPE_CHECKING:
    from positions.base.local import LocalBase
    from positions.sparql.engine import QueryResult
    from positions.sparql.saved import SavedQuery
    from positions.web.protocol import Dataset

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_TIMEOUT = SAVED_TIMEOUT  # seconds, as `positions query` gives a saved query
DEFAULT_MAX_ROWS = 10_000  # rows (or triples) one SPARQL request may return
DEFAULT_MAX_MEMORY = MEMORY_PER_QUERY_MIB  # MiB one query may take beyond the server's own


def _per_request(method: Callable[..., Response]) -> Callable[..., Response]:
    """A :class:`Site` method run with the base's store held for it (Site._reading)."""

    @functools.wraps(method)
    def answer(site: Site, *args: Any, **kwargs: Any) -> Response:
        with site._reading():
            return method(site, *args, **kwargs)

    return answer


class Site:
    """Everything the server answers, independent of the HTTP plumbing (and so testable)."""

    def __init__(
        self,
        kb: LocalBase,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_memory: int = DEFAULT_MAX_MEMORY,
    ) -> None:
        self.kb = kb
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_memory = max_memory
        self._data: report.ReportData | None = None
        self._derived: dict[str, Any] = {}  # other rows derived from the base, per version
        self._lock = threading.Lock()
        self._version: object = None
        self.search_index = SearchIndex(kb)
        with self._reading():  # loaded (or built) once at start, before threads share it
            pass

    # -- the base's store

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """The base's store for one request (LocalBase.reading): a store on disk is
        opened, checked against the files, for the requests under way and let go
        when none is, so that no lock is held while idle and ``positions add``
        never waits on the server; what was derived from the base is dropped when
        the base changed.  The store stays open between requests and is checked
        again for each (0.3 to 1 ms on the bundled base; docs/report.md)."""
        with self.kb.reading() as version:
            with self._lock:
                if version != self._version:
                    self._data, self._version = None, version
                    self._derived = {}
            yield

    # -- helpers

    @property
    def data(self) -> report.ReportData:
        with self._lock:  # the report's queries run once, on first use
            if self._data is None:
                self._data = report.collect(self.kb)
            return self._data

    def derived(self, key: str, make: Callable[[], Any]) -> Any:
        """Rows derived from the base, made once per version of it (as :attr:`data`)."""
        with self._lock:
            derived = self._derived
        if key not in derived:
            derived[key] = make()
        return derived[key]

    def rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """The rows of a saved query the pages need, run once per version of the base."""
        key = query + repr(sorted(params.items()))
        return self.derived(key, lambda: run(self.kb, query, params).to_dicts())

    def lookups(self) -> Lookups:
        """Labels to nodes for the columns saved queries give as labels (sources, stances)."""
        return Lookups(
            sources={
                r["entityLabel"]: r["entity"] for r in self.rows("entity-index", kind="pos:Source")
            },
            stances={r["stanceLabel"]: r["stance"] for r in self.rows("stance-codes")},
            roles=self.rows("people-and-roles"),
        )

    @staticmethod
    def link(iri: str) -> str | None:
        """The page of a node of the base, or for a stance or topic the list of its
        statements; other IRIs are not served here."""
        if iri.startswith(DATA) and len(iri) > len(DATA):
            return "/id/" + quote(iri[len(DATA) :], safe="-._~")
        for facet in ("stance", "topic"):
            if iri.startswith(f"{VOCAB_BASE}{facet}/"):
                return f"/statements?{urlencode({facet: compact(iri)})}"
        return None

    def page(self, title: str, body: str, current: str = "", query: str = "") -> Response:
        text = pages.document(title, body, current, query)
        return Response(200, HTML, text.encode("utf-8"))

    def error_page(self, status: int, message: str, choices: str = "") -> Response:
        body = pages.error_body(status, message) + (f"<ul>{choices}</ul>" if choices else "")
        response = self.page(HTTPStatus(status).phrase, body)
        response.status = status
        return response

    # -- dispatch

    @_per_request
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
            "/search": lambda: self.search(params),
        }
        if path in views:
            return views[path]()
        if path.lstrip("/") in report.SECTIONS:
            return self.section(path.lstrip("/"))
        if path.lstrip("/") in FACETS:
            return self.facet_list(path.lstrip("/"), params)
        if path.startswith("/id/") and len(path) > 4:
            return self.node(path[4:], params, headers)
        if path.startswith("/queries/"):
            return self.saved_query(path[len("/queries/") :], params)
        return self.error_page(404, f"nothing at {path}")

    # -- report views

    def home(self) -> Response:
        headline = self.rows(pages.HEADLINE_QUERY)
        return self.page(
            "Negotiation positions", pages.home_body(self.data, self.link, headline), "/"
        )

    def section(self, key: str) -> Response:
        title, _ = report.SECTIONS[key]
        return self.page(title, pages.section_body(key, self.data, self.link), f"/{key}")

    def browse(self) -> Response:
        kinds = ("Party", "Person", "Demand", "Proposal", "Document", "Meeting")
        kinds += ("MediaAppearance", "Source", "Outlet")
        rows = [r for kind in kinds for r in self.rows("entity-index", kind=f"pos:{kind}")]
        # Statements are the many (100,000 on a large base): the first thousand, then
        # the faceted list says the rest.
        statements = self.derived(
            "browse-statements",
            lambda: run(self.kb, "entity-index", {"kind": "pos:Statement"}, row_limit=1000),
        )
        body = pages.browse_body(rows + statements.to_dicts(), self.link)
        if statements.truncated:
            body += '<p>The first 1,000 statements only: <a href="/statements">all of them</a>.</p>'

        return self.page("Browse", body, "/browse")

    # -- search

    def warm_search(self) -> threading.Thread:
        """Bring the search index in step, and count the unfiltered lists' facets, in the
        background (``positions serve`` calls this at start: at 100,000 statements the
        index takes about 30 s and the counts about 38 s, which the first visitor would
        otherwise wait for)."""

        def build() -> None:
            try:
                with self._reading():
                    self.search_index.refresh()
                for name in FACETS:
                    with self._reading():
                        self.facet_list(name, {})
            except (PositionsError, OSError, RuntimeError):
                pass  # the first visitor's request does it again, and shows what went wrong

        thread = threading.Thread(target=build, name="search-index", daemon=True)
        thread.start()
        return thread

    def search(self, params: dict[str, list[str]]) -> Response:
        """``/search?q=WORDS``: the matching nodes, best first (``&format=json``: as JSON)."""
        text = (params.get("q") or [""])[0].strip()[:200]
        kind = (params.get("kind") or [""])[0]
        hits = self.search_index.search(text, limit=200, kinds=[kind] if kind else [])
        if (params.get("format") or [""])[0] == "json":
            rows = [{**vars(h), "page": self.link(h.iri)} for h in hits]
            body = json.dumps({"q": text, "hits": rows}, ensure_ascii=False, indent=1)
            return Response(200, "application/json", body.encode("utf-8"))
        total = (
            len(hits)
            if len(hits) < 200
            else self.search_index.count(text, kinds=[kind] if kind else [])
        )
        body = pages.search_body(text, kind, hits, total, self.link)
        return self.page(f"Search: {text}" if text else "Search", body, "/search", text)

    # -- faceted lists

    def facet_list(self, list_name: str, params: dict[str, list[str]]) -> Response:
        """``/statements`` and ``/demands`` (:func:`positions.web.facetpages.answer`)."""
        return facetpages.answer(self, list_name, params)

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
        description = run(self.kb, "node-description", {"node": subject})
        if wanted != "text/html":
            return graph_response(description, wanted, {"Vary": "Accept"})
        statements = run(self.kb, "node-statements", {"node": subject})
        html_text = node_page(
            iri, description, statements, self.kb.store, self.link, self.lookups()
        )
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

    # -- saved queries

    def queries(self) -> Response:
        return self.page("Saved queries", pages.queries_body(self.kb.catalogue.all()), "/queries")

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
        unresolved = self._resolve_names(query, given)
        if unresolved:
            status, results, ran = 400, unresolved, False
        fmt = (params.get("format") or [""])[0]
        if ran:
            try:
                result = self._run(query, given)
                if fmt in ("csv", "json") and result.kind == "select":
                    return download(result, name, fmt)
                href = f"/queries/{quote(name)}"
                if result.kind != "select":
                    results = pages.result_html(result, self.kb.store, self.link)
                else:
                    paging = Paging.of(params)
                    shown = {**given, "run": "1"}
                    results = (
                        downloads(href, shown, "the rows")
                        + result_table(result, self.kb.store, self.link, paging)
                        + pager(len(result.rows), paging, href, shown)
                    )
            except PositionsError as error:
                status, results = status_of(error), f'<p class="error">{e(error)}</p>'
        body = pages.query_page(query, given, self._choices(), results)
        response = self.page(name, body, "/queries")
        response.status = status
        return response

    def _resolve_names(self, query: SavedQuery, given: dict[str, str]) -> str:
        """Names typed for IRI parameters replaced by their nodes (:mod:`naming`)."""
        return naming.resolve_form(query, given, self.named)

    def named(self, text: str) -> list[tuple[str, str]]:
        """The nodes (IRI, label) a typed name stands for (:func:`naming.named`)."""
        return naming.named(text, self.search_index)

    def _run(
        self, query: SavedQuery | str, params: dict[str, Any], dataset: Dataset | None = None
    ) -> QueryResult:
        """A query a visitor asked for: in a worker process, under every limit."""
        from positions.web.worker import run_query

        limits = {"timeout": self.timeout, "max_rows": self.max_rows}
        return run_query(
            self.kb, query, params, **limits, max_memory=self.max_memory, dataset=dataset
        )

    def _choices(self) -> list[tuple[str, str]]:
        """(kb:local, label) for the IRI parameters' suggestion list: parties and people
        (anything else is found by typing its name, :meth:`named`)."""
        return [
            (compact(r["entity"]), r["entityLabel"])
            for kind in ("pos:Party", "pos:Person")
            for r in self.rows("entity-index", kind=kind)
        ]

    # -- SPARQL protocol

    def sparql(
        self, method: str, params: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Response:
        response = protocol.sparql(
            method,
            params,
            headers,
            body,
            run=lambda query, dataset: self._run(query, {}, dataset),
            graphs=self.graph_iris,
        )
        if response is None:
            return self.service_description(params, headers)
        return response

    def graph_iris(self) -> set[str]:
        """The base's named graphs: those a request's dataset may name."""
        named = {graph.value for graph in self.kb.graph_names()}
        return named | {g.value for g in self.kb.store.named_graphs() if hasattr(g, "value")}

    def service_description(
        self, params: dict[str, list[str]], headers: dict[str, str]
    ) -> Response:
        """GET /sparql without a query: the form for a browser, else the SPARQL 1.1
        Service Description (Turtle unless the client asks for another RDF format)."""
        from positions.web.service import DESCRIPTION_TYPES, description, service_response

        word = (params.get("format") or params.get("output") or [""])[0].lower()
        offers = ["text/turtle", "text/html", *DESCRIPTION_TYPES]
        wanted = FORMAT_WORDS.get(word) if word else negotiate(headers.get("accept"), offers)
        if wanted == "text/html":
            response = self.page("SPARQL", pages.sparql_form(), "/sparql")
            response.headers["Vary"] = "Accept"
            return response
        if wanted not in DESCRIPTION_TYPES:
            return text_response(
                406, "the service description is available as " + ", ".join(offers)
            )
        host = headers.get("host") or f"{DEFAULT_HOST}:{DEFAULT_PORT}"
        try:  # the Host the guard let through; an IRI only if it is a plain host name
            triples = description(f"http://{host}/sparql", self.graph_iris())
        except ValueError:
            return text_response(400, f"the Host header {host!r} cannot name this endpoint")
        return service_response(triples, wanted)


def _label(store: ox.Store, iri: str) -> str | None:
    from positions.output.render import labels_for

    return labels_for(store, [ox.NamedNode(iri)]).get(iri)


# --- HTTP plumbing -----------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Checks each request (:mod:`positions.web.guard`), hands it to the :class:`Site` and
    writes its :class:`Response`; malformed requests get one line of text, never a traceback."""

    site: Site  # set on the subclass that make_server builds
    server: BoundedServer
    server_version = "positions"
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so an unreadable request line gets a status line

    def setup(self) -> None:
        super().setup()
        self.reader = DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self.reader)

    def handle_one_request(self) -> None:
        self.reader.deadline = time.monotonic() + self.server.safety.request_timeout
        super().handle_one_request()

    def _serve(self, method: str) -> None:
        guard = self.server.guard
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            check_target(self.path, method)
            check_headers(self.headers)
            guard.check_host(self.headers.get("Host"))
            guard.check_origin(headers)
            length = body_length(
                self.headers.get_all("Content-Length") or [], self.server.safety.max_body
            )
        except Refused as refusal:
            self.close_connection = True  # the body, if any, is not read
            self._send(text_response(refusal.status, refusal.message), method)
            return
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return
        if method == "OPTIONS":
            response = Response(204, TEXT, b"", guard.preflight_headers(headers))
        else:
            response = self._answer(method, headers, body)
            merge_headers(response.headers, guard.cors_headers(headers))
        self._send(response, method)

    def _answer(self, method: str, headers: dict[str, str], body: bytes) -> Response:
        try:
            return self.site.handle(method, self.path, headers, body)
        except Exception as error:  # a bug: say so, keep serving
            self.log_error("internal error on %s: %r", self.path, error)
            return text_response(500, "internal error; see the server log")

    def _send(self, response: Response, method: str) -> None:
        self.connection.settimeout(self.server.safety.request_timeout)  # a slow reader
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in response.headers.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's refusals (bad request line, header too long, unknown
        method) as one line of text."""
        self.close_connection = True
        words = message or HTTPStatus(code).phrase
        self._send(text_response(code, f"{HTTPStatus(code).phrase}: {words}"), "GET")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)


def make_server(
    site: Site,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    quiet: bool = False,
    safety: Safety | None = None,
) -> BoundedServer:
    """An HTTP server for ``site`` (port 0: one the system picks), with the limits and the
    Host, Origin and CORS rules of ``safety`` (:mod:`positions.web.guard`)."""
    safety = safety or Safety()
    handler = type("SiteHandler", (Handler,), {"site": site})
    return BoundedServer((host, port), handler, safety=safety, quiet=quiet)
