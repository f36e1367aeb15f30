"""Triples as an addition compares them: grouped by subject, blank nodes keyed by content.

A blank node (a piece of evidence) has no name of its own, so two of them are
the same fact when their content is: :func:`blank_keys` gives each one a key
derived from what it holds, and :class:`FactGraph` compares facts through it.
:func:`show` writes a term as a person reads it in a message.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from positions.errors import UsageError
from positions.rdf.labels import label_of, literal_pairs
from positions.rdf.namespaces import PREFIXES, compact, expand

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, Term]


def by_subject(triples: Iterable[Triple]) -> dict[Term, list[Triple]]:
    """The triples grouped by subject, in their order."""
    out: dict[Term, list[Triple]] = defaultdict(list)
    for t in triples:
        out[t[0]].append(t)
    return out


def blank_keys(grouped: dict[Term, list[Triple]]) -> dict[ox.BlankNode, str]:
    """A key for every blank node derived from its content, so equal evidence compares equal.

    Computed bottom-up without recursion (a chain of thousands of blank nodes
    is valid Turtle); a blank node on a cycle gets a key of its own.
    """
    keys: dict[ox.BlankNode, str] = {}
    visiting: set[ox.BlankNode] = set()
    blanks = {s for s in grouped if isinstance(s, ox.BlankNode)}
    for start in sorted(blanks, key=lambda b: b.value):
        stack: list[tuple[ox.BlankNode, bool]] = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node in keys:
                continue
            if expanded:
                visiting.discard(node)
                parts = sorted(
                    f"{p.value} {term_key(o, keys, node)}" for _, p, o in grouped.get(node, [])
                )
                keys[node] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
                continue
            visiting.add(node)
            stack.append((node, True))
            for _, _, o in grouped.get(node, []):
                if isinstance(o, ox.BlankNode) and o not in keys and o not in visiting:
                    stack.append((o, False))
    return keys


def term_key(term: Term, keys: dict[ox.BlankNode, str], owner: ox.BlankNode | None) -> str:
    """A term as compared: a blank node by its content key, anything else as N-Triples."""
    if isinstance(term, ox.BlankNode):
        # On a cycle the child has no key yet: fall back to its identity.
        return "_:" + keys.get(term, f"cycle-{term.value}-{owner.value if owner else ''}")
    return str(term)


def subtree(start: Term, grouped: dict[Term, list[Triple]]) -> list[Triple]:
    """The triples of the blank nodes reachable from ``start`` through blank nodes."""
    if not isinstance(start, ox.BlankNode):
        return []
    out, seen, stack = [], {start}, [start]
    while stack:
        for t in grouped.get(stack.pop(), []):
            out.append(t)
            if isinstance(t[2], ox.BlankNode) and t[2] not in seen:
                seen.add(t[2])
                stack.append(t[2])
    return out


def unreached_blanks(grouped: dict[Term, list[Triple]], roots: list[Term]) -> set[ox.BlankNode]:
    """Blank subjects that no root reaches: blank nodes on a cycle that nothing else
    points to (``_:a :p _:b . _:b :p _:a .``), and the blank nodes they point to."""
    reached: set[Term] = set(roots)
    stack = list(roots)
    while stack:
        for _, _, o in grouped.get(stack.pop(), []):
            if isinstance(o, ox.BlankNode) and o not in reached:
                reached.add(o)
                stack.append(o)
    return {s for s in grouped if isinstance(s, ox.BlankNode) and s not in reached}


@dataclass
class FactGraph:
    """Triples indexed for planning: by subject, blank node keys, items of named nodes."""

    triples: list[Triple]
    by_subject: dict[Term, list[Triple]] = field(init=False)
    keys: dict[ox.BlankNode, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_subject = by_subject(self.triples)
        self.keys = blank_keys(self.by_subject)

    def item(self, t: Triple) -> tuple[str, str]:
        """What a fact is, blank objects by content: equal items are the same fact."""
        return (t[1].value, term_key(t[2], self.keys, None))

    def roots(self) -> list[Term]:
        """Named subjects, then blank subjects that no triple points to."""
        pointed = {o for ts in self.by_subject.values() for _, _, o in ts}
        named = sorted((s for s in self.by_subject if isinstance(s, ox.NamedNode)), key=str)
        loose = [s for s in self.by_subject if isinstance(s, ox.BlankNode) and s not in pointed]
        return named + sorted(loose, key=lambda b: self.keys.get(b, ""))

    def types(self, node: Term) -> set[str]:
        """The classes ``node`` is given here (IRIs)."""
        return {o.value for _, p, o in self.by_subject.get(node, []) if p == RDF_TYPE}

    def label(self, node: Term) -> str | None:
        """The label of ``node`` here (the rule of :mod:`positions.rdf.labels`), else None."""
        triples = self.by_subject.get(node, [])
        return label_of(lambda iri: literal_pairs(o for _, p, o in triples if p.value == iri))


def show(term: Term) -> str:
    """A term as Turtle, with prefixed names where they fit (a blank node as ``[ ... ]``)."""
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


def parse_iri(text: str) -> ox.NamedNode:
    """``kb:x``, ``<https://...>`` or ``https://...`` as a node; anything else a usage error."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    iri = expand(text) if not text.startswith(("http://", "https://")) else text
    if not iri:
        raise UsageError(
            f"{text!r} is not an IRI: write a prefixed name such as kb:stmt-x or a full IRI"
        )
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise UsageError(f"{text!r} is not an IRI ({error})") from None
