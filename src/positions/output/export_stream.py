"""Export a large base at the speed of its store: pyoxigraph's own serialisers, graph by graph.

The writers of :mod:`positions.output.export` build every triple as a Python
object, label blank nodes by rendering them as Turtle, and sort (about two
minutes for a 30,000-statement base, issue 21).  Here pyoxigraph dumps each
graph of the store as N-Triples (in Rust); only the lines that hold a blank node
are read in Python, to label their nodes from their content and referrer
(:func:`labels`, salted by the graph's name for N-Quads), so that the same base
gives the same bytes however its store was built.  Then:

* N-Triples and N-Quads: the lines, sorted and unique as bytes;
* Turtle and TriG of a large base: those sorted lines parsed back by
  pyoxigraph and written by its own Turtle or TriG serialiser, with the
  base's prefixes (deterministic, but laid out by pyoxigraph: blank nodes by
  label, not inline; a small base keeps the canonical writer of
  :mod:`positions.rdf.turtle`).

``progress(graph, size)`` is called after each graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.rdf import rdfio
from positions.rdf.namespaces import PREFIXES

if TYPE_CHECKING:
    from positions.base.local import LocalBase

Progress = Callable[[str, int], None]


def stream_export(
    kb: LocalBase,
    fmt: str,
    out: IO[bytes],
    graphs: list[tuple[str, ox.NamedNode]],
    shapes: list[Path],
    describe: Callable[[Any], list[ox.Triple]] | None,
    header: str,
) -> None:
    """Write ``graphs`` of the store (name, graph), the ``shapes`` files and the
    description (``describe(facts)``, in the default graph, counted here from the
    lines of the ``data/`` graphs) to ``out`` in ``fmt`` (nt, nquads, turtle, trig)."""
    from positions.progress import ByteProgress

    quads = fmt in ("nquads", "trig")
    parts: list[list[bytes]] = []
    counter = FactCounter()
    sizes = {name: _size(kb.root / name) for name, _graph in graphs}
    with ByteProgress(sum(sizes.values()), f"exporting {fmt}") as progress:
        for name, graph in graphs:
            lines = graph_lines(kb.store, graph, salt=graph.value if quads else "")
            if name.startswith("data/"):
                counter.add(lines)
            parts.append(in_graph(lines, graph) if quads else lines)
            progress(name, sizes[name])
    if describe is not None:
        dumped = ox.serialize(describe(counter.facts()), format=ox.RdfFormat.N_TRIPLES)
        parts.insert(0, dumped.splitlines(keepends=True))
    for path in shapes:  # shapes are not in the store: queries do not see them
        graph = rdfio.graph_iri(kb.relative(path))
        dumped = ox.serialize(
            [q.triple for q in rdfio.read_rdf(path, graph)], format=ox.RdfFormat.N_TRIPLES
        )
        if quads:
            parts.append(relabelled_lines(dumped, salt=graph.value, graph=graph))
        else:
            parts.append(relabelled_lines(dumped))
    if fmt == "trig":  # graph by graph, each sorted: one block per graph
        write_trig_from_lines(out, [line for p in parts for line in sorted_unique(p)], header)
        return
    lines = sorted_unique(line for part in parts for line in part)
    parts.clear()
    if fmt == "turtle":
        write_turtle_from_lines(out, lines, header)
    else:
        write_lines(out, lines)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # the inferred graph has no file
        return 0


def graph_lines(store: ox.Store, graph: ox.NamedNode, *, salt: str = "") -> list[bytes]:
    """One graph of the store as N-Triples lines, blank nodes relabelled."""
    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    return relabelled_lines(dumped, salt=salt)


def in_graph(lines: list[bytes], graph: ox.NamedNode) -> list[bytes]:
    """N-Triples lines as N-Quads lines in ``graph``."""
    suffix = b" " + str(graph).encode("utf-8") + b" .\n"
    return [line[: line.rindex(b" .")] + suffix for line in lines]


RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@dataclass(frozen=True)
class DataFacts:
    """What the description counts in the data files: distinct triples, named subjects,
    the namespaces of the terms used, and the first resource of each class."""

    triples: int
    entities: int
    vocabularies: list[ox.NamedNode]
    examples: list[ox.NamedNode]


class FactCounter:
    """The figures of the dataset description, counted from the data graphs' lines as
    :func:`positions.output.export.describe_dataset` has the store count them (the
    same figures: tests/test_export.py): distinct triples (a blank node of one file is
    never one of another's), named subjects, predicates and classes, and the least
    subject of the data namespace of each class."""

    def __init__(self) -> None:
        from positions.rdf.namespaces import DATA

        self.data = ("<" + DATA).encode("utf-8")
        self.plain: set[bytes] = set()
        self.blank = 0
        self.subjects: set[bytes] = set()
        self.terms: set[bytes] = set()
        self.first: dict[bytes, bytes] = {}

    def add(self, lines: list[bytes]) -> None:
        for line in lines:
            subject, predicate, rest = line.split(b" ", 2)
            if subject.startswith(b"_:") or rest.startswith(b"_:"):
                self.blank += 1
            else:
                self.plain.add(line)
            if subject.startswith(b"<"):
                self.subjects.add(subject)
            self.terms.add(predicate)
            if predicate == RDF_TYPE:
                kind = rest[: rest.rindex(b" .")]
                self.terms.add(kind)
                if subject.startswith(self.data) and subject < self.first.get(kind, b"\xff"):
                    self.first[kind] = subject

    def facts(self) -> DataFacts:
        from positions.rdf.namespaces import DATA

        terms = {t[1:-1].decode("utf-8") for t in self.terms if t.startswith(b"<")}
        found = {
            ns for ns in PREFIXES.values() if ns != DATA and any(t.startswith(ns) for t in terms)
        }
        examples = {s[1:-1].decode("utf-8") for s in self.first.values()}
        return DataFacts(
            triples=len(self.plain) + self.blank,
            entities=len(self.subjects),
            vocabularies=[ox.NamedNode(ns) for ns in sorted(found)],
            examples=[ox.NamedNode(iri) for iri in sorted(examples)],
        )


def relabelled_lines(
    dumped: bytes, *, salt: str = "", graph: ox.NamedNode | None = None
) -> list[bytes]:
    """N-Triples ``dumped`` as lines, blank nodes labelled from their content (:func:`labels`).

    With ``graph``, each line is an N-Quads line in that graph.
    """
    lines = dumped.splitlines(keepends=True)
    if b"_:" not in dumped:  # no blank node (the ontology, most files of people)
        return lines if graph is None else in_graph(lines, graph)
    plain = [line for line in lines if b"_:" not in line]
    blank = [line for line in lines if b"_:" in line]
    if blank:
        # A "_:" may also sit inside a literal or an IRI: such a line is parsed
        # and written again like the others (only blank nodes change).
        triples = list(ox.parse(b"".join(blank), format=ox.RdfFormat.N_TRIPLES))
        nodes = {b: ox.BlankNode(label) for b, label in labels(triples, salt).items()}

        def swap(term: object) -> object:
            return nodes.get(term, term) if isinstance(term, ox.BlankNode) else term

        relabelled = [
            ox.Triple(swap(t.subject), t.predicate, swap(t.object))  # type: ignore[arg-type]
            for t in triples
        ]
        plain += ox.serialize(relabelled, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    return plain if graph is None else in_graph(plain, graph)


def labels(triples: list[ox.Triple], salt: str = "") -> dict[ox.BlankNode, str]:
    """A label for each blank node of ``triples``, from what it says and who points to it.

    A node's content is its predicates and objects in N-Triples form, sorted,
    with a blank object replaced by that node's own content (a cycle by a
    mark); its label hashes the salt, the node that links to it (the least of
    its referrers, in N-Triples form, or nothing) with the predicate, and its
    content.  Nodes with the same label are interchangeable (the same content
    under the same link) and are numbered in turn.  Unlike
    :func:`positions.rdf.turtle.blank_node_labels`, nothing is rendered as
    Turtle: a few string operations per triple, so that a large base's
    evidence and periods cost little beside the dump.
    """
    content: dict[ox.BlankNode, list[tuple[str, object]]] = {}
    referrers: dict[ox.BlankNode, list[tuple[object, str]]] = {}
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            content.setdefault(t.subject, []).append((str(t.predicate), t.object))
        if isinstance(t.object, ox.BlankNode):
            referrers.setdefault(t.object, []).append((t.subject, str(t.predicate)))
    digests: dict[ox.BlankNode, str] = {}

    def digest(node: ox.BlankNode, visiting: frozenset = frozenset()) -> str:
        if node in digests:
            return digests[node]
        if node in visiting:
            return "(cycle)"
        inner = visiting | {node}
        parts = sorted(
            f"{p} {digest(o, inner) if isinstance(o, ox.BlankNode) else o}"
            for p, o in content.get(node, [])
        )
        digests[node] = _hash("\n".join(parts))
        return digests[node]

    # Top down: a node is labelled after the blank nodes that link to it, so that
    # the link names the parent's label (identical siblings' children follow them).
    found: dict[ox.BlankNode, str] = {}
    pending = set(content) | set(referrers)
    while pending:
        ready = [
            n
            for n in pending
            if all(not isinstance(h, ox.BlankNode) or h in found for h, _ in referrers.get(n, []))
        ]
        if not ready:  # a cycle of blank nodes: its nodes are named by content alone
            ready = list(pending)
        keys: dict[str, list[ox.BlankNode]] = {}
        for node in ready:
            links = [
                f"{found.get(h, '') if isinstance(h, ox.BlankNode) else h} {p}"
                for h, p in referrers.get(node, [])
            ]
            key = _hash(f"{salt}\n{min(links, default='')}\n{digest(node)}")
            keys.setdefault(key, []).append(node)
        for key, same in keys.items():
            for index, node in enumerate(same):
                found[node] = "b" + _hash(f"{key}\n{index}")[:16]
        pending.difference_update(ready)
    return found


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sorted_unique(lines: Iterable[bytes]) -> list[bytes]:
    return sorted(set(lines))


def write_lines(out: IO[bytes], lines: list[bytes], chunk: int = 65536) -> None:
    for start in range(0, len(lines), chunk):
        out.write(b"".join(lines[start : start + chunk]))


def write_turtle_from_lines(out: IO[bytes], lines: list[bytes], header: str) -> None:
    """Sorted N-Triples ``lines`` as Turtle by pyoxigraph's serialiser, with the prefixes."""
    out.write(_comment(header))
    triples = ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, out, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def write_trig_from_lines(out: IO[bytes], lines: list[bytes], header: str) -> None:
    """Sorted N-Quads ``lines`` as TriG by pyoxigraph's serialiser, with the prefixes."""
    out.write(_comment(header))
    quads = ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS)
    ox.serialize(quads, out, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)


def _comment(header: str) -> bytes:
    return "".join(f"# {line}\n" for line in header.splitlines()).encode("utf-8") + b"\n"
