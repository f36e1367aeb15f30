"""``positions serve``'s /sparql as the SPARQL 1.1 Protocol says: plain SPARQL (no
saved-query decorators or parameters), the request's dataset, the formats clients ask
for by Accept or format=, and the service description."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.web.server import Site
from support import KB, REPO, cli
from test_serve import fetch, serve, sparql_get

POS = "https://w3id.org/positions/vocab#"
STATEMENTS_GRAPH = "https://w3id.org/positions/graph/data/statements.ttl"
PEOPLE_GRAPH = "https://w3id.org/positions/graph/data/people.ttl"

# A person's statements, the parameter written in grlc's style and bound by VALUES,
# as `positions query --endpoint` and grlc send it.
BY_PERSON = """\
SELECT ?statement WHERE {
  VALUES (?_p_iri) { (kb:sergei-lavrov) }
  ?statement pos:speaker ?_p_iri .
} ORDER BY ?statement
"""
DECORATED = (
    "#+ summary: Statements of one person\n#+ defaults:\n#+   - p: kb:antony-blinken\n" + BY_PERSON
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def base_url(kb: KnowledgeBase) -> Iterator[str]:
    yield from serve(Site(kb))


def lavrov_statements(kb: KnowledgeBase) -> list[str]:
    rows = kb.query("SELECT ?s WHERE { ?s pos:speaker kb:sergei-lavrov } ORDER BY ?s").to_dicts()
    return [row["s"] for row in rows]


def bindings(text: str, name: str) -> list[str]:
    return [b[name]["value"] for b in json.loads(text)["results"]["bindings"]]


# --- plain SPARQL: comments are comments, ?_x is a variable -------------------------------


def test_underscore_variable_is_a_plain_variable(base_url: str, kb: KnowledgeBase) -> None:
    reply = sparql_get(base_url, BY_PERSON, "application/sparql-results+json")
    assert reply.status == 200, reply.text
    assert bindings(reply.text, "statement") == lavrov_statements(kb)
    assert len(lavrov_statements(kb)) >= 3


def test_decorator_comments_are_comments(base_url: str, kb: KnowledgeBase) -> None:
    reply = sparql_get(base_url, DECORATED, "application/sparql-results+json")
    assert reply.status == 200, reply.text
    assert bindings(reply.text, "statement") == lavrov_statements(kb)
    misspelt = sparql_get(base_url, "#+ summery: a typo\nASK { ?s ?p ?o }")
    assert misspelt.status == 200, misspelt.text
    assert json.loads(misspelt.text)["boolean"] is True


@pytest.mark.parametrize(
    "args",
    [
        ["person-statements", "-p", "person=kb:sergei-lavrov", "-f", "csv"],
        ["statement-graph", "-f", "ntriples"],
        ["node-description", "-f", "ntriples"],
        ["statements", "-f", "csv"],
    ],
)
def test_saved_queries_through_the_endpoint_match_local(base_url: str, args: list[str]) -> None:
    remote = cli("--kb", str(REPO), "query", "--endpoint", f"{base_url}/sparql", *args)
    local = cli("--kb", str(REPO), "query", *args)
    assert remote.exit_code == 0, remote.output
    assert len(local.stdout.splitlines()) > 1
    if "ntriples" in args:  # blank node labels differ from run to run
        assert same_graph(remote.stdout, local.stdout)
    else:
        assert remote.stdout == local.stdout


def same_graph(one: str, other: str) -> bool:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    graphs = [Graph().parse(data=text, format="nt") for text in (one, other)]
    return isomorphic(*graphs)


# --- the dataset of a request --------------------------------------------------------------


def count(base_url: str, query: str, **graphs: list[str]) -> tuple[int, str]:
    fields = [("query", query)]
    for key, iris in graphs.items():
        fields += [(key.replace("_", "-"), iri) for iri in iris]
    reply = fetch(
        f"{base_url}/sparql?" + urllib.parse.urlencode(fields),
        accept="application/sparql-results+json",
    )
    if reply.status != 200:
        return reply.status, reply.text
    return 200, bindings(reply.text, "n")[0]


def test_default_graph_uri_limits_the_default_graph(base_url: str, kb: KnowledgeBase) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    in_graph = len(
        list(kb.store.quads_for_pattern(None, None, None, ox.NamedNode(STATEMENTS_GRAPH)))
    )
    assert count(base_url, query, default_graph_uri=[STATEMENTS_GRAPH]) == (200, str(in_graph))
    both = count(base_url, query, default_graph_uri=[STATEMENTS_GRAPH, PEOPLE_GRAPH])
    assert int(both[1]) > in_graph
    whole = count(base_url, query)
    assert int(whole[1]) > int(both[1])


def test_named_graph_uri_gives_the_named_graphs(base_url: str) -> None:
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(base_url, query, named_graph_uri=[STATEMENTS_GRAPH]) == (200, "1")
    # The default graph is then empty: the dataset holds only what the request named.
    empty = count(
        base_url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", named_graph_uri=[PEOPLE_GRAPH]
    )
    assert empty == (200, "0")


def test_unknown_graph_is_a_clear_400(base_url: str) -> None:
    status, text = count(base_url, "ASK {}", default_graph_uri=["http://example.org/nothing"])
    assert status == 400
    assert "http://example.org/nothing is not a graph of this base" in text
    status, text = count(base_url, "ASK {}", named_graph_uri=["file:///etc/passwd"])
    assert status == 400 and "named-graph-uri" in text


# --- formats --------------------------------------------------------------------------------

SELECT = "SELECT ?p WHERE { ?p a pos:State } ORDER BY ?p"
CONSTRUCT = "CONSTRUCT { kb:russia ?p ?o } WHERE { kb:russia ?p ?o }"


def test_results_as_application_xml(base_url: str) -> None:
    reply = sparql_get(base_url, SELECT, "application/xml")
    assert reply.status == 200
    assert reply.content_type.startswith("application/xml")
    parsed = ox.parse_query_results(reply.text.encode(), format=ox.QueryResultsFormat.XML)
    assert ox.NamedNode(KB + "russia") in [row["p"] for row in parsed]


def test_construct_as_rdf_xml(base_url: str, kb: KnowledgeBase) -> None:
    local = set(kb.query(CONSTRUCT).triples)
    for accept in ("application/rdf+xml", "application/sparql-results+xml, application/rdf+xml"):
        reply = sparql_get(base_url, CONSTRUCT, accept)
        assert reply.status == 200, reply.text
        assert reply.content_type == "application/rdf+xml"
        triples = {q.triple for q in ox.parse(reply.text.encode(), format=ox.RdfFormat.RDF_XML)}
        assert triples == local and local


@pytest.mark.parametrize(
    ("word", "query", "content_type"),
    [
        ("json", SELECT, "application/sparql-results+json"),
        ("xml", SELECT, "application/sparql-results+xml"),
        ("csv", SELECT, "text/csv; charset=utf-8"),
        ("tsv", SELECT, "text/tab-separated-values; charset=utf-8"),
        ("application/sparql-results+xml", SELECT, "application/sparql-results+xml"),
        ("ttl", CONSTRUCT, "text/turtle; charset=utf-8"),
        ("nt", CONSTRUCT, "application/n-triples"),
        ("xml", CONSTRUCT, "application/rdf+xml"),
        ("json", CONSTRUCT, "application/ld+json"),
    ],
)
def test_format_parameter_wins_over_accept(
    base_url: str, word: str, query: str, content_type: str
) -> None:
    for key in ("format", "output"):
        url = f"{base_url}/sparql?" + urllib.parse.urlencode({"query": query, key: word})
        reply = fetch(url, accept="text/html")
        assert reply.status == 200, reply.text
        assert reply.content_type == content_type


def test_unknown_format_word_is_400(base_url: str) -> None:
    url = f"{base_url}/sparql?" + urllib.parse.urlencode({"query": SELECT, "format": "pdf"})
    reply = fetch(url)
    assert reply.status == 400 and "format=pdf" in reply.text
    csv_graph = f"{base_url}/sparql?" + urllib.parse.urlencode(
        {"query": CONSTRUCT, "format": "csv"}
    )
    assert fetch(csv_graph).status == 406


# --- the service description ----------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


def test_service_description_in_turtle(base_url: str, kb: KnowledgeBase) -> None:
    reply = fetch(base_url + "/sparql", accept="text/turtle")
    assert reply.status == 200
    assert reply.content_type.startswith("text/turtle")
    store = ox.Store()
    store.load(reply.text.encode(), format=ox.RdfFormat.TURTLE)
    endpoint = ox.NamedNode(base_url + "/sparql")
    service = f"<{endpoint.value}> a sd:Service ; sd:endpoint <{endpoint.value}>"
    language = "sd:supportedLanguage sd:SPARQL11Query"
    assert bool(store.query(f"PREFIX sd: <{SD}> ASK {{ {service} ; {language} }}"))
    names = {
        row["g"].value
        for row in store.query(f"SELECT ?g WHERE {{ ?d <{SD}namedGraph>/<{SD}name> ?g }}")
    }
    assert STATEMENTS_GRAPH in names
    assert {g.value for g in kb.graph_names()} <= names
    plain = fetch(base_url + "/sparql")  # */*: the description, not the page
    assert plain.content_type.startswith("text/turtle")


def test_browser_still_gets_the_form(base_url: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reply = fetch(base_url + "/sparql", accept=accept)
    assert reply.status == 200 and reply.content_type.startswith("text/html")
    assert "<form" in reply.text


def test_service_description_refuses_a_host_that_is_no_iri(kb: KnowledgeBase) -> None:
    # The guard decides which Host a server answers; one it lets through (--allow-host)
    # must still not break the description.
    site = Site(kb)
    reply = site.handle("GET", "/sparql", {"host": 'a"b', "accept": "text/turtle"})
    assert reply.status == 400 and b"Host" in reply.body
    named = site.handle("GET", "/sparql", {"host": "kb.example.org", "accept": "text/turtle"})
    assert b"<http://kb.example.org/sparql>" in named.body
