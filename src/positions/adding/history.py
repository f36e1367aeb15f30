"""Reading the change log back (``positions log [IRI]``): who changed what, when, and why.

    from positions.adding.history import history
    for row in history(kb, "kb:us-written-response").rows: ...

The log is the files :mod:`positions.adding.changelog` writes.  Each change
becomes one row per node and property it touched: when, the kind of change, by
whom, the node, the property, its values before and after (``(none)`` where
there were none), and the reason given.  A retracted or replaced value is read
back from the N-Triples text the log keeps, so it is shown here even though the
base no longer holds it.  The rows come as a
:class:`positions.sparql.engine.QueryResult`, so that ``-f`` renders them as it
renders a query's answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding import changelog as log
from positions.adding.facts import FactGraph, Term, Triple, parse_iri, show
from positions.rdf import rdfio
from positions.sparql.engine import QueryResult

if TYPE_CHECKING:
    from positions.base.local import LocalBase

COLUMNS = ["when", "kind", "by", "node", "property", "old", "new", "reason"]


@dataclass
class Entry:
    """One change of the log."""

    when: ox.Literal
    kind: str
    by: str
    reason: str | None
    sources: list[str]
    nodes: list[ox.NamedNode]
    removed: list[Triple] = field(default_factory=list)
    added: list[Triple] = field(default_factory=list)

    def touches(self, node: ox.NamedNode) -> bool:
        """True when the change concerns ``node``."""
        return node in self.nodes or any(t[0] == node for t in self.removed + self.added)


def entries(kb: LocalBase) -> list[Entry]:
    """Every change in the log, oldest first."""
    quads = [q for path in log.log_files(kb) for q in rdfio.read_rdf(path)]
    by_subject: dict[Term, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_subject[q.subject].append(q)
    found = []
    for facts in by_subject.values():
        if not any(q.predicate == log.RDF_TYPE and q.object == log.ACTIVITY for q in facts):
            continue
        one = {q.predicate: q.object for q in facts}
        when = one.get(log.WHEN)
        if not isinstance(when, ox.Literal):
            continue
        entry = Entry(
            when=when,
            kind=_text(one.get(log.KIND)) or "?",
            by=_text(one.get(log.BY)) or "?",
            reason=_text(one.get(log.WHY)),
            sources=sorted(q.object.value for q in facts if q.predicate == log.FROM_FILE),
            nodes=[q.object for q in facts if q.predicate == log.USED],  # type: ignore[misc]
        )
        for link, into in ((log.REMOVED, entry.removed), (log.ADDED, entry.added)):
            for q in facts:
                if q.predicate != link:
                    continue
                value = next(
                    (v.object for v in by_subject[q.object] if v.predicate == log.VALUE), None
                )
                if isinstance(value, ox.Literal):
                    into.extend(log.from_ntriples(value.value))
        found.append(entry)
    return sorted(found, key=lambda e: e.when.value)


def history(kb: LocalBase, node: str | None = None) -> QueryResult:
    """The log as rows (see the module); only the changes of ``node`` when given."""
    wanted = None
    if node is not None:
        wanted = parse_iri(node)
    rows = []
    for entry in entries(kb):
        if wanted is not None and not entry.touches(wanted):
            continue
        rows += _rows(entry, wanted)
    return QueryResult(kind="select", variables=list(COLUMNS), rows=rows)


def _rows(entry: Entry, wanted: ox.NamedNode | None) -> list[dict[str, Term | None]]:
    old, new = FactGraph(entry.removed), FactGraph(entry.added)
    changed: dict[tuple[Term, Term], None] = {}
    for graph in (old, new):
        for t in graph.triples:
            if isinstance(t[0], ox.NamedNode) and (wanted is None or t[0] == wanted):
                changed[(t[0], t[1])] = None
    out = []
    for subject, predicate in sorted(changed, key=lambda k: (str(k[0]), str(k[1]))):
        out.append(
            {
                "when": entry.when,
                "kind": ox.Literal(entry.kind),
                "by": ox.Literal(entry.by),
                "node": subject,
                "property": predicate,
                "old": ox.Literal(_values(old, subject, predicate)),
                "new": ox.Literal(_values(new, subject, predicate)),
                "reason": ox.Literal(entry.reason) if entry.reason else None,
            }
        )
    return out


def _values(graph: FactGraph, subject: Term, predicate: Term) -> str:
    values = sorted(
        shown(o, graph, 0) for s, p, o in graph.triples if s == subject and p == predicate
    )
    return ", ".join(values) or "(none)"


def shown(term: Term, graph: FactGraph, depth: int = 0) -> str:
    """A value as the log and its summaries show it; a blank node by what it holds
    (two levels deep)."""
    if not isinstance(term, ox.BlankNode):
        return show(term)
    if depth >= 2:
        return "[ ... ]"
    inner = "; ".join(
        f"{show(p)} {shown(o, graph, depth + 1)}"
        for _, p, o in sorted(graph.by_subject.get(term, []), key=lambda t: str(t[1]))
    )
    return f"[ {inner} ]"


def _text(term: Term | None) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None
