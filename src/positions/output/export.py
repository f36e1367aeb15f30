"""Export a base as Turtle, N-Triples, TriG, N-Quads, JSON-LD or RDF/XML, with a VoID/DCAT
description, the same bytes for the same input.

What goes out: the data files, the ontology (unless left out), the shapes (if
asked) and a description of the dataset (unless left out).  Graph-less formats
(Turtle, N-Triples, JSON-LD, RDF/XML) carry the union of those files' triples;
TriG and N-Quads keep one named graph per file of the base, named by
:func:`rdfio.graph_iri` (``https://w3id.org/positions/graph/data/parties.ttl``),
with the description in the default graph.

Determinism: blank nodes are relabelled from their content
(:func:`turtle.blank_node_labels`), line formats are sorted, Turtle and TriG come
from :mod:`positions.rdf.turtle`, JSON-LD keys are sorted, and nothing depends on
the clock: the description's date is the ontology's ``dcterms:modified``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from positions.base.layout import LARGE_BASE_BYTES
from positions.errors import FileSystemError, UsageError
from positions.output.export_stream import DataFacts
from positions.rdf import rdfio
from positions.rdf.namespaces import DATA, PREFIXES
from positions.rdf.turtle import blank_node_labels, serialize_trig, serialize_turtle

if TYPE_CHECKING:
    from positions.base.local import LocalBase

DATASET = ox.NamedNode(DATA + "dataset")
DATA_LICENCE = ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")
CONTEXT_FILE = "context.jsonld"  # in ontology/; maps the prefixes of namespaces.PREFIXES
HEADER = (
    "Exported by positions from the files of a knowledge base; edit those, not this.\n"
    "Identical input gives identical bytes."
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = ox.NamedNode(RDF + "type")
OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
XSD = "http://www.w3.org/2001/XMLSchema#"


class Format(StrEnum):
    """The formats ``positions export --format`` writes."""

    turtle = "turtle"
    nt = "nt"
    trig = "trig"
    nquads = "nquads"
    jsonld = "jsonld"
    rdfxml = "rdfxml"

    @classmethod
    def parse(cls, text: str) -> Format:
        """The format ``text`` names: its value, or a name another tool uses for it
        (``ntriples`` as ``positions query -f`` says, ``ttl``, ``n-quads``, ``json-ld``,
        ``xml``); a UsageError listing the formats otherwise."""
        word = text.strip().lower()
        try:
            return cls(FORMAT_ALIASES.get(word, word))
        except ValueError:
            known = ", ".join(f.value for f in cls)
            raise UsageError(f"--format {text!r} is not one of: {known}") from None


FORMAT_ALIASES = {
    "ntriples": "nt",
    "n-triples": "nt",
    "ttl": "turtle",
    "nq": "nquads",
    "n-quads": "nquads",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf/xml": "rdfxml",
}


@dataclass(frozen=True)
class Graph:
    """One file of the base as it goes out: its graph name and its triples."""

    name: ox.NamedNode | None  # None: the default graph (the description)
    triples: list[ox.Triple]


# The graph of the triples RDFS entailment adds (made in the store by the entail helper).
INFERRED = "inferred"
INFERRED_GRAPH = rdfio.graph_iri(INFERRED)


def export(
    kb: LocalBase,
    fmt: Format | str = Format.turtle,
    *,
    include_ontology: bool = True,
    include_shapes: bool = False,
    include_description: bool = True,
    sparql_endpoint: str | None = None,
    include_inferred: bool = False,
) -> bytes:
    """The base written in ``fmt``; the same base gives the same bytes."""
    buffer = io.BytesIO()
    write_export(
        kb,
        fmt,
        buffer,
        include_ontology=include_ontology,
        include_shapes=include_shapes,
        include_description=include_description,
        sparql_endpoint=sparql_endpoint,
        include_inferred=include_inferred,
    )
    return buffer.getvalue()


def write_export(
    kb: LocalBase,
    fmt: Format | str,
    out: IO[bytes],
    *,
    include_ontology: bool = True,
    include_shapes: bool = False,
    include_description: bool = True,
    sparql_endpoint: str | None = None,
    include_inferred: bool = False,
) -> None:
    """Write the base in ``fmt`` to ``out``, streaming from the store where it can.

    N-Triples and N-Quads always, Turtle and TriG of a large base, come from
    pyoxigraph's serialisers graph by graph (:mod:`positions.output.export_stream`);
    on a terminal a bar shows the files done.  ``include_inferred`` adds the
    graph of inferred triples (:data:`INFERRED_GRAPH`) when the store has one.
    """
    fmt = Format(fmt)
    large = kb.layout.data_bytes() >= LARGE_BASE_BYTES
    if fmt in (Format.nt, Format.nquads) or (large and fmt in (Format.turtle, Format.trig)):
        from positions.output.export_stream import stream_export

        chosen = store_graphs(
            kb, include_ontology=include_ontology, include_inferred=include_inferred
        )
        shapes = kb.layout.shapes_files() if include_shapes else []
        describe = None
        if include_description:

            def describe(facts: DataFacts) -> list[ox.Triple]:
                return describe_dataset(kb, sparql_endpoint=sparql_endpoint, facts=facts)

        stream_export(kb, fmt.value, out, chosen, shapes, describe, HEADER)
        return
    graphs = collect_graphs(
        kb,
        include_ontology=include_ontology,
        include_shapes=include_shapes,
        include_inferred=include_inferred,
    )
    if include_description:
        graphs.insert(0, Graph(None, describe_dataset(kb, sparql_endpoint=sparql_endpoint)))
    out.write(WRITERS[fmt](kb, graphs))


def export_base(
    kb: LocalBase,
    fmt: str,
    *,
    output: Path | None = None,
    to: IO[bytes] | None = None,
    **options: object,
) -> bytes:
    """The export of ``kb`` in ``fmt`` (:meth:`Format.parse`): written atomically to the file
    ``output`` (never inside the base), or into the stream ``to``, or else returned."""
    from functools import partial

    chosen = Format.parse(fmt)
    if output is not None:
        refuse_output_inside_base(kb, output)
        write_atomically(output, partial(write_export, kb, chosen, **options))
        return b""
    if to is not None:
        write_export(kb, chosen, to, **options)
        return b""
    buffer = io.BytesIO()
    write_export(kb, chosen, buffer, **options)
    return buffer.getvalue()


def has_inferred_graph(kb: LocalBase) -> bool:
    """Whether the store holds the graph of inferred triples (``export --closure``)."""
    return kb.store.contains_named_graph(INFERRED_GRAPH)


def store_graphs(
    kb: LocalBase, *, include_ontology: bool = True, include_inferred: bool = False
) -> list[tuple[str, ox.NamedNode]]:
    """The graphs of the store to export, by file name (``inferred`` for the closure)."""
    files = list(kb.layout.data_files())
    if include_ontology:
        files += kb.layout.ontology_files()
    names = [kb.relative(path) for path in files]
    if include_inferred and has_inferred_graph(kb):
        names.append(INFERRED)
    return [(name, rdfio.graph_iri(name)) for name in sorted(names)]


def collect_graphs(
    kb: LocalBase,
    *,
    include_ontology: bool = True,
    include_shapes: bool = False,
    include_inferred: bool = False,
) -> list[Graph]:
    """The files to export, each as a named graph, sorted by file name."""
    graphs = []
    chosen = store_graphs(kb, include_ontology=include_ontology, include_inferred=include_inferred)
    for _name, graph in chosen:
        triples = [q.triple for q in kb.store.quads_for_pattern(None, None, None, graph)]
        graphs.append(Graph(graph, triples))
    if include_shapes:  # shapes are not in the store: queries do not see them
        for path in kb.layout.shapes_files():
            name = rdfio.graph_iri(kb.relative(path))
            graphs.append(Graph(name, [q.triple for q in rdfio.read_rdf(path, name)]))
    return graphs


# -- the dataset description -----------------------------------------------------------


def describe_dataset(
    kb: LocalBase, *, sparql_endpoint: str | None = None, facts: DataFacts | None = None
) -> list[ox.Triple]:
    """A VoID and DCAT description of the data of ``kb``, for others to find and cite it.

    Counts are over the files of ``data/``.  The date is the newest
    ``dcterms:modified`` of an ``owl:Ontology`` in ``ontology/`` (absent if none):
    a date read from the clock or from file times would change the bytes of
    every export.  ``facts``: the figures, when the caller has counted them
    (:func:`positions.output.export_stream.facts_from_lines`); else the store does.
    """
    facts = facts if facts is not None else _data_facts(kb)
    ds = DATASET
    out = [
        ox.Triple(ds, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
        ox.Triple(ds, RDF_TYPE, ox.NamedNode(DCAT + "Dataset")),
        ox.Triple(ds, _dc("title"), ox.Literal("positions: negotiation positions", language="en")),
        ox.Triple(
            ds,
            _dc("description"),
            ox.Literal(
                "Demands, stated positions and responses of the parties to a negotiation, "
                "the meetings where they were made and the sources that report them, with "
                "provenance for every statement.",
                language="en",
            ),
        ),
        ox.Triple(ds, _dc("license"), DATA_LICENCE),
        ox.Triple(ds, ox.NamedNode(VOID + "uriSpace"), ox.Literal(DATA)),
        ox.Triple(ds, ox.NamedNode(VOID + "triples"), _integer(facts.triples)),
        ox.Triple(ds, ox.NamedNode(VOID + "entities"), _integer(facts.entities)),
    ]
    created = _ontology_date(kb)
    if created is not None:
        out.append(ox.Triple(ds, _dc("created"), created))
    out += [ox.Triple(ds, ox.NamedNode(VOID + "vocabulary"), v) for v in facts.vocabularies]
    out += [ox.Triple(ds, ox.NamedNode(VOID + "exampleResource"), r) for r in facts.examples]
    if sparql_endpoint:
        out.append(ox.Triple(ds, ox.NamedNode(VOID + "sparqlEndpoint"), _iri(sparql_endpoint)))
    return out


def _dc(name: str) -> ox.NamedNode:
    return ox.NamedNode(DCTERMS + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _iri(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        raise UsageError(f"--sparql-endpoint {value!r} is not a valid IRI: {error}") from None


def _data_facts(kb: LocalBase) -> DataFacts:
    """The description's figures, computed by the store (a few SPARQL queries, no
    Python object per triple: seconds at a million statements)."""
    graphs = " ".join(str(rdfio.graph_iri(kb.relative(p))) for p in kb.layout.data_files())
    within = f"VALUES ?g {{ {graphs} }} GRAPH ?g"

    def rows(text: str) -> list:
        return list(kb.store.query(text))

    # One pass over the data for the counts and the predicates (a scan each
    # cost as much as the dump of the whole base at 10k); the types by index.
    (first,) = rows(
        "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?named) AS ?e) "
        "(GROUP_CONCAT(DISTINCT STR(?p); separator=' ') AS ?ps) WHERE { "
        f"{{ SELECT DISTINCT ?s ?p ?o WHERE {{ {within} {{ ?s ?p ?o }} }} }} "
        "BIND(IF(isIRI(?s), ?s, ?nothing) AS ?named) }"
    )
    terms = set(first["ps"].value.split()) if first["ps"] is not None else set()
    typed = rows(f"SELECT DISTINCT ?c WHERE {{ {within} {{ ?s <{RDF_TYPE.value}> ?c }} }}")
    terms |= {r["c"].value for r in typed}
    found = {
        namespace
        for namespace in PREFIXES.values()
        if namespace != DATA and any(term.startswith(namespace) for term in terms)
    }
    firsts = rows(
        f"SELECT ?c (MIN(STR(?s)) AS ?first) WHERE {{ {within} {{ ?s <{RDF_TYPE.value}> ?c }} "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{DATA}")) }} GROUP BY ?c'
    )
    return DataFacts(
        triples=int(first["n"].value),
        entities=int(first["e"].value),
        vocabularies=[ox.NamedNode(ns) for ns in sorted(found)],
        examples=[ox.NamedNode(iri) for iri in sorted({r["first"].value for r in firsts})],
    )


def _ontology_date(kb: LocalBase) -> ox.Literal | None:
    modified = _dc("modified")
    dates = []
    for path in kb.layout.ontology_files():
        graph = rdfio.graph_iri(kb.relative(path))
        for header in kb.store.quads_for_pattern(None, RDF_TYPE, OWL_ONTOLOGY, graph):
            for quad in kb.store.quads_for_pattern(header.subject, modified, None, graph):
                if isinstance(quad.object, ox.Literal):
                    dates.append(quad.object)
    return max(dates, key=lambda d: d.value) if dates else None


# -- writers -------------------------------------------------------------------------------


def _triple_key(t: ox.Triple) -> tuple[str, str, str]:
    return (str(t.subject), str(t.predicate), str(t.object))


def _relabel(triples: Iterable[ox.Triple], salt: str = "") -> list[ox.Triple]:
    """The triples with content-derived blank node labels, sorted."""
    triples = list(triples)
    labels = blank_node_labels(triples, salt=salt)
    if not labels:
        return sorted(set(triples), key=_triple_key)
    nodes = {b: ox.BlankNode(label) for b, label in labels.items()}

    def swap(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
        return nodes.get(term, term) if isinstance(term, ox.BlankNode) else term

    relabelled = {ox.Triple(swap(t.subject), t.predicate, swap(t.object)) for t in triples}
    return sorted(relabelled, key=_triple_key)


def _all_triples(graphs: list[Graph]) -> list[ox.Triple]:
    return [t for g in graphs for t in g.triples]


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines(keepends=True)))
    return b"".join(lines)


def write_turtle(kb: LocalBase, graphs: list[Graph]) -> bytes:
    return serialize_turtle(_all_triples(graphs), PREFIXES, HEADER).encode("utf-8")


def write_ntriples(kb: LocalBase, graphs: list[Graph]) -> bytes:
    triples = _relabel(_all_triples(graphs))
    return _sorted_lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def write_nquads(kb: LocalBase, graphs: list[Graph]) -> bytes:
    quads = []
    for graph in graphs:
        name = graph.name or ox.DefaultGraph()
        salt = graph.name.value if graph.name else ""
        quads += [
            ox.Quad(t.subject, t.predicate, t.object, name) for t in _relabel(graph.triples, salt)
        ]
    return _sorted_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))


def write_trig(kb: LocalBase, graphs: list[Graph]) -> bytes:
    return serialize_trig(((g.name, g.triples) for g in graphs), PREFIXES, HEADER).encode("utf-8")


def write_rdfxml(kb: LocalBase, graphs: list[Graph]) -> bytes:
    triples = _relabel(_all_triples(graphs))
    try:
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES)
    except (ValueError, SyntaxError) as error:
        # e.g. a predicate IRI that cannot be split into an XML qualified name
        raise UsageError(f"the base cannot be written as RDF/XML: {error}") from None


def write_jsonld(kb: LocalBase, graphs: list[Graph]) -> bytes:
    """Compacted JSON-LD with the shipped context inline, so the file stands alone."""
    jsonld = _pyld()
    context = load_context(kb)
    # pyld's own N-Quads parser unescapes in the wrong order (the two characters
    # backslash, r come back as backslash, carriage return), so it gets the dataset
    # in its internal form, built from pyoxigraph's terms, and parses nothing.
    dataset = {"@default": [_pyld_triple(t) for t in _relabel(_all_triples(graphs))]}
    options = {"documentLoader": _refusing_loader(jsonld)}
    expanded = jsonld.from_rdf(dataset, options)
    compacted = jsonld.compact(expanded, context, {"graph": True, **options})
    compacted.setdefault("@graph", []).sort(key=lambda node: node.get("@id", ""))
    text = json.dumps(compacted, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _pyld_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    literal = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    if term.language:
        literal["language"] = term.language
    return literal


def _pyld_triple(triple: ox.Triple) -> dict[str, dict[str, str]]:
    """One triple as pyld's ``from_rdf`` takes it (the shape its ``parse_nquads`` returns)."""
    return {
        "subject": _pyld_term(triple.subject),
        "predicate": _pyld_term(triple.predicate),
        "object": _pyld_term(triple.object),
    }


WRITERS: dict[Format, Callable[[LocalBase, list[Graph]], bytes]] = {
    Format.turtle: write_turtle,
    Format.nt: write_ntriples,
    Format.trig: write_trig,
    Format.nquads: write_nquads,
    Format.jsonld: write_jsonld,
    Format.rdfxml: write_rdfxml,
}


# -- JSON-LD context ------------------------------------------------------------------------


def context_document(prefixes: dict[str, str] = PREFIXES) -> dict[str, dict[str, str]]:
    """The JSON-LD context that ``ontology/context.jsonld`` holds: one term per prefix."""
    return {"@context": dict(sorted(prefixes.items()))}


def context_text(prefixes: dict[str, str] = PREFIXES) -> str:
    """The text of ``ontology/context.jsonld`` (regenerate it with this after a prefix change)."""
    return json.dumps(context_document(prefixes), indent=2, sort_keys=True) + "\n"


def load_context(kb: LocalBase) -> dict:
    """The base's ``ontology/context.jsonld``, else one made from the prefixes."""
    path = kb.layout.ontology_dir / CONTEXT_FILE
    if not path.is_file():
        return context_document()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: not a readable JSON-LD context: {error}") from None
    context = document.get("@context") if isinstance(document, dict) else None
    if not isinstance(context, dict) or not all(isinstance(v, str) for v in context.values()):
        # only prefix -> namespace maps: a context that imports others would be fetched
        raise UsageError(f"{path}: the context must map prefixes to namespace IRIs")
    return {"@context": context}


def _pyld():
    try:
        from pyld import jsonld
    except ImportError:
        raise UsageError("JSON-LD export needs pyld; install it with: pip install pyld") from None
    return jsonld


def _refusing_loader(jsonld):
    """A document loader that loads nothing: the context is passed inline, never fetched."""

    def refuse(url: str, options: dict | None = None) -> dict:
        raise jsonld.JsonLdError(
            f"positions does not load JSON-LD documents ({url})",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )

    return refuse


# -- writing a file atomically ------------------------------------------------------------------


def refuse_output_inside_base(kb: LocalBase, output: Path) -> None:
    """Refuse an output file inside the base's own folders (``ontology/``, ``data/``,
    ``queries/``, and the cache): it would be read back as part of the base, or
    replace a file of it."""
    from positions.base.layout import CACHE_ROOT

    target = output.expanduser().resolve()
    layout = kb.layout
    for folder in (layout.data_dir, layout.ontology_dir, layout.queries_dir, kb.root / CACHE_ROOT):
        inside = folder.resolve()
        if target == inside or inside in target.parents:
            raise UsageError(
                f"--output {output} is inside {folder}, one of the base's own folders: the "
                "file would be read back as part of the base or replace one of its files; "
                "write it elsewhere"
            )


def write_atomically(path: Path, content: bytes | Callable[[IO[bytes]], None]) -> None:
    """Replace ``path`` with ``content`` all at once: readers see the old file or the new one.

    ``content`` is the bytes, or a function that writes them to the file it is
    given (an export streams into it).  The file gets the mode a new file gets
    under the user's umask (0644 under the usual 022), as ``report -o`` and
    any other program's output would, not the 0600 of a temporary file.
    """
    try:
        with _temporary_beside(path) as (handle, temporary):
            if callable(content):
                content(handle)
            else:
                handle.write(content)
            handle.flush()
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
            handle.close()
            os.replace(temporary, path)
    except OSError as error:  # no space, no permission, a read-only folder
        kept = f"{path} is as it was" if path.exists() else "nothing was written"
        raise FileSystemError(error, path, kept) from None
    _fsync_folder(path.parent)


@contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[IO[bytes], Path]]:
    """A temporary file in ``path``'s folder (so ``os.replace`` is a rename), removed on error."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise FileSystemError(error, folder, "nothing was written", doing="write to") from None
    temporary = Path(name)
    handle = os.fdopen(descriptor, "wb")
    try:
        yield handle, temporary
    except BaseException:
        handle.close()
        temporary.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
