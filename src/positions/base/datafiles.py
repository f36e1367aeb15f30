"""How facts are laid out in ``data/``: which file a node belongs to, and how
a data file is written.

The rule (also in the README): a node goes to the file of its class, found by
following ``rdfs:subClassOf`` in the ontology; blank nodes travel with the
named node that points to them.  Once a class's file reaches
:data:`PART_BYTES`, its new nodes go to numbered parts in a folder named after
it (``statements.ttl``, then ``statements/00001.ttl``, ``statements/00002.ttl``,
...), so that adding to a large base rewrites one small file, not a huge one,
and no file grows past what git hosts and editors handle well.  Every data file is written by
:func:`render_data_file` in one deterministic serialisation, so identical facts
give identical bytes and a change reads as a clean diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from positions.rdf.namespaces import PREFIXES, VOCAB
from positions.rdf.turtle import serialize_turtle, serialize_with_additions

ORG = PREFIXES["org"]
PROV = PREFIXES["prov"]
# The change log (positions.adding.changelog): each change a prov:Activity.
CHANGES_FILE = "changes.ttl"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")

# Most specific first: the first class a node's types reach decides its file.
FILE_FOR_CLASS: list[tuple[str, str]] = [
    (VOCAB + "Statement", "statements.ttl"),
    (VOCAB + "Commentary", "commentary.ttl"),
    (VOCAB + "Demand", "demands.ttl"),
    (VOCAB + "Proposal", "demands.ttl"),
    (VOCAB + "Document", "demands.ttl"),
    (VOCAB + "Occasion", "meetings.ttl"),
    (VOCAB + "Delegation", "meetings.ttl"),
    (VOCAB + "Person", "people.ttl"),
    (ORG + "Membership", "people.ttl"),
    (ORG + "Role", "people.ttl"),
    (VOCAB + "Source", "sources.ttl"),
    (VOCAB + "Outlet", "sources.ttl"),
    (VOCAB + "Party", "parties.ttl"),
    (VOCAB + "Place", "parties.ttl"),
    (PROV + "Activity", CHANGES_FILE),  # last: statements and meetings are activities too
]
FALLBACK_FILE = "other.ttl"
# A class's file, or the last of its parts, takes new nodes until it is this big.
PART_BYTES = 1024 * 1024
PART_DIGITS = 5

HEADERS: dict[str, str] = {
    "statements.ttl": (
        "Stated positions of the parties, each with the evidence of every source that reports it."
    ),
    "commentary.ttl": (
        "Commentary: views of authors and interviewees who speak for no party,\n"
        "kept apart from the parties' positions."
    ),
    "demands.ttl": "Proposals, documents and demands, with the sources that report them.",
    "meetings.ttl": (
        "Meetings, calls, delegations and the media appearances at which statements were made."
    ),
    "people.ttl": (
        "People, the roles the sources give them (org:Membership) and the roles themselves."
    ),
    "sources.ttl": "Sources (articles, posts, interviews) and the outlets that publish them.",
    "parties.ttl": "Parties (states, alliances, organisations, government bodies) and places.",
    CHANGES_FILE: (
        "The change log: every add, amend, retract and import (PROV-O), with the\n"
        "triples each removed or added as N-Triples text (`positions log` shows it)."
    ),
    "other.ttl": "Nodes of classes that no other data file holds.",
}


def class_file(name: str) -> str:
    """The class file a data file belongs to: ``statements/00002.ttl`` -> ``statements.ttl``."""
    first = Path(name).parts[0] if Path(name).parts else name
    return first if first.endswith(".ttl") else first + ".ttl"


def header_for(file_name: str) -> str:
    """The comment block that opens a data file (named relative to ``data/``)."""
    what = HEADERS.get(class_file(file_name), HEADERS[FALLBACK_FILE])
    if class_file(file_name) == CHANGES_FILE:  # a record: appended to, never edited
        return f"{what}\nWritten by positions in its canonical order; not to be edited by hand."
    return (
        f"{what}\n"
        "Written by positions in its canonical order (see README, 'Where facts go');\n"
        "hand edits are welcome: `positions add` and `positions fmt` keep this layout."
    )


def render_data_file(file_name: str, triples: Iterable[ox.Triple | ox.Quad]) -> str:
    """The exact text of a data file (named relative to ``data/``) holding ``triples``."""
    return serialize_turtle(triples, PREFIXES, header=header_for(file_name))


def render_with_additions(
    file_name: str, old: Iterable[ox.Triple | ox.Quad], new: Iterable[ox.Triple | ox.Quad]
) -> tuple[str, str]:
    """The exact text of a data file holding ``old``, and holding ``old`` and ``new``."""
    return serialize_with_additions(old, new, PREFIXES, header=header_for(file_name))


def superclasses(ontology: Iterable[ox.Triple | ox.Quad]) -> dict[str, set[str]]:
    """Every class of the ontology with all its superclasses (itself included)."""
    direct: dict[str, set[str]] = {}
    for t in ontology:
        if t.predicate == SUBCLASS_OF and isinstance(t.object, ox.NamedNode):
            direct.setdefault(t.subject.value, set()).add(t.object.value)
    closed: dict[str, set[str]] = {}
    for cls in direct:
        seen, stack = {cls}, [cls]
        while stack:
            for parent in direct.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        closed[cls] = seen
    return closed


def file_for_types(types: Iterable[str], supers: dict[str, set[str]]) -> str:
    """The data file for a node with these ``rdf:type`` values."""
    reached: set[str] = set()
    for t in types:
        reached |= supers.get(t, {t})
    for cls, file_name in FILE_FOR_CLASS:
        if cls in reached:
            return file_name
    return FALLBACK_FILE


def file_for_new_node(class_file_name: str, data_dir: Path) -> str:
    """Where a new node of a class goes (relative to ``data/``): its file or its last part.

    The class file while it is under :data:`PART_BYTES`; then the last part of
    the folder named after it while that part is, else a new part numbered next.
    """
    stem = class_file_name.removesuffix(".ttl")
    parts = _parts(data_dir / stem)
    if parts:
        number, last = parts[-1]
        if last.stat().st_size < PART_BYTES:
            return f"{stem}/{last.name}"
        return f"{stem}/{number + 1:0{PART_DIGITS}d}.ttl"
    single = data_dir / class_file_name
    if not single.exists() or single.stat().st_size < PART_BYTES:
        return class_file_name
    return f"{stem}/{1:0{PART_DIGITS}d}.ttl"


def _parts(folder: Path) -> list[tuple[int, Path]]:
    """The numbered parts in ``folder``, in numeric order (``00010`` after ``00009``)."""
    if not folder.is_dir():
        return []
    found = [(int(p.stem), p) for p in folder.glob("*.ttl") if p.stem.isdigit() and p.is_file()]
    return sorted(found)
