"""Validate new facts against what they touch in the base, not against the whole base.

    from positions.checking.incremental import validate_new
    report = validate_new(kb, [Path("new-statements.ttl")])

Whole-base validation (:func:`positions.checking.validate.validate`) costs time in
proportion to the base: pyshacl takes about a minute per 100,000 statements.
New facts can only break constraints on the nodes they are about, and those
constraints only look a few links away.  So this module pulls from the base's
store (pyoxigraph: index look-ups, milliseconds) the part of the graph the
shapes and checks can reach from the new facts, and validates the new nodes in
that extract.  The cost follows the size of the addition, not of the base.
The look-ups may also go to a server that holds the base
(:class:`positions.remote.store.RemoteStore`, ``validate --endpoint``): any
object with ``quads_for_pattern`` will do (:class:`QuadSource`).

What the extract holds (the reach of ``ontology/shapes`` and ``checks/``):

* the ontology files whole (classes, ``rdfs:subClassOf``, concept schemes), so
  that ``sh:class`` and the ``sh:node`` concept shapes see what they need;
* the new triples, and everything the base says about the nodes they mention
  (subjects and objects), with the blank nodes under them (evidence, periods);
* everything the base says about the nodes those link to (a second hop: the
  source of a piece of evidence and its date, the organisation of a role, the
  documents a demand is stated in and their dates);
* the chains of ``org:subOrganizationOf`` and ``pos:refines``, to their ends;
* the nodes that link to a new node through a predicate that a shape follows
  backwards (``sh:inversePath``: a delegation's meeting, a person's roles), and
  the other nodes that share an ``owl:sameAs`` with it.

pyshacl then runs with the shapes' targets narrowed to the new nodes (without
that, it would also validate the neighbours, whose own links are not all in the
extract), and the checks of ``checks/*.rq`` run with ``?this`` bound to them.
Problems are kept as :func:`validate` keeps them for new files.

One thing is left to ``positions validate --all``: a problem that new facts
cause on an existing node that the new files do not mention as a subject (a
``pos:publishedOn`` added to an existing source, which makes statements already
in the base dated after it).  tests/test_incremental.py holds the corpus of
additions on which both give the same problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from positions.checking.advice import advise
from positions.checking.checks import check_problems
from positions.checking.locate import Concern, Locator
from positions.checking.report import SH, Report, distinct
from positions.checking.shacl import (
    DEFAULT_ENGINE,
    RdflibTerms,
    run_shacl,
    shacl_problems,
    to_graph,
)
from positions.checking.sources import SourceFile, display_name, distinct_new_files
from positions.checking.texts import text_problems
from positions.rdf.namespaces import PREFIXES

if TYPE_CHECKING:
    from positions.base.local import LocalBase

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
OWL_SAME_AS = ox.NamedNode(PREFIXES["owl"] + "sameAs")
# Followed to their ends: a party's chain of bodies, a demand's chain of refinements,
# and the links the checks follow from a node the new facts reach in two hops (the
# date of the meeting at which the statement that states a demand was made).
CHAINS = tuple(
    ox.NamedNode(iri)
    for iri in (
        PREFIXES["org"] + "subOrganizationOf",
        PREFIXES["pos"] + "refines",
        PREFIXES["pos"] + "occasion",
        PREFIXES["pos"] + "statedIn",
        PREFIXES["pos"] + "setOutIn",
    )
)
MAX_CHAIN = 1000
CHAIN_STARTS = {
    ox.NamedNode(PREFIXES["org"] + "subOrganizationOf"): (
        ox.NamedNode(PREFIXES["org"] + "organization"),
        ox.NamedNode(PREFIXES["pos"] + "onBehalfOf"),
    ),
}


class QuadSource(Protocol):
    """Where the extract comes from: ``kb.store``, or a view of a server's base.

    Only this look-up is used (``graph_name=None``: every graph).  A source that
    answers in batches (:class:`positions.remote.store.RemoteStore`) may also
    offer ``prefetch(subjects=..., patterns=...)``, called before each step.
    """

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | None,
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
    ) -> Iterable[ox.Quad]: ...


def validate_new(
    kb: LocalBase,
    files: Iterable[Path | str],
    *,
    strict: bool = False,
    store: QuadSource | None = None,
    advice: bool | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Report:
    """Validate ``files`` against the part of the base they touch (see the module).

    The base's triples come from ``store`` (default: ``kb.store``); the ontology
    and the shapes always come from ``kb``'s files.  ``engine`` is the SHACL
    engine, as for whole-base validation (the same one by default).  ``advice``
    (:mod:`positions.checking.advice`: duplicates, unknown IRIs, hints) reads the
    local store: by default it is given with ``kb.store``, not with another ``store``.
    """
    from rdflib import URIRef

    paths = distinct_new_files(kb, files)
    new = [SourceFile.read(p, display_name(kb, p)) for p in paths]
    shapes_files = [SourceFile.read(p, kb.relative(p)) for p in kb.layout.shapes_files()]
    shapes = to_graph(shapes_files)
    new_quads = [q for f in new for q in f.quads]
    source = kb.store if store is None else store
    extract = Extract(source, new_quads, inverse_predicates(shapes))
    base = extract.as_files(kb)
    ontology = [SourceFile.read(p, kb.relative(p)) for p in kb.layout.ontology_files()]
    data = to_graph([*new, *base, *ontology])
    focus = _focus_nodes(new_quads, shapes)
    results = _run_shacl(data, shapes, focus, engine)

    locator = Locator(new + base + ontology, data)
    found = list(shacl_problems(results, shapes, data, locator))
    named = [str(n) for n in focus if isinstance(n, URIRef)]
    checked = check_problems([*new, *base, *ontology], data, locator, only=named)
    found += [(p, None) for p in checked]
    found += [(p, None) for p in text_problems(kb.layout, [*new, *base], data, locator)]
    kept = Concern(new, base + ontology).keep(distinct(found))
    report = Report.of(kept, [f.name for f in new], strict, results)
    if advice is None:
        advice = store is None  # a server's base is not looked up by the advice (yet)
    return advise(kb, report, paths) if advice else report


# -- the extract --------------------------------------------------------------------


class Extract:
    """The triples of the base that the shapes and checks can reach from the new facts."""

    def __init__(self, store: QuadSource, new: list[ox.Quad], inverse: set[ox.NamedNode]) -> None:
        self.store = store
        self.quads: dict[tuple, ox.Quad] = {}  # (s, p, o) -> the quad, with its graph
        self.described: set[ox.NamedNode | ox.BlankNode] = set()
        mentioned = {q.subject for q in new} | {q.object for q in new}
        first = {n for n in mentioned if isinstance(n, ox.NamedNode)}
        first |= {q.object for q in new if isinstance(q.object, ox.NamedNode)}
        second = self._describe_all(first)
        self._describe_all(second)
        self._follow_chains()
        same_as = {q.object for q in new if q.predicate == OWL_SAME_AS}
        self._link_back(first, inverse, same_as)

    def _describe_all(self, nodes: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
        """Describe each node; return the named nodes its description links to."""
        reached: set[ox.NamedNode] = set()
        nodes = list(nodes)
        _prefetch(self.store, subjects=nodes)
        for node in nodes:
            for quad in self._describe(node):
                if isinstance(quad.object, ox.NamedNode) and quad.predicate != RDF_TYPE:
                    reached.add(quad.object)
        return reached

    def _describe(self, node: ox.NamedNode | ox.BlankNode) -> list[ox.Quad]:
        """The node's own triples, and those of the blank nodes under it."""
        if node in self.described:
            return []
        self.described.add(node)
        found: list[ox.Quad] = []
        pending = [node]
        while pending:
            subject = pending.pop()
            for quad in self.store.quads_for_pattern(subject, None, None, None):
                key = (quad.subject, quad.predicate, quad.object)
                if key in self.quads:
                    continue
                self.quads[key] = quad
                found.append(quad)
                if isinstance(quad.object, ox.BlankNode) and quad.object not in self.described:
                    self.described.add(quad.object)
                    pending.append(quad.object)
        return found

    def _follow_chains(self) -> None:
        for predicate in CHAINS:
            # A chain starts where the extract first reaches it: at a node that
            # already has the link, or, for organisations, at the organisation a
            # role is held in (which the two hops above may not have described).
            starts = CHAIN_STARTS.get(predicate, ()) + (predicate,)
            pending = [q.object for q in list(self.quads.values()) if q.predicate in starts]
            for _ in range(MAX_CHAIN):
                if not pending:
                    break
                nodes = [n for n in pending if isinstance(n, ox.NamedNode)]
                _prefetch(self.store, subjects=nodes)
                pending = [
                    q.object for n in nodes for q in self._describe(n) if q.predicate == predicate
                ]

    def _link_back(
        self, nodes: set[ox.NamedNode], inverse: set[ox.NamedNode], same_as: set[ox.NamedNode]
    ) -> None:
        """Nodes that point to ours through an inverse path, or share their owl:sameAs."""
        same_as |= {q.object for q in self.quads.values() if q.predicate == OWL_SAME_AS}
        pairs = [(p, t) for p in inverse for t in nodes] + [(OWL_SAME_AS, t) for t in same_as]
        _prefetch(self.store, patterns=[(None, p, t, None) for p, t in pairs])
        found = [q for p, t in pairs for q in self.store.quads_for_pattern(None, p, t, None)]
        _prefetch(self.store, subjects=[q.subject for q in found])
        for quad in found:
            self.quads.setdefault((quad.subject, quad.predicate, quad.object), quad)
            if isinstance(quad.subject, ox.NamedNode):
                self._describe(quad.subject)

    def as_files(self, kb: LocalBase) -> list[SourceFile]:
        """The extract as one pseudo-file per base file (their names locate problems)."""
        prefix = "https://w3id.org/positions/graph/"
        by_graph: dict[str, list[ox.Quad]] = {}
        ontology = {kb.relative(p) for p in kb.layout.ontology_files()}
        for quad in self.quads.values():
            graph = quad.graph_name
            named = isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix)
            name = graph.value[len(prefix) :] if named else "(store)"
            if name in ontology:
                continue  # the ontology is read whole, from its files
            by_graph.setdefault(name, []).append(ox.Quad(quad.subject, quad.predicate, quad.object))
        return [_StoreFile(kb.root / name, name, quads) for name, quads in sorted(by_graph.items())]


def _prefetch(store: QuadSource, **wanted: list) -> None:
    """Let a source that answers in batches fetch these look-ups at once (see QuadSource)."""
    prefetch = getattr(store, "prefetch", None)
    if prefetch is not None:
        prefetch(**wanted)


class _StoreFile(SourceFile):
    """Triples of a base file taken from the store: problems in it get no line number.

    (Finding the line would mean reading the file, which is what this module avoids.)
    """

    @cached_property
    def text_lines(self) -> list[str]:
        return []


def inverse_predicates(shapes: object) -> set[ox.NamedNode]:
    """The predicates the shapes follow backwards (``sh:inversePath``), as pyoxigraph terms."""
    from rdflib import Namespace, URIRef

    sh = Namespace(SH)
    return {
        ox.NamedNode(str(p))
        for p in shapes.objects(None, sh.inversePath)  # type: ignore[attr-defined]
        if isinstance(p, URIRef)
    }


def _focus_nodes(new: list[ox.Quad], shapes: object) -> list:
    """The new nodes: subjects of the new triples, and objects of targetObjectsOf predicates."""
    from rdflib import Namespace

    sh = Namespace(SH)
    targeted = {str(p) for p in shapes.objects(None, sh.targetObjectsOf)}  # type: ignore[attr-defined]
    convert = RdflibTerms()
    nodes = {q.subject for q in new}
    nodes |= {
        q.object
        for q in new
        if q.predicate.value in targeted and not isinstance(q.object, ox.Literal)
    }
    return sorted((convert(n) for n in nodes), key=str)


def _run_shacl(data: object, shapes: object, focus: list, engine: str = DEFAULT_ENGINE) -> object:
    """``engine`` on the extract, with the shapes aimed at ``focus``; only their results kept.

    The shapes' targets are replaced by ``sh:targetNode`` for the new nodes they
    select (:func:`_aimed_at`), so pyshacl validates the new nodes only and not
    the neighbours pulled in around them (five to ten times as many nodes).
    pyshacl's own ``focus_nodes=`` would do the same, but 0.40 takes only IRIs
    (a new piece of evidence is a blank node) and, with it, wrongly fails the
    nested shapes of ``sh:or`` and ``sh:qualifiedValueShape`` (shapes:Statement's
    target-scope rule).  Results about other nodes are dropped all the same.
    """
    from rdflib import Namespace

    sh = Namespace(SH)
    results = run_shacl(data, _aimed_at(shapes, data, focus), engine)  # type: ignore[arg-type]
    wanted = set(focus)
    for result in list(results.subjects(sh.resultSeverity, None)):
        if results.value(result, sh.focusNode) not in wanted:
            # Without its severity the result is no longer read as a problem.
            results.remove((result, sh.resultSeverity, None))
    return results


_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")


def _aimed_at(shapes: object, data: object, focus: list) -> object:
    """A copy of ``shapes`` whose targets select, in ``data``, the ``focus`` nodes only.

    Each target (SHACL Core: class, node, subjects-of, objects-of; a shape that
    is itself a class targets its instances) is evaluated on the extract as
    pyshacl would, the result intersected with ``focus``, and written as
    ``sh:targetNode`` values.  If any shape has another kind of target (SHACL-AF
    ``sh:target``), the shapes are used as they are: the results about other
    nodes are dropped afterwards all the same.
    """
    from rdflib import RDF, RDFS, Graph, Namespace
    from rdflib.namespace import OWL

    sh = Namespace(SH)
    if any(True for _ in shapes.subject_objects(sh.target)):  # type: ignore[attr-defined]
        return shapes
    wanted = set(focus)
    aimed = Graph()
    for prefix, namespace in shapes.namespaces():  # type: ignore[attr-defined]
        aimed.bind(prefix, namespace)
    targeted: dict[object, set] = {}
    for triple in shapes:  # type: ignore[attr-defined]
        subject, predicate, obj = triple
        name = str(predicate).removeprefix(SH)
        if str(predicate).startswith(SH) and name in _TARGETS:
            targeted.setdefault(subject, set()).update(_selected(name, obj, data, wanted))
            continue
        aimed.add(triple)
    classes = set(shapes.subjects(RDF.type, RDFS.Class)) | set(  # type: ignore[attr-defined]
        shapes.subjects(RDF.type, OWL.Class)  # type: ignore[attr-defined]
    )
    for shape in classes & set(shapes.subjects(RDF.type, sh.NodeShape)):  # type: ignore[attr-defined]
        targeted.setdefault(shape, set()).update(_selected("targetClass", shape, data, wanted))
    for shape, nodes in targeted.items():
        if not nodes:  # no target left: the shape validates nothing here
            continue
        for node in nodes:
            aimed.add((shape, sh.targetNode, node))
    return aimed


def _selected(kind: str, value: object, data: object, wanted: set) -> set:
    """The ``wanted`` nodes that one target of kind ``kind`` selects in ``data``."""
    from rdflib import RDF, RDFS

    if kind == "targetNode":
        return {value} & wanted
    if kind == "targetSubjectsOf":
        return {n for n in wanted if (n, value, None) in data}  # type: ignore[operator]
    if kind == "targetObjectsOf":
        return {n for n in wanted if (None, value, n) in data}  # type: ignore[operator]
    classes = set(data.transitive_subjects(RDFS.subClassOf, value))  # type: ignore[attr-defined]
    return {n for n in wanted if any((n, RDF.type, c) in data for c in classes)}  # type: ignore[operator]
