"""Where a problem belongs: the file and line that define its node, and which files it concerns.

A :class:`Locator` finds the file and line where a node is written as a subject
(a blank node, such as a piece of evidence or a period, is reported at the named
node that links to it); a :class:`Concern` decides whether a problem concerns
the new files being validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from positions.checking.sources import SourceFile, node_key
from positions.checking.terms import expand_text, term_text
from positions.rdf.namespaces import compact

if TYPE_CHECKING:  # rdflib costs half a second to import: see positions.checking.validate
    from rdflib import Graph
    from rdflib.term import Node

    from positions.checking.report import Problem


@dataclass(frozen=True)
class Where:
    """Where a node is reported: file, line, and the named node shown for it."""

    file: str | None
    line: int | None
    iri: str  # the named node reported (the focus, or its named holder)
    compact: str
    named: Node  # the node whose label is shown


class Locator:
    """Finds the file and line that define a node: where it is written as a subject."""

    def __init__(self, files: list[SourceFile], data: Graph) -> None:
        self.files = files  # preferred first: the new files, then the base
        self.data = data
        self._cache: dict[Node, Where] = {}

    def locate(self, node: Node) -> Where:
        """Where ``node`` is defined (found once, then remembered)."""
        if node not in self._cache:
            self._cache[node] = self._locate(node)
        return self._cache[node]

    def _locate(self, node: Node) -> Where:
        named, trail = self._named_holder(node)
        key = node_key(named)
        source = self.defining_file(key)
        line = _find_line(source, named) if source else None
        if source is None:  # defined nowhere: the first file that mentions it
            source = next((f for f in self.files if key in f.objects), None)
            line = _find_line(source, named, mentions=True) if source else None
        shown = term_text(named)
        if trail:
            shown += " " + " ".join(trail) + " [blank node]"
        return Where(
            file=source.name if source else None,
            line=line,
            iri=str(named),
            compact=shown,
            named=named,
        )

    def defining_file(self, key: str) -> SourceFile | None:
        """The file that types the node, else the first that uses it as a subject."""
        typed = next((f for f in self.files if key in f.typed_subjects), None)
        return typed or next((f for f in self.files if key in f.subjects), None)

    def _named_holder(self, node: Node) -> tuple[Node, list[str]]:
        """The nearest named node linking to a blank node, and the predicates on the way."""
        from rdflib import BNode

        trail: list[str] = []
        seen = set()
        while isinstance(node, BNode) and node not in seen:
            seen.add(node)
            link = next(iter(self.data.subject_predicates(node)), None)
            if link is None:
                break
            node, predicate = link
            trail.insert(0, compact(str(predicate)))
        return node, trail


def _find_line(source: SourceFile, node: Node, *, mentions: bool = False) -> int | None:
    """The 1-based line where ``node`` is written as a subject (or, with ``mentions``, at all)."""
    from rdflib import BNode

    if isinstance(node, BNode):
        return None
    spellings = _spellings(str(node), source.prefixes)
    lines = source.text_lines
    if not mentions:
        # A subject starts a line: at column 0 in Turtle and N-Triples, indented in TriG.
        for indented in (False, True):
            for number, line in enumerate(lines, 1):
                text = line.lstrip() if indented else line
                if any(_starts_with_term(text, s) for s in spellings):
                    return number
        for number, line in enumerate(lines, 1):  # JSON-LD: "@id": "..."
            if '"@id"' in line and any(f'"{s}"' in line for s in spellings + [str(node)]):
                return number
    for number, line in enumerate(lines, 1):
        if any(s in line for s in spellings + [str(node)]):
            return number
    return None


def _spellings(iri: str, prefixes: dict[str, str]) -> list[str]:
    spellings = [f"<{iri}>"]
    for prefix, namespace in prefixes.items():
        if namespace and iri.startswith(namespace):
            spellings.append(f"{prefix}:{iri[len(namespace) :]}")
    return spellings


def _starts_with_term(text: str, spelling: str) -> bool:
    if not text.startswith(spelling):
        return False
    rest = text[len(spelling) :]
    return not rest or rest[0] in " \t;,."


# -- which problems concern the given files ------------------------------------------


class Concern:
    """Decides whether a problem concerns the new files (see positions.checking.validate)."""

    def __init__(self, new: list[SourceFile], base: list[SourceFile]) -> None:
        self.new_subjects = set().union(*(f.subjects for f in new))
        self.new_mentions = set().union(*(f.objects for f in new))
        self.base_subjects = set().union(*(f.subjects for f in base))
        self.new_names = {f.name for f in new}

    def includes(self, problem: Problem) -> bool:
        """Whether ``problem`` concerns the new files."""
        if problem.file in self.new_names:
            return True
        focus = problem.focus
        if focus in self.new_subjects:
            return True
        if focus in self.new_mentions and focus not in self.base_subjects:
            return True
        value_iri = expand_text(problem.value)
        return value_iri is not None and value_iri in self.new_subjects

    def keep(self, problems: dict[Problem, Node | None]) -> dict[Problem, Node | None]:
        """The problems that concern the new files, in their order."""
        return {p: n for p, n in problems.items() if self.includes(p)}
