"""The knowledge base as a Python object: the API that the CLI wraps.

    kb = KnowledgeBase.open("path/to/base")   # or no argument: see layout.locate_base
    result = kb.query("meeting-timeline")

Loading is lazy: a command pays only for what it touches.  Every file of the
base is loaded into a named graph of its own (see :func:`rdfio.graph_iri`), and
queries see the union of them as their default graph.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions import rdfio
from positions.layout import Layout, locate_base

if TYPE_CHECKING:  # imported lazily at run time, to keep start-up fast
    from positions.catalogue import Catalogue
    from positions.query import QueryResult


class KnowledgeBase:
    """One base on disk: its layout, its store, its saved queries."""

    def __init__(self, root: Path) -> None:
        self.layout = Layout(Path(root))

    @classmethod
    def open(cls, path: Path | str | None = None) -> KnowledgeBase:
        """Open the base at ``path`` (else $POSITIONS_KB, the current folder, the bundled one)."""
        return cls(locate_base(path))

    @property
    def root(self) -> Path:
        return self.layout.root

    def relative(self, path: Path) -> str:
        """A file's name relative to the base root, with forward slashes."""
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def content_files(self) -> list[Path]:
        """The files whose triples a query sees: the ontology and the data."""
        return self.layout.ontology_files() + self.layout.data_files()

    @cached_property
    def store(self) -> ox.Store:
        """An in-memory store holding the ontology and data, one named graph per file."""
        store = ox.Store()
        rdfio.load_files(store, ((p, self.relative(p)) for p in self.content_files()))
        return store

    def graph_names(self) -> list[ox.NamedNode]:
        """The named graphs of this base (one per file)."""
        return [rdfio.graph_iri(self.relative(p)) for p in self.content_files()]

    @cached_property
    def catalogue(self) -> Catalogue:
        from positions.catalogue import Catalogue

        return Catalogue.from_folder(self.layout.queries_dir)

    def query(self, name_or_text: str, **params: Any) -> QueryResult:
        """Run a saved query (by name or path) or SPARQL text, with parameters bound safely."""
        from positions.query import run

        return run(self, name_or_text, params)
