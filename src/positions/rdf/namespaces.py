"""The namespaces of positions and the prefixes used to write and read them.

One base for the vocabulary (``pos:`` and its concept schemes) and one for the
data (``kb:``).  The order of :data:`PREFIXES` is the order in which serialised
files declare them.
"""

from __future__ import annotations

VOCAB = "https://w3id.org/positions/vocab#"
VOCAB_BASE = "https://w3id.org/positions/vocab/"
DATA = "https://w3id.org/positions/id/"

PREFIXES: dict[str, str] = {
    "datebasis": VOCAB_BASE + "datebasis/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "fmt": VOCAB_BASE + "format/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "genre": VOCAB_BASE + "genre/",
    "kb": DATA,
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "pos": VOCAB,
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "scope": VOCAB_BASE + "scope/",
    "sh": "http://www.w3.org/ns/shacl#",
    "shapes": "https://w3id.org/positions/shapes#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "stance": VOCAB_BASE + "stance/",
    "status": VOCAB_BASE + "status/",
    "time": "http://www.w3.org/2006/time#",
    "topic": VOCAB_BASE + "topic/",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def compact(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """``pos:Statement`` for a known namespace, else ``<iri>``."""
    best = ""
    best_prefix = None
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            local = iri[len(namespace) :]
            if _is_simple_local(local):
                best, best_prefix = namespace, prefix
    if best_prefix is None:
        return f"<{iri}>"
    return f"{best_prefix}:{iri[len(best) :]}"


def _is_simple_local(local: str) -> bool:
    """A local name that can be written as is in a prefixed name (conservative)."""
    if not local:
        return True
    if local[0] in "-." or local[-1] == ".":
        return False
    return all(c.isalnum() or c in "_-." for c in local)


def expand(name: str, prefixes: dict[str, str] = PREFIXES) -> str | None:
    """The IRI of a prefixed name like ``kb:russia``, or None when the prefix is unknown."""
    prefix, sep, local = name.partition(":")
    if not sep or prefix not in prefixes or local.startswith("//"):
        return None
    return prefixes[prefix] + local
