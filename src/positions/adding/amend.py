"""``positions amend FILE``: new values for the properties of nodes the base holds.

    from positions.adding.amend import amend
    outcome = amend(kb, Path("sent.ttl"), dry_run=True)

FILE names nodes of the base and, for each, the properties whose values it
replaces: every value the base has for that node and property goes, and the
file's values come in (``kb:us-written-response pos:documentStatus
status:sent .`` replaces ``status:promised``).  Properties the file does not
give are left alone; a property the node had no value for gains one.  A piece
of evidence (a blank node) is replaced with the property that holds it.

Refused, with nothing written: a node the base does not hold (``positions add``
adds new ones), a blank node that no named node of the file points to, and a
term of the ontology (:mod:`positions.adding.protect`).  The rest
(validation, the change log, the commit) is :func:`positions.adding.edit.apply_edit`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.baseview import BaseView
from positions.adding.changelog import log_files
from positions.adding.edit import Edit, EditOutcome, NodeChange, apply_edit
from positions.adding.facts import FactGraph, show, subtree
from positions.adding.history import shown
from positions.adding.inputs import InputFile, read_inputs
from positions.adding.plan import AddRefused
from positions.adding.protect import OntologyTerms, find_trespasses
from positions.rdf import rdfio
from positions.wording import plural

if TYPE_CHECKING:
    from positions.base.local import LocalBase


def amend(kb: LocalBase, path: Path, *, dry_run: bool = False, strict: bool = False) -> EditOutcome:
    """Replace the values ``path`` gives, validated and logged, all or nothing."""
    inputs = read_inputs(kb, [Path(path)])  # an unreadable file fails here, before any lock
    return apply_edit(kb, lambda: plan_amend(kb, inputs), dry_run=dry_run, strict=strict)


def ontology_terms(kb: LocalBase) -> OntologyTerms:
    """The terms of the base's ontology and shapes, which no edit may touch."""
    files = kb.layout.ontology_files() + kb.layout.shapes_files()
    return OntologyTerms.read(
        {
            kb.relative(p): [(q.subject, q.predicate, q.object) for q in rdfio.read_rdf(p)]
            for p in files
        }
    )


def plan_amend(kb: LocalBase, inputs: list[InputFile]) -> Edit:
    """What replacing the values of ``inputs`` would change (nothing is written)."""
    trespasses = find_trespasses(inputs, ontology_terms(kb))
    if trespasses:
        raise AddRefused(
            "\n".join(str(t) for t in trespasses)
            + "\namend changes facts of data/, not the ontology; nothing was written. "
            "Changing the ontology is an edit of ontology/, reviewed like code."
        )
    src = inputs[0]
    new = FactGraph(list(dict.fromkeys(t for i in inputs for t in i.triples)))
    roots = new.roots()
    loose = [r for r in roots if isinstance(r, ox.BlankNode)]
    if loose:
        raise AddRefused(
            f"{src.name}: {plural(len(loose), 'blank node')} that no named node of the file "
            "points to; amend replaces values of named nodes: write the blank node inside "
            "the node it belongs to ([ ... ]). Nothing was written."
        )
    view = BaseView(kb)
    logs = {p.relative_to(kb.layout.data_dir).as_posix() for p in log_files(kb)}
    unknown = [r for r in roots if not (view.files_of(r) - logs)]
    if unknown:
        lines = [
            f"{src.where(r)}: {show(r)} is not in the base; amend changes nodes the base holds "
            "(add new ones with positions add)"
            for r in unknown
        ]
        raise AddRefused(
            "\n".join(lines) + f"\n{plural(len(unknown), 'unknown node')}; nothing was written."
        )
    edit = Edit(kind="amend", sources=[i.name for i in inputs])
    homes = view.homes(roots)
    for root in roots:
        _amend_node(kb, edit, view, root, new, homes[root], logs)
    edit.nodes = [n for n in edit.nodes if n.old != n.new]
    edit.render(kb)
    return edit


def _amend_node(
    kb: LocalBase,
    edit: Edit,
    view: BaseView,
    root: ox.NamedNode,
    new: FactGraph,
    home: str,
    logs: set[str],
) -> None:
    given = new.by_subject[root]
    predicates = list(dict.fromkeys(p for _, p, _ in given))
    change = NodeChange(root)
    new_items = {new.item(t) for t in given}
    old_items: set[tuple[str, str]] = set()
    for name in sorted(view.files_of(root) - logs):
        triples = edit.file_triples(kb, name)
        graph = FactGraph(triples)
        for t in graph.by_subject.get(root, []):
            if t[1] not in predicates:
                continue
            change.old.setdefault(show(t[1]), []).append(shown(t[2], graph))
            item = graph.item(t)
            old_items.add(item)
            if item in new_items:
                continue
            edit.removed.setdefault(name, []).extend([t, *subtree(t[2], graph.by_subject)])
    for t in given:
        change.new.setdefault(show(t[1]), []).append(shown(t[2], new))
        if new.item(t) not in old_items:
            edit.added.setdefault(home, []).extend([t, *subtree(t[2], new.by_subject)])
    for values in (*change.old.values(), *change.new.values()):
        values.sort()
    edit.nodes.append(change)
