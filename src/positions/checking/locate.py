"""Where a problem belongs: the file and line that define its node, and which files it concerns.

A :class:`Locator` finds the file and line where a node is written as a subject
(a blank node, such as a piece of evidence or a period, is reported at the named
node that links to it); a :class:`Concern` decides whether a problem concerns
the new files being validated.
"""

from __future__ import annotations

import bisect
import re
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
        self._indexes: dict[int, LineIndex] = {}  # by id() of a file of self.files

    def locate(self, node: Node) -> Where:
        """Where ``node`` is defined (found once, then remembered)."""
        if node not in self._cache:
            self._cache[node] = self._locate(node)
        return self._cache[node]

    def _locate(self, node: Node) -> Where:
        named, trail = self._named_holder(node)
        key = node_key(named)
        source = self.defining_file(key)
        line = self.find_line(source, named) if source else None
        if source is None:  # defined nowhere: the first file that mentions it
            source = self.mentioning_file(key)
            line = self.find_line(source, named, mentions=True) if source else None
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

    def find_line(self, source: SourceFile, node: Node, *, mentions: bool = False) -> int | None:
        """The 1-based line where ``node`` is written as a subject (or, with ``mentions``, at all).

        A subject starts a line: at column 0 in Turtle and N-Triples, indented in
        TriG, or in JSON-LD as ``"@id": "..."``; failing those, the first line
        that mentions the node.  Each file is indexed once (:class:`LineIndex`).
        """
        from rdflib import BNode

        if isinstance(node, BNode):
            return None
        index = self._indexes.get(id(source))
        if index is None:
            index = self._indexes[id(source)] = LineIndex(source.text_lines)
        return iri_line(index, str(node), source.prefixes, mentions=mentions)

    def defining_file(self, key: str) -> SourceFile | None:
        """The file that types the node, else the first that uses it as a subject."""
        typed = next((f for f in self.files if key in f.typed_subjects), None)
        return typed or next((f for f in self.files if key in f.subjects), None)

    def mentioning_file(self, key: str) -> SourceFile | None:
        """The first file that mentions the node as an object."""
        return next((f for f in self.files if key in f.objects), None)

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


def iri_line(
    index: LineIndex, iri: str, prefixes: dict[str, str], *, mentions: bool = False
) -> int | None:
    """The 1-based line of the indexed file where ``iri`` is written as a subject (or, with
    ``mentions``, at all), in any spelling the file's ``prefixes`` allow."""
    spellings = _spellings(iri, prefixes)
    if not mentions:
        for indented in (False, True):
            line = index.subject_line(spellings, indented=indented)
            if line is not None:
                return line
        line = index.id_line([*spellings, iri])
        if line is not None:
            return line
    return index.mention_line([*spellings, iri])


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
    return not rest or rest[0] in _AFTER_TERM


_AFTER_TERM = " \t;,."
# A line whose first word has more ';', ',' or '.' than this (a long literal, say)
# is not indexed by each of its prefixes; it is tried term by term instead.
_MOST_CUTS = 16


class LineIndex:
    """The lines of one file, indexed in one pass, to find where a node is written.

    Finding a node's line used to scan the file once per problem, a cost of
    lines x problems (issue 23: 131 s to import 4,000 CSV rows).  The index
    answers each look-up as that scan did, line for line, from dictionaries
    built in one pass over the file:

    * ``column0`` and ``indented``: the text a line begins with (at column 0 in
      Turtle and N-Triples, after the indentation in TriG), up to each place a
      term may end (a space, a tab, ';', ',', '.', the end of the line), with
      the first line that begins so;
    * ``ids``: the quoted strings of the JSON-LD lines that hold ``"@id"``;
    * mentions anywhere in a line are found in the whole text by ``str.find``,
      which stops at the first occurrence (for a node no file defines).
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.column0: dict[str, int] = {}
        self.indented: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.odd: list[tuple[int, str, bool]] = []  # (line, text, indented): see _MOST_CUTS
        self._text: str | None = None
        self._starts: list[int] = []
        for number, line in enumerate(lines, 1):
            self._add(self.column0, number, line, False)
            stripped = line.lstrip()
            if len(stripped) != len(line):
                self._add(self.indented, number, stripped, True)
            if '"@id"' in line:
                for quoted in line.split('"')[1:-1]:
                    self.ids.setdefault(quoted, number)

    def _add(self, index: dict[str, int], number: int, text: str, indented: bool) -> None:
        word = text.split(" ", 1)[0].split("\t", 1)[0]
        if not word:
            return
        cuts = word.count(";") + word.count(",") + word.count(".")
        if cuts > _MOST_CUTS:
            self.odd.append((number, text, indented))
            return
        index.setdefault(word, number)
        if cuts:
            for cut in _CUT.finditer(word):
                index.setdefault(word[: cut.start()], number)

    def subject_line(self, spellings: list[str], *, indented: bool) -> int | None:
        """The first line that begins with one of ``spellings`` as a whole term.

        ``indented``: after the line's indentation (a line without any counts too).
        """
        found = [self.column0[s] for s in spellings if s in self.column0]
        if indented:
            found += [self.indented[s] for s in spellings if s in self.indented]
        found += [
            number
            for number, text, odd_indented in self.odd
            if indented or not odd_indented
            if any(_starts_with_term(text, s) for s in spellings)
        ]
        if any(_has_blank(s) for s in spellings):  # no IRI has one; scanned as before
            found += [
                number
                for number, line in enumerate(self.lines, 1)
                if any(_starts_with_term(line.lstrip() if indented else line, s) for s in spellings)
            ]
        return min(found, default=None)

    def id_line(self, spellings: list[str]) -> int | None:
        """The first JSON-LD line with ``"@id"`` and one of ``spellings`` in quotes."""
        found = [self.ids[s] for s in spellings if s in self.ids]
        if any('"' in s for s in spellings):  # no IRI has one; scanned as before
            found += [
                number
                for number, line in enumerate(self.lines, 1)
                if '"@id"' in line and any(f'"{s}"' in line for s in spellings)
            ]
        return min(found, default=None)

    def mention_line(self, spellings: list[str]) -> int | None:
        """The first line in which one of ``spellings`` appears."""
        if self._text is None:
            self._text = "\n".join(self.lines)
            self._starts = [0]
            for line in self.lines[:-1]:
                self._starts.append(self._starts[-1] + len(line) + 1)
        found = []
        for spelling in spellings:
            if not spelling:
                return 1 if self.lines else None
            if "\n" in spelling:  # no IRI has one; no line can hold it
                continue
            offset = self._text.find(spelling)
            if offset >= 0:
                found.append(bisect.bisect_right(self._starts, offset))
        return min(found, default=None)


_CUT = re.compile("[;,.]")


def _has_blank(spelling: str) -> bool:
    return " " in spelling or "\t" in spelling


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
