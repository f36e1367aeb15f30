"""SHACL validation: the quads as an rdflib graph, pyshacl run on it, its results as problems.

pyshacl works on rdflib graphs, so the quads read through the gate are
converted (:func:`to_graph`); :func:`run_shacl` runs the shapes (SHACL Core
plus the SHACL-SPARQL constraint of the core shapes), and
:func:`shacl_problems` turns each result into a located :class:`Problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.checking.report import SH, Problem
from positions.checking.sources import SourceFile
from positions.checking.terms import is_iri, node_label, term_text
from positions.rdf.namespaces import PREFIXES, compact

if TYPE_CHECKING:  # rdflib costs half a second to import: see positions.checking.validate
    from rdflib import Graph
    from rdflib.term import Node

    from positions.checking.locate import Locator


def to_graph(files: Iterable[SourceFile]) -> Graph:
    """An rdflib graph of the union of the files (pyshacl works on rdflib)."""
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    convert = RdflibTerms()
    for source in files:
        for quad in source.quads:
            graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    return graph


class RdflibTerms:
    """Converts pyoxigraph terms to rdflib terms, with a cache (labels and types repeat)."""

    _STRING = "http://www.w3.org/2001/XMLSchema#string"
    _LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

    def __init__(self) -> None:
        from rdflib import BNode, Literal, URIRef

        self._bnode, self._literal, self._uri = BNode, Literal, URIRef
        self._cache: dict[Any, Any] = {}

    def __call__(self, term: Any) -> Any:
        cached = self._cache.get(term)
        if cached is None:
            cached = self._cache[term] = self._convert(term)
        return cached

    def _convert(self, term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            return self._uri(term.value)
        if isinstance(term, ox.BlankNode):
            return self._bnode(term.value)
        datatype = term.datatype.value
        if term.language:
            return self._literal(term.value, lang=term.language)
        # A plain string stays untyped in rdflib, as the shapes' own strings
        # are, so that sh:in and sh:hasValue compare them equal.
        if datatype in (self._STRING, self._LANG_STRING):
            return self._literal(term.value)
        return self._literal(term.value, datatype=self._uri(datatype))


def typed_strings(shapes: Graph) -> Graph:
    """A copy of ``shapes`` whose plain strings are typed ``xsd:string``.

    In RDF 1.1 ``"DEMAND"`` and ``"DEMAND"^^xsd:string`` are one term; rdflib,
    and pyshacl-turbo's reading of an rdflib shapes graph, keep them apart.
    Data read from a pyoxigraph store has every string typed, so ``sh:in (
    "AGREE" ...)`` would refuse every ``pos:ploverCode`` of the store (the 775
    warnings against pyshacl's 765 at 10k, and 9 false violations on the
    bundled base).  :func:`to_graph` drops ``xsd:string`` from the data for the
    same reason; for the store, the shapes are typed instead.
    """
    from rdflib import Graph, Literal
    from rdflib.namespace import XSD

    typed = Graph()
    for prefix, namespace in shapes.namespaces():
        typed.bind(prefix, namespace)
    for subject, predicate, obj in shapes:
        if isinstance(obj, Literal) and obj.datatype is None and not obj.language:
            obj = Literal(str(obj), datatype=XSD.string)
        typed.add((subject, predicate, obj))
    return typed


# -- SHACL ---------------------------------------------------------------------------


# The engines whole-base validation can use (`positions validate --engine`).  The
# default was chosen by measurement (bench/validate_scale.py, docs/performance.md):
# pyshacl-turbo, a SHACL engine in Rust with pySHACL's interface and results,
# gives the same problems as pyshacl (tests/test_engine_agreement.py) 15 to 50
# times faster, and reads the store directly.  pyshacl stays as the reference.
ENGINES = ("pyshacl-turbo", "pyshacl")
DEFAULT_ENGINE = "pyshacl-turbo"


def check_engine(engine: str) -> str:
    """``engine``, if it is one of :data:`ENGINES`; else a usage error naming them."""
    if engine not in ENGINES:
        from positions.errors import UsageError

        raise UsageError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def run_shacl(data_graph: Graph, shapes_graph: Graph, engine: str = DEFAULT_ENGINE) -> Graph:
    """The results graph of ``engine`` (pyshacl's or pyshacl-turbo's, the same vocabulary).

    The ontology is part of the data graph, so ``sh:targetClass pos:Party``
    reaches ``pos:State`` through ``rdfs:subClassOf`` without inference.  The
    meta-SHACL check of the shapes (1.7 s) is left to the test suite.
    """
    if check_engine(engine) == "pyshacl-turbo":
        import pyshacl_turbo

        program = pyshacl_turbo.compile_shapes(shapes_graph)
        return _turbo_results(program.validate(data_graph, allow_warnings=True))
    import pyshacl  # imported here: it costs ~0.4 s, which other commands must not pay

    _conforms, results, _text = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=False,
        allow_warnings=True,
        meta_shacl=False,
    )
    return results


def store_input(store: ox.Store, progress: Callable[[str], None] | None = None) -> Any:
    """The union of the store's graphs as pyshacl-turbo's input, with no rdflib graph of it.

    Each graph is dumped as N-Triples by pyoxigraph (blank nodes keep the
    store's labels, so that results can be looked up in the store again);
    ``progress(graph)`` is called after each.  Give it to :func:`run_on_store`.
    """
    from pyshacl_turbo.rdf import Input

    parts = [store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())]
    for graph in store.named_graphs():
        parts.append(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph))
        if progress is not None:
            progress(graph.value)
    text = b"".join(parts)
    parts.clear()
    return Input(text.decode("utf-8"), "nt", None, {}, preserve_ids=True)


def run_on_store(data: Any, shapes_graph: Graph) -> Graph:
    """pyshacl-turbo's results for :func:`store_input`'s ``data``.

    The shapes' plain strings are typed ``xsd:string`` as the store's are
    (:func:`typed_strings`).  The engine parses the data and validates every
    shape in one native call, which reports no progress of its own.
    """
    import pyshacl_turbo

    program = pyshacl_turbo.compile_shapes(shapes_graph)
    return _turbo_results(program.validate(data, allow_warnings=True))


def _turbo_results(outcome: tuple) -> Graph:
    _conforms, results, text = outcome
    if not hasattr(results, "subjects"):  # a ValidationFailure: shapes it cannot run
        raise RuntimeError(f"pyshacl-turbo could not validate: {text}")
    return results


def shacl_problems(
    results: Graph, shapes: Graph, data: Graph, locator: Locator
) -> Iterator[tuple[Problem, Node]]:
    """Each result of pyshacl as a located problem, with the result node it came from."""
    from rdflib import Namespace

    sh = Namespace(SH)
    for result in results.subjects(sh.resultSeverity, None):
        if (None, sh.detail, result) in results:
            continue  # a nested detail: reported through its parent
        for node in _with_details(results, shapes, result):
            yield _problem_from_result(results, shapes, data, locator, node), node


def _with_details(results: Graph, shapes: Graph, result: Node) -> list[Node]:
    """The result, or, for a node-level ``sh:node`` failure, the nested results.

    ``shapes:Party sh:node shapes:Labelled`` fails with pyshacl's generic "Value
    must conform to every Shape", and carries the Labelled shape's own result,
    with its message and path, as ``sh:detail``.  Worse, a node shape's own
    ``sh:message`` (shapes:Statement's, about pos:targetScope) is copied into
    the results of *all* its node-level constraints, its ``sh:node`` ones
    included; the nested result says what is really wrong.  A property shape's
    ``sh:node`` (pos:stance's) keeps its own result: it names the property.
    """
    from rdflib import Namespace

    sh = Namespace(SH)
    details = list(results.objects(result, sh.detail))
    node_level = results.value(result, sh.resultPath) is None
    component = results.value(result, sh.sourceConstraintComponent)
    if not details or not node_level or component != sh.NodeConstraintComponent:
        return [result]
    flattened: list[Node] = []
    for detail in details:
        flattened.extend(_with_details(results, shapes, detail))
    return flattened


def _problem_from_result(
    results: Graph, shapes: Graph, data: Graph, locator: Locator, result: Node
) -> Problem:
    from rdflib import Namespace

    sh = Namespace(SH)
    focus = results.value(result, sh.focusNode)
    path = results.value(result, sh.resultPath)
    value = results.value(result, sh.value)
    severity = str(results.value(result, sh.resultSeverity)).rsplit("#", 1)[-1]
    shape = results.value(result, sh.sourceShape)
    message = _message(results, shapes, result)
    where = locator.locate(focus)
    if value == focus and path is None:
        value = None  # a node-level result: its value is the focus itself
    value = _plain(value)
    return Problem(
        file=where.file,
        line=where.line,
        focus=where.iri,
        focus_compact=where.compact,
        label=node_label(data, where.named),
        path=_path_text(results, path) if path is not None else _path_of_shape(shapes, shape),
        value=term_text(value) if value is not None else None,
        severity=severity,
        message=message,
        source_shape=term_text(shape) if shape is not None and is_iri(shape) else None,
    )


def _plain(value: Node | None) -> Node | None:
    """A literal typed ``xsd:string`` as the plain string it is (RDF 1.1: the same term).

    Read from the store, every string is typed; read through :func:`to_graph`,
    none is.  Problems show it one way, ``"text"``, whichever the engine read.
    """
    from rdflib import Literal

    if isinstance(value, Literal) and str(value.datatype) == RdflibTerms._STRING:
        return Literal(str(value))
    return value


def _message(results: Graph, shapes: Graph, result: Node) -> str:
    """The English sh:resultMessage, else any, else the shape's sh:message."""
    from rdflib import Namespace

    sh = Namespace(SH)
    messages = list(results.objects(result, sh.resultMessage))
    if not messages:
        shape = results.value(result, sh.sourceShape)
        messages = list(shapes.objects(shape, sh.message)) if shape is not None else []
    english = [m for m in messages if getattr(m, "language", None) in ("en", None)]
    chosen = sorted(english or messages, key=str)
    return str(chosen[0]) if chosen else "The node does not conform to its shape."


def _path_of_shape(shapes: Graph, shape: Node | None) -> str | None:
    from rdflib import Namespace

    if shape is None:
        return None
    path = shapes.value(shape, Namespace(SH).path)
    return _path_text(shapes, path) if path is not None else None


def _path_text(graph: Graph, path: Node) -> str:
    """A SHACL path in SPARQL property-path notation, with compact IRIs."""
    from rdflib import Namespace
    from rdflib.collection import Collection

    sh = Namespace(SH)
    if is_iri(path):
        return compact(str(path))
    if (path, sh.inversePath, None) in graph:
        return "^" + _path_text(graph, graph.value(path, sh.inversePath))
    if (path, sh.alternativePath, None) in graph:
        items = Collection(graph, graph.value(path, sh.alternativePath))
        return "(" + "|".join(_path_text(graph, p) for p in items) + ")"
    for modifier, suffix in (
        (sh.zeroOrMorePath, "*"),
        (sh.oneOrMorePath, "+"),
        (sh.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, modifier)
        if inner is not None:
            return _path_text(graph, inner) + suffix
    if (path, None, None) in graph:  # an RDF list: a sequence path
        return "/".join(_path_text(graph, p) for p in Collection(graph, path))
    return "[path]"
