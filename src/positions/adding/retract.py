"""``positions retract IRI...``: take facts out of the base, with what hangs only from them.

    from positions.adding.retract import retract
    outcome = retract(kb, ["kb:stmt-x"], dry_run=True)

Retracting a node removes every triple that has it as subject, in whichever
data files hold them, and the blank nodes under them (its evidence, a period).
While other facts still point at it (a statement at the source it cites, a
demand at the demand it refines), the retraction is refused and they are
listed with their file and line; with ``cascade`` they are retracted too, and
so on until nothing left points at what goes.  The change log
(:mod:`positions.adding.changelog`) keeps every removed triple, and the rest
is :func:`positions.adding.edit.apply_edit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.amend import ontology_terms
from positions.adding.baseview import BaseView
from positions.adding.changelog import log_files
from positions.adding.edit import Edit, EditOutcome, NodeChange, apply_edit
from positions.adding.facts import FactGraph, Term, parse_iri, show, subtree
from positions.adding.plan import AddRefused
from positions.errors import UsageError
from positions.wording import plural

if TYPE_CHECKING:
    from positions.base.local import LocalBase


def retract(
    kb: LocalBase,
    iris: Iterable[str],
    *,
    cascade: bool = False,
    dry_run: bool = False,
    strict: bool = False,
) -> EditOutcome:
    """Remove the facts ``iris`` name (and, with ``cascade``, those pointing at them)."""
    nodes = [parse_iri(i) for i in iris]
    if not nodes:
        raise UsageError("retract: give the IRI of at least one node (kb:stmt-...)")
    return apply_edit(
        kb, lambda: plan_retract(kb, nodes, cascade=cascade), dry_run=dry_run, strict=strict
    )


def plan_retract(kb: LocalBase, nodes: list[ox.NamedNode], *, cascade: bool = False) -> Edit:
    """What retracting ``nodes`` would change (nothing is written)."""
    terms = ontology_terms(kb)
    owned = [(n, terms.owner(n.value)) for n in nodes]
    refused = [f"{show(n)}: a term of the ontology ({o[0]})" for n, o in owned if o is not None]
    if refused:
        raise AddRefused(
            "\n".join(refused)
            + "\nretract removes facts of data/, not terms of the ontology; nothing was "
            "written. Changing the ontology is an edit of ontology/, reviewed like code."
        )
    view = BaseView(kb)
    logs = {p.relative_to(kb.layout.data_dir).as_posix() for p in log_files(kb)}
    unknown = [n for n in nodes if not (view.files_of(n) - logs)]
    if unknown:
        names = ", ".join(show(n) for n in unknown)
        raise AddRefused(
            f"{names}: not in the base (no data file says anything about "
            f"{'it' if len(unknown) == 1 else 'them'}); nothing was written."
        )
    going = list(dict.fromkeys(nodes))
    while True:
        pointing = _pointing(view, going, logs)
        if not pointing:
            break
        if not cascade:
            lines = [f"  {where}: {text}" for where, text, _ in pointing]
            count = plural(len(pointing), "fact")
            raise AddRefused(
                f"other facts still point at what would be retracted ({count}):\n"
                + "\n".join(lines)
                + "\nretract them first, or give --cascade to retract them too; "
                "nothing was written."
            )
        going += list(dict.fromkeys(root for _, _, root in pointing if root not in going))
    edit = Edit(kind="retract")
    for node in going:
        change = NodeChange(node, retracted=True)
        for name in sorted(view.files_of(node) - logs):
            triples = edit.file_triples(kb, name)
            graph = FactGraph(triples)
            for t in graph.by_subject.get(node, []):
                gone = [t, *subtree(t[2], graph.by_subject)]
                edit.removed.setdefault(name, []).extend(gone)
                change.triples += len(gone)
        edit.nodes.append(change)
    edit.render(kb)
    return edit


def _pointing(
    view: BaseView, going: list[ox.NamedNode], logs: set[str]
) -> list[tuple[str, str, ox.NamedNode]]:
    """Facts of other nodes pointing at ``going``: (where, what, the named node that says it)."""
    found: dict[tuple[str, str], ox.NamedNode] = {}
    leaving = set(going)
    for node in going:
        for subject, predicate, name in view.pointing_at(node):
            if name in logs:
                continue
            root, path = _named_root(view, subject, [predicate], logs)
            if root is None or root in leaving:
                continue
            text = f"{show(root)} {'/'.join(show(p) for p in path)} {show(node)}"
            found.setdefault((view.where(root, name), text), root)
    return [(where, text, root) for (where, text), root in sorted(found.items(), key=_by_line)]


def _by_line(item: tuple[tuple[str, str], ox.NamedNode]) -> tuple[str, int, str]:
    """``data/a.ttl:9`` before ``data/a.ttl:10``."""
    (where, text), _ = item
    name, _, line = where.rpartition(":")
    return (name, int(line), text) if line.isdigit() else (where, 0, text)


def _named_root(
    view: BaseView, subject: Term, path: list[ox.NamedNode], logs: set[str]
) -> tuple[ox.NamedNode | None, list[ox.NamedNode]]:
    """The named node that holds ``subject`` (itself if named), and the path from it."""
    seen: set[Term] = set()
    while isinstance(subject, ox.BlankNode):
        if subject in seen:
            return None, path
        seen.add(subject)
        above = [(s, p) for s, p, f in view.pointing_at(subject) if f not in logs]
        if not above:
            return None, path
        subject, predicate = above[0]
        path = [predicate, *path]
    return subject, path  # type: ignore[return-value]
