"""Validate a knowledge base, or new files in its context, against its shapes.

    from positions.base.local import LocalBase
    from positions.checking.validate import validate

    report = validate(KnowledgeBase.open())              # the whole base
    report = validate(kb, [Path("new-facts.ttl")])        # new facts, in context
    print(report.to_text()); raise SystemExit(report.exit_code)

Two kinds of check run, and both give :class:`Problem` records:

* the SHACL shapes of ``ontology/shapes/`` (pyshacl, SHACL Core plus the one
  SHACL-SPARQL constraint of the core shapes);
* the checks of :mod:`positions.checks` (``checks/*.rq``): rules that need a
  date comparison or a join across nodes, run as SPARQL by pyoxigraph.  They
  are kept out of the shapes because pyshacl parses a ``sh:sparql`` query anew
  for every focus node (PERFORMANCE.md), and pyoxigraph runs each in
  milliseconds over the whole base.

Every file is read through :func:`positions.rdf.rdfio.read_rdf`, the strict gate,
so a file that cannot be read raises :class:`~positions.errors.InputError`
(exit 2) before anything is validated.  Validation never writes a file.

Each problem is located at the file and line where its focus node is defined
(the line where the node is written as a subject); a blank node (evidence, a
period) is reported at the named node that links to it.  See docs/validation.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.errors import UsageError
from positions.rdf import rdfio
from positions.rdf.namespaces import PREFIXES, compact

if TYPE_CHECKING:  # rdflib and pyshacl cost half a second to import: see validate()
    from rdflib import Graph
    from rdflib.term import Node

    from positions.base.local import LocalBase

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CHECKS_DIR = Path(__file__).parent / "checks"
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


@dataclass
class Report:
    """The problems found, grouped by file, with the verdict and the exit code."""

    problems: list[Problem]
    files: list[str]  # the files validated (all of the base, or the given ones)
    strict: bool = False
    # The W3C validation report, kept for to_turtle(); built lazily from the records.
    _shacl_results: Graph | None = field(default=None, repr=False, compare=False)
    _kept_results: dict[Problem, Node] = field(default_factory=dict, repr=False, compare=False)

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
        text = f"{_plural(self.violations, 'violation')}, {_plural(self.warnings, 'warning')}"
        if self.infos:
            text += f", {_plural(self.infos, 'note')}"
        if self.problems:
            text += f" in {_plural(files, 'file')}"
        else:
            text += f" ({_plural(len(self.files), 'file')} checked)"
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
            result = self._kept_results.get(problem)
            if result is not None and self._shacl_results is not None:
                _copy_description(self._shacl_results, result, graph)
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
                value = _expand_text(problem.value)
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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- the entry point -----------------------------------------------------------------

# Below this much data, whole-base validation is fast and complete, so it is used
# even for new files; above it, only what the new facts reach is validated.
# Whole-base validation grows with the base (pyshacl over rdflib): about 1 s for
# the bundled base, 46 to 70 s at 10,000 statements (7 MB).  From 1 MiB of data
# (about 1,400 statements, a few seconds whole) new files are validated
# incrementally, in 1 to 2 s whatever the size of the base (docs/performance.md).
INCREMENTAL_FROM_BYTES = 1024 * 1024


def _data_bytes(kb: LocalBase) -> int:
    return kb.layout.data_bytes()


def validate(
    kb: LocalBase,
    files: Iterable[Path | str] | None = None,
    *,
    strict: bool = False,
    incremental: bool = True,
) -> Report:
    """Validate the base, or ``files`` in its context, against the shapes and checks.

    With ``files``, the data graph is the base plus the files, and only problems
    that concern the files are reported: those whose focus node is written as a
    subject in them, or is mentioned in them and defined nowhere, or whose value
    is a node the files define.  A given file that is already part of the base
    is not loaded twice.

    From :data:`INCREMENTAL_FROM_BYTES` of data files, new files (none of them
    part of the base) are validated incrementally (:mod:`positions.checking.incremental`:
    against the part of the base they reach, at a cost that follows their size,
    not the base's) unless ``incremental`` is False.  A smaller base is
    validated whole: it costs a few seconds at most, and it also catches what
    new facts break in nodes they do not mention (a new publication date that
    older statements now postdate), which the incremental extract can miss.
    """
    if files is not None and incremental and _data_bytes(kb) >= INCREMENTAL_FROM_BYTES:
        files = list(files)
        in_base = {p.resolve() for p in kb.layout.ontology_files() + kb.layout.data_files()}
        if files and not any(Path(f).resolve() in in_base for f in files):
            from positions.checking.incremental import validate_new

            return validate_new(kb, files, strict=strict)
    from positions.progress import Stages

    with Stages("validating") as stage:
        stage("reading the files")
        new_paths = _distinct_new_files(kb, files)
        base = _base_files(kb)
        new = [_SourceFile.read(path, _display_name(kb, path)) for path in new_paths]
        shapes = [_SourceFile.read(path, kb.relative(path)) for path in kb.layout.shapes_files()]

        data_graph = _to_graph([*new, *base])
        shapes_graph = _to_graph(shapes)
        _refuse_hostile_shape_queries(shapes)
        stage(f"validating {len(data_graph):,} triples against the shapes (pyshacl)")
        results = _run_shacl(data_graph, shapes_graph)

        stage("running the checks and locating the problems")
        locator = _Locator(new + base, data_graph)
        # Each problem once: pyshacl repeats a result reached through two shapes
        # (a node that is both a party and a person is checked as Labelled twice).
        problems: dict[Problem, Node | None] = {}
        seen: set[tuple] = set()
        found = [*_shacl_problems(results, shapes_graph, data_graph, locator)]
        found += [(p, None) for p in _check_problems(new + base, data_graph, locator)]
    for problem, node in found:
        if _identity(problem) not in seen:
            seen.add(_identity(problem))
            problems[problem] = node

    if new:
        concern = _Concern(new, base)
        problems = {p: n for p, n in problems.items() if concern.includes(p)}

    report = Report(
        problems=list(problems),
        files=[f.name for f in (new or base)],
        strict=strict,
        _shacl_results=results,
        _kept_results={p: n for p, n in problems.items() if n is not None},
    )
    return report


_SHAPE_QUERY_PREDICATES = (SH + "select", SH + "ask", SH + "construct", SH + "update")


def _refuse_hostile_shape_queries(shapes: list[_SourceFile]) -> None:
    """Check every SPARQL text in the shapes as `positions query` checks a query.

    A shapes file is input like any other: its ``sh:sparql`` constraints must
    not call out (SERVICE), read other graphs (FROM), or change anything.
    pyshacl refuses SERVICE only by failing the whole run, and runs FROM on a
    Dataset; this gate refuses both first, naming the shapes file and line.
    """
    from positions.errors import InputError, Position, QueryRefused
    from positions.sparql.policy import inspect_query

    for source in shapes:
        for quad in source.quads:
            if quad.predicate.value not in _SHAPE_QUERY_PREDICATES:
                continue
            text = quad.object.value
            what = compact(quad.predicate.value)
            try:
                inspect_query(text, source=what)
            except QueryRefused as refused:
                # The hint about --allow-network is for `positions query`; shapes
                # get no such switch.
                reason = str(refused).split(" To run it anyway")[0]
                line = _first_line_mentioning(source, text)
                raise InputError(
                    Position(source.name, line), f"a SHACL-SPARQL query is refused: {reason}"
                ) from None
            if quad.predicate.value.endswith("#update"):
                raise InputError(
                    Position(source.name, _first_line_mentioning(source, text)),
                    "a SHACL-SPARQL update is refused: validation never changes the data",
                )


def _first_line_mentioning(source: _SourceFile, text: str) -> int | None:
    """The line of the shapes file where a query's first non-blank line appears."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    for number, line in enumerate(source.text_lines, start=1):
        if first and first in line:
            return number
    return None


def _identity(problem: Problem) -> tuple:
    """What makes two problems the same problem (the shape that found it does not)."""
    return (problem.focus_compact, problem.path, problem.value, problem.severity, problem.message)


def _base_files(kb: LocalBase) -> list[_SourceFile]:
    paths = kb.layout.ontology_files() + kb.layout.data_files()
    return [_SourceFile.read(path, kb.relative(path)) for path in paths]


def _distinct_new_files(kb: LocalBase, files: Iterable[Path | str] | None) -> list[Path]:
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


def _display_name(kb: LocalBase, path: Path) -> str:
    try:
        return kb.relative(path)
    except ValueError:  # outside the base: as the user wrote it
        return path.as_posix()


# -- reading -------------------------------------------------------------------------


@dataclass
class _SourceFile:
    """One file read through the strict gate: its quads, and its text for locating lines."""

    path: Path
    name: str
    quads: list[ox.Quad]

    @classmethod
    def read(cls, path: Path, name: str) -> _SourceFile:
        # Named graphs of TriG and N-Quads input are merged into one default
        # graph: the shapes and the checks see the union, as queries do.
        quads = rdfio.read_rdf(Path(path))
        return cls(Path(path), name, [ox.Quad(q.subject, q.predicate, q.object) for q in quads])

    @cached_property
    def text_lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8", errors="replace").split("\n")

    @cached_property
    def subjects(self) -> set[str]:
        """Keys (see :func:`_key`) of the nodes written as subjects in this file."""
        return {_key(q.subject) for q in self.quads}

    @cached_property
    def typed_subjects(self) -> set[str]:
        return {_key(q.subject) for q in self.quads if q.predicate.value == RDF_TYPE}

    @cached_property
    def objects(self) -> set[str]:
        return {_key(q.object) for q in self.quads if not isinstance(q.object, ox.Literal)}

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


def _key(term: Any) -> str:
    """A string key for a node that pyoxigraph and rdflib terms share."""
    value = str(term.value) if isinstance(term, (ox.NamedNode, ox.BlankNode)) else str(term)
    if isinstance(term, ox.BlankNode) or type(term).__name__ == "BNode":
        return "_:" + value
    return value


def _to_graph(files: Iterable[_SourceFile]) -> Graph:
    """An rdflib graph of the union of the files (pyshacl works on rdflib)."""
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    convert = _Converter()
    for source in files:
        for quad in source.quads:
            graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    return graph


class _Converter:
    """pyoxigraph terms to rdflib terms, with a cache (labels and types repeat)."""

    _STRING = "http://www.w3.org/2001/XMLSchema#string"
    _LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

    def __init__(self) -> None:
        from rdflib import BNode, Literal, URIRef

        self._bnode, self._literal, self._uri = BNode, Literal, URIRef
        self._cache: dict[Any, Any] = {}

    def __call__(self, term: Any) -> Any:
        cached = self._cache.get(term)
        if cached is None:
            cached = self._cache[term] = self._convert(term)
        return cached

    def _convert(self, term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            return self._uri(term.value)
        if isinstance(term, ox.BlankNode):
            return self._bnode(term.value)
        datatype = term.datatype.value
        if term.language:
            return self._literal(term.value, lang=term.language)
        # A plain string stays untyped in rdflib, as the shapes' own strings
        # are, so that sh:in and sh:hasValue compare them equal.
        if datatype in (self._STRING, self._LANG_STRING):
            return self._literal(term.value)
        return self._literal(term.value, datatype=self._uri(datatype))


# -- SHACL ---------------------------------------------------------------------------


def _run_shacl(data_graph: Graph, shapes_graph: Graph) -> Graph:
    """The pyshacl results graph.

    The ontology is part of the data graph, so ``sh:targetClass pos:Party``
    reaches ``pos:State`` through ``rdfs:subClassOf`` without inference.  The
    meta-SHACL check of the shapes (1.7 s) is left to the test suite.
    """
    import pyshacl  # imported here: it costs ~0.4 s, which other commands must not pay

    _conforms, results, _text = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=False,
        allow_warnings=True,
        meta_shacl=False,
    )
    return results


def _shacl_problems(
    results: Graph, shapes: Graph, data: Graph, locator: _Locator
) -> Iterator[tuple[Problem, Node]]:
    from rdflib import Namespace

    sh = Namespace(SH)
    for result in results.subjects(sh.resultSeverity, None):
        if (None, sh.detail, result) in results:
            continue  # a nested detail: reported through its parent
        for node in _with_details(results, shapes, result):
            yield _problem_from_result(results, shapes, data, locator, node), node


def _with_details(results: Graph, shapes: Graph, result: Node) -> list[Node]:
    """The result, or, for a node-level ``sh:node`` failure, the nested results.

    ``shapes:Party sh:node shapes:Labelled`` fails with pyshacl's generic "Value
    must conform to every Shape", and carries the Labelled shape's own result,
    with its message and path, as ``sh:detail``.  Worse, a node shape's own
    ``sh:message`` (shapes:Statement's, about pos:targetScope) is copied into
    the results of *all* its node-level constraints, its ``sh:node`` ones
    included; the nested result says what is really wrong.  A property shape's
    ``sh:node`` (pos:stance's) keeps its own result: it names the property.
    """
    from rdflib import Namespace

    sh = Namespace(SH)
    details = list(results.objects(result, sh.detail))
    node_level = results.value(result, sh.resultPath) is None
    component = results.value(result, sh.sourceConstraintComponent)
    if not details or not node_level or component != sh.NodeConstraintComponent:
        return [result]
    flattened: list[Node] = []
    for detail in details:
        flattened.extend(_with_details(results, shapes, detail))
    return flattened


def _problem_from_result(
    results: Graph, shapes: Graph, data: Graph, locator: _Locator, result: Node
) -> Problem:
    from rdflib import Namespace

    sh = Namespace(SH)
    focus = results.value(result, sh.focusNode)
    path = results.value(result, sh.resultPath)
    value = results.value(result, sh.value)
    severity = str(results.value(result, sh.resultSeverity)).rsplit("#", 1)[-1]
    shape = results.value(result, sh.sourceShape)
    message = _message(results, shapes, result)
    where = locator.locate(focus)
    if value == focus and path is None:
        value = None  # a node-level result: its value is the focus itself
    return Problem(
        file=where.file,
        line=where.line,
        focus=where.iri,
        focus_compact=where.compact,
        label=_label(data, where.named),
        path=_path_text(results, path) if path is not None else _path_of_shape(shapes, shape),
        value=_term_text(value) if value is not None else None,
        severity=severity,
        message=message,
        source_shape=_term_text(shape) if shape is not None and _is_iri(shape) else None,
    )


def _message(results: Graph, shapes: Graph, result: Node) -> str:
    """The English sh:resultMessage, else any, else the shape's sh:message."""
    from rdflib import Namespace

    sh = Namespace(SH)
    messages = list(results.objects(result, sh.resultMessage))
    if not messages:
        shape = results.value(result, sh.sourceShape)
        messages = list(shapes.objects(shape, sh.message)) if shape is not None else []
    english = [m for m in messages if getattr(m, "language", None) in ("en", None)]
    chosen = sorted(english or messages, key=str)
    return str(chosen[0]) if chosen else "The node does not conform to its shape."


def _path_of_shape(shapes: Graph, shape: Node | None) -> str | None:
    from rdflib import Namespace

    if shape is None:
        return None
    path = shapes.value(shape, Namespace(SH).path)
    return _path_text(shapes, path) if path is not None else None


def _path_text(graph: Graph, path: Node) -> str:
    """A SHACL path in SPARQL property-path notation, with compact IRIs."""
    from rdflib import Namespace
    from rdflib.collection import Collection

    sh = Namespace(SH)
    if _is_iri(path):
        return compact(str(path))
    if (path, sh.inversePath, None) in graph:
        return "^" + _path_text(graph, graph.value(path, sh.inversePath))
    if (path, sh.alternativePath, None) in graph:
        items = Collection(graph, graph.value(path, sh.alternativePath))
        return "(" + "|".join(_path_text(graph, p) for p in items) + ")"
    for modifier, suffix in (
        (sh.zeroOrMorePath, "*"),
        (sh.oneOrMorePath, "+"),
        (sh.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, modifier)
        if inner is not None:
            return _path_text(graph, inner) + suffix
    if (path, None, None) in graph:  # an RDF list: a sequence path
        return "/".join(_path_text(graph, p) for p in Collection(graph, path))
    return "[path]"


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


# -- the checks beyond SHACL Core ----------------------------------------------------


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
    return [Check.from_file(path) for path in sorted(folder.glob("*.rq"))]


def _check_problems(files: list[_SourceFile], data: Graph, locator: _Locator) -> Iterator[Problem]:
    store = ox.Store()
    for source in files:
        store.extend(source.quads)
    for check in load_checks():
        yield from _check_rows(check, store.query(check.query), data, locator)


def _check_rows(check: Check, solutions: Any, data: Graph, locator: _Locator) -> Iterator[Problem]:
    """One problem per row of a check's SELECT (also used by :mod:`.incremental`)."""
    from rdflib import BNode, URIRef

    names = [variable.value for variable in solutions.variables]
    for row in solutions:
        bindings = {name: _ox_text(row[name]) for name in names if row[name] is not None}
        this = row["this"]
        focus = URIRef(this.value) if isinstance(this, ox.NamedNode) else BNode(this.value)
        where = locator.locate(focus)
        value = row["value"]
        yield Problem(
            file=where.file,
            line=where.line,
            focus=where.iri,
            focus_compact=where.compact,
            label=_label(data, where.named),
            path=bindings.get("path"),
            value=_ox_text(value) if value is not None else None,
            severity=VIOLATION,
            message=_fill(check.message, bindings),
            source_shape=f"checks/{check.name}.rq",
        )


def _fill(template: str, bindings: dict[str, str]) -> str:
    """Fill ``{name}`` fields; an unbound field reads as an open bound."""
    return re.sub(r"\{(\w+)\}", lambda m: bindings.get(m.group(1), "an unknown date"), template)


def _ox_text(term: Any) -> str:
    """A term as a message shows it: a compact IRI, or a literal's lexical form."""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return "[blank node]"
    return term.value


# -- locating a node in the files ----------------------------------------------------


@dataclass(frozen=True)
class _Where:
    file: str | None
    line: int | None
    iri: str  # the named node reported (the focus, or its named holder)
    compact: str
    named: Node  # the node whose label is shown


class _Locator:
    """Finds the file and line that define a node: where it is written as a subject."""

    def __init__(self, files: list[_SourceFile], data: Graph) -> None:
        self.files = files  # preferred first: the new files, then the base
        self.data = data
        self._cache: dict[Node, _Where] = {}

    def locate(self, node: Node) -> _Where:
        if node not in self._cache:
            self._cache[node] = self._locate(node)
        return self._cache[node]

    def _locate(self, node: Node) -> _Where:
        named, trail = self._named_holder(node)
        key = _key(named)
        source = self.defining_file(key)
        line = _find_line(source, named) if source else None
        if source is None:  # defined nowhere: the first file that mentions it
            source = next((f for f in self.files if key in f.objects), None)
            line = _find_line(source, named, mentions=True) if source else None
        shown = _term_text(named)
        if trail:
            shown += " " + " ".join(trail) + " [blank node]"
        return _Where(
            file=source.name if source else None,
            line=line,
            iri=str(named),
            compact=shown,
            named=named,
        )

    def defining_file(self, key: str) -> _SourceFile | None:
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


def _find_line(source: _SourceFile, node: Node, *, mentions: bool = False) -> int | None:
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


class _Concern:
    """Decides whether a problem concerns the new files (see :func:`validate`)."""

    def __init__(self, new: list[_SourceFile], base: list[_SourceFile]) -> None:
        self.new_subjects = set().union(*(f.subjects for f in new))
        self.new_mentions = set().union(*(f.objects for f in new))
        self.base_subjects = set().union(*(f.subjects for f in base))
        self.new_names = {f.name for f in new}

    def includes(self, problem: Problem) -> bool:
        if problem.file in self.new_names:
            return True
        focus = problem.focus
        if focus in self.new_subjects:
            return True
        if focus in self.new_mentions and focus not in self.base_subjects:
            return True
        value_iri = _expand_text(problem.value)
        return value_iri is not None and value_iri in self.new_subjects


def _expand_text(text: str | None) -> str | None:
    from positions.rdf.namespaces import expand

    if not text:
        return None
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    return expand(text)


# -- text of terms -------------------------------------------------------------------


def _is_iri(node: Node) -> bool:
    from rdflib import URIRef

    return isinstance(node, URIRef)


def _term_text(node: Node) -> str:
    """A compact IRI, a literal in Turtle form, or ``[blank node]``."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, BNode):
        return "[blank node]"
    if isinstance(node, Literal):
        quoted = json.dumps(str(node), ensure_ascii=False)
        if node.language:
            return f"{quoted}@{node.language}"
        if node.datatype is not None:
            return f"{quoted}^^{compact(str(node.datatype))}"
        return quoted
    return str(node)


def _label(data: Graph, node: Node) -> str | None:
    """The node's English rdfs:label (else any label, else skos:prefLabel)."""
    from rdflib import URIRef
    from rdflib.namespace import RDFS, SKOS

    if not isinstance(node, URIRef):
        return None
    for predicate in (RDFS.label, SKOS.prefLabel):
        labels = list(data.objects(node, predicate))
        english = [str(x) for x in labels if getattr(x, "language", None) == "en"]
        if english or labels:
            return sorted(english or [str(x) for x in labels])[0]
    return None
