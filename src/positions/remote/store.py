"""A read-only view of a base held by a SPARQL endpoint, looked up as a pyoxigraph Store.

    view = RemoteStore("http://127.0.0.1:7878/query")
    for quad in view.quads_for_pattern(ox.NamedNode(KB + "russia"), None, None):
        ...
    report = validate_remote(kb, ["new.ttl"], endpoint="http://127.0.0.1:7878/query")

:class:`RemoteStore` answers ``quads_for_pattern(subject, predicate, object,
graph_name)`` (the one look-up :mod:`positions.checking.incremental` and the planning of
an addition need) with SPARQL SELECTs sent through :func:`positions.remote.http.request`:
the same URL checks, credentials, timeouts, size caps and error messages as
``positions query --endpoint``.

Blank nodes.  A server's blank node labels hold only inside one result set, so
a blank node cannot be looked up by label in a later request.  The view
therefore never asks about a blank node: when it describes a named node (all
the triples whose subject it is, in every graph), the same query also fetches
the blank nodes under it (evidence, periods) and theirs, to any depth (a second,
deeper query when the first one stops short).  Each server blank node becomes
a local blank node, the same one for every row of that answer; later look-ups
of it (as subject or object) are answered from what was fetched.  A blank node
reached from two named nodes described in two different requests becomes two
local blank nodes (the base never shares one: evidence is written inline).
Blank nodes that a look-up with no subject returns (``(None, p, o)``) get local
labels too, but no description: describe the named node above them instead.

Batching.  Descriptions are cached: a look-up whose subject is a named node
describes it once and is then answered locally, whatever its predicate, object
or graph.  :meth:`RemoteStore.prefetch` describes many nodes, and runs many
``(None, p, o)`` look-ups, in one request per :data:`BATCH` of them (a ``VALUES``
block written by pyoxigraph from RDF terms, never from text), which is what
:class:`positions.checking.incremental.Extract` calls before each step.  The view counts
its requests (``requests``).

Graphs: ``graph_name=None`` matches every graph, the default graph included
(as pyoxigraph does); ``ox.DefaultGraph()`` only the default graph; a
``NamedNode`` that graph.  A server whose default graph is the union of its
named graphs (Oxigraph's ``--union-default-graph``, Fuseki's
``unionDefaultGraph``) returns such triples twice, once per graph; callers
that compare triples (the extract does) see them once.

The view reads what the server holds when asked and caches it: after writing
to the server, call :meth:`RemoteStore.forget`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.errors import UsageError
from positions.remote.http import (
    DEFAULT_TIMEOUT,
    NO_CREDENTIALS,
    Credentials,
    RemoteError,
    check_url,
    request,
    shown,
)
from positions.remote.query import parse_answer, post_query

if TYPE_CHECKING:
    from positions.adding.apply import Outcome
    from positions.base.local import LocalBase
    from positions.checking.report import Report

BATCH = 200  # nodes or patterns in one request (a VALUES block of this many terms)
FIRST_DEPTH = 2  # levels of blank nodes fetched with a node; deeper ones by a second query
MAX_DEPTH = 16  # blank nodes nested deeper than this under one named node are refused

Term = ox.NamedNode | ox.BlankNode | ox.Literal
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
Pattern = tuple[Term | None, ox.NamedNode | None, Term | None, GraphName | None]


@dataclass
class RemoteStore:
    """Pattern look-ups on a SPARQL 1.1 query endpoint (see the module); read-only."""

    endpoint: str
    credentials: Credentials = NO_CREDENTIALS
    timeout: float = DEFAULT_TIMEOUT
    insecure: bool = False
    requests: int = 0  # how many requests the view has sent
    _cache: ox.Store = field(default_factory=ox.Store, repr=False)
    _described: set[ox.NamedNode] = field(default_factory=set, repr=False)
    _blanks: set[ox.BlankNode] = field(default_factory=set, repr=False)  # handed out here
    _patterns: dict[Pattern, list[ox.Quad]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        check_url(self.endpoint, insecure=self.insecure, credentials=self.credentials)

    def __repr__(self) -> str:  # the credentials' own repr is redacted; the URL is shown bare
        return f"RemoteStore({shown(self.endpoint)!r}, requests={self.requests})"

    # -- the look-up ---------------------------------------------------------------------

    def quads_for_pattern(
        self,
        subject: Term | None,
        predicate: ox.NamedNode | None,
        object: Term | None,  # the name pyoxigraph uses
        graph_name: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads of the server that match, as ``ox.Store.quads_for_pattern`` gives them."""
        if isinstance(subject, ox.NamedNode):
            self.describe([subject])
            return self._cache.quads_for_pattern(subject, predicate, object, graph_name)
        if isinstance(subject, ox.BlankNode) or isinstance(object, ox.BlankNode):
            # Only blank nodes handed out by this view exist here; theirs is in the cache.
            known = all(t in self._blanks for t in (subject, object) if isinstance(t, ox.BlankNode))
            if not known:
                return iter(())
            return self._cache.quads_for_pattern(subject, predicate, object, graph_name)
        pattern: Pattern = (None, predicate, object, graph_name)
        if pattern not in self._patterns:
            self._match([pattern])
        return iter(self._patterns[pattern])

    def prefetch(
        self,
        subjects: Iterable[Term] = (),
        patterns: Iterable[Pattern] = (),
    ) -> None:
        """Describe these named nodes and run these subject-less look-ups, in batches.

        Later look-ups of the same nodes and patterns are then answered locally.
        Blank nodes and literals among ``subjects`` are ignored.
        """
        self.describe(s for s in subjects if isinstance(s, ox.NamedNode))
        wanted = [p for p in dict.fromkeys(patterns) if p[0] is None and p not in self._patterns]
        wanted = [p for p in wanted if not _has_blank(p)]
        for start in range(0, len(wanted), BATCH):
            self._match(wanted[start : start + BATCH])

    def describe(self, nodes: Iterable[ox.NamedNode]) -> None:
        """Fetch every triple whose subject is one of ``nodes``, with the blank nodes under it."""
        todo = [n for n in dict.fromkeys(nodes) if n not in self._described]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            depth = FIRST_DEPTH
            while batch:
                batch = self._describe(batch, depth)  # the nodes whose subtree went deeper
                depth *= 2
                if batch and depth > MAX_DEPTH:
                    raise RemoteError(
                        f"blank nodes nest more than {MAX_DEPTH} deep under {batch[0]} on "
                        f"{shown(self.endpoint)}; validate against a local copy of the base"
                    )

    def forget(self) -> None:
        """Drop everything fetched (after the server changed)."""
        self._cache = ox.Store()
        self._described.clear()
        self._blanks.clear()
        self._patterns.clear()

    # -- the requests --------------------------------------------------------------------

    def _describe(self, nodes: list[ox.NamedNode], depth: int) -> list[ox.NamedNode]:
        """One request; the nodes whose blank nodes go deeper than ``depth`` (left to redo)."""
        solutions = self._select(_describe_query(nodes, depth))
        labels: dict[str, ox.BlankNode] = {}
        quads: list[ox.Quad] = []
        rows: list[tuple[ox.NamedNode, int, ox.Quad]] = []
        for row in solutions:
            quad = _quad(row, labels)
            rows.append((row["root"], int(row["level"].value), quad))
        subjects = {quad.subject for _, _, quad in rows}
        deeper = {
            root
            for root, level, quad in rows
            if level == depth and isinstance(quad.object, ox.BlankNode)
            if quad.object not in subjects
        }
        # A node whose subtree was cut short is fetched again, whole, at twice the depth.
        quads = [quad for root, _, quad in rows if root not in deeper]
        self._cache.extend(quads)
        self._blanks.update(labels.values())
        self._described.update(n for n in nodes if n not in deeper)
        return [n for n in nodes if n in deeper]

    def _match(self, patterns: list[Pattern]) -> None:
        """Subject-less look-ups, one request per kind of graph asked for."""
        by_scope: dict[str, list[Pattern]] = {}
        for pattern in patterns:
            by_scope.setdefault(_scope(pattern[3]), []).append(pattern)
        for scope, group in by_scope.items():
            for pattern in group:
                self._patterns[pattern] = []
            solutions = self._select(_match_query(group, scope))
            index: dict[tuple, list[Pattern]] = {}
            for pattern in group:
                index.setdefault(_sendable(pattern), []).append(pattern)
            labels: dict[str, ox.BlankNode] = {}
            for row in solutions:
                quad = _quad(row, labels)
                for key in _keys(quad):
                    for pattern in index.get(key, ()):
                        if _matches(pattern, quad):
                            self._patterns[pattern].append(quad)
            self._blanks.update(labels.values())

    def _select(self, text: str) -> list[ox.QuerySolution]:
        self.requests += 1
        answer = post_query(self.endpoint, text, credentials=self.credentials, timeout=self.timeout)
        return list(parse_answer(answer, "select", self.endpoint))


# -- the queries ----------------------------------------------------------------------------


def _describe_query(nodes: list[ox.NamedNode], depth: int) -> str:
    """The triples of each node (level 0) and of the blank nodes under it (levels 1..depth)."""
    branches = []
    for level in range(depth + 1):
        hops = "".join(
            f"?{_at(i)} ?h{i} ?b{i + 1} . FILTER(isBlank(?b{i + 1})) " for i in range(level)
        )
        branches.append(f"{{ {hops}?{_at(level)} ?p ?o . BIND(?{_at(level)} AS ?s) "
                        f"BIND({level} AS ?level) }}")  # fmt: skip
    group = " UNION ".join(branches)
    values = " ".join(str(n) for n in nodes)  # IRIs written by pyoxigraph
    return (
        "SELECT ?root ?level ?s ?p ?o ?g WHERE {\n"
        f"  VALUES ?root {{ {values} }}\n"
        f"  {{ {group} }}\n  UNION {{ GRAPH ?g {{ {group} }} }}\n}}"
    )


def _at(level: int) -> str:
    return "root" if level == 0 else f"b{level}"


def _match_query(patterns: list[Pattern], scope: str) -> str:
    """``?s ?p ?o`` joined with a VALUES block of the patterns' predicates, objects, graphs."""
    rows = []
    for pattern in patterns:
        _, predicate, obj, graph = _sendable(pattern)
        terms = [predicate, obj] + ([graph] if scope == "named" else [])
        rows.append("(" + " ".join("UNDEF" if t is None else str(t) for t in terms) + ")")
    names = "?p ?o ?g" if scope == "named" else "?p ?o"
    values = f"VALUES ({names}) {{ {' '.join(rows)} }}"
    where = {
        "default": "{ ?s ?p ?o }",
        "named": "GRAPH ?g { ?s ?p ?o }",
        "any": "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }",
    }[scope]
    return f"SELECT ?s ?p ?o ?g WHERE {{\n  {values}\n  {where}\n}}"


def _scope(graph: GraphName | None) -> str:
    if graph is None:
        return "any"
    return "default" if isinstance(graph, ox.DefaultGraph) else "named"


def _sendable(pattern: Pattern) -> tuple:
    """The pattern's terms that may go into a query: a term whose N-Triples form holds
    ``\\u`` (some engines expand such escapes before parsing: SPARQL 1.1, 19.2) is left
    out and matched here instead."""
    return tuple(
        None if t is None or isinstance(t, ox.DefaultGraph) or "\\u" in str(t).lower() else t
        for t in pattern
    )


def _keys(quad: ox.Quad) -> list[tuple]:
    graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
    return [
        (None, p, o, g)
        for p in (quad.predicate, None)
        for o in (quad.object, None)
        for g in dict.fromkeys((graph, None))
    ]


def _matches(pattern: Pattern, quad: ox.Quad) -> bool:
    _, predicate, obj, graph = pattern
    if predicate is not None and quad.predicate != predicate:
        return False
    if obj is not None and quad.object != obj:
        return False
    return graph is None or quad.graph_name == graph


def _has_blank(pattern: Pattern) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in pattern)


def _quad(row: ox.QuerySolution, labels: dict[str, ox.BlankNode]) -> ox.Quad:
    """A row's ?s ?p ?o ?g as a quad, with the server's blank nodes made local."""

    def local(term: object) -> object:
        if isinstance(term, ox.BlankNode):
            return labels.setdefault(term.value, ox.BlankNode())
        return term

    graph = row["g"]
    try:
        return ox.Quad(
            local(row["s"]),
            row["p"],
            local(row["o"]),
            ox.DefaultGraph() if graph is None else local(graph),
        )
    except (TypeError, ValueError) as error:  # a row that is not a triple: not our query
        raise RemoteError(
            f"the endpoint answered a look-up with a row that is not a triple: {error}"
        ) from None


# -- validating against a server --------------------------------------------------------------


def validate_remote(
    kb: LocalBase,
    files: Iterable[Path | str],
    *,
    endpoint: str,
    credentials: Credentials = NO_CREDENTIALS,
    timeout: float = DEFAULT_TIMEOUT,
    strict: bool = False,
    view: RemoteStore | None = None,
) -> Report:
    """Validate new ``files`` against the base a SPARQL endpoint holds (incrementally).

    The ontology and the shapes come from ``kb`` (the local base: they are
    files); the part of the data the new facts reach comes from the endpoint.
    The report is the one local incremental validation gives.
    """
    from positions.checking.incremental import validate_new

    source = view or RemoteStore(endpoint, credentials=credentials, timeout=timeout)
    return validate_new(kb, files, strict=strict, store=source)


# -- adding to a server -----------------------------------------------------------------------


def add_remote(
    kb: LocalBase,
    files: list[Path],
    *,
    store_url: str,
    endpoint: str | None = None,
    graph: str | None = None,
    credentials: Credentials = NO_CREDENTIALS,
    timeout: float = DEFAULT_TIMEOUT,
    insecure: bool = False,
    dry_run: bool = False,
    strict: bool = False,
) -> Outcome:
    """Add the facts of ``files`` to the base a server holds, as ``positions add`` does locally.

    The same steps as :func:`positions.adding.apply.add`, with the server in place of
    ``data/``: the new files pass the gate; duplicates and conflicts are found by
    look-ups on the query ``endpoint`` (default: ``/query`` beside a ``/store``
    or ``/data`` URL) in ``graph`` (default: the default graph, where
    ``positions push`` puts the base); the new facts are validated
    incrementally against the server's data with the local ontology and shapes;
    and only if they conform are they sent in one Graph Store Protocol POST to
    ``store_url``, which the server applies as one transaction: all or nothing.

    Unlike a local add, nothing serialises two clients: two adds of the same
    facts at the same moment can both find them new (a triple is stored once;
    a piece of evidence, a blank node, would be stored twice).
    """
    from positions.adding.apply import Outcome, violations_error
    from positions.adding.baseview import BaseView
    from positions.adding.inputs import read_inputs
    from positions.adding.plan import plan_add, refuse_conflicts
    from positions.checking.incremental import validate_new
    from positions.remote.graphs import derive_query_endpoint, graph_iri, graph_url

    check_url(store_url, what="store URL", insecure=insecure, credentials=credentials)
    query_url = endpoint or derive_query_endpoint(store_url)
    if query_url is None:
        raise UsageError(
            f"cannot tell the query endpoint of {shown(store_url)} (it does not end in /store "
            "or /data): give it with --endpoint"
        )
    inputs = read_inputs(kb, files)  # an unreadable file fails here, before any request
    view = RemoteStore(query_url, credentials=credentials, timeout=timeout, insecure=insecure)
    iri = graph_iri(graph)
    target = ox.NamedNode(iri) if iri else ox.DefaultGraph()
    shown_graph = f"graph <{iri}>" if iri else "the default graph"
    destination = f"{shown_graph} of {shown(store_url)}"
    plan = plan_add(kb, files, inputs, BaseView.remote(kb, view, target, destination))
    refuse_conflicts(plan)
    if not plan.added_count:
        return Outcome(plan, None, written=False)
    report = validate_new(kb, files, strict=strict, store=view)
    if not report.conforms:
        raise violations_error(report)
    if dry_run:
        return Outcome(plan, report, written=False)
    triples = [ox.Triple(*t) for added in plan.added.values() for t in added]
    request(
        "POST",
        graph_url(store_url, iri),
        body=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
        headers={"Content-Type": "application/n-triples"},
        credentials=credentials,
        timeout=timeout,
    )
    view.forget()
    return Outcome(plan, report, written=True)
