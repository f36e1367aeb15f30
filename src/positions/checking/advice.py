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
from positions.checking.newfacts import NewFacts
from positions.checking.report import Problem, Report
from positions.checking.sources import SourceFile, display_name, distinct_new_files

if TYPE_CHECKING:
    from positions.base.local import LocalBase


def advise_new(store: ox.Store, files: list[SourceFile]) -> list[Problem]:
    """The warnings about new files' facts (``files``) beside the base in ``store``:
    duplicates and unknown nodes.  For any command that brings new nodes (add,
    import, amend): the store must not hold the new facts yet."""
    facts = NewFacts(store, files)
    return duplicate_problems(facts)


def advise(kb: LocalBase, report: Report, files: Iterable[Path | str] | None) -> Report:
    """``report`` with the advice of this module: for ``files`` (those not part of the
    base) the warnings of :func:`advise_new`."""
    in_base = {p.resolve() for p in kb.content_files()}
    new_paths = [p for p in distinct_new_files(kb, files) if p.resolve() not in in_base]
    if not new_paths:
        return report
    new = [SourceFile.read(path, display_name(kb, path)) for path in new_paths]
    added = advise_new(kb.store, new)
    if not added:
        return report
    return dataclasses.replace(report, problems=[*report.problems, *added])
