"""Validate a knowledge base, or new files in its context, against its shapes: the entry point.

    from positions.base.local import LocalBase
    from positions.checking.validate import validate

    report = validate(KnowledgeBase.open())              # the whole base
    report = validate(kb, [Path("new-facts.ttl")])        # new facts, in context
    print(report.to_text()); raise SystemExit(report.exit_code)

Three kinds of check run, and all give :class:`~positions.checking.report.Problem`
records:

* the SHACL shapes of ``ontology/shapes/`` (:mod:`positions.checking.shacl`:
  pyshacl, SHACL Core plus the one SHACL-SPARQL constraint of the core shapes);
* the checks of :mod:`positions.checking.checks` (``checks/*.rq``): rules that
  need a date comparison or a join across nodes, run as SPARQL by pyoxigraph.
  They are kept out of the shapes because pyshacl parses a ``sh:sparql`` query
  anew for every focus node (docs/validation.md), and pyoxigraph runs each in
  milliseconds over the whole base;
* the quote-in-text rule of :mod:`positions.checking.texts`: the excerpts of a
  source whose text is in the base (``sources/<name>.txt``) must be in it.

Every file is read through :func:`positions.rdf.rdfio.read_rdf`, the strict gate
(:mod:`positions.checking.sources`), so a file that cannot be read raises
:class:`~positions.errors.InputError` (exit 2) before anything is validated.
Validation never writes a file.

Each problem is located at the file and line where its focus node is defined
(the line where the node is written as a subject); a blank node (evidence, a
period) is reported at the named node that links to it
(:mod:`positions.checking.locate`).  See docs/validation.md.  New files in a
large base are validated incrementally (:mod:`positions.checking.incremental`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from positions.checking.advice import advise
from positions.checking.checks import check_problems
from positions.checking.locate import Concern, Locator
from positions.checking.report import SH, Report, distinct
from positions.checking.shacl import (
    DEFAULT_ENGINE,
    check_engine,
    run_on_store,
    run_shacl,
    shacl_problems,
    store_input,
    to_graph,
)
from positions.checking.sources import (
    SourceFile,
    display_name,
    distinct_new_files,
    read_base_files,
)
from positions.checking.texts import store_text_problems, text_problems
from positions.rdf.namespaces import compact
from positions.rdf.rdfio import graph_iri

if TYPE_CHECKING:  # rdflib and pyshacl cost half a second to import: see validate()
    from positions.base.local import LocalBase


# Below this much data, whole-base validation is fast and complete, so it is used
# even for new files; above it, only what the new facts reach is validated.
# Whole-base validation grows with the base (pyshacl over rdflib): about 1 s for
# the bundled base, 46 to 70 s at 10,000 statements (7 MB).  From 1 MiB of data
# (about 1,400 statements, a few seconds whole) new files are validated
# incrementally, in 1 to 2 s whatever the size of the base (docs/performance.md).
INCREMENTAL_FROM_BYTES = 1024 * 1024


def validate(
    kb: LocalBase,
    files: Iterable[Path | str] | None = None,
    *,
    strict: bool = False,
    incremental: bool = True,
    engine: str = DEFAULT_ENGINE,
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

    ``engine`` is the SHACL engine (:data:`positions.checking.shacl.ENGINES`):
    pyshacl-turbo by default, which validates the whole base on its store
    (:func:`validate_store`); pyshacl, the reference, on an rdflib graph.
    """
    check_engine(engine)
    if files is None and engine == "pyshacl-turbo":
        return validate_store(kb, strict=strict)
    if files is not None and incremental and kb.layout.data_bytes() >= INCREMENTAL_FROM_BYTES:
        files = list(files)
        in_base = {p.resolve() for p in kb.layout.ontology_files() + kb.layout.data_files()}
        if files and not any(Path(f).resolve() in in_base for f in files):
            from positions.checking.incremental import validate_new

            return validate_new(kb, files, strict=strict, engine=engine)  # with its advice
    from positions.progress import Stages

    with Stages("validating") as stage:
        stage("reading the files")
        new_paths = distinct_new_files(kb, files)
        base = read_base_files(kb)
        new = [SourceFile.read(path, display_name(kb, path)) for path in new_paths]
        shapes = [SourceFile.read(path, kb.relative(path)) for path in kb.layout.shapes_files()]

        data_graph = to_graph([*new, *base])
        shapes_graph = to_graph(shapes)
        _refuse_hostile_shape_queries(shapes)
        stage(f"validating {len(data_graph):,} triples against the shapes ({engine})")
        results = run_shacl(data_graph, shapes_graph, engine)

        stage("running the checks and locating the problems")
        locator = Locator(new + base, data_graph)
        found = [*shacl_problems(results, shapes_graph, data_graph, locator)]
        found += [(p, None) for p in check_problems(new + base, data_graph, locator)]
        found += [(p, None) for p in text_problems(kb.layout, new + base, data_graph, locator)]
    problems = distinct(found)

    if new:
        problems = Concern(new, base).keep(problems)

    report = Report.of(problems, [f.name for f in (new or base)], strict, results)
    return advise(kb, report, new_paths)


def validate_store(kb: LocalBase, *, strict: bool = False) -> Report:
    """The whole base, validated by pyshacl-turbo on its store (no rdflib graph of the data).

    The same problems as :func:`validate` with pyshacl (tests/test_engine_agreement.py):
    the shapes run on the union of the store's graphs, the checks run there too,
    and each problem is located by look-ups in the store
    (:mod:`positions.checking.storeview`).  On a terminal, a bar shows the
    base's files read out of all, then the engine's work and the time spent.
    """
    from positions.checking.storeview import StoreGraph, StoreLocator
    from positions.progress import ByteProgress, Stages

    shapes = [SourceFile.read(path, kb.relative(path)) for path in kb.layout.shapes_files()]
    _refuse_hostile_shape_queries(shapes)
    shapes_graph = to_graph(shapes)
    store = kb.store
    files = kb.content_files()
    sizes = {graph_iri(kb.relative(p)).value: p.stat().st_size for p in files}
    with ByteProgress(sum(sizes.values()), "reading the base for pyshacl-turbo", 0) as read:
        data = store_input(store, lambda graph: read(kb_name(graph), sizes.get(graph, 0)))
    with Stages("validating") as stage:
        stage("validating the base against its shapes (pyshacl-turbo)")
        results = run_on_store(data, shapes_graph)
        del data
        stage("running the checks and locating the problems")
        view = StoreGraph(store)
        locator = StoreLocator(kb, store)
        found = [*shacl_problems(results, shapes_graph, view, locator)]
        found += [(p, None) for p in check_problems([], view, locator, store=store)]
        found += [(p, None) for p in store_text_problems(kb.layout, store, view, locator)]
    names = [kb.relative(p) for p in files]
    return advise(kb, Report.of(distinct(found), names, strict, results), None)


def kb_name(graph: str) -> str:
    """The base file a graph of the store holds (``data/statements.ttl``)."""
    return graph.rsplit("/graph/", 1)[-1]


_SHAPE_QUERY_PREDICATES = (SH + "select", SH + "ask", SH + "construct", SH + "update")


def _refuse_hostile_shape_queries(shapes: list[SourceFile]) -> None:
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
            except InputError as too_big:  # too large or deep for a parser (check_shape)
                line = _first_line_mentioning(source, text)
                raise InputError(
                    Position(source.name, line),
                    f"a SHACL-SPARQL query ({too_big.position}) is refused: {too_big.problem}",
                ) from None
            if quad.predicate.value.endswith("#update"):
                raise InputError(
                    Position(source.name, _first_line_mentioning(source, text)),
                    "a SHACL-SPARQL update is refused: validation never changes the data",
                )


def _first_line_mentioning(source: SourceFile, text: str) -> int | None:
    """The line of the shapes file where a query's first non-blank line appears."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    for number, line in enumerate(source.text_lines, start=1):
        if first and first in line:
            return number
    return None
