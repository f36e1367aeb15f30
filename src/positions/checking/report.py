"""The problems found by validation, and the report of them in text, JSON and Turtle.

A :class:`Problem` is one thing wrong with the data, located at a file and line;
a :class:`Report` holds the problems of one validation with its verdict and exit
code, and renders them (:meth:`Report.to_text`, :meth:`Report.to_json`, and the
W3C SHACL validation report of :meth:`Report.to_turtle`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from positions.checking.terms import expand_text
from positions.rdf.namespaces import PREFIXES
from positions.wording import plural

if TYPE_CHECKING:  # rdflib costs half a second to import: only the Turtle form needs it
    from rdflib import Graph
    from rdflib.term import Node

SH = "http://www.w3.org/ns/shacl#"
CHECKS_NS = "https://w3id.org/positions/checks#"

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"
SEVERITY_ORDER = {VIOLATION: 0, WARNING: 1, INFO: 2}


# -- the records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located where a person can fix it."""

    file: str | None  # relative to the base root, or as given; None when no file defines it
    line: int | None
    focus: str  # IRI of the focus node, or of the named node that holds a blank focus
    focus_compact: str  # kb:stmt-x, or "kb:stmt-x pos:evidence [...]" for a blank node
    label: str | None
    path: str | None  # compact SHACL path: pos:a, pos:a/pos:b, ^pos:a, pos:a|pos:b
    value: str | None  # compact IRI or literal in Turtle form
    severity: str  # Violation, Warning or Info
    message: str
    source_shape: str | None  # compact shape IRI, or checks/<name>.rq

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def identity(self) -> tuple:
        """What makes two problems the same problem (the shape that found it does not)."""
        return (self.focus_compact, self.path, self.value, self.severity, self.message)


def distinct(found: Iterable[tuple[Problem, Node | None]]) -> dict[Problem, Node | None]:
    """Each problem once, with its SHACL result node (None for a check's problem).

    pyshacl repeats a result reached through two shapes (a node that is both a
    party and a person is checked as Labelled twice).
    """
    problems: dict[Problem, Node | None] = {}
    seen: set[tuple] = set()
    for problem, node in found:
        if problem.identity() not in seen:
            seen.add(problem.identity())
            problems[problem] = node
    return problems


@dataclass
class Report:
    """The problems found, grouped by file, with the verdict and the exit code."""

    problems: list[Problem]
    files: list[str]  # the files validated (all of the base, or the given ones)
    strict: bool = False
    # The W3C validation report, kept for to_turtle(); built lazily from the records.
    shacl_results: Graph | None = field(default=None, repr=False, compare=False)
    kept_results: dict[Problem, Node] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(
        cls,
        problems: dict[Problem, Node | None],
        files: list[str],
        strict: bool,
        shacl_results: Graph,
    ) -> Report:
        """The report of ``problems`` (each with its SHACL result node, or None)."""
        return cls(
            problems=list(problems),
            files=files,
            strict=strict,
            shacl_results=shacl_results,
            kept_results={p: n for p, n in problems.items() if n is not None},
        )

    @property
    def violations(self) -> int:
        return sum(p.severity == VIOLATION for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == WARNING for p in self.problems)

    @property
    def infos(self) -> int:
        return sum(p.severity == INFO for p in self.problems)

    @property
    def conforms(self) -> bool:
        """No violations; and, under ``strict``, no warnings either."""
        return self.violations == 0 and not (self.strict and self.warnings)

    @property
    def exit_code(self) -> int:
        return 0 if self.conforms else 1

    def by_file(self) -> dict[str | None, list[Problem]]:
        """Problems grouped by file (files in order, problems by line); None last."""
        groups: dict[str | None, list[Problem]] = {}
        for problem in sorted(self.problems, key=_sort_key):
            groups.setdefault(problem.file, []).append(problem)
        return groups

    def summary(self) -> str:
        """One line such as ``2 violations, 5 warnings in 3 files``."""
        files = len(self.by_file())
        text = f"{plural(self.violations, 'violation')}, {plural(self.warnings, 'warning')}"
        if self.infos:
            text += f", {plural(self.infos, 'note')}"
        if self.problems:
            text += f" in {plural(files, 'file')}"
        else:
            text += f" ({plural(len(self.files), 'file')} checked)"
        if self.strict and self.warnings and not self.violations:
            text += "; warnings fail under --strict"
        return text

    # -- renderings ------------------------------------------------------------------

    def to_text(self, *, show_warnings: bool = True) -> str:
        """Plain text: a heading per file, a few lines per problem, then the summary."""
        lines: list[str] = []
        for file, problems in self.by_file().items():
            shown = [p for p in problems if show_warnings or p.severity == VIOLATION]
            if not shown:
                continue
            lines.append(file or "(not defined in any file)")
            for problem in shown:
                lines.extend(problem_lines(problem))
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """A JSON object: verdict, counts and the problems in file and line order."""
        document = {
            "conforms": self.conforms,
            "strict": self.strict,
            "violations": self.violations,
            "warnings": self.warnings,
            "infos": self.infos,
            "files": self.files,
            "problems": [p.to_dict() for p in sorted(self.problems, key=_sort_key)],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def to_graph(self) -> Graph:
        """The W3C SHACL validation report of the problems reported.

        ``sh:conforms`` follows the SHACL spec: false as soon as there is any
        result, a warning included (the exit code is what honours warnings).
        """
        from rdflib import BNode, Graph, Literal, Namespace, URIRef
        from rdflib.namespace import RDF, XSD

        sh = Namespace(SH)
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        graph.bind("check", CHECKS_NS)
        report = BNode()
        graph.add((report, RDF.type, sh.ValidationReport))
        graph.add((report, sh.conforms, Literal(not self.problems, datatype=XSD.boolean)))
        for problem in sorted(self.problems, key=_sort_key):
            result = self.kept_results.get(problem)
            if result is not None and self.shacl_results is not None:
                _copy_description(self.shacl_results, result, graph)
            else:
                result = BNode()
                graph.add((result, RDF.type, sh.ValidationResult))
                graph.add((result, sh.focusNode, URIRef(problem.focus)))
                graph.add((result, sh.resultSeverity, sh[problem.severity]))
                graph.add((result, sh.resultMessage, Literal(problem.message, lang="en")))
                graph.add((result, sh.sourceConstraintComponent, sh.SPARQLConstraintComponent))
                if problem.source_shape:
                    stem = Path(problem.source_shape).stem
                    graph.add((result, sh.sourceShape, URIRef(CHECKS_NS + stem)))
                path = _path_node(problem.path, graph)
                if path is not None:
                    graph.add((result, sh.resultPath, path))
                value = expand_text(problem.value)
                if value is not None:
                    graph.add((result, sh.value, URIRef(value)))
            graph.add((report, sh.result, result))
        return graph

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")


def _path_node(text: str | None, graph: Graph) -> Node | None:
    """The SHACL path node of a check's path: an IRI, or a list for ``a/b``."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    from positions.rdf.namespaces import expand

    if not text:
        return None
    iris = [expand(step) for step in text.split("/")]
    if not all(iris):
        return None
    if len(iris) == 1:
        return URIRef(iris[0])
    head = BNode()
    Collection(graph, head, [URIRef(iri) for iri in iris])
    return head


def problem_lines(problem: Problem) -> list[str]:
    """The text lines of one problem, indented under its file heading."""
    where = f"{problem.line}" if problem.line else "?"
    head = f"  {where}: {problem.severity}  {problem.focus_compact}"
    if problem.label:
        head += f"  ({problem.label})"
    lines = [head]
    detail = []
    if problem.path:
        detail.append(f"path {problem.path}")
    if problem.value:
        detail.append(f"value {problem.value}")
    if detail:
        lines.append("      " + "  ".join(detail))
    lines.append("      " + problem.message)
    return lines


def _sort_key(problem: Problem) -> tuple:
    return (
        problem.file is None,
        problem.file or "",
        problem.line or 0,
        SEVERITY_ORDER.get(problem.severity, 9),
        problem.focus_compact,
        problem.path or "",
        problem.message,
        problem.value or "",
    )


def _copy_description(source: Graph, node: Node, target: Graph) -> None:
    """Copy ``node``'s triples and, recursively, those of the blank nodes it links to."""
    from rdflib import BNode

    pending, seen = [node], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for _s, predicate, obj in source.triples((current, None, None)):
            target.add((current, predicate, obj))
            if isinstance(obj, BNode):
                pending.append(obj)
