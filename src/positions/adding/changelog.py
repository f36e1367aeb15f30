"""The change log of a base: every add, amend, retract and import, in ``data/changes.ttl``.

    from positions.adding.changelog import Change, log_texts
    change = Change("amend", nodes=[...], removed=[...], added=[...], by="ana", reason="sent")
    texts = log_texts(kb, change, pending)        # data file -> its new text, for commit()

Each change is a ``prov:Activity`` (a blank node, so that no query that looks
for the nodes pointing at a fact finds it: the saved queries follow named
subjects only) with

* ``dcterms:type``: ``add``, ``amend``, ``retract`` or ``import``;
* ``prov:startedAtTime``: when (``xsd:dateTime``, UTC, to the microsecond);
* ``dcterms:creator``: by whom (``--by``, else ``$USER``);
* ``rdfs:comment``: why (``--reason``), when given;
* ``dcterms:source``: the files given (their names), for an add or an import;
* ``prov:used``: every named node whose facts changed;
* ``prov:invalidated`` and ``prov:generated``: a ``prov:Entity`` whose
  ``prov:value`` holds the triples removed, or added, as N-Triples text (one
  per line), so that a retracted or replaced value is never lost.

The old and new values are text, not triples: kept as triples they would be
found by the queries about the negotiation (a removed piece of evidence would
count as evidence).  ``positions log`` reads them back
(:mod:`positions.adding.history`).  The log is a data file like the others
(:func:`positions.base.datafiles.file_for_types` sends ``prov:Activity`` there,
then to numbered parts once it is full), written in the same commit as the
change it records.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import getpass
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.facts import Triple
from positions.adding.inputs import InputFile
from positions.base.datafiles import CHANGES_FILE, render_with_additions
from positions.rdf.namespaces import PREFIXES

if TYPE_CHECKING:
    from positions.base.local import LocalBase

KINDS = ("add", "amend", "retract", "import")
PROV = PREFIXES["prov"]
DCTERMS = PREFIXES["dcterms"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
ACTIVITY = ox.NamedNode(PROV + "Activity")
ENTITY = ox.NamedNode(PROV + "Entity")
KIND = ox.NamedNode(DCTERMS + "type")
WHEN = ox.NamedNode(PROV + "startedAtTime")
BY = ox.NamedNode(DCTERMS + "creator")
WHY = ox.NamedNode(PREFIXES["rdfs"] + "comment")
FROM_FILE = ox.NamedNode(DCTERMS + "source")
USED = ox.NamedNode(PROV + "used")
REMOVED = ox.NamedNode(PROV + "invalidated")
ADDED = ox.NamedNode(PROV + "generated")
VALUE = ox.NamedNode(PROV + "value")
DATETIME = ox.NamedNode(PREFIXES["xsd"] + "dateTime")


@dataclass
class Change:
    """One change to the base, as the log records it."""

    kind: str
    nodes: list[ox.NamedNode]
    removed: list[Triple] = field(default_factory=list)
    added: list[Triple] = field(default_factory=list)
    by: str | None = None
    reason: str | None = None
    sources: list[str] = field(default_factory=list)
    when: dt.datetime | None = None

    def triples(self) -> list[ox.Triple]:
        """The activity and what it holds, as triples of the log."""
        when = self.when or dt.datetime.now(dt.UTC)
        stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        activity = ox.BlankNode()
        out = [
            ox.Triple(activity, RDF_TYPE, ACTIVITY),
            ox.Triple(activity, KIND, ox.Literal(self.kind)),
            ox.Triple(activity, WHEN, ox.Literal(stamp, datatype=DATETIME)),
            ox.Triple(activity, BY, ox.Literal(author(self.by))),
        ]
        if self.reason and self.reason.strip():
            out.append(ox.Triple(activity, WHY, ox.Literal(" ".join(self.reason.split()))))
        out += [ox.Triple(activity, FROM_FILE, ox.Literal(s)) for s in sorted(set(self.sources))]
        out += [ox.Triple(activity, USED, n) for n in dict.fromkeys(self.nodes)]
        for link, triples in ((REMOVED, self.removed), (ADDED, self.added)):
            if triples:
                entity = ox.BlankNode()
                out.append(ox.Triple(activity, link, entity))
                out.append(ox.Triple(entity, RDF_TYPE, ENTITY))
                out.append(ox.Triple(entity, VALUE, ox.Literal(to_ntriples(triples))))
        return out


_NOTE: contextvars.ContextVar[tuple[str | None, str | None]] = contextvars.ContextVar(
    "positions_change_note", default=(None, None)
)


@contextlib.contextmanager
def noted(by: str | None, reason: str | None) -> Iterator[None]:
    """Within the block, changes are logged as made by ``by`` for ``reason``
    (the Python API sets it around an add, an import, an amend or a retract)."""
    token = _NOTE.set((by, reason))
    try:
        yield
    finally:
        _NOTE.reset(token)


def current_note() -> tuple[str | None, str | None]:
    """(by, reason) for the change being made: see :func:`noted`."""
    return _NOTE.get()


def author(by: str | None) -> str:
    """Who made a change: ``by``, else ``$USER``, else the login name, else ``unknown``."""
    if by and by.strip():
        return " ".join(by.split())
    name = os.environ.get("USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def to_ntriples(triples: Iterable[Triple]) -> str:
    """The triples as N-Triples lines, sorted; blank nodes named _:b1, _:b2 in order of use."""
    names: dict[ox.BlankNode, str] = {}

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(node, ox.BlankNode):
            return "_:" + names.setdefault(node, f"b{len(names) + 1}")
        return str(node)

    ordered = sorted(triples, key=lambda t: (isinstance(t[0], ox.BlankNode), str(t[1]), str(t[2])))
    ordered = sorted(ordered, key=lambda t: str(t[0]) if isinstance(t[0], ox.NamedNode) else "~")
    lines = [f"{term(s)} {term(p)} {term(o)} ." for s, p, o in ordered]
    return "\n".join(lines)


def from_ntriples(text: str) -> list[Triple]:
    """The triples of a log's N-Triples text."""
    quads = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return [(q.subject, q.predicate, q.object) for q in quads]  # type: ignore[misc]


def log_texts(
    kb: LocalBase, change: Change, pending: dict[str, str]
) -> tuple[dict[str, str], dict[str, list[ox.Triple]]]:
    """The new text of the log's file once ``change`` is recorded (``pending``: the texts
    of the same commit, which the log's file may already be among), and the triples
    it gains (for the store)."""
    from positions.base.datafiles import file_for_new_node

    name = file_for_new_node(CHANGES_FILE, kb.layout.data_dir)
    path = kb.layout.data_dir / name
    if name in pending:
        old = [ox.Triple(q.subject, q.predicate, q.object) for q in _parse(pending[name])]
    elif path.exists():
        old = [ox.Triple(*t) for t in InputFile.read(path, kb.relative(path)).triples]
    else:
        old = []
    new = change.triples()
    _, text = render_with_additions(name, old, new)
    return {name: text}, {name: new}


def log_files(kb: LocalBase) -> list[Path]:
    """The data files that hold the change log (its file and its numbered parts)."""
    from positions.base.datafiles import class_file

    data_dir = kb.layout.data_dir
    return [
        p
        for p in kb.layout.data_files()
        if class_file(p.relative_to(data_dir).as_posix()) == CHANGES_FILE
    ]


def _parse(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
