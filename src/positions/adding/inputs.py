"""The new files of an addition, read through the strict gate, and pointing at their lines.

Messages about a new fact name where it is written (``new.ttl:12``, or a
CSV's row and column): :class:`InputFile` keeps each file's text for that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.facts import Term, Triple
from positions.rdf import rdfio

if TYPE_CHECKING:
    from positions.base.local import LocalBase


@dataclass
class InputFile:
    """One file's triples and what is needed to point at its lines.

    A file made from a table (positions.adding.csvimport) names its rows instead:
    ``rows`` maps a node's IRI to its row, ``columns`` a property to its column.
    """

    name: str  # as shown to the user: data/x.ttl, or the path as given
    triples: list[Triple]
    text: str
    rows: dict[str, int] | None = None
    columns: dict[str, str] | None = None

    @classmethod
    def read(cls, path: Path, name: str) -> InputFile:
        """The file at ``path`` through the strict gate, shown as ``name``."""
        quads = rdfio.read_rdf(path)
        triples = list(dict.fromkeys((q.subject, q.predicate, q.object) for q in quads))
        return cls(name, triples, path.read_text(encoding="utf-8", errors="replace"))

    def line_of(self, node: Term) -> int | None:
        """The first line where ``node`` is written as a subject (start of a line)."""
        if not isinstance(node, ox.NamedNode):
            return None
        if self.rows is not None:
            return self.rows.get(node.value)
        spellings = self._spellings(node)
        for number, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.lstrip()
            for spelling in spellings:
                if stripped.startswith(spelling) and (
                    len(stripped) == len(spelling) or not _is_name_char(stripped[len(spelling)])
                ):
                    return number
        return None

    def mention_of(self, node: ox.NamedNode) -> int | None:
        """The first line where ``node`` is written anywhere (when no line begins with it)."""
        spellings = self._spellings(node)
        for number, line in enumerate(self.text.splitlines(), start=1):
            for spelling in spellings:
                start = line.find(spelling)
                while start >= 0:
                    end = start + len(spelling)
                    before_ok = start == 0 or not _is_name_char(line[start - 1])
                    if before_ok and (end == len(line) or not _is_name_char(line[end])):
                        return number
                    start = line.find(spelling, start + 1)
        return None

    def _spellings(self, node: ox.NamedNode) -> list[str]:
        spellings = [f"<{node.value}>"]
        for prefix, namespace in _declared_prefixes(self.text).items():
            if node.value.startswith(namespace):
                spellings.append(f"{prefix}:{node.value[len(namespace) :]}")
        return spellings

    def where(self, node: Term, predicate: ox.NamedNode | None = None) -> str:
        """``FILE:LINE`` of ``node`` (``FILE:ROW: column 'C'`` for a table), or the file."""
        line = self.line_of(node)
        where = f"{self.name}:{line}" if line else self.name
        column = (self.columns or {}).get(predicate.value) if predicate else None
        return f"{where}: column '{column}'" if column else where


_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I | re.M)


def _declared_prefixes(text: str) -> dict[str, str]:
    return {m.group(1) or "": m.group(2) for m in _PREFIX_LINE.finditer(text)}


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in "_-.:%"


def read_inputs(kb: LocalBase, files: Iterable[Path]) -> list[InputFile]:
    """The new files, read through the strict gate (an unreadable one raises InputError)."""
    sources = []
    for path in files:
        try:
            name = kb.relative(path)
        except ValueError:
            name = Path(path).as_posix()
        sources.append(InputFile.read(Path(path), name))
    return sources


def where_new(node: Term, inputs: list[InputFile], predicate: ox.NamedNode | None = None) -> str:
    """Where ``node`` is written among the new files (the first one that writes it)."""
    for src in inputs:
        if src.line_of(node):
            return src.where(node, predicate)
    return inputs[0].name if inputs else "(input)"
