"""The base as planning an addition sees it: look-ups in its store of the nodes named.

Planning asks only about the nodes the new facts name (what the base says
about them, which file holds each, whether an equal piece of evidence is
already there), so an add costs the size of the change, not of the base.  A
base held by a SPARQL server is seen the same way (:meth:`BaseView.remote`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.facts import RDF_TYPE, FactGraph, Term, Triple
from positions.adding.inputs import InputFile
from positions.base.datafiles import file_for_new_node
from positions.rdf import rdfio

if TYPE_CHECKING:
    from positions.base.local import LocalBase


class BaseView:
    """The base as planning sees it: pattern look-ups in its store, limited to its data.

    Locally (``BaseView(kb)``) the store holds every file in a graph of its own
    (:func:`rdfio.graph_iri`), so the graph of a fact is the file that holds it,
    and only the data files' graphs are consulted.  :meth:`remote` makes a view
    of a base held by a SPARQL server (a :class:`positions.remote.store.RemoteStore`),
    limited to one graph, where there are no files: ``destination`` names where
    new facts go.
    """

    def __init__(
        self,
        kb: LocalBase,
        store: object | None = None,
        graph: ox.NamedNode | ox.DefaultGraph | None = None,
        destination: str | None = None,
    ) -> None:
        self.kb = kb
        self.store = store if store is not None else kb.store
        self.graph = graph
        self.destination = destination
        self.files: dict[object, str] | None = None
        if destination is None:  # the local base: one graph per data file
            data_dir = kb.layout.data_dir
            self.files = {
                rdfio.graph_iri(kb.relative(p)): p.relative_to(data_dir).as_posix()
                for p in kb.layout.data_files()
            }
        self._texts: dict[str, str] = {}
        self._targets: dict[str, str] = {}

    @classmethod
    def remote(
        cls,
        kb: LocalBase,
        store: object,
        graph: ox.NamedNode | ox.DefaultGraph,
        destination: str,
    ) -> BaseView:
        """A view of the base a server holds in ``graph``; new facts go to ``destination``."""
        return cls(kb, store, graph, destination)

    def prefetch(self, nodes: Iterable[ox.NamedNode]) -> None:
        """Look the nodes up in one go where the store can batch (a server: one request)."""
        prefetch = getattr(self.store, "prefetch", None)
        if prefetch is not None:
            prefetch(subjects=list(nodes))

    def _quads(self, s: Term | None, p: ox.NamedNode | None, o: Term | None) -> Iterator[ox.Quad]:
        if self.files is None:
            yield from self.store.quads_for_pattern(s, p, o, self.graph)  # type: ignore[attr-defined]
            return
        for quad in self.store.quads_for_pattern(s, p, o, None):  # type: ignore[attr-defined]
            if quad.graph_name in self.files:
                yield quad

    def _file(self, quad: ox.Quad) -> str:
        return self.destination if self.files is None else self.files[quad.graph_name]  # type: ignore[return-value]

    def about(self, nodes: Iterable[Term]) -> list[Triple]:
        """Everything the data says about ``nodes``, with the blank nodes under them."""
        out: list[Triple] = []
        seen: set[Term] = set()
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            for q in self._quads(node, None, None):
                out.append((q.subject, q.predicate, q.object))
                if isinstance(q.object, ox.BlankNode):
                    stack.append(q.object)
        return list(dict.fromkeys(out))

    def homes(self, nodes: Iterable[Term]) -> dict[Term, str]:
        """The data file of each node the base holds: where it is typed, else where written."""
        home: dict[Term, str] = {}
        for node in nodes:
            typed = sorted(self._file(q) for q in self._quads(node, RDF_TYPE, None))
            written = typed or sorted({self._file(q) for q in self._quads(node, None, None)})
            if written:
                home[node] = written[0]
        return home

    def files_of(self, node: Term, predicate: ox.NamedNode | None = None) -> set[str]:
        """The data files that hold facts about ``node`` (through ``predicate``, if given)."""
        return {self._file(q) for q in self._quads(node, predicate, None)}

    def pointing_at(self, node: Term) -> list[tuple[Term, ox.NamedNode, str]]:
        """Every fact of the data whose object is ``node``: (subject, predicate, file)."""
        return [(q.subject, q.predicate, self._file(q)) for q in self._quads(None, None, node)]

    def file_for_new(self, class_file_name: str) -> str:
        """Where new nodes of a class go; one look at the folder per plan, not per node."""
        if self.destination is not None:
            return self.destination
        if class_file_name not in self._targets:
            target = file_for_new_node(class_file_name, self.kb.layout.data_dir)
            self._targets[class_file_name] = target
        return self._targets[class_file_name]

    def equal_loose_blank(self, key: str, triples: list[Triple]) -> bool:
        """True when the base holds a blank node that nothing points to with this content key."""
        probe = next(((p, o) for _, p, o in triples if not isinstance(o, ox.BlankNode)), None)
        if probe is None:
            return False
        for q in self._quads(None, *probe):
            if not isinstance(q.subject, ox.BlankNode):
                continue
            if next(self._quads(None, None, q.subject), None) is not None:
                continue  # pointed to: evidence of a node, not a loose one
            if FactGraph(self.about([q.subject])).keys.get(q.subject) == key:
                return True
        return False

    def where(self, node: Term, name: str | None) -> str:
        """``data/FILE:LINE`` where ``node`` is written in data file ``name`` (or the server)."""
        if self.destination is not None:
            return self.destination
        if name is None:
            return "data/"
        if name not in self._texts:
            path = self.kb.layout.data_dir / name
            self._texts[name] = path.read_text(encoding="utf-8", errors="replace")
        return InputFile(f"data/{name}", [], self._texts[name]).where(node)
