"""Duplicates caught: a new node that looks like one the base already has.

    from positions.checking.duplicates import similar_nodes, duplicate_problems
    for pair in similar_nodes(facts):       # facts: a checking.newfacts.NewFacts
        print(pair.new, "looks like", pair.existing, pair.reason)

A node the new files describe and the base does not is compared with the
base's nodes of the same kind (a person with people, a party with parties: see
:func:`positions.checking.near.kind_of`), and with the other new nodes, by their
labels and other names (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``):
the same name, the same name after case, accents and common spelling variants,
the same name but for a middle initial, or nearly the same name
(:func:`positions.checking.near.likeness`).  Each such pair is a warning
(blocking under ``--strict``) that names both and suggests the existing IRI.
Statements and commentary are not compared: their labels are sentences, alike
without being one fact.  Two nodes with the same Wikidata IRI are a violation
already (``checks/shared-wikidata-iri.rq``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from positions.checking.near import likeness
from positions.checking.newfacts import NAME_PREDICATES, NewFacts
from positions.checking.report import WARNING, Problem
from positions.rdf.namespaces import VOCAB, compact

# Kinds whose labels are sentences describing an event: not compared.
NOT_COMPARED = frozenset({VOCAB + "Statement", VOCAB + "Commentary"})
SOURCE = "duplicates"
# Above this many nodes of one kind in the base, a new node is compared with those of
# the same name only (found through the store's index of values): reading every name
# of a large kind costs about 0.2 ms a node on a store on disk (0.5 s for 1,250 people).
MOST_COMPARED = 1000


@dataclass(frozen=True)
class Similar:
    """A new node that looks like another (in the base, or new too), and why."""

    new: str
    existing: str
    reason: str  # "the same name but for a middle initial", ...
    new_name: str
    existing_name: str
    existing_in_base: bool


def similar_nodes(facts: NewFacts) -> list[Similar]:
    """Each new node that looks like a node of the base, or like an earlier new node."""
    found: list[Similar] = []
    by_kind: dict[str, list[tuple[str, tuple[str, ...], bool]]] = {}
    exact: dict[str, bool] = {}
    for node in facts.new_nodes():
        kind = facts.kind(node)
        names = tuple(facts.names(node))
        if kind is None or kind in NOT_COMPARED or not names:
            continue
        if kind not in by_kind:
            large = facts.more_than(kind, MOST_COMPARED)
            base = [] if large else facts.base_nodes(kind)
            by_kind[kind] = [(c.iri, c.names, True) for c in base]
            exact[kind] = large
        others = by_kind[kind]
        if exact[kind]:  # a kind with many nodes: the same names only, from the index
            others = others + [(c.iri, c.names, True) for c in facts.named_exactly(kind, node)]
        for other, other_names, in_base in others:
            match = _alike(names, other_names)
            if match is not None:
                found.append(Similar(node.value, other, match[0], match[1], match[2], in_base))
        by_kind[kind].append((node.value, names, False))
    return found


def _alike(names: tuple[str, ...], others: tuple[str, ...]) -> tuple[str, str, str] | None:
    """The strongest likeness between two nodes' names: (reason, name, other name)."""
    best: tuple[int, str, str, str] | None = None
    for name in names:
        for other in others:
            reason = likeness(name, other)
            if reason is not None:
                rank = _RANKS.index(reason)
                if best is None or rank < best[0]:
                    best = (rank, reason, name, other)
    return None if best is None else best[1:]


_RANKS = [
    "the same name",
    "the same name but for case, accents or spelling",
    "the same name but for a middle initial",
    "nearly the same name",
]


def duplicate_problems(facts: NewFacts) -> list[Problem]:
    """The warnings for :func:`similar_nodes`, at the line where each new node is written."""
    problems = []
    for pair in similar_nodes(facts):
        node = ox.NamedNode(pair.new)
        file, line = facts.where(node)
        existing = compact(pair.existing)
        where = "already in the base" if pair.existing_in_base else "also new"
        problems.append(
            Problem(
                file=file,
                line=line,
                focus=pair.new,
                focus_compact=compact(pair.new),
                label=facts.label(node),
                path=compact(_name_predicate(facts, node, pair.new_name)),
                value=existing,
                severity=WARNING,
                message=(
                    f"{compact(pair.new)} ({pair.new_name}) looks like {existing} "
                    f"({pair.existing_name}), {where}: {pair.reason}. If they are one, use "
                    f"{existing} instead (another spelling can be kept as its skos:altLabel); "
                    "if not, make their labels tell them apart."
                ),
                source_shape=SOURCE,
            )
        )
    return problems


def _name_predicate(facts: NewFacts, node: ox.NamedNode, name: str) -> str:
    for quad in facts.by_subject.get(node, []):
        if quad.predicate.value in NAME_PREDICATES and quad.object.value == name:
            return quad.predicate.value
    return NAME_PREDICATES[0]
