"""The SPARQL 1.1 Service Description of ``positions serve``'s ``/sparql``.

    triples = description("http://127.0.0.1:8080/sparql", graph_iris)
    response = service_response(triples, "text/turtle")

What a client learns by GET on the endpoint without a query (SPARQL 1.1 Service
Description, W3C 2013): the endpoint, SPARQL 1.1 Query (and no update language), the
result and graph formats it writes, that the default graph is the union of the named
graphs, and the named graphs themselves (one per file of the base; the names
``default-graph-uri`` and ``named-graph-uri`` may take).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from positions.web.protocol import Response

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

# The W3C format IRIs of what /sparql writes (web.protocol's RESULT_TYPES and GRAPH_TYPES).
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)
# Media type -> pyoxigraph format, for the description itself.
DESCRIPTION_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def description(endpoint: str, graphs: Iterable[str]) -> list[ox.Triple]:
    """The service description of the endpoint at ``endpoint`` over ``graphs``."""
    service = ox.NamedNode(endpoint)
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    triples += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + name))
        for name in RESULT_FORMATS
    ]
    triples += [
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
    ]
    for index, iri in enumerate(sorted(graphs)):
        named = ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(iri)),
        ]
    return triples


def service_response(triples: list[ox.Triple], media: str) -> Response:
    """The description in one of :data:`DESCRIPTION_TYPES`."""
    body = ox.serialize(
        triples, format=DESCRIPTION_TYPES[media], prefixes={"sd": SD, "formats": FORMATS}
    )
    content_type = media + "; charset=utf-8" if media.startswith("text/") else media
    return Response(200, content_type, body or b"", {"Vary": "Accept"})


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)
