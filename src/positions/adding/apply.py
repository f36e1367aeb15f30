"""Applying an addition (``positions add``): plan, validate, then commit as one transaction.

    from positions.adding.apply import add
    outcome = add(kb, [Path("new-facts.ttl")])          # or dry_run=True
    print(outcome.to_text())

Three steps (docs/adding.md tells the story for users):

1. **Plan** (:func:`positions.adding.plan.plan_add`): where each new fact goes,
   which are duplicates, which conflict with the base (refused).
2. **Validate** the new files in the context of the base
   (:func:`positions.checking.validate.validate`); any violation (any warning under
   ``strict``) stops the add.
3. **Commit** (:func:`positions.base.journal.commit`) the full new text of every
   changed file, and the change log's entry for the addition
   (:mod:`positions.adding.changelog`), all or nothing, then bring the store in step.

Steps 1 to 3 run under the writers' lock (:func:`positions.base.journal.base_lock`),
after :func:`positions.base.journal.recover` has finished any interrupted write:
a second ``add`` waits, then plans against the files as the first one left
them, so both land.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.inputs import InputFile, read_inputs
from positions.adding.plan import AddRefused, Plan, plan_add, refuse_conflicts
from positions.adding.summary import plan_text
from positions.base.journal import base_lock, commit, recover

if TYPE_CHECKING:
    from positions.base.local import LocalBase
    from positions.checking.report import Problem, Report


@dataclass
class Outcome:
    """What an add did: the plan applied (or not, under dry run) and the validation report."""

    plan: Plan
    report: Report | None
    written: bool
    recovered: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """What the user is told: recovery, the plan, then any problems found."""
        text = "".join(f"Recovered: {line}\n" for line in self.recovered)
        text += plan_text(self.plan, dry_run=not self.written and self.plan.added_count > 0)
        if self.report is not None and self.report.problems:
            text += "\n" + self.report.to_text()
        return text


def add(
    kb: LocalBase,
    files: list[Path],
    *,
    dry_run: bool = False,
    strict: bool = False,
    relocate: Callable[[Problem], Problem] | None = None,
    inputs: list[InputFile] | None = None,
) -> Outcome:
    """Plan, validate and (unless ``dry_run``) commit the facts of ``files``.

    ``inputs`` are the files already read (a CSV import passes its own, which
    name rows and columns); ``relocate`` rewrites validation problems likewise.
    """
    if inputs is None:
        inputs = read_inputs(kb, files)  # an unreadable file fails here, before any lock
    if dry_run:
        plan = plan_add(kb, files, inputs)
        refuse_conflicts(plan)
        report = _validate(kb, files, strict, relocate) if plan.added_count else None
        if report is not None and not report.conforms:
            raise violations_error(report)
        return Outcome(plan, report, written=False)
    return _apply(kb, files, inputs, strict=strict, relocate=relocate)


def apply(
    kb: LocalBase,
    plan: Plan,
    *,
    strict: bool = False,
    relocate: Callable[[Problem], Problem] | None = None,
) -> Outcome:
    """Commit the facts of a plan made earlier, planning them again under the lock.

    Planning again is what lets two concurrent adds both land: the second one
    plans against the files the first one wrote.
    """
    return _apply(kb, plan.inputs, plan.sources, strict=strict, relocate=relocate)


def _apply(
    kb: LocalBase,
    files: list[Path],
    inputs: list[InputFile],
    *,
    strict: bool,
    relocate: Callable[[Problem], Problem] | None,
) -> Outcome:
    """Under the lock: recover, bring the store in step, plan, validate, commit."""
    with base_lock(kb.root):
        recovered = recover(kb.layout.data_dir)
        kb.refresh_store()  # another add may have changed the files since the store was read
        plan = plan_add(kb, files, inputs)
        refuse_conflicts(plan)
        if not plan.texts:
            return Outcome(plan, None, written=False, recovered=recovered)
        report = _validate(kb, plan.inputs, strict, relocate)
        if not report.conforms:
            raise violations_error(report)
        texts, logged = _with_log(kb, plan)
        commit(kb.layout.data_dir, texts)
        # Files and store together: the new triples go into the store as they
        # are (a disk store is not reloaded; one not opened yet catches up on
        # its next open from its manifest).
        kb.refresh_store({**plan.added, **logged})
        return Outcome(plan, report, written=True, recovered=recovered)


def _with_log(kb: LocalBase, plan: Plan) -> tuple[dict[str, str], dict[str, list]]:
    """The plan's texts and the change log's entry for them (positions.adding.changelog):
    an ``import`` when the facts come from a table, else an ``add``."""
    from positions.adding.changelog import Change, current_note, log_texts

    added = [t for triples in plan.added.values() for t in triples]
    by, reason = current_note()
    kind = "import" if any(src.rows is not None for src in plan.sources) else "add"
    nodes = list(dict.fromkeys(s for s, _, _ in added if not isinstance(s, ox.BlankNode)))
    change = Change(kind, nodes=nodes, added=added, by=by, reason=reason)
    change.sources = [Path(src.name).name for src in plan.sources]
    log, logged = log_texts(kb, change, plan.texts)
    return {**plan.texts, **log}, logged


def _validate(
    kb: LocalBase,
    files: list[Path],
    strict: bool,
    relocate: Callable[[Problem], Problem] | None,
) -> Report:
    from positions.checking.validate import validate  # pyshacl is slow to import: only when needed

    report = validate(kb, files, strict=strict)
    if relocate is not None:
        report = dataclasses.replace(report, problems=[relocate(p) for p in report.problems])
    return report


def violations_error(report: Report) -> AddRefused:
    """The error that refuses new facts which do not conform, with the report's problems."""
    return AddRefused(
        "the new facts do not conform; nothing was written.\n" + report.to_text().rstrip()
    )
