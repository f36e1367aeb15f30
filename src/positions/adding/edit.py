"""Changing facts already in the base (``positions amend`` and ``retract``): the common part.

    edit = plan_amend(kb, Path("fix.ttl"))           # positions.adding.amend
    outcome = apply_edit(kb, lambda: plan_amend(kb, path), dry_run=True)

An :class:`Edit` says which triples leave which data file and which come in.
:func:`apply_edit` does what :func:`positions.adding.apply.add` does for an
addition: under the writers' lock (after :func:`positions.base.journal.recover`),
with the store brought in step, it plans again, validates the base as it would
be, records the change in the log (:mod:`positions.adding.changelog`) and
commits every changed file and the log all or nothing
(:func:`positions.base.journal.commit`), so a run killed at any point leaves
the base as it was before or after.

Validation: on a small base (under
:data:`positions.checking.validate.INCREMENTAL_FROM_BYTES` of data) the whole
base as it would be is validated, in a shadow copy (the unchanged files linked,
the changed ones written); only the problems the edit brings are reported
(those of the changed nodes, and any violation the base did not have before).
On a large base the changed nodes and their neighbours are validated against
the part of the base they reach, read through a view of the store that hides
the removed triples (:class:`ShadowStore`).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.baseview import BaseView
from positions.adding.changelog import Change, current_note, log_texts
from positions.adding.facts import RDF_TYPE, FactGraph, Term, Triple, show
from positions.adding.inputs import InputFile
from positions.adding.plan import AddRefused
from positions.base.datafiles import render_data_file
from positions.base.journal import base_lock, commit, recover
from positions.wording import plural

if TYPE_CHECKING:
    from positions.base.local import LocalBase
    from positions.checking.report import Problem, Report


@dataclass
class NodeChange:
    """What an edit does to one node: the values of each predicate before and after."""

    node: ox.NamedNode
    old: dict[str, list[str]] = field(default_factory=dict)  # predicate -> values (shown)
    new: dict[str, list[str]] = field(default_factory=dict)
    retracted: bool = False
    triples: int = 0  # triples removed with a retracted node (its evidence included)


@dataclass(kw_only=True)
class Edit:
    """What an amend or a retract would do to data/."""

    kind: str  # "amend" or "retract"
    removed: dict[str, list[Triple]] = field(default_factory=dict)  # file -> triples leaving
    added: dict[str, list[Triple]] = field(default_factory=dict)  # file -> triples coming in
    read: dict[str, list[Triple]] = field(default_factory=dict)  # file -> its triples as read
    nodes: list[NodeChange] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the files given (amend)
    texts: dict[str, str] = field(default_factory=dict)  # file -> its full new text

    @property
    def changed(self) -> bool:
        return bool(self.texts)

    def render(self, kb: LocalBase) -> None:
        """The full new text of every file the edit changes (only those files are read)."""
        for name in sorted(set(self.removed) | set(self.added)):
            gone = _still_pointed_at(self.file_triples(kb, name), self.removed.get(name, []))
            self.removed[name] = [t for t in self.removed.get(name, []) if t in gone]
            kept = [t for t in self.file_triples(kb, name) if t not in gone]
            triples = [ox.Triple(*t) for t in kept + self.added.get(name, [])]
            text = render_data_file(name, triples)
            path = kb.layout.data_dir / name
            if not path.exists() or path.read_bytes() != text.encode("utf-8"):
                self.texts[name] = text

    def file_triples(self, kb: LocalBase, name: str) -> list[Triple]:
        """The triples of data file ``name`` (read once, so that its blank nodes stay the same)."""
        if name not in self.read:
            path = kb.layout.data_dir / name
            self.read[name] = InputFile.read(path, kb.relative(path)).triples
        return self.read[name]

    def change(self, by: str | None, reason: str | None) -> Change:
        """The record of this edit for the change log."""
        return Change(
            self.kind,
            nodes=[n.node for n in self.nodes],
            removed=[t for ts in self.removed.values() for t in ts],
            added=[t for ts in self.added.values() for t in ts],
            by=by,
            reason=reason,
            sources=self.sources,
        )


def _still_pointed_at(triples: list[Triple], removed: list[Triple]) -> set[Triple]:
    """``removed`` less the triples of blank nodes that a triple which stays points to
    (a blank node written with a label, shared by two nodes, goes with the last of them)."""
    gone = set(removed)
    while True:
        kept_blanks = {t[2] for t in triples if t not in gone and isinstance(t[2], ox.BlankNode)}
        back = {t for t in gone if t[0] in kept_blanks}
        if not back:
            return gone
        gone -= back


@dataclass
class EditOutcome:
    """What an amend or a retract did (or, under dry run, would do)."""

    edit: Edit
    report: Report | None
    written: bool
    dry_run: bool
    recovered: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """What the user is told: recovery, each node's change, files, problems."""
        lines = [f"Recovered: {line}" for line in self.recovered]
        edit = self.edit
        if not edit.changed:
            lines.append("Nothing to change: the base already holds these values.")
        else:
            done = f"Would {edit.kind}" if self.dry_run else f"{edit.kind.capitalize()}ed"
            lines.append(f"{done} {plural(len(edit.nodes), 'node')}:")
            for node in edit.nodes:
                lines.extend(_node_lines(node))
            where = ", ".join(f"data/{n}" for n in sorted(edit.texts))
            lines.append(
                ("Files that would change: " if self.dry_run else "Files changed: ") + where
            )
            if self.written:
                lines.append("Recorded in the change log (positions log).")
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        text = "\n".join(lines) + "\n"
        if self.report is not None and self.report.problems:
            text += "\n" + self.report.to_text()
        return text


def _node_lines(node: NodeChange) -> list[str]:
    if node.retracted:
        return [f"  {show(node.node)}: retracted ({plural(node.triples, 'triple')})"]
    lines = []
    for predicate in sorted(set(node.old) | set(node.new)):
        old = ", ".join(node.old.get(predicate, [])) or "(none)"
        new = ", ".join(node.new.get(predicate, [])) or "(none)"
        lines.append(f"  {show(node.node)} {predicate}: {old} -> {new}")
    return lines


def apply_edit(
    kb: LocalBase,
    make: Callable[[], Edit],
    *,
    dry_run: bool = False,
    strict: bool = False,
) -> EditOutcome:
    """Plan (``make``), validate and, unless ``dry_run``, commit an edit with its log entry."""
    if dry_run:
        edit = make()
        report = validate_edit(kb, edit, strict) if edit.changed else None
        _refuse_problems(report)
        return EditOutcome(edit, report, written=False, dry_run=True)
    with base_lock(kb.root):
        recovered = recover(kb.layout.data_dir)
        kb.refresh_store()  # another writer may have changed the files
        edit = make()
        if not edit.changed:
            return EditOutcome(edit, None, written=False, dry_run=False, recovered=recovered)
        report = validate_edit(kb, edit, strict)
        _refuse_problems(report)
        by, reason = current_note()
        texts = dict(edit.texts)
        log, _ = log_texts(kb, edit.change(by, reason), texts)
        texts.update(log)
        commit(kb.layout.data_dir, texts)
        kb.refresh_store()  # facts left: the store is read again from the files
        return EditOutcome(edit, report, written=True, dry_run=False, recovered=recovered)


def _refuse_problems(report: Report | None) -> None:
    if report is not None and not report.conforms:
        raise AddRefused(
            "the base would not conform after this change; nothing was written.\n"
            + report.to_text().rstrip()
        )


# -- validation --------------------------------------------------------------------------


def validate_edit(kb: LocalBase, edit: Edit, strict: bool) -> Report:
    """The problems the edit brings to the base (see the module)."""
    from positions.checking.validate import INCREMENTAL_FROM_BYTES

    if kb.layout.data_bytes() >= INCREMENTAL_FROM_BYTES:
        return _validate_reach(kb, edit, strict)
    return _validate_whole(kb, edit, strict)


def _validate_whole(kb: LocalBase, edit: Edit, strict: bool) -> Report:
    from positions.base.local import LocalBase as Local
    from positions.checking.report import VIOLATION, WARNING, Report
    from positions.checking.validate import validate

    with tempfile.TemporaryDirectory(prefix="positions-edit-") as folder:
        shadow = shadow_base(kb, edit.texts, Path(folder))
        after = validate(Local(shadow, store="memory"), None, strict=strict)
    focus = _focus(edit)
    blocking = [
        p for p in after.problems if p.severity == VIOLATION or (strict and p.severity == WARNING)
    ]
    problems: list[Problem] = [p for p in after.problems if p.focus in focus]
    if blocking:  # what the base had before is not this edit's doing
        known = {p.identity() for p in validate(kb, None, strict=strict).problems}
        problems = [
            p
            for p in after.problems
            if p.identity() not in known or (p.focus in focus and p not in blocking)
        ]
    return Report(problems=problems, files=sorted(f"data/{n}" for n in edit.texts), strict=strict)


def _focus(edit: Edit) -> set[str]:
    """The nodes an edit changes and the named nodes its removed values pointed to."""
    found = {n.node.value for n in edit.nodes}
    for triples in (*edit.removed.values(), *edit.added.values()):
        found |= {o.value for _, p, o in triples if isinstance(o, ox.NamedNode) and p != RDF_TYPE}
    return found - {n.node.value for n in edit.nodes if n.retracted}


def _link_or_copy(path: Path, target: Path) -> None:
    try:
        os.link(path, target)
    except OSError:
        shutil.copyfile(path, target)


def shadow_base(kb: LocalBase, texts: dict[str, str], folder: Path) -> Path:
    """A copy of the base in ``folder`` with ``texts`` written over its data files.

    The ontology is copied; unchanged data files and the texts of ``sources/``
    (which the quote-in-text rule reads) are hard links where the file system
    allows (no bytes copied), else copies; queries are left out.
    """
    shutil.copytree(kb.layout.ontology_dir, folder / "ontology")
    (folder / "queries").mkdir()
    for path in kb.layout.source_texts():
        target = folder / "sources" / path.name
        target.parent.mkdir(exist_ok=True)
        _link_or_copy(path, target)
    data_dir = kb.layout.data_dir
    for path in kb.layout.data_files():
        name = path.relative_to(data_dir).as_posix()
        target = folder / "data" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name in texts:
            continue
        _link_or_copy(path, target)
    for name, text in texts.items():
        target = folder / "data" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / "data").mkdir(exist_ok=True)
    return folder


def _validate_reach(kb: LocalBase, edit: Edit, strict: bool) -> Report:
    """On a large base: the changed nodes and their neighbours, in the part of the
    base they reach, seen without the removed triples."""
    from positions.checking.incremental import validate_new
    from positions.checking.sources import display_name
    from positions.rdf.turtle import serialize_turtle

    store = ShadowStore(kb.store, kb, edit)
    view = BaseView(kb)
    focus = sorted(n for n in _focus(edit) if view.files_of(ox.NamedNode(n)))  # data nodes
    described: list[Triple] = []
    for iri in focus:
        node = ox.NamedNode(iri)
        own = [
            (q.subject, q.predicate, q.object) for q in store.quads_for_pattern(node, None, None)
        ]
        described += own + _below(store, own)
    described += [t for ts in edit.added.values() for t in ts]
    if not described:
        from positions.checking.report import Report

        return Report(problems=[], files=[], strict=strict)
    with tempfile.TemporaryDirectory(prefix="positions-edit-") as folder:
        path = Path(folder) / f"{edit.kind}.ttl"
        text = serialize_turtle([ox.Triple(*t) for t in described])
        path.write_text(text, encoding="utf-8")
        report = validate_new(kb, [path], strict=strict, store=store)
        shown = display_name(kb, path)
    # The nodes were written to a temporary file: point at where they live in data/.
    moved = [_in_data(view, p) if p.file == shown else p for p in report.problems]
    files = sorted(f"data/{n}" for n in edit.texts)
    return dataclasses.replace(report, problems=moved, files=files)


def _in_data(view: BaseView, problem: Problem) -> Problem:
    try:
        node = ox.NamedNode(problem.focus)
    except ValueError:
        return dataclasses.replace(problem, file=None, line=None)
    where = view.where(node, view.homes([node]).get(node))
    name, _, line = where.rpartition(":")
    if not line.isdigit():
        return dataclasses.replace(problem, file=where, line=None)
    return dataclasses.replace(problem, file=name, line=int(line))


def _about(store: object, node: Term) -> list[Triple]:
    """The triples of ``node`` in ``store``, and those of the blank nodes under it."""
    own = store.quads_for_pattern(node, None, None)  # type: ignore[attr-defined]
    triples: list[Triple] = [(q.subject, q.predicate, q.object) for q in own]
    return triples + _below(store, triples)


def _below(store: object, triples: Iterable[Triple | ox.Triple]) -> list[Triple]:
    """The triples of the blank nodes reachable from the objects of ``triples``."""
    out: list[Triple] = []
    stack = [t[2] for t in map(tuple, triples) if isinstance(t[2], ox.BlankNode)]
    seen: set[Term] = set()
    while stack:
        blank = stack.pop()
        if blank in seen:
            continue
        seen.add(blank)
        for q in store.quads_for_pattern(blank, None, None):  # type: ignore[attr-defined]
            out.append((q.subject, q.predicate, q.object))
            if isinstance(q.object, ox.BlankNode):
                stack.append(q.object)
    return out


class ShadowStore:
    """The base's store seen as it would be after an edit: the removed facts hidden.

    The removed triples were read from the files, whose blank nodes are not the
    store's: a removed blank value (a piece of evidence) is known by its content
    (:class:`positions.adding.facts.FactGraph` keys), named values as they are.
    """

    def __init__(self, store: ox.Store, kb: LocalBase, edit: Edit) -> None:
        self.store = store
        self.hidden_subjects = {n.node for n in edit.nodes if n.retracted}
        self.hidden: set[tuple[Term, Term, Term]] = set()
        self.hidden_blanks: dict[tuple[Term, Term], set[str]] = {}  # (s, p) -> content keys
        for name, triples in edit.removed.items():
            keys = FactGraph(edit.file_triples(kb, name)).keys
            for s, p, o in triples:
                if isinstance(s, ox.BlankNode):
                    continue
                if isinstance(o, ox.BlankNode):
                    self.hidden_blanks.setdefault((s, p), set()).add(keys.get(o, ""))
                else:
                    self.hidden.add((s, p, o))

    def quads_for_pattern(
        self,
        subject: Term | None,
        predicate: ox.NamedNode | None,
        object: Term | None,
        graph_name: object = None,
    ) -> Iterator[ox.Quad]:
        for quad in self.store.quads_for_pattern(subject, predicate, object, graph_name):
            if not self._hides(quad):
                yield quad

    def _hides(self, quad: ox.Quad) -> bool:
        s, p, o = quad.subject, quad.predicate, quad.object
        if s in self.hidden_subjects or (s, p, o) in self.hidden:
            return True
        keys = self.hidden_blanks.get((s, p))
        if keys is None or not isinstance(o, ox.BlankNode):
            return False
        below = [
            (q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(o, None, None)
        ]
        below += _below(self.store, below)
        return FactGraph(below).keys.get(o) in keys
