"""Adding facts to ``data/`` safely: plan, validate, then commit as one transaction.

    from positions.adding.merge import add
    outcome = add(kb, [Path("new-facts.ttl")])          # or dry_run=True
    print(outcome.to_text())

Three steps (docs/adding.md tells the story for users):

1. **Plan** (:func:`plan_add`).  The new files are read through the strict gate
   (:func:`positions.rdf.rdfio.read_rdf`).  Their triples are grouped by named
   subject; blank nodes travel with the named node that points to them.  The
   base is consulted through its store, for the nodes the new facts name only
   (:class:`BaseView`), and only the files that change are read and rendered,
   so an add costs the size of the change, not of the base.  A node
   already in ``data/`` stays in the file that holds it; a new node goes to the
   file of its class (:func:`positions.base.datafiles.file_for_types`), or to the
   class's last part once that file is full
   (:func:`positions.base.datafiles.file_for_new_node`).  A fact
   already present is a *duplicate* (reported, not added); blank nodes
   (evidence) are compared by content, so the same evidence given twice is a
   duplicate too.  A new value for a *functional* property (``sh:maxCount 1`` on
   a shape targeting one of the node's classes) that differs from the value in
   the base is a *conflict*, an error naming both values.
2. **Validate** the new files in the context of the base
   (:func:`positions.checking.validate.validate`); any violation (any warning under
   ``strict``) stops the add.
3. **Commit** (:func:`commit`) the full new text of every changed file: each is
   written to a temporary file beside it and fsynced; a journal listing the
   renames is written atomically; the renames are done; the journal is removed.
   :func:`recover` (run by every writing command before it starts) finishes a
   transaction whose journal exists and deletes temporary files that have none,
   so a run killed at any point leaves the base as it was before or after.

Steps 1 to 3 run under one lock (``.positions.lock`` beside ``data/``, so that
a refused add leaves ``data/`` byte-identical, lock file included): a second ``add``
waits, then plans against the files as the first one left them, so both land.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.base.datafiles import (
    file_for_new_node,
    file_for_types,
    render_data_file,
    render_with_additions,
    superclasses,
)
from positions.base.layout import JOURNAL_NAME
from positions.errors import InputError, Position, PositionsError
from positions.rdf import rdfio
from positions.rdf.namespaces import PREFIXES, compact

if TYPE_CHECKING:
    from positions.base.kb import KnowledgeBase
    from positions.checking.report import Problem, Report

LOCK_NAME = ".positions.lock"
# Temporary files never end in .ttl, so that a base loaded while one lies
# around (layout.py globs *.ttl) never reads half a transaction.
TEMP_PREFIX = ".positions-tmp-"
TEMP_SUFFIX = ".part"
LOCK_TIMEOUT = 120.0  # seconds; a normal add holds the lock for a few seconds
PAUSE_ENV = "POSITIONS_TEST_PAUSE_AT"  # tests: sleep at a commit step (see _pause)

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SH = "http://www.w3.org/ns/shacl#"

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, Term]


class MergeError(PositionsError):
    """The new facts cannot be merged (conflicts, violations): nothing was written."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- reading ---------------------------------------------------------------------------


@dataclass
class InputFile:
    """One file's triples and what is needed to point at its lines.

    A file made from a table (positions.adding.csvimport) names its rows instead:
    ``rows`` maps a node's IRI to its row, ``columns`` a property to its column.
    """

    name: str  # as shown to the user: data/x.ttl, or the path as given
    triples: list[Triple]
    text: str
    rows: dict[str, int] | None = None
    columns: dict[str, str] | None = None

    @classmethod
    def read(cls, path: Path, name: str) -> InputFile:
        quads = rdfio.read_rdf(path)
        triples = list(dict.fromkeys((q.subject, q.predicate, q.object) for q in quads))
        return cls(name, triples, path.read_text(encoding="utf-8", errors="replace"))

    def line_of(self, node: Term) -> int | None:
        """The first line where ``node`` is written as a subject (start of a line)."""
        if not isinstance(node, ox.NamedNode):
            return None
        if self.rows is not None:
            return self.rows.get(node.value)
        spellings = [f"<{node.value}>"]
        for prefix, namespace in _declared_prefixes(self.text).items():
            if node.value.startswith(namespace):
                spellings.append(f"{prefix}:{node.value[len(namespace) :]}")
        for number, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.lstrip()
            for spelling in spellings:
                if stripped.startswith(spelling) and (
                    len(stripped) == len(spelling) or not _is_name_char(stripped[len(spelling)])
                ):
                    return number
        return None

    def where(self, node: Term, predicate: ox.NamedNode | None = None) -> str:
        line = self.line_of(node)
        where = f"{self.name}:{line}" if line else self.name
        column = (self.columns or {}).get(predicate.value) if predicate else None
        return f"{where}: column '{column}'" if column else where


_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I | re.M)


def _declared_prefixes(text: str) -> dict[str, str]:
    return {m.group(1) or "": m.group(2) for m in _PREFIX_LINE.finditer(text)}


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in "_-.:%"


def read_inputs(kb: KnowledgeBase, files: Iterable[Path]) -> list[InputFile]:
    """The new files, read through the strict gate (an unreadable one raises InputError)."""
    sources = []
    for path in files:
        try:
            name = kb.relative(path)
        except ValueError:
            name = Path(path).as_posix()
        sources.append(InputFile.read(Path(path), name))
    return sources


# -- grouping and comparing ------------------------------------------------------------


def _by_subject(triples: Iterable[Triple]) -> dict[Term, list[Triple]]:
    out: dict[Term, list[Triple]] = defaultdict(list)
    for t in triples:
        out[t[0]].append(t)
    return out


def _blank_keys(by_subject: dict[Term, list[Triple]]) -> dict[ox.BlankNode, str]:
    """A key for every blank node derived from its content, so equal evidence compares equal.

    Computed bottom-up without recursion (a chain of thousands of blank nodes
    is valid Turtle); a blank node on a cycle gets a key of its own.
    """
    keys: dict[ox.BlankNode, str] = {}
    visiting: set[ox.BlankNode] = set()
    blanks = {s for s in by_subject if isinstance(s, ox.BlankNode)}
    for start in sorted(blanks, key=lambda b: b.value):
        stack: list[tuple[ox.BlankNode, bool]] = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node in keys:
                continue
            if expanded:
                visiting.discard(node)
                parts = sorted(
                    f"{p.value} {_term_key(o, keys, node)}" for _, p, o in by_subject.get(node, [])
                )
                keys[node] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
                continue
            visiting.add(node)
            stack.append((node, True))
            for _, _, o in by_subject.get(node, []):
                if isinstance(o, ox.BlankNode) and o not in keys and o not in visiting:
                    stack.append((o, False))
    return keys


def _term_key(term: Term, keys: dict[ox.BlankNode, str], owner: ox.BlankNode | None) -> str:
    if isinstance(term, ox.BlankNode):
        # On a cycle the child has no key yet: fall back to its identity.
        return "_:" + keys.get(term, f"cycle-{term.value}-{owner.value if owner else ''}")
    return str(term)


def _subtree(start: Term, by_subject: dict[Term, list[Triple]]) -> list[Triple]:
    """The triples of the blank nodes reachable from ``start`` through blank nodes."""
    if not isinstance(start, ox.BlankNode):
        return []
    out, seen, stack = [], {start}, [start]
    while stack:
        for t in by_subject.get(stack.pop(), []):
            out.append(t)
            if isinstance(t[2], ox.BlankNode) and t[2] not in seen:
                seen.add(t[2])
                stack.append(t[2])
    return out


@dataclass
class _Graph:
    """Triples indexed for planning: by subject, blank node keys, items of named nodes."""

    triples: list[Triple]
    by_subject: dict[Term, list[Triple]] = field(init=False)
    keys: dict[ox.BlankNode, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_subject = _by_subject(self.triples)
        self.keys = _blank_keys(self.by_subject)

    def item(self, t: Triple) -> tuple[str, str]:
        """What a fact is, blank objects by content: equal items are the same fact."""
        return (t[1].value, _term_key(t[2], self.keys, None))

    def roots(self) -> list[Term]:
        """Named subjects, then blank subjects that no triple points to."""
        pointed = {o for ts in self.by_subject.values() for _, _, o in ts}
        named = sorted((s for s in self.by_subject if isinstance(s, ox.NamedNode)), key=str)
        loose = [s for s in self.by_subject if isinstance(s, ox.BlankNode) and s not in pointed]
        return named + sorted(loose, key=lambda b: self.keys.get(b, ""))

    def types(self, node: Term) -> set[str]:
        return {o.value for _, p, o in self.by_subject.get(node, []) if p == RDF_TYPE}


# -- the plan --------------------------------------------------------------------------


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
            "correct the new file, or change the base by hand if the base is wrong)"
        )


@dataclass(frozen=True)
class NewNode:
    node: str
    classes: tuple[str, ...]
    label: str | None
    file: str


@dataclass
class Plan:
    """What an add would do; :func:`apply` recomputes it under the lock before writing."""

    inputs: list[Path]
    sources: list[InputFile]  # the new files as read: planning again needs no re-reading
    added: dict[str, list[Triple]]  # data file (under data/) -> triples to add
    duplicates: dict[str, int]  # node -> number of facts already present
    conflicts: list[Conflict]
    new_nodes: list[NewNode]
    extended: dict[str, list[str]]  # existing node -> predicates of the facts added
    texts: dict[str, str]  # data file -> full new text, for the files that change
    reformatted: list[str]  # changed files that were not in canonical form before
    facts: int = 0  # facts added (an evidence node and its content count as one)
    data_prefix: str = "data/"
    destination: str | None = None  # a server's graph, when the base is held by one

    @property
    def added_count(self) -> int:
        return sum(len(v) for v in self.added.values())

    @property
    def files_changed(self) -> list[str]:
        return sorted(self.texts)

    def counts_by_class(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for node in self.new_nodes:
            for cls in node.classes or ("(no class)",):
                counts[cls] += 1
        return counts

    def to_text(self, *, dry_run: bool = False) -> str:
        """What was (or would be) added, in a few lines a person reads."""
        lines: list[str] = []
        verb = "Would add" if dry_run else "Added"
        if not self.added_count:
            lines.append("Nothing to add: every fact is already in the base.")
        else:
            nodes = len(self.new_nodes)
            where = (
                f"to {self.destination}"
                if self.destination
                else f"in {_plural(len(self.texts), 'file')}"
            )
            lines.append(
                f"{verb} {_plural(self.facts, 'fact')} ({_plural(self.added_count, 'triple')}): "
                f"{_plural(nodes, 'new node')}, {_plural(len(self.extended), 'existing node')} "
                f"extended, {where}."
            )
        if self.new_nodes:
            counts = ", ".join(f"{c} {n}" for c, n in sorted(self.counts_by_class().items()))
            lines.append(f"New nodes by class: {counts}")
            width = max(len(n.node) for n in self.new_nodes)
            for node in self.new_nodes:
                label = f'  "{node.label}"' if node.label else ""
                classes = ", ".join(node.classes) or "(no class)"
                lines.append(f"  {node.node:<{width}}  {classes}{label}  -> {node.file}")
        if self.extended:
            lines.append("Facts added to existing nodes:")
            for node, predicates in sorted(self.extended.items()):
                shown = ", ".join(f"{p} +{n}" for p, n in sorted(Counter(predicates).items()))
                lines.append(f"  {node}: {shown}")
        if self.texts:
            changed = "Files that would change" if dry_run else "Files changed"
            names = ", ".join(self.data_prefix + f for f in self.files_changed)
            lines.append(f"{changed}: {names}")
        for name in self.reformatted:
            lines.append(
                f"Note: {self.data_prefix}{name} was not in canonical form; it is rewritten whole "
                "(run `positions fmt` on its own first for a clean diff)."
            )
        if self.duplicates:
            total = sum(self.duplicates.values())
            lines.append(f"Already in the base, not added: {_plural(total, 'fact')}")
            for node, count in sorted(self.duplicates.items()):
                lines.append(f"  {node}: {_plural(count, 'fact')}")
        if dry_run:
            lines.append("Dry run: nothing was written.")
        return "\n".join(lines) + "\n"


def plan_add(
    kb: KnowledgeBase,
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
    view = view or BaseView(kb)
    ontology = [t for p in kb.layout.ontology_files() for t in _triples(p)]
    supers = superclasses(ox.Triple(*t) for t in ontology)
    functional = _functional_properties(kb, supers)

    new_triples = list(dict.fromkeys(t for src in inputs for t in src.triples))
    new = _Graph(new_triples)
    roots = new.roots()
    view.prefetch(r for r in roots if isinstance(r, ox.NamedNode))
    base_graph = _Graph(view.about([r for r in roots if isinstance(r, ox.NamedNode)]))
    home = view.homes(r for r in roots if isinstance(r, ox.NamedNode))

    plan = Plan(list(files), inputs, {}, {}, [], [], {}, {}, [])
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
                plan.duplicates[_show(root)] = plan.duplicates.get(_show(root), 0) + 1
                continue
            conflict = _conflict(t, types, supers, functional, base_graph, view, home, inputs)
            if conflict:
                plan.conflicts.append(conflict)
                continue
            fresh.append(t)
            plan.facts += 1
            _claim_blanks(t[2], target, root, new, targets, inputs)
            added[target].append(t)
            added[target].extend(_subtree(t[2], new.by_subject))
        if not fresh:
            continue
        if root in home:
            plan.extended.setdefault(_show(root), []).extend(_show(t[1]) for t in fresh)
        else:
            plan.new_nodes.append(NewNode(_show(root), _classes(types), _label(new, root), target))
    plan.added = {f: list(dict.fromkeys(ts)) for f, ts in added.items()}
    for triples in plan.added.values():
        _check_depth(triples, inputs)
    if view.destination is None:
        _render(kb, plan)
    else:
        plan.destination = view.destination
    return plan


class BaseView:
    """The base as planning sees it: pattern look-ups in its store, limited to its data.

    Locally (``BaseView(kb)``) the store holds every file in a graph of its own
    (:func:`rdfio.graph_iri`), so the graph of a fact is the file that holds it,
    and only the data files' graphs are consulted.  :meth:`remote` makes a view
    of a base held by a SPARQL server (a :class:`positions.remote.store.RemoteStore`),
    limited to one graph, where there are no files: ``destination`` names where
    new facts go.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        store: object | None = None,
        graph: ox.NamedNode | ox.DefaultGraph | None = None,
        destination: str | None = None,
    ) -> None:
        self.kb = kb
        self.store = store if store is not None else kb.store
        self.graph = graph
        self.destination = destination
        self.files: dict[object, str] | None = None
        if destination is None:  # the local base: one graph per data file
            data_dir = kb.layout.data_dir
            self.files = {
                rdfio.graph_iri(kb.relative(p)): p.relative_to(data_dir).as_posix()
                for p in kb.layout.data_files()
            }
        self._texts: dict[str, str] = {}
        self._targets: dict[str, str] = {}

    @classmethod
    def remote(
        cls,
        kb: KnowledgeBase,
        store: object,
        graph: ox.NamedNode | ox.DefaultGraph,
        destination: str,
    ) -> BaseView:
        """A view of the base a server holds in ``graph``; new facts go to ``destination``."""
        return cls(kb, store, graph, destination)

    def prefetch(self, nodes: Iterable[ox.NamedNode]) -> None:
        """Look the nodes up in one go where the store can batch (a server: one request)."""
        prefetch = getattr(self.store, "prefetch", None)
        if prefetch is not None:
            prefetch(subjects=list(nodes))

    def _quads(self, s: Term | None, p: ox.NamedNode | None, o: Term | None) -> Iterator[ox.Quad]:
        if self.files is None:
            yield from self.store.quads_for_pattern(s, p, o, self.graph)  # type: ignore[attr-defined]
            return
        for quad in self.store.quads_for_pattern(s, p, o, None):  # type: ignore[attr-defined]
            if quad.graph_name in self.files:
                yield quad

    def _file(self, quad: ox.Quad) -> str:
        return self.destination if self.files is None else self.files[quad.graph_name]  # type: ignore[return-value]

    def about(self, nodes: Iterable[Term]) -> list[Triple]:
        """Everything the data says about ``nodes``, with the blank nodes under them."""
        out: list[Triple] = []
        seen: set[Term] = set()
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            for q in self._quads(node, None, None):
                out.append((q.subject, q.predicate, q.object))
                if isinstance(q.object, ox.BlankNode):
                    stack.append(q.object)
        return list(dict.fromkeys(out))

    def homes(self, nodes: Iterable[Term]) -> dict[Term, str]:
        """The data file of each node the base holds: where it is typed, else where written."""
        home: dict[Term, str] = {}
        for node in nodes:
            typed = sorted(self._file(q) for q in self._quads(node, RDF_TYPE, None))
            written = typed or sorted({self._file(q) for q in self._quads(node, None, None)})
            if written:
                home[node] = written[0]
        return home

    def file_for_new(self, class_file_name: str) -> str:
        """Where new nodes of a class go; one look at the folder per plan, not per node."""
        if self.destination is not None:
            return self.destination
        if class_file_name not in self._targets:
            target = file_for_new_node(class_file_name, self.kb.layout.data_dir)
            self._targets[class_file_name] = target
        return self._targets[class_file_name]

    def equal_loose_blank(self, key: str, triples: list[Triple]) -> bool:
        """True when the base holds a blank node that nothing points to with this content key."""
        probe = next(((p, o) for _, p, o in triples if not isinstance(o, ox.BlankNode)), None)
        if probe is None:
            return False
        for q in self._quads(None, *probe):
            if not isinstance(q.subject, ox.BlankNode):
                continue
            if next(self._quads(None, None, q.subject), None) is not None:
                continue  # pointed to: evidence of a node, not a loose one
            if _Graph(self.about([q.subject])).keys.get(q.subject) == key:
                return True
        return False

    def where(self, node: Term, name: str | None) -> str:
        """``data/FILE:LINE`` where ``node`` is written in data file ``name`` (or the server)."""
        if self.destination is not None:
            return self.destination
        if name is None:
            return "data/"
        if name not in self._texts:
            path = self.kb.layout.data_dir / name
            self._texts[name] = path.read_text(encoding="utf-8", errors="replace")
        return InputFile(f"data/{name}", [], self._texts[name]).where(node)


def _check_depth(triples: list[Triple], inputs: list[InputFile]) -> None:
    """Refuse blank nodes that would be written nested deeper than data files are read back.

    The writer puts a blank node pointed to once inside its parent's ``[ ]``; a
    chain of them (valid Turtle, HOSTILE.md case 11) would make a data file that
    the reader's nesting limit refuses, so the base would no longer load.
    """
    limit = rdfio.DEFAULT_LIMITS.max_nesting
    referrers: Counter[Term] = Counter(o for _, _, o in triples if isinstance(o, ox.BlankNode))
    by_subject = _by_subject(triples)
    depth: dict[Term, int] = {}
    roots = [s for s in by_subject if not isinstance(s, ox.BlankNode) or not referrers[s]]
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
        for _, _, o in by_subject.get(node, []):
            if isinstance(o, ox.BlankNode) and referrers[o] == 1:
                stack.append((o, level + 1, root))


def _triples(path: Path) -> list[Triple]:
    return [(q.subject, q.predicate, q.object) for q in rdfio.read_rdf(path)]


def _plan_loose_blank(
    root: ox.BlankNode,
    target: str,
    new: _Graph,
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
    added[target].extend(t for o in new.by_subject[root] for t in _subtree(o[2], new.by_subject))
    plan.new_nodes.append(NewNode("[ ... ]", _classes(new.types(root)), _label(new, root), target))


def _claim_blanks(
    obj: Term,
    target: str,
    root: Term,
    new: _Graph,
    targets: dict[ox.BlankNode, tuple[str, Term]],
    inputs: list[InputFile],
) -> None:
    """A blank node is written inside one file: refuse one shared by nodes of two files."""
    for node in [obj] + [t[2] for t in _subtree(obj, new.by_subject)]:
        if not isinstance(node, ox.BlankNode):
            continue
        earlier = targets.setdefault(node, (target, root))
        if earlier[0] != target:
            raise MergeError(
                f"{_where_new(root, inputs)}: a blank node is shared by {_show(earlier[1])} "
                f"(data/{earlier[0]}) and {_show(root)} (data/{target}); blank nodes cannot "
                "cross files: give it an IRI. Nothing was written."
            )


def _conflict(
    t: Triple,
    types: set[str],
    supers: dict[str, set[str]],
    functional: dict[str, set[str]],
    base_graph: _Graph,
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
        node=_show(subject),
        predicate=_show(predicate),
        existing=tuple(sorted(_show(o) for o in old)),
        existing_where=where,
        new=_show(obj),
        new_where=_where_new(subject, inputs, predicate),
    )


def _where_new(node: Term, inputs: list[InputFile], predicate: ox.NamedNode | None = None) -> str:
    for src in inputs:
        if src.line_of(node):
            return src.where(node, predicate)
    return inputs[0].name if inputs else "(input)"


def _functional_properties(kb: KnowledgeBase, supers: dict[str, set[str]]) -> dict[str, set[str]]:
    """Class -> properties a violation-level shape allows once (``sh:maxCount 1``).

    Read from the shapes, so a new negotiation's shapes need no code change.
    Paths other than a plain property (sequences, inverses) are left to validation.
    """
    shapes = [t for p in kb.layout.shapes_files() for t in _triples(p)]
    graph = _Graph(shapes)
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
    return tuple(sorted(_show(ox.NamedNode(t)) for t in types))


def _label(graph: _Graph, node: Term) -> str | None:
    labels = [o for _, p, o in graph.by_subject.get(node, []) if p == RDFS_LABEL]
    labels.sort(key=lambda lit: (getattr(lit, "language", None) != "en", str(lit)))
    return labels[0].value if labels else None


def _render(kb: KnowledgeBase, plan: Plan) -> None:
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


def _current_bytes(kb: KnowledgeBase, name: str) -> bytes | None:
    path = kb.layout.data_dir / name
    return path.read_bytes() if path.exists() else None


def _show(term: Term) -> str:
    """A term as Turtle, with prefixed names where they fit."""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, PREFIXES)
    if isinstance(term, ox.Literal):
        text = str(term)
        datatype = term.datatype.value
        if term.language is None and datatype != "http://www.w3.org/2001/XMLSchema#string":
            text = text[: text.rindex("^^") + 2] + compact(datatype, PREFIXES)
        elif term.language is None:
            text = text.split("^^")[0]
        return text
    return "[ ... ]"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- applying ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What an add did: the plan applied (or not, under dry run) and the validation report."""

    plan: Plan
    report: Report | None
    written: bool
    recovered: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        text = "".join(f"Recovered: {line}\n" for line in self.recovered)
        text += self.plan.to_text(dry_run=not self.written and self.plan.added_count > 0)
        if self.report is not None and self.report.problems:
            text += "\n" + self.report.to_text()
        return text


def add(
    kb: KnowledgeBase,
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
        _refuse_conflicts(plan)
        report = _validate(kb, files, strict, relocate) if plan.added_count else None
        if report is not None and not report.conforms:
            raise _violations(report)
        return Outcome(plan, report, written=False)
    return _apply(kb, files, inputs, strict=strict, relocate=relocate)


def apply(
    kb: KnowledgeBase,
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
    kb: KnowledgeBase,
    files: list[Path],
    inputs: list[InputFile],
    *,
    strict: bool,
    relocate: Callable[[Problem], Problem] | None,
) -> Outcome:
    """Under the lock: recover, bring the store in step, plan, validate, commit."""
    with base_lock(kb):
        recovered = recover(kb.layout.data_dir)
        kb.refresh_store()  # another add may have changed the files since the store was read
        plan = plan_add(kb, files, inputs)
        _refuse_conflicts(plan)
        if not plan.texts:
            return Outcome(plan, None, written=False, recovered=recovered)
        report = _validate(kb, plan.inputs, strict, relocate)
        if not report.conforms:
            raise _violations(report)
        commit(kb.layout.data_dir, plan.texts)
        # Files and store together: the new triples go into the store as they
        # are (a disk store is not reloaded; one not opened yet catches up on
        # its next open from its manifest).
        kb.refresh_store(plan.added)
        return Outcome(plan, report, written=True, recovered=recovered)


def _refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        lines = [str(c) for c in plan.conflicts]
        count = _plural(len(plan.conflicts), "conflict")
        raise MergeError("\n".join(lines) + f"\n{count} with the base; nothing was written.")


def _validate(
    kb: KnowledgeBase,
    files: list[Path],
    strict: bool,
    relocate: Callable[[Problem], Problem] | None,
) -> Report:
    from positions.checking.validate import validate  # pyshacl is slow to import: only when needed

    report = validate(kb, files, strict=strict)
    if relocate is not None:
        report = dataclasses.replace(report, problems=[relocate(p) for p in report.problems])
    return report


def _violations(report: Report) -> MergeError:
    return MergeError(
        "the new facts do not conform; nothing was written.\n" + report.to_text().rstrip()
    )


@contextlib.contextmanager
def base_lock(kb: KnowledgeBase, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One writer at a time: an OS lock (released by the kernel if the process dies)."""
    from filelock import FileLock, Timeout

    path = kb.root / LOCK_NAME
    try:
        with FileLock(str(path), timeout=timeout):
            yield
    except Timeout:
        raise MergeError(
            f"another positions command has held {kb.relative(path)} for more than "
            f"{timeout:.0f} s; try again when it has finished"
        ) from None


# -- the transaction ---------------------------------------------------------------------


def commit(data_dir: Path, texts: dict[str, str]) -> None:
    """Replace the files named in ``texts`` (paths under ``data_dir``) all or none.

    Temporary files first (fsynced); then the journal, written atomically; then
    the renames; then the journal goes.  A kill before the journal exists leaves
    the old files (the temporaries are stray and :func:`recover` deletes them);
    a kill after leaves a journal that :func:`recover` completes.
    """
    for name, text in texts.items():  # the written file must read back: never half-valid
        rdfio.parse_bytes(text.encode("utf-8"), data_dir / name, ox.RdfFormat.TURTLE)
    pairs: list[tuple[Path, Path]] = []
    try:
        for name, text in sorted(texts.items()):
            final = data_dir / name
            pairs.append((_write_temp(final, text.encode("utf-8")), final))
        _pause("before-journal")
        _write_journal(data_dir, pairs)
    except BaseException:
        for temp, _ in pairs:
            temp.unlink(missing_ok=True)
        raise
    _pause("after-journal")
    _replace_all(data_dir, pairs)
    (data_dir / JOURNAL_NAME).unlink()
    _fsync_dir(data_dir)


def _write_temp(final: Path, content: bytes) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=final.parent)
    try:
        # mkstemp makes the file private; keep the mode the data file had.
        mode = final.stat().st_mode & 0o777 if final.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_journal(data_dir: Path, pairs: list[tuple[Path, Path]]) -> None:
    entries = [
        {"temp": t.relative_to(data_dir).as_posix(), "final": f.relative_to(data_dir).as_posix()}
        for t, f in pairs
    ]
    content = json.dumps({"version": 1, "replace": entries}, indent=2) + "\n"
    temp = _write_temp(data_dir / JOURNAL_NAME, content.encode("utf-8"))
    os.replace(temp, data_dir / JOURNAL_NAME)  # the journal appears whole or not at all
    _fsync_dir(data_dir)


def _replace_all(data_dir: Path, pairs: list[tuple[Path, Path]]) -> None:
    for index, (temp, final) in enumerate(pairs):
        if temp.exists():  # on recovery, the ones done before the kill are gone
            os.replace(temp, final)
        if index == 0:
            _pause("after-first-replace")
    for folder in {f.parent for _, f in pairs} | {data_dir}:
        _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(data_dir: Path) -> list[str]:
    """Finish an interrupted transaction, delete stray temporary files; say what was done.

    Call it holding :func:`base_lock`.  A journal lists renames that were all
    prepared (their temporary files fsynced) before it was written, so rolling
    forward is always possible; temporary files without a journal belong to a
    transaction that never committed and are deleted (the base is as before).
    """
    done: list[str] = []
    journal = data_dir / JOURNAL_NAME
    if journal.exists():
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))["replace"]
            pairs = [(data_dir / e["temp"], data_dir / e["final"]) for e in entries]
        except (ValueError, KeyError, TypeError) as error:
            raise MergeError(
                f"{journal}: the transaction journal cannot be read ({error}); the files it "
                "names have not been touched. Inspect it, then delete it by hand."
            ) from None
        _replace_all(data_dir, pairs)
        journal.unlink()
        _fsync_dir(data_dir)
        names = ", ".join(f"data/{f.relative_to(data_dir).as_posix()}" for _, f in pairs)
        done.append(f"completed an interrupted transaction ({names})")
    strays = sorted(data_dir.rglob(TEMP_PREFIX + "*"))
    for stray in strays:
        stray.unlink(missing_ok=True)
    if strays:
        done.append(
            f"deleted {_plural(len(strays), 'temporary file')} of an interrupted run "
            "that had not committed"
        )
    return done


def _pause(point: str) -> None:
    """Tests only: sleep at a commit step so that a test can kill the process there."""
    if os.environ.get(PAUSE_ENV) == point:
        print(f"positions: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get("POSITIONS_TEST_PAUSE_SECONDS", "60")))


# -- formatting ----------------------------------------------------------------------------


def non_canonical(kb: KnowledgeBase) -> dict[str, str]:
    """Data files not in canonical form, with their canonical text.

    Every file is read and rendered (minutes on a base of a million
    statements): a bar shows the bytes done, on a terminal.
    """
    from positions.progress import ByteProgress

    data_dir = kb.layout.data_dir
    paths = kb.layout.data_files()
    out = {}
    with ByteProgress(sum(p.stat().st_size for p in paths), "checking the layout") as done:
        for path in paths:
            name = path.relative_to(data_dir).as_posix()
            src = InputFile.read(path, kb.relative(path))
            text = render_data_file(name, [ox.Triple(*t) for t in src.triples])
            if text.encode("utf-8") != _current_bytes(kb, name):
                out[name] = text
            done(name, path.stat().st_size)
    return out


def format_base(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """Rewrite every non-canonical data file, all in one transaction; (files, recovered)."""
    with base_lock(kb):
        recovered = recover(kb.layout.data_dir)
        texts = non_canonical(kb)
        if texts:
            commit(kb.layout.data_dir, texts)
        return sorted(texts), recovered
