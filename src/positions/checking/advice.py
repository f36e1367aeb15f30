"""Advice added to a validation report: duplicates, unknown nodes, clearer messages.

    from positions.checking.advice import advise, advise_new
    report = advise(kb, report, files)              # what validate() returns
    problems = advise_new(store, new_source_files)  # for any writing command

Validation (:func:`positions.checking.validate.validate`, whole or incremental)
finds what the shapes and checks say; this step then

* warns about new nodes that look like nodes the base has
  (:mod:`positions.checking.duplicates`);
* says which IRIs used as a speaker, party or target neither the base nor the
  files describe, with the nearest node of the expected kind
  (:mod:`positions.checking.unknown`);
* makes the messages of the shapes say what is meant: a suggestion for a
  concept that is not in its scheme, and no second problem that only follows
  from a first (:mod:`positions.checking.hints`).

It reads the base through its store, never rdflib.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.checking.duplicates import duplicate_problems
from positions.checking.hints import refine
from positions.checking.newfacts import NewFacts
from positions.checking.report import WARNING, Problem, Report
from positions.checking.sources import SourceFile, display_name, distinct_new_files
from positions.checking.unknown import expected_classes, link_hints
from positions.rdf import rdfio
from positions.rdf.namespaces import compact

if TYPE_CHECKING:
    from positions.base.local import LocalBase


def advise_new(
    store: ox.Store,
    files: list[SourceFile],
    shapes: list[ox.Quad],
    problems: list[Problem] | None = None,
) -> list[Problem]:
    """``problems`` (those validation found) with the advice about new files' facts
    (``files``) beside the base in ``store``: the duplicates, and the IRIs the files
    link to that neither the base nor they describe (said in the problem about that
    link when there is one, else in a warning of its own).  ``shapes``: the quads of
    the base's shapes files.  For any command that brings new nodes (add, import,
    amend): the store must not hold the new facts yet."""
    problems = list(problems or [])
    facts = NewFacts(store, files)
    expected = expected_classes(shapes)
    for subject, predicate, hint in link_hints(facts, expected):
        holder = facts.where(subject)
        value = hint.split(" ", 1)[0]
        matching = [
            i
            for i, p in enumerate(problems)
            if p.path == compact(predicate) and p.value == value and holder[0] in (p.file, None)
        ]
        for i in matching:
            problems[i] = dataclasses.replace(
                problems[i], message=f"{problems[i].message} {_sentence(hint)}"
            )
        if not matching:
            problems.append(_warning(facts, subject, predicate, value, hint))
    return problems + duplicate_problems(facts)


def _warning(facts: NewFacts, subject: object, predicate: str, value: str, hint: str) -> Problem:
    file, line = facts.where(subject)  # type: ignore[arg-type]
    named = subject if isinstance(subject, ox.NamedNode) else None
    shown = compact(named.value) if named is not None else "[blank node]"
    return Problem(
        file=file,
        line=line,
        focus=named.value if named is not None else shown,
        focus_compact=shown,
        label=facts.label(named) if named is not None else None,
        path=compact(predicate),
        value=value,
        severity=WARNING,
        message=_sentence(hint),
        source_shape="unknown",
    )


def advise(kb: LocalBase, report: Report, files: Iterable[Path | str] | None) -> Report:
    """``report`` with the advice of this module: its messages refined
    (:func:`positions.checking.hints.refine`) and, for ``files`` (those not part of
    the base), the warnings of :func:`advise_new`."""
    in_base = {p.resolve() for p in kb.content_files()}
    given = distinct_new_files(kb, files) if files else []
    new_paths = [p for p in given if p.resolve() not in in_base]
    if not new_paths and not report.problems:
        return report
    new = [SourceFile.read(path, display_name(kb, path)) for path in new_paths]
    shapes = [q for path in kb.layout.shapes_files() for q in rdfio.read_rdf(path)]
    new_quads = [q for f in new for q in f.quads]
    problems = refine(report.problems, lambda: kb.store, new_quads, shapes)
    if new:
        problems = advise_new(kb.store, new, shapes, problems)
    return dataclasses.replace(report, problems=problems)


def _sentence(hint: str) -> str:
    return hint if hint.endswith("?") else hint + "."
