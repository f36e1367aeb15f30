"""How nodes and terms are written in problems: compact IRIs, Turtle literals, labels.

The text forms are shared by the SHACL results, the checks and the locating of
problems; :func:`expand_text` reads a compact IRI back.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.rdf.namespaces import compact

if TYPE_CHECKING:  # rdflib costs half a second to import: see positions.checking.validate
    from rdflib import Graph
    from rdflib.term import Node


def is_iri(node: Node) -> bool:
    """Whether ``node`` is an rdflib IRI (not a blank node or a literal)."""
    from rdflib import URIRef

    return isinstance(node, URIRef)


def term_text(node: Node) -> str:
    """A compact IRI, a literal in Turtle form, or ``[blank node]``."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, BNode):
        return "[blank node]"
    if isinstance(node, Literal):
        quoted = json.dumps(str(node), ensure_ascii=False)
        if node.language:
            return f"{quoted}@{node.language}"
        if node.datatype is not None:
            return f"{quoted}^^{compact(str(node.datatype))}"
        return quoted
    return str(node)


def node_label(data: Graph, node: Node) -> str | None:
    """The node's label (the rule of :mod:`positions.rdf.labels`), or None."""
    from rdflib import Literal, URIRef

    from positions.rdf.labels import label_of

    if not isinstance(node, URIRef):
        return None

    def values(predicate: str) -> list[tuple[str, str | None]]:
        found = data.objects(node, URIRef(predicate))
        return [(str(x), x.language) for x in found if isinstance(x, Literal)]

    return label_of(values)


def ox_text(term: Any) -> str:
    """A term as a message shows it: a compact IRI, or a literal's lexical form."""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return "[blank node]"
    return term.value


def expand_text(text: str | None) -> str | None:
    """The IRI of a compact IRI or ``<iri>`` as problems show it (None if it names none)."""
    from positions.rdf.namespaces import expand

    if not text:
        return None
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    return expand(text)
