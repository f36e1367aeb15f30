"""The one rule for the name shown beside a node: its label.

A node's label is its ``skos:prefLabel``, else its ``rdfs:label``; among several
values of that property, English first, then a label without a language tag,
then the other languages by tag; among equals, the smallest text.  The same
node gets the same label everywhere: query tables, validation reports, the
summary of an addition, the ontology's documentation and the web view.

Each reader supplies the look-up of its own kind of graph (a pyoxigraph store,
an rdflib graph, the triples of new files) as ``(text, language)`` pairs; the
rule is here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# In the order they are tried.
LABEL_PREDICATES = (SKOS_PREF_LABEL, RDFS_LABEL)

Labelled = tuple[str, str | None]  # (the text, its language tag or None)


def choose(candidates: Iterable[Labelled]) -> str | None:
    """The label among the values of one property: English first, then untagged,
    then by language tag; the smallest text among equals."""
    best: tuple[int, str, str] | None = None
    for text, language in candidates:
        rank = 0 if language == "en" else 1 if not language else 2
        key = (rank, language or "", text)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def label_of(values: Callable[[str], Iterable[Labelled]]) -> str | None:
    """The label of a node, given ``values(predicate IRI)``: its literal values of
    that property as ``(text, language)`` pairs."""
    for predicate in LABEL_PREDICATES:
        found = choose(values(predicate))
        if found is not None:
            return found
    return None


def literal_pairs(terms: Iterable[object]) -> list[Labelled]:
    """``(text, language)`` of the pyoxigraph literals among ``terms``."""
    import pyoxigraph as ox

    return [(t.value, t.language) for t in terms if isinstance(t, ox.Literal)]
