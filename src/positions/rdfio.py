"""The one gate every RDF file passes on its way into a base.

Files are parsed with pyoxigraph's strict parser (it refuses much that rdflib's
lets through, and says where); parse errors become :class:`InputError` naming
the file, line and column and quoting the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from positions.errors import InputError, Position

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


def format_for(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise InputError(
            Position(path), f"unknown RDF file type {path.suffix!r} (known: {known})"
        ) from None


def read_rdf(path: Path, graph: ox.NamedNode | None = None) -> list[ox.Quad]:
    """Parse one file strictly into quads (into ``graph`` when given)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(Position(path), f"cannot read the file: {error.strerror}") from None
    return parse_bytes(data, path, format_for(path), graph)


def parse_bytes(
    data: bytes, path: Path, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None
) -> list[ox.Quad]:
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=None, to_graph=graph))
    except SyntaxError as error:
        raise _input_error(error, path, data) from None
    return quads


def _input_error(error: SyntaxError, path: Path, data: bytes) -> InputError:
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    problem = str(error.msg if hasattr(error, "msg") else error)
    # pyoxigraph prefixes its message with the range; keep only what is wrong.
    if ": " in problem and problem.startswith("Parser error"):
        problem = problem.split(": ", 1)[1]
    excerpt = None
    if line:
        lines = data.decode("utf-8", errors="replace").splitlines()
        if 0 < line <= len(lines):
            excerpt = lines[line - 1]
    return InputError(Position(path, line, column), problem, excerpt)


def graph_iri(relative: str) -> ox.NamedNode:
    """The named graph that holds one file of the base, e.g. ``data/statements.ttl``."""
    return ox.NamedNode(f"https://w3id.org/positions/graph/{relative}")


def load_files(store: ox.Store, files: Iterable[tuple[Path, str]]) -> None:
    """Load ``(path, relative name)`` pairs into ``store``, one named graph per file."""
    for path, relative in files:
        store.extend(read_rdf(path, graph_iri(relative)))
