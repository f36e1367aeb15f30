"""The checks beyond SHACL Core: the SPARQL rules of ``checks/*.rq`` and the problems they find.

Rules that need a date comparison or a join across nodes are kept out of the
shapes because pyshacl parses a ``sh:sparql`` query anew for every focus node
(docs/performance.md); pyoxigraph runs each in milliseconds over the whole base.
Each row of a check's SELECT is one violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.checking.report import VIOLATION, Problem
from positions.checking.sources import SourceFile
from positions.checking.terms import node_label, ox_text

if TYPE_CHECKING:  # rdflib costs half a second to import: see positions.checking.validate
    from rdflib import Graph

    from positions.checking.locate import Locator

CHECKS_DIR = Path(__file__).parent / "checks"


@dataclass(frozen=True)
class Check:
    """One rule of ``checks/*.rq``: a SPARQL SELECT whose rows are violations.

    The query binds ``?this`` (the focus node), ``?value`` and ``?path`` (an IRI,
    or a string for a longer path); the message is a template whose ``{name}``
    fields are filled from the row.
    """

    name: str
    summary: str
    message: str
    query: str

    @classmethod
    def from_file(cls, path: Path) -> Check:
        text = path.read_text(encoding="utf-8")
        headers = dict(
            (m.group(1), m.group(2).strip()) for m in re.finditer(r"^#\+ (\w+):(.*)$", text, re.M)
        )
        return cls(path.stem, headers.get("summary", ""), headers["message"], text)


def load_checks(folder: Path = CHECKS_DIR) -> list[Check]:
    """The checks of ``folder`` (default: ``checks/``), in the order of their names."""
    return [Check.from_file(path) for path in sorted(folder.glob("*.rq"))]


def check_problems(
    files: list[SourceFile],
    data: Graph,
    locator: Locator,
    *,
    only: list[str] | None = None,
    store: ox.Store | None = None,
) -> Iterator[Problem]:
    """The problems every check finds in the union of ``files`` (or of ``store``'s graphs).

    With ``only`` (IRIs: the new nodes of :mod:`.incremental`), ``?this`` is bound
    to each of them in turn by a VALUES block.
    """
    if only is not None and not only:
        return
    union = store is not None
    if store is None:
        store = ox.Store()
        for source in files:
            store.extend(source.quads)
    values = "VALUES ?this { " + " ".join(f"<{iri}>" for iri in only) + " }\n" if only else ""
    for check in load_checks():
        # The VALUES block goes first inside the outer WHERE, so that the engine
        # starts from the new nodes instead of scanning every statement.
        text = check.query.replace("WHERE {", "WHERE {\n" + values, 1) if values else check.query
        rows = store.query(text, use_default_graph_as_union=union)
        yield from _check_rows(check, rows, data, locator)


def _check_rows(check: Check, solutions: Any, data: Graph, locator: Locator) -> Iterator[Problem]:
    """One problem per row of a check's SELECT."""
    from rdflib import BNode, URIRef

    names = [variable.value for variable in solutions.variables]
    for row in solutions:
        bindings = {name: ox_text(row[name]) for name in names if row[name] is not None}
        this = row["this"]
        focus = URIRef(this.value) if isinstance(this, ox.NamedNode) else BNode(this.value)
        where = locator.locate(focus)
        value = row["value"]
        yield Problem(
            file=where.file,
            line=where.line,
            focus=where.iri,
            focus_compact=where.compact,
            label=node_label(data, where.named),
            path=bindings.get("path"),
            value=ox_text(value) if value is not None else None,
            severity=VIOLATION,
            message=_fill(check.message, bindings),
            source_shape=f"checks/{check.name}.rq",
        )


def _fill(template: str, bindings: dict[str, str]) -> str:
    """Fill ``{name}`` fields; an unbound field reads as an open bound."""
    return re.sub(r"\{(\w+)\}", lambda m: bindings.get(m.group(1), "an unknown date"), template)
