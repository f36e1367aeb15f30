"""The files validation reads: each through the strict gate, with its text kept for locating.

A :class:`SourceFile` holds a file's quads (named graphs merged into one) and,
read lazily, its lines, prefixes and the nodes it writes as subjects or objects;
the helpers here choose the files: the base's, and the new ones given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.errors import UsageError
from positions.rdf import rdfio

if TYPE_CHECKING:
    from positions.base.local import LocalBase

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class SourceFile:
    """One file read through the strict gate: its quads, and its text for locating lines."""

    path: Path
    name: str
    quads: list[ox.Quad]

    @classmethod
    def read(cls, path: Path, name: str) -> SourceFile:
        """Read ``path`` through the gate; ``name`` is how problems will name it."""
        # Named graphs of TriG and N-Quads input are merged into one default
        # graph: the shapes and the checks see the union, as queries do.
        quads = rdfio.read_rdf(Path(path))
        return cls(Path(path), name, [ox.Quad(q.subject, q.predicate, q.object) for q in quads])

    @cached_property
    def text_lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8", errors="replace").split("\n")

    @cached_property
    def subjects(self) -> set[str]:
        """Keys (see :func:`node_key`) of the nodes written as subjects in this file."""
        return {node_key(q.subject) for q in self.quads}

    @cached_property
    def typed_subjects(self) -> set[str]:
        return {node_key(q.subject) for q in self.quads if q.predicate.value == RDF_TYPE}

    @cached_property
    def objects(self) -> set[str]:
        return {node_key(q.object) for q in self.quads if not isinstance(q.object, ox.Literal)}

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """The prefixes declared in a Turtle or TriG file (for finding prefixed names)."""
        found: dict[str, str] = {}
        pattern = _JSONLD_TERM if self.path.suffix.lower() == ".jsonld" else _PREFIX_LINE
        for line in self.text_lines:
            for match in pattern.finditer(line):
                found[match.group(1)] = match.group(2)
        return found


_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
# A JSON-LD context term that names a namespace: "kb": "https://.../id/".
_JSONLD_TERM = re.compile(r'"([\w.-]+)"\s*:\s*"([a-z][\w+.-]*:[^"\s]*[/#])"')


def node_key(term: Any) -> str:
    """A string key for a node that pyoxigraph and rdflib terms share."""
    value = str(term.value) if isinstance(term, (ox.NamedNode, ox.BlankNode)) else str(term)
    if isinstance(term, ox.BlankNode) or type(term).__name__ == "BNode":
        return "_:" + value
    return value


def read_base_files(kb: LocalBase) -> list[SourceFile]:
    """The base's ontology and data files, read, named relative to its root."""
    paths = kb.layout.ontology_files() + kb.layout.data_files()
    return [SourceFile.read(path, kb.relative(path)) for path in paths]


def distinct_new_files(kb: LocalBase, files: Iterable[Path | str] | None) -> list[Path]:
    """The given files, each once (a file given twice, or by two names, counts once).

    A file of the base given by name stays in the list: it is validated as
    itself, and since a graph is a set its triples are not counted twice.
    """
    if files is None:
        return []
    given = [Path(f) for f in files]
    if not given:
        raise UsageError("no file given to validate")
    seen: set[Path] = set()
    chosen: list[Path] = []
    for path in given:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            chosen.append(path)
    return chosen


def display_name(kb: LocalBase, path: Path) -> str:
    """A given file's name in problems: relative to the base root, else as written."""
    try:
        return kb.relative(path)
    except ValueError:  # outside the base: as the user wrote it
        return path.as_posix()
