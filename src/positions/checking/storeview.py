"""Whole-base validation on the store: the engine reads it, problems are located from it.

pyshacl needs an rdflib graph of the whole base, which costs more than the
validation itself at 100,000 statements and does not fit in memory at a
million (docs/performance.md).  pyshacl-turbo (:func:`positions.checking.shacl.run_on_store`)
reads the store's triples as N-Triples instead; what the problems need
afterwards (the label of a node, the named node that holds a blank one, the
file and line that define a node) is looked up in the store, one node at a
time, by :class:`StoreGraph` and :class:`StoreLocator`, and only the files
that hold a problem are read, for their lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.checking.locate import Locator
from positions.checking.shacl import RdflibTerms
from positions.checking.sources import RDF_TYPE, SourceFile
from positions.rdf import rdfio

if TYPE_CHECKING:
    from positions.base.local import LocalBase


def ox_term(node: Any) -> Any:
    """An rdflib IRI or blank node as a pyoxigraph term (None stays None: any)."""
    from rdflib import BNode, URIRef

    if node is None:
        return None
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    raise TypeError(f"not a node: {node!r}")


class StoreGraph:
    """The look-ups that labelling and locating make of an rdflib graph, on a store.

    The store's union of graphs is read: a triple written in two files is seen
    twice, which neither a label nor a link to a blank node minds.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.convert = RdflibTerms()

    def objects(self, subject: Any, predicate: Any) -> Iterator[Any]:
        for quad in self.store.quads_for_pattern(ox_term(subject), ox_term(predicate), None, None):
            yield self.convert(quad.object)

    def subject_predicates(self, obj: Any) -> Iterator[tuple[Any, Any]]:
        for quad in self.store.quads_for_pattern(None, None, ox_term(obj), None):
            yield self.convert(quad.subject), self.convert(quad.predicate)


class _LazyFile(SourceFile):
    """A base file known by name: its lines are read only when a problem is in it."""


class StoreLocator(Locator):
    """A :class:`Locator` that finds the file defining a node by look-ups in the store.

    Each base file is a named graph of the store (:func:`positions.rdf.rdfio.graph_iri`);
    the file that types the node is preferred, else the first that writes it as
    a subject, else the first that mentions it, in the base's order of files.
    """

    def __init__(self, kb: LocalBase, store: ox.Store) -> None:
        super().__init__([], StoreGraph(store))
        self.store = store
        self.by_graph: dict[ox.NamedNode, SourceFile] = {}
        self.order: dict[ox.NamedNode, int] = {}
        for number, path in enumerate(kb.content_files()):
            name = kb.relative(path)
            graph = rdfio.graph_iri(name)
            self.by_graph[graph] = _LazyFile(Path(path), name, [])
            self.order[graph] = number

    def _first(self, pattern: tuple) -> SourceFile | None:
        graphs = {q.graph_name for q in self.store.quads_for_pattern(*pattern, None)}
        known = [g for g in graphs if g in self.order]
        return self.by_graph[min(known, key=self.order.__getitem__)] if known else None

    def defining_file(self, key: str) -> SourceFile | None:
        node = _node(key)
        typed = self._first((node, ox.NamedNode(RDF_TYPE), None))
        return typed or self._first((node, None, None))

    def mentioning_file(self, key: str) -> SourceFile | None:
        return self._first((None, None, _node(key)))


def _node(key: str) -> ox.NamedNode | ox.BlankNode:
    """The store's node for a key of :func:`positions.checking.sources.node_key`."""
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key)
