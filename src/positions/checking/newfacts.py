"""New facts beside the base they go into: what the advice of validation reads.

:class:`NewFacts` holds the base's store and the quads of the new files, and
answers what :mod:`positions.checking.duplicates`, :mod:`positions.checking.unknown`
and :mod:`positions.checking.hints` ask: which nodes are new, what a node is
called and of which kind, whether the base or the files describe it, where a
node is written, and the base's nodes of a kind with their names.  Everything is
looked up in the store (pyoxigraph, no rdflib), for the nodes asked about only,
except the names of a kind's nodes (one query per kind).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.base.datafiles import RDF_TYPE, SUBCLASS_OF, superclasses
from positions.checking.locate import LineIndex, iri_line
from positions.checking.near import Candidate, kind_of
from positions.rdf.labels import label_of

if TYPE_CHECKING:
    from positions.checking.sources import SourceFile

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
# The properties whose values name a node, in a label or another spelling of it.
NAME_PREDICATES = (RDFS_LABEL, SKOS + "prefLabel", SKOS + "altLabel")
IN_SCHEME = ox.NamedNode(SKOS + "inScheme")


class NewFacts:
    """The quads of new files (``files``) and the base they go into (``store``)."""

    def __init__(self, store: ox.Store, files: list[SourceFile]) -> None:
        self.store = store
        self.files = files
        self.quads = [q for f in files for q in f.quads]
        self._indexes: dict[int, LineIndex] = {}

    @cached_property
    def by_subject(self) -> dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]]:
        grouped: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]] = {}
        for quad in self.quads:
            grouped.setdefault(quad.subject, []).append(quad)
        return grouped

    @cached_property
    def supers(self) -> dict[str, set[str]]:
        """Every class of the base's ontology with its superclasses."""
        return superclasses(self.store.quads_for_pattern(None, SUBCLASS_OF, None))

    def in_base(self, node: ox.NamedNode) -> bool:
        """Whether the base describes ``node`` (holds a fact with it as subject)."""
        return next(iter(self.store.quads_for_pattern(node, None, None)), None) is not None

    def described(self, node: ox.NamedNode) -> bool:
        """Whether the base or the new files describe ``node``."""
        return node in self.by_subject or self.in_base(node)

    def new_nodes(self) -> list[ox.NamedNode]:
        """The named nodes the files describe and the base does not, in file order."""
        return [s for s in self.by_subject if isinstance(s, ox.NamedNode) and not self.in_base(s)]

    def types(self, node: ox.NamedNode) -> set[str]:
        """The classes of ``node``, in the files and in the base."""
        found = {q.object.value for q in self.by_subject.get(node, []) if q.predicate == RDF_TYPE}
        found |= {q.object.value for q in self.store.quads_for_pattern(node, RDF_TYPE, None)}
        return found

    def kind(self, node: ox.NamedNode) -> str | None:
        """The node's kind (:func:`positions.checking.near.kind_of`), else its scheme."""
        found = kind_of(self.types(node), self.supers)
        if found is None:
            schemes = self._values(node, IN_SCHEME.value)
            found = min((s for s, _ in schemes), default=None)
        return found

    def names(self, node: ox.NamedNode) -> list[str]:
        """The node's labels and other names, in the files and in the base."""
        return [text for p in NAME_PREDICATES for text, _ in self._values(node, p)]

    def label(self, node: ox.NamedNode) -> str | None:
        """The label shown beside the node (:mod:`positions.rdf.labels`)."""
        return label_of(lambda predicate: self._values(node, predicate))

    def _values(self, node: ox.NamedNode, predicate: str) -> list[tuple[str, str | None]]:
        wanted = ox.NamedNode(predicate)
        terms = [q.object for q in self.by_subject.get(node, []) if q.predicate == wanted]
        terms += [q.object for q in self.store.quads_for_pattern(node, wanted, None)]
        return list(
            dict.fromkeys(
                (t.value, t.language) if isinstance(t, ox.Literal) else (t.value, None)
                for t in terms
            )
        )

    def base_nodes(self, kind: str) -> list[Candidate]:
        """The base's named nodes of ``kind`` (a class, or a concept scheme), with their names.

        Pattern look-ups on the store's indexes (the nodes of each subclass, then
        their names): a SPARQL join over every typed node costs far more on a large base.
        """
        if self._is_scheme(kind):
            nodes = self.store.quads_for_pattern(None, IN_SCHEME, ox.NamedNode(kind))
        else:
            classes = [c for c, above in self.supers.items() if kind in above] or [kind]
            nodes = (
                q
                for c in sorted(set(classes) | {kind})
                for q in self.store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(c))
            )
        found = named(q.subject for q in nodes)
        predicates = [ox.NamedNode(p) for p in NAME_PREDICATES]
        return [
            Candidate(
                node.value,
                kind,
                tuple(
                    q.object.value
                    for p in predicates
                    for q in self.store.quads_for_pattern(node, p, None)
                    if isinstance(q.object, ox.Literal)
                ),
            )
            for node in sorted(found, key=lambda n: n.value)
        ]

    def more_than(self, kind: str, limit: int) -> bool:
        """Whether the base has more than ``limit`` nodes of ``kind`` (counted up to it)."""
        if self._is_scheme(kind):
            match = f"?node <{IN_SCHEME.value}> <{kind}> ."
        else:
            classes = {c for c, above in self.supers.items() if kind in above} | {kind}
            values = " ".join(f"<{c}>" for c in sorted(classes))
            match = f"VALUES ?class {{ {values} }} ?node a ?class ."
        rows = self.store.query(
            f"SELECT DISTINCT ?node WHERE {{ {match} }} LIMIT {limit + 1}",
            use_default_graph_as_union=True,
        )
        return sum(1 for _ in rows) > limit

    def named_exactly(self, kind: str, node: ox.NamedNode) -> list[Candidate]:
        """The base's nodes of ``kind`` with one of ``node``'s names exactly (as written,
        tagged as it is, untagged or in English): look-ups on the store's index of values,
        at any size of base."""
        found: dict[str, list[str]] = {}
        for predicate in NAME_PREDICATES:
            for text, language in self._values(node, predicate):
                forms = {ox.Literal(text), ox.Literal(text, language="en")}
                if language:
                    forms.add(ox.Literal(text, language=language))
                for form in forms:
                    for other in NAME_PREDICATES:
                        wanted = ox.NamedNode(other)
                        for q in self.store.quads_for_pattern(None, wanted, form):
                            match = q.subject
                            if (
                                isinstance(match, ox.NamedNode)
                                and match != node
                                and self.kind(match) == kind
                            ):
                                found.setdefault(match.value, []).append(text)
        return [Candidate(iri, kind, tuple(dict.fromkeys(n))) for iri, n in sorted(found.items())]

    def _is_scheme(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return next(iter(self.store.quads_for_pattern(None, IN_SCHEME, node)), None) is not None

    def where(self, node: ox.NamedNode | ox.BlankNode) -> tuple[str | None, int | None]:
        """The file and line where ``node`` is written as a subject (else first mentioned)."""
        holder = self._named_holder(node)
        for source in self.files:
            if holder in {q.subject for q in source.quads}:
                return source.name, self._line(source, holder)
        for source in self.files:
            if any(q.object == holder for q in source.quads):
                return source.name, self._line(source, holder, mentions=True)
        return None, None

    def _named_holder(self, node: ox.NamedNode | ox.BlankNode) -> ox.NamedNode | ox.BlankNode:
        seen = set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            holder = next((q.subject for q in self.quads if q.object == node), None)
            if holder is None:
                break
            node = holder
        return node

    def _line(self, source: SourceFile, node: object, *, mentions: bool = False) -> int | None:
        if not isinstance(node, ox.NamedNode):
            return None
        index = self._indexes.get(id(source))
        if index is None:
            index = self._indexes[id(source)] = LineIndex(source.text_lines)
        return iri_line(index, node.value, source.prefixes, mentions=mentions)


def named(nodes: Iterable[object]) -> list[ox.NamedNode]:
    """The named nodes among ``nodes``, each once, in order."""
    return list(dict.fromkeys(n for n in nodes if isinstance(n, ox.NamedNode)))
