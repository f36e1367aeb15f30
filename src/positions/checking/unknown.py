"""IRIs the base does not have: in a query's parameters, and in the links of new facts.

    from positions.checking.unknown import parameter_notices
    parameter_notices(kb, "person-statements", {"person": "kb:antony-blinken"})
    # ['kb:antony-blinken is not in the base; did you mean kb:anthony-blinken (Anthony Blinken)?']

A value given to ``positions query -p`` that names no node of the base answers
an empty table without a word; :func:`parameter_notices` says so, with the
nearest nodes of the kind the parameter expects: the kind of its default or of
its listed choices (the query's ``defaults`` and ``enumerate`` decorators), else
of the class named like it (``person``: ``pos:Person``), else the kind of the
nearest node.  It reads the store only, and only when a value is not in it.

:func:`link_hints` does the same for new files: an IRI used as the value of a
property whose shape expects a class (a speaker, the party spoken for, a
target, ...) that neither the base nor the files describe.  A suggestion is
always of a kind the property takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.rdf.namespaces import VOCAB, compact

if TYPE_CHECKING:  # imported when a value is not in the base (a query pays nothing)
    from positions.checking.near import Candidate
    from positions.checking.newfacts import NewFacts
    from positions.sparql.engine import Queryable

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# Kinds not offered when the kind is guessed from the nearest node: sentences, many.
_NOT_GUESSED = (VOCAB + "Statement", VOCAB + "Commentary")


def in_store(store: ox.Store, node: ox.NamedNode) -> bool:
    """Whether ``node`` appears in the store, as a subject or as a value."""
    for pattern in ((node, None, None), (None, None, node)):
        if next(iter(store.quads_for_pattern(*pattern)), None) is not None:
            return True
    return False


def parameter_notices(
    kb: Queryable, name_or_text: str, params: Mapping[str, Any] | None
) -> list[str]:
    """One line for each IRI value of ``params`` that the base does not have."""
    import re

    from positions.rdf.namespaces import PREFIXES
    from positions.sparql.engine import resolve
    from positions.sparql.params import bind

    if not params:
        return []
    query = resolve(kb, name_or_text)
    # Bound as the query binds them, with its own prefixes too (read, not parsed: cheap).
    own = dict(re.findall(r"(?im)^\s*PREFIX\s+([\w.-]*):\s*<([^>]*)>", query.text))
    store = kb.store
    by_variable = {p.variable: p for p in query.parameters}
    notices = []
    for variable, term in bind(query, params, {**PREFIXES, **own}).items():
        parameter = by_variable[variable.value]
        if parameter.name not in params and parameter.variable not in params:
            continue  # a default: the query's own
        if not isinstance(term, ox.NamedNode) or in_store(store, term):
            continue
        kinds = _expected_kinds(store, parameter)
        found = suggestions(store, term, kinds)
        notices.append(f"{compact(term.value)} is not in the base{_did_you_mean(found)}")
    return notices


def _expected_kinds(store: ox.Store, parameter: Any) -> set[str]:
    """The kinds of a parameter's default and choices, else of the class named like it."""
    from positions.checking.near import kind_of
    from positions.checking.newfacts import NewFacts

    facts = NewFacts(store, [])
    examples = [parameter.default, *parameter.choices]
    kinds = {
        kind
        for value in examples
        if isinstance(value, str) and value.startswith(("http://", "https://"))
        for kind in [facts.kind(ox.NamedNode(value))]
        if kind is not None
    }
    if not kinds:
        named = ox.NamedNode(VOCAB + parameter.name[:1].upper() + parameter.name[1:])
        kind = kind_of([named.value], facts.supers)
        if kind is not None:
            kinds.add(kind)
    return kinds


def suggestions(
    store: ox.Store, wanted: ox.NamedNode, kinds: set[str], extra: Iterable[Candidate] = ()
) -> list[Candidate]:
    """The base's nodes (and ``extra`` ones) nearest to ``wanted`` by name, of ``kinds``
    (any kind but statements' when empty: then of the nearest node's kind)."""
    from positions.checking.near import nearest
    from positions.checking.newfacts import NewFacts

    facts = NewFacts(store, [])
    candidates = list(extra)
    for kind in sorted(kinds) or _all_kinds(facts):
        candidates += facts.base_nodes(kind)
    if kinds:
        return nearest(wanted.value, [c for c in candidates if c.kind in kinds])
    return nearest(wanted.value, candidates)


def _all_kinds(facts: NewFacts) -> list[str]:
    from positions.base.datafiles import FILE_FOR_CLASS

    kinds = [cls for cls, _ in FILE_FOR_CLASS if cls not in _NOT_GUESSED]
    schemes = facts.store.query(
        "SELECT DISTINCT ?s WHERE { ?c <http://www.w3.org/2004/02/skos/core#inScheme> ?s }",
        use_default_graph_as_union=True,
    )
    return list(dict.fromkeys(kinds)) + sorted(row["s"].value for row in schemes)


def _did_you_mean(found: list[Candidate]) -> str:
    if not found:
        return ""
    shown = [_shown(c) for c in found]
    return "; did you mean " + " or ".join(shown) + "?"


def _shown(candidate: Candidate) -> str:
    from positions.checking.near import local_name

    label = candidate.names[0] if candidate.names else None
    text = compact(candidate.iri)
    return f"{text} ({label})" if label and label != local_name(candidate.iri) else text


# -- links in new files --------------------------------------------------------------


def link_suggestion(kb: Any, iri: str, predicate: str) -> str:
    """``; did you mean kb:x (X)?`` for ``iri``, given as a value of ``predicate`` and
    not in the base ``kb``: the nearest nodes of the kinds the shapes expect for that
    property (any kind but statements' when they say none); empty when none is near."""
    from positions.checking.near import kind_of
    from positions.checking.newfacts import NewFacts
    from positions.rdf import rdfio

    shapes = [q for path in kb.layout.shapes_files() for q in rdfio.read_rdf(path)]
    facts = NewFacts(kb.store, [])
    classes = expected_classes(shapes).get(predicate, set())
    kinds = {k for c in classes for k in [kind_of([c], facts.supers)] if k}
    return _did_you_mean(suggestions(kb.store, ox.NamedNode(iri), kinds))


def expected_classes(shapes: Iterable[ox.Quad | ox.Triple]) -> dict[str, set[str]]:
    """Property IRI -> the classes its values must have (``sh:class``, or an ``sh:or``
    of them), over the property shapes of the shapes given."""
    by_subject: dict[Any, list[Any]] = {}
    for t in shapes:
        by_subject.setdefault(t.subject, []).append(t)

    def values(node: Any, predicate: str) -> list[Any]:
        return [t.object for t in by_subject.get(node, []) if t.predicate.value == predicate]

    def members(head: Any) -> list[Any]:
        items, seen = [], set()
        while head is not None and head.value != RDF + "nil" and head not in seen:
            seen.add(head)
            items += values(head, RDF + "first")
            head = next(iter(values(head, RDF + "rest")), None)
        return items

    out: dict[str, set[str]] = {}
    for node in by_subject:
        paths = [p for p in values(node, SH + "path") if isinstance(p, ox.NamedNode)]
        if not paths:
            continue
        classes = {c.value for c in values(node, SH + "class")}
        for alternatives in values(node, SH + "or"):
            for member in members(alternatives):
                classes |= {c.value for c in values(member, SH + "class")}
        if classes:
            out.setdefault(paths[0].value, set()).update(classes)
    return out


def link_hints(facts: NewFacts, expected: dict[str, set[str]]) -> list[tuple[Any, str, str]]:
    """(subject, property, hint) for each IRI value of a class-expecting property in the
    new files that neither the base nor the files describe."""
    from positions.checking.near import Candidate, kind_of

    hints = []
    done: dict[tuple[str, frozenset[str]], str] = {}
    for quad in facts.quads:
        classes = expected.get(quad.predicate.value)
        value = quad.object
        if not classes or not isinstance(value, ox.NamedNode) or facts.described(value):
            continue
        kinds = frozenset(k for c in classes for k in [kind_of([c], facts.supers)] if k)
        key = (value.value, kinds)
        if key not in done:
            extra = [
                Candidate(n.value, facts.kind(n), tuple(facts.names(n))) for n in facts.new_nodes()
            ]
            found = suggestions(facts.store, value, set(kinds), extra)
            done[key] = (
                f"{compact(value.value)} is not in the base, and no new file describes it"
                f"{_did_you_mean(found)}"
            )
        hints.append((quad.subject, quad.predicate.value, done[key]))
    return hints
