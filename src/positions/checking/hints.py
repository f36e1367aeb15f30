"""Messages that say what is meant: one problem per mistake, and the likely fix.

    from positions.checking.hints import refine
    problems = refine(problems, lambda: kb.store, new_quads, shape_quads)

The shapes report what is wrong node by node; a single slip can then read as
several problems, and the one that matters gives no hint.  :func:`refine`

* adds to a problem about a concept that is not in the scheme its property
  takes (``pos:stance stance:rejcts``) the nearest concepts of that scheme
  ("did you mean stance:rejects?"), and drops the problems *about* that
  unknown term, which nobody describes (a stance with no CAMEO code): they
  only follow from the typo;
* drops a warning about a path through a property that the node lacks, when
  the lack itself is a violation (a statement with no evidence is not also
  told it "rests on opinion sources alone").

The concept schemes come from the shapes (a property shape with ``sh:node`` a
shape whose ``skos:inScheme`` has a ``sh:hasValue``), so a new negotiation's
schemes need no code change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from positions.checking.report import VIOLATION, WARNING, Problem
from positions.checking.terms import expand_text
from positions.rdf.namespaces import compact

SH = "http://www.w3.org/ns/shacl#"
IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"


def concept_schemes(shapes: Iterable[ox.Quad | ox.Triple]) -> dict[str, str]:
    """Property IRI -> the concept scheme its values must belong to, read from the shapes."""
    by_subject: dict[Any, list[Any]] = {}
    for t in shapes:
        by_subject.setdefault(t.subject, []).append(t)

    def values(node: Any, predicate: str) -> list[Any]:
        return [t.object for t in by_subject.get(node, []) if t.predicate.value == predicate]

    scheme_of_shape: dict[Any, str] = {}
    for node in by_subject:
        for prop in values(node, SH + "property"):
            paths = values(prop, SH + "path")
            wanted = values(prop, SH + "hasValue")
            if paths and paths[0].value == IN_SCHEME and wanted:
                scheme_of_shape[node] = wanted[0].value
    out: dict[str, str] = {}
    for node in by_subject:
        paths = [p for p in values(node, SH + "path") if isinstance(p, ox.NamedNode)]
        for shape in values(node, SH + "node"):
            if paths and shape in scheme_of_shape:
                out[paths[0].value] = scheme_of_shape[shape]
    return out


def refine(
    problems: list[Problem],
    store: Callable[[], ox.Store],
    new_quads: list[ox.Quad],
    shapes: Iterable[ox.Quad | ox.Triple],
) -> list[Problem]:
    """``problems`` with the hints and without the consequences described above.

    ``store()`` gives the base's store; it is called only when a problem needs a
    look-up (a whole-base validation with nothing to refine loads no store)."""
    schemes = {compact(p): s for p, s in concept_schemes(shapes).items()}
    described = {q.subject for q in new_quads}

    def is_described(iri: str) -> bool:
        node = ox.NamedNode(iri)
        found = next(iter(store().quads_for_pattern(node, None, None)), None)
        return node in described or found is not None

    unknown_terms: set[str] = set()
    refined: list[Problem] = []
    for problem in problems:
        scheme = schemes.get(problem.path or "")
        iri = expand_text(problem.value)
        if scheme and iri and not _in_scheme(store(), iri, scheme):
            if not is_described(iri):
                unknown_terms.add(iri)
            problem = dataclasses.replace(
                problem, message=f"{problem.message} {_nearest_concepts(store(), iri, scheme)}"
            )
        refined.append(problem)
    refined = [p for p in refined if p.focus not in unknown_terms]
    return _without_consequences(refined, store, new_quads)


def _in_scheme(store: ox.Store, iri: str, scheme: str) -> bool:
    pattern = (ox.NamedNode(iri), ox.NamedNode(IN_SCHEME), ox.NamedNode(scheme))
    return next(iter(store.quads_for_pattern(*pattern)), None) is not None


def _nearest_concepts(store: ox.Store, iri: str, scheme: str) -> str:
    from positions.checking.near import nearest
    from positions.checking.newfacts import NewFacts

    found = nearest(iri, NewFacts(store, []).base_nodes(scheme))
    what = f"{compact(iri)} is not in {compact(scheme)}"
    if not found:
        return what + "."
    return what + "; did you mean " + " or ".join(compact(c.iri) for c in found) + "?"


def _without_consequences(
    problems: list[Problem], store: Callable[[], ox.Store], new_quads: list[ox.Quad]
) -> list[Problem]:
    """Drop a warning on a path ``P/...`` of a node that has no ``P`` at all, when that
    absence is reported as a violation of the same node."""
    lacking = {(p.focus, p.path) for p in problems if p.severity == VIOLATION and p.path}

    def lacks(focus: str, first: str) -> bool:
        if (focus, first) not in lacking:
            return False
        predicate = expand_text(first)
        if predicate is None or not focus.startswith(("http://", "https://")):
            return False
        node, link = ox.NamedNode(focus), ox.NamedNode(predicate)
        if any(q.subject == node and q.predicate == link for q in new_quads):
            return False
        return next(iter(store().quads_for_pattern(node, link, None)), None) is None

    kept = []
    for problem in problems:
        path = problem.path or ""
        first = path.split("/", 1)[0]
        if problem.severity == WARNING and "/" in path and lacks(problem.focus, first):
            continue
        kept.append(problem)
    return kept
