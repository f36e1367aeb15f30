"""Planning an addition: where each new fact goes, and which are duplicate or conflicting.

    from positions.adding.plan import plan_add
    plan = plan_add(kb, [Path("new-facts.ttl")])     # writes nothing

The new files are read through the strict gate
(:func:`positions.adding.inputs.read_inputs`).  Their triples are grouped by
named subject; blank nodes travel with the named node that points to them.
The base is consulted through its store, for the nodes the new facts name only
(:class:`positions.adding.baseview.BaseView`), and only the files that change
are read and rendered, so an add costs the size of the change, not of the
base.  A node already in ``data/`` stays in the file that holds it; a new node
goes to the file of its class (:func:`positions.base.datafiles.file_for_types`),
or to the class's last part once that file is full
(:func:`positions.base.datafiles.file_for_new_node`).  A fact already present
is a *duplicate* (reported, not added); blank nodes (evidence) are compared by
content, so the same evidence given twice is a duplicate too.  A new value for
a *functional* property (``sh:maxCount 1`` on a shape targeting one of the
node's classes) that differs from the value in the base is a *conflict*, an
error naming both values (:func:`refuse_conflicts`).  New facts about a term of
the ontology (:mod:`positions.adding.protect`) are refused before anything is
looked up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.baseview import BaseView
from positions.adding.facts import (
    FactGraph,
    Term,
    Triple,
    by_subject,
    show,
    subtree,
    unreached_blanks,
)
from positions.adding.inputs import InputFile, read_inputs, where_new
from positions.adding.protect import OntologyTerms, find_trespasses, refusal
from positions.base.datafiles import file_for_types, render_with_additions, superclasses
from positions.errors import InputError, Position, PositionsError
from positions.rdf import rdfio
from positions.wording import plural

if TYPE_CHECKING:
    from positions.base.local import LocalBase

SH = "http://www.w3.org/ns/shacl#"


class AddRefused(PositionsError):
    """The new facts cannot be added (conflicts, violations): nothing was written."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Conflict:
    """A new value for a property that takes one value, where the base has another."""

    node: str
    predicate: str
    existing: tuple[str, ...]
    existing_where: str
    new: str
    new_where: str

    def __str__(self) -> str:
        old = " and ".join(self.existing)
        return (
            f"{self.new_where}: {self.node} {self.predicate} {self.new} conflicts with "
            f"{old} in {self.existing_where} ({self.predicate} takes one value; "
            "correct the new file, or change the base with positions amend if the base is wrong)"
        )


@dataclass(frozen=True)
class NewNode:
    """A node the base does not hold yet, and the data file it goes to."""

    node: str
    classes: tuple[str, ...]
    label: str | None
    file: str


@dataclass(kw_only=True)
class Plan:
    """What an add would do; :func:`positions.adding.apply.apply` plans again under the lock."""

    inputs: list[Path]
    sources: list[InputFile]  # the new files as read: planning again needs no re-reading
    added: dict[str, list[Triple]] = field(default_factory=dict)  # data file -> triples to add
    duplicates: dict[str, int] = field(default_factory=dict)  # node -> facts already present
    conflicts: list[Conflict] = field(default_factory=list)
    new_nodes: list[NewNode] = field(default_factory=list)
    extended: dict[str, list[str]] = field(default_factory=dict)  # node -> predicates added
    texts: dict[str, str] = field(default_factory=dict)  # data file -> full new text, if changed
    reformatted: list[str] = field(default_factory=list)  # changed files not canonical before
    facts: int = 0  # facts added (an evidence node and its content count as one)
    data_prefix: str = "data/"
    destination: str | None = None  # a server's graph, when the base is held by one

    @property
    def added_count(self) -> int:
        """Triples added."""
        return sum(len(v) for v in self.added.values())

    @property
    def files_changed(self) -> list[str]:
        """The data files that change, sorted."""
        return sorted(self.texts)

    def counts_by_class(self) -> Counter[str]:
        """New nodes by class (a node of two classes counts in both)."""
        counts: Counter[str] = Counter()
        for node in self.new_nodes:
            for cls in node.classes or ("(no class)",):
                counts[cls] += 1
        return counts


def plan_add(
    kb: LocalBase,
    files: list[Path],
    inputs: list[InputFile] | None = None,
    view: BaseView | None = None,
) -> Plan:
    """Decide, without writing, where each new fact goes and what is duplicate or conflicting.

    The base is consulted through its store (:class:`BaseView`): only the
    nodes the new facts name are looked up, and only the data files that change
    are read, so planning costs the size of the change, not of the base.  With
    a ``view`` of a base held by a server (:meth:`BaseView.remote`), nothing is
    rendered: the plan's ``added`` triples all go to that server's graph.
    """
    inputs = inputs if inputs is not None else read_inputs(kb, files)
    ontology = {kb.relative(p): _triples(p) for p in kb.layout.ontology_files()}
    shapes = {kb.relative(p): _triples(p) for p in kb.layout.shapes_files()}
    trespasses = find_trespasses(inputs, OntologyTerms.read(ontology | shapes))
    if trespasses:  # before any look-up: new facts may not change the ontology
        raise AddRefused(refusal(trespasses))
    view = view or BaseView(kb)
    supers = superclasses(ox.Triple(*t) for ts in ontology.values() for t in ts)
    functional = _functional_properties([t for ts in shapes.values() for t in ts], supers)

    new_triples = list(dict.fromkeys(t for src in inputs for t in src.triples))
    new = FactGraph(new_triples)
    roots = new.roots()
    _refuse_unattached_blanks(new, roots, inputs)
    view.prefetch(r for r in roots if isinstance(r, ox.NamedNode))
    base_graph = FactGraph(view.about([r for r in roots if isinstance(r, ox.NamedNode)]))
    home = view.homes(r for r in roots if isinstance(r, ox.NamedNode))

    plan = Plan(inputs=list(files), sources=inputs)
    added: dict[str, list[Triple]] = defaultdict(list)
    targets: dict[ox.BlankNode, tuple[str, Term]] = {}  # shared blank node -> (file, root)
    for root in roots:
        types = new.types(root) | base_graph.types(root)
        target = home.get(root) or view.file_for_new(file_for_types(types, supers))
        if isinstance(root, ox.BlankNode):
            _plan_loose_blank(root, target, new, view, plan, added)
            continue
        existing = {base_graph.item(t) for t in base_graph.by_subject.get(root, [])}
        fresh = []
        for t in new.by_subject[root]:
            if new.item(t) in existing:
                plan.duplicates[show(root)] = plan.duplicates.get(show(root), 0) + 1
                continue
            conflict = _conflict(t, types, supers, functional, base_graph, view, home, inputs)
            if conflict:
                plan.conflicts.append(conflict)
                continue
            fresh.append(t)
            plan.facts += 1
            _claim_blanks(t[2], target, root, new, targets, inputs)
            added[target].append(t)
            added[target].extend(subtree(t[2], new.by_subject))
        if not fresh:
            continue
        if root in home:
            plan.extended.setdefault(show(root), []).extend(show(t[1]) for t in fresh)
        else:
            node = NewNode(
                node=show(root), classes=_classes(types), label=new.label(root), file=target
            )
            plan.new_nodes.append(node)
    plan.added = {f: list(dict.fromkeys(ts)) for f, ts in added.items()}
    for triples in plan.added.values():
        _check_depth(triples, inputs)
    if view.destination is None:
        _render(kb, plan)
    else:
        plan.destination = view.destination
    return plan


def _check_depth(triples: list[Triple], inputs: list[InputFile]) -> None:
    """Refuse blank nodes that would be written nested deeper than data files are read back.

    The writer puts a blank node pointed to once inside its parent's ``[ ]``; a
    chain of them (valid Turtle, hostile-input case 11 in tests/test_hostile.py)
    would make a data file that the reader's nesting limit refuses, so the base
    would no longer load.
    """
    limit = rdfio.DEFAULT_LIMITS.max_nesting
    referrers: Counter[Term] = Counter(o for _, _, o in triples if isinstance(o, ox.BlankNode))
    grouped = by_subject(triples)
    depth: dict[Term, int] = {}
    roots = [s for s in grouped if not isinstance(s, ox.BlankNode) or not referrers[s]]
    stack = [(root, 0, root) for root in roots]
    while stack:
        node, level, root = stack.pop()
        if depth.get(node, -1) >= level:
            continue
        depth[node] = level
        if level > limit:
            source = next((i for i in inputs if root in {t[0] for t in i.triples}), None)
            name = source.name if source else (inputs[0].name if inputs else "(input)")
            line = source.line_of(root) if source else None
            raise InputError(
                Position(name, line),
                f"blank nodes nested more than {limit} deep (each is written inside the one "
                f"that points to it), over the limit of {limit} (Limits.max_nesting; raise it "
                "with --max-nesting) with which data files are read; give some of them IRIs",
            )
        for _, _, o in grouped.get(node, []):
            if isinstance(o, ox.BlankNode) and referrers[o] == 1:
                stack.append((o, level + 1, root))


def _refuse_unattached_blanks(new: FactGraph, roots: list[Term], inputs: list[InputFile]) -> None:
    """Refuse blank nodes that point to each other in a cycle nothing else points to.

    A blank node is written inside the ``[ ]`` of the node that points to it, and
    compared with the base through that node: a cycle of blank nodes alone has
    neither, and would be dropped without a word.
    """
    stranded = unreached_blanks(new.by_subject, roots)
    if not stranded:
        return
    source = next((i for i in inputs if any(t[0] in stranded for t in i.triples)), None)
    predicates = sorted({show(t[1]) for b in stranded for t in new.by_subject[b]})
    raise InputError(
        Position(source.name if source else "(input)"),
        "blank nodes that point only to each other, in a cycle, and that no named node "
        f"points to ({plural(len(stranded), 'blank node')}, through {', '.join(predicates)}): "
        "a blank node is written inside "
        "the node that points to it, so the cycle could be neither written nor compared "
        "with the base; give one of them an IRI. Nothing was written.",
    )


def _triples(path: Path) -> list[Triple]:
    return [(q.subject, q.predicate, q.object) for q in rdfio.read_rdf(path)]


def _plan_loose_blank(
    root: ox.BlankNode,
    target: str,
    new: FactGraph,
    view: BaseView,
    plan: Plan,
    added: dict[str, list[Triple]],
) -> None:
    """A blank node that nothing points to: a duplicate if the base holds one equal to it."""
    key = new.keys.get(root)
    if key is not None and view.equal_loose_blank(key, new.by_subject[root]):
        plan.duplicates["[ ... ]"] = plan.duplicates.get("[ ... ]", 0) + len(new.by_subject[root])
        return
    added[target].extend(new.by_subject[root])
    added[target].extend(t for o in new.by_subject[root] for t in subtree(o[2], new.by_subject))
    node = NewNode(
        node="[ ... ]", classes=_classes(new.types(root)), label=new.label(root), file=target
    )
    plan.new_nodes.append(node)


def _claim_blanks(
    obj: Term,
    target: str,
    root: Term,
    new: FactGraph,
    targets: dict[ox.BlankNode, tuple[str, Term]],
    inputs: list[InputFile],
) -> None:
    """A blank node is written inside one file: refuse one shared by nodes of two files."""
    for node in [obj] + [t[2] for t in subtree(obj, new.by_subject)]:
        if not isinstance(node, ox.BlankNode):
            continue
        earlier = targets.setdefault(node, (target, root))
        if earlier[0] != target:
            raise AddRefused(
                f"{where_new(root, inputs)}: a blank node is shared by {show(earlier[1])} "
                f"(data/{earlier[0]}) and {show(root)} (data/{target}); blank nodes cannot "
                "cross files: give it an IRI. Nothing was written."
            )


def _conflict(
    t: Triple,
    types: set[str],
    supers: dict[str, set[str]],
    functional: dict[str, set[str]],
    base_graph: FactGraph,
    view: BaseView,
    home: dict[Term, str],
    inputs: list[InputFile],
) -> Conflict | None:
    subject, predicate, obj = t
    reached = set().union(*(supers.get(c, {c}) for c in types)) if types else set()
    if not any(predicate.value in functional.get(c, ()) for c in reached):
        return None
    old = [o for _, p, o in base_graph.by_subject.get(subject, []) if p == predicate]
    if not old or obj in old or isinstance(obj, ox.BlankNode):
        return None
    where = view.where(subject, home.get(subject))
    return Conflict(
        node=show(subject),
        predicate=show(predicate),
        existing=tuple(sorted(show(o) for o in old)),
        existing_where=where,
        new=show(obj),
        new_where=where_new(subject, inputs, predicate),
    )


def _functional_properties(
    shapes: list[Triple], supers: dict[str, set[str]]
) -> dict[str, set[str]]:
    """Class -> properties a violation-level shape allows once (``sh:maxCount 1``).

    Read from the shapes, so a new negotiation's shapes need no code change.
    Paths other than a plain property (sequences, inverses) are left to validation.
    """
    graph = FactGraph(shapes)
    sh = {n: ox.NamedNode(SH + n) for n in ("targetClass", "property", "path", "maxCount")}
    warning_levels = {SH + "Warning", SH + "Info"}
    out: dict[str, set[str]] = defaultdict(set)
    for triples in graph.by_subject.values():
        classes = [o.value for _, p, o in triples if p == sh["targetClass"]]
        if not classes:
            continue
        for _, p, prop in triples:
            if p != sh["property"]:
                continue
            facts = {q.value: o for _, q, o in graph.by_subject.get(prop, [])}
            path, most = facts.get(SH + "path"), facts.get(SH + "maxCount")
            severity = facts.get(SH + "severity")
            if (
                isinstance(path, ox.NamedNode)
                and isinstance(most, ox.Literal)
                and most.value == "1"
                and (severity is None or severity.value not in warning_levels)
            ):
                for cls in classes:
                    out[cls].add(path.value)
    return out


def _classes(types: set[str]) -> tuple[str, ...]:
    return tuple(sorted(show(ox.NamedNode(t)) for t in types))


def _render(kb: LocalBase, plan: Plan) -> None:
    """The full new text of every file the plan changes (only those files are read)."""
    for name, triples in sorted(plan.added.items()):
        path = kb.layout.data_dir / name
        old_triples = InputFile.read(path, kb.relative(path)).triples if path.exists() else []
        canonical, text = render_with_additions(
            name, [ox.Triple(*t) for t in old_triples], [ox.Triple(*t) for t in triples]
        )
        current = _current_bytes(kb, name)
        if current is not None and text.encode("utf-8") == current:
            continue
        plan.texts[name] = text
        if current is not None and canonical.encode("utf-8") != current:
            plan.reformatted.append(name)


def _current_bytes(kb: LocalBase, name: str) -> bytes | None:
    path = kb.layout.data_dir / name
    return path.read_bytes() if path.exists() else None


def refuse_conflicts(plan: Plan) -> None:
    """Raise :class:`AddRefused` listing the plan's conflicts, if it has any."""
    if plan.conflicts:
        lines = [str(c) for c in plan.conflicts]
        count = plural(len(plan.conflicts), "conflict")
        raise AddRefused("\n".join(lines) + f"\n{count} with the base; nothing was written.")
