"""``positions serve``: pages, node pages with content negotiation, query forms, /sparql."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.web.protocol import negotiate
from positions.web.server import DEFAULT_HOST, Site, make_server
from support import KB, REPO, cli

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@dataclass
class Reply:
    status: int
    content_type: str
    text: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


def serve(site: Site) -> Iterator[str]:
    server = make_server(site, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def base_url(kb: KnowledgeBase) -> Iterator[str]:
    yield from serve(Site(kb))


def fetch(
    url: str,
    *,
    accept: str | None = None,
    data: bytes | None = None,
    content_type: str | None = None,
    method: str | None = None,
) -> Reply:
    request = urllib.request.Request(url, data=data, method=method)
    if accept:
        request.add_header("Accept", accept)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            body, status, headers = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        body, status, headers = error.read(), error.code, error.headers
    return Reply(status, headers.get("Content-Type", ""), body.decode("utf-8"), dict(headers))


def sparql_get(base: str, query: str, accept: str | None = None) -> Reply:
    return fetch(f"{base}/sparql?" + urllib.parse.urlencode({"query": query}), accept=accept)


# --- The saved queries the server adds ---------------------------------------------------


def test_entity_index_lists_each_kind(kb: KnowledgeBase) -> None:
    rows = kb.query("entity-index").to_dicts()
    kinds = {r["entity"][len(KB) :]: r["kindLabel"] for r in rows}
    assert kinds["russia"] == "party"
    assert kinds["nato"] == "party"
    assert kinds["sergei-ryabkov"] == "person"
    assert kinds["demand-no-nato-enlargement"] == "demand"
    assert kinds["source-002"] == "source"
    assert kinds["stmt-sherman-open-door"] == "statement"
    assert "meeting" in kinds.values()
    parties = kb.query("entity-index", kind="pos:Party").to_dicts()
    assert {r["kindLabel"] for r in parties} == {"party"}
    assert KB + "united-states" in {r["entity"] for r in parties}


def test_node_statements_gives_roles(kb: KnowledgeBase) -> None:
    rows = kb.query("node-statements", node="kb:sergei-ryabkov").to_dicts()
    assert len(rows) == 8
    assert {r["role"] for r in rows} == {"speaker"}
    rows = kb.query("node-statements", node="kb:demand-no-nato-enlargement").to_dicts()
    assert {(r["statement"][len(KB) :], r["role"]) for r in rows} == {
        ("stmt-sherman-open-door", "target"),
    }
    sources = kb.query("node-statements", node="kb:source-002").to_dicts()
    assert sources and {r["role"] for r in sources} == {"reporting source"}


def test_node_description_holds_own_evidence_and_incoming(kb: KnowledgeBase) -> None:
    result = kb.query("node-description", node="kb:stmt-sherman-open-door")
    node = ox.NamedNode(KB + "stmt-sherman-open-door")
    own = {t.predicate.value.rsplit("#", 1)[-1] for t in result.triples if t.subject == node}
    assert {"speaker", "stance", "target", "evidence", "label"} <= own
    assert any(t.predicate.value.endswith("#quote") for t in result.triples)
    result = kb.query("node-description", node="kb:united-states")
    assert any(t.object == ox.NamedNode(KB + "united-states") for t in result.triples)


# --- Pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/matrix", "/timeline", "/sources", "/gaps", "/browse", "/queries", "/sparql"],
)
def test_pages_answer(base_url: str, path: str) -> None:
    reply = fetch(base_url + path, accept="text/html")  # /sparql: a browser's form
    assert reply.status == 200
    assert reply.content_type.startswith("text/html")
    assert reply.text.startswith("<!DOCTYPE html>")


def test_matrix_page_links_to_node_pages(base_url: str) -> None:
    text = fetch(base_url + "/matrix").text
    assert 'data-party="https://w3id.org/positions/id/united-states" data-stance="rejects"' in text
    assert '<a href="/id/united-states">United States</a>' in text


@pytest.mark.parametrize(
    ("local", "label"),
    [
        ("russia", "Russia"),
        ("sergei-ryabkov", "Sergei Ryabkov"),
        ("demand-no-nato-enlargement", "No further NATO expansion"),
        ("meeting-2022-01-10-geneva", None),
        ("source-002", "Untitled news report"),
        ("stmt-sherman-open-door", "Sherman: the US will not allow"),
    ],
)
def test_node_pages(base_url: str, kb: KnowledgeBase, local: str, label: str | None) -> None:
    if label is None:  # a meeting: whichever the base names first
        local = next(
            r["entity"][len(KB) :] for r in kb.query("entity-index", kind="pos:Meeting").to_dicts()
        )
    reply = fetch(f"{base_url}/id/{local}", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert reply.status == 200, reply.text
    assert reply.content_type.startswith("text/html")
    assert reply.headers.get("Vary") == "Accept"
    assert f"{KB}{local}" in reply.text
    if label:
        assert label in reply.text
    assert 'href="?format=ttl"' in reply.text and 'href="?format=jsonld"' in reply.text


def test_person_page_lists_statements_and_links_them(base_url: str) -> None:
    text = fetch(base_url + "/id/sergei-ryabkov").text
    assert "Statements (8)" in text
    assert 'href="/id/stmt-ryabkov-geneva-ukraine-never-nato"' in text
    assert 'href="/id/russia"' in text


def test_unknown_node_and_path_are_404(base_url: str) -> None:
    assert fetch(base_url + "/id/no-such-thing").status == 404
    assert fetch(base_url + "/nothing-here").status == 404
    assert fetch(base_url + "/update", data=b"x", method="POST").status == 405


# --- Content negotiation -----------------------------------------------------------------


def test_turtle_by_accept_parses(base_url: str) -> None:
    reply = fetch(base_url + "/id/russia", accept="text/turtle")
    assert reply.status == 200
    assert reply.content_type.startswith("text/turtle")
    triples = [q.triple for q in ox.parse(reply.text.encode(), format=ox.RdfFormat.TURTLE)]
    russia = ox.NamedNode(KB + "russia")
    assert ox.Triple(russia, RDFS_LABEL, ox.Literal("Russia", language="en")) in triples


def test_jsonld_by_accept_parses(base_url: str) -> None:
    reply = fetch(base_url + "/id/russia", accept="application/ld+json")
    assert reply.status == 200
    assert reply.content_type.startswith("application/ld+json")
    document = json.loads(reply.text)
    assert any(node.get("@id") == KB + "russia" for node in document)
    triples = list(ox.parse(reply.text.encode(), format=ox.RdfFormat.JSON_LD))
    assert any(t.subject == ox.NamedNode(KB + "russia") for t in triples)


def test_format_parameter(base_url: str) -> None:
    assert fetch(base_url + "/id/russia?format=ttl").content_type.startswith("text/turtle")
    assert fetch(base_url + "/id/russia?format=jsonld").content_type.startswith(
        "application/ld+json"
    )
    assert fetch(base_url + "/id/russia?format=nt").content_type.startswith("application/n-triples")


def test_negotiate() -> None:
    offers = ["text/html", "text/turtle", "application/ld+json"]
    assert negotiate(None, offers) == "text/html"
    assert negotiate("*/*", offers) == "text/html"
    assert negotiate("text/turtle;q=0.9, application/ld+json", offers) == "application/ld+json"
    assert negotiate("application/rdf+xml, text/*;q=0.5", offers) == "text/html"
    assert negotiate("image/png", offers) is None
    assert negotiate("text/turtle, */*;q=0.1", offers) == "text/turtle"


def test_unacceptable_node_format_is_406(base_url: str) -> None:
    assert fetch(base_url + "/id/russia", accept="image/png").status == 406


# --- Saved queries as forms --------------------------------------------------------------


def test_query_catalogue_lists_every_saved_query(base_url: str, kb: KnowledgeBase) -> None:
    text = fetch(base_url + "/queries").text
    for name in kb.catalogue.names():
        assert f'href="/queries/{name}"' in text


def test_query_form_has_a_field_per_parameter(base_url: str) -> None:
    text = fetch(base_url + "/queries/statements").text
    for name in ("party", "speaker", "since", "until"):
        assert f'name="{name}"' in text
    assert 'type="date"' in text and 'list="nodes"' in text


def test_query_form_returns_the_rows(base_url: str, kb: KnowledgeBase) -> None:
    expected = kb.query("statements", party="kb:united-states").to_dicts()
    text = fetch(base_url + "/queries/statements?party=kb%3Aunited-states&run=1").text
    assert f"{len(expected)} rows" in text
    for row in expected:
        assert f'href="/id/{row["statement"][len(KB) :]}"' in text


def test_query_form_reports_a_bad_value(base_url: str) -> None:
    reply = fetch(base_url + "/queries/statements?since=yesterday&run=1")
    assert reply.status == 400
    assert "is not written YYYY-MM-DD" in reply.text


def test_unknown_saved_query_is_404(base_url: str) -> None:
    assert fetch(base_url + "/queries/no-such-query").status == 404


# --- /sparql -----------------------------------------------------------------------------

SELECT_PARTIES = "SELECT ?p WHERE { ?p a pos:State } ORDER BY ?p"


def test_sparql_get_select_json(base_url: str) -> None:
    reply = sparql_get(base_url, SELECT_PARTIES, "application/sparql-results+json")
    assert reply.status == 200
    assert reply.content_type.startswith("application/sparql-results+json")
    assert "Access-Control-Allow-Origin" not in reply.headers  # CORS is off by default
    document = json.loads(reply.text)
    assert document["head"]["vars"] == ["p"]
    values = [b["p"]["value"] for b in document["results"]["bindings"]]
    assert KB + "russia" in values and KB + "united-states" in values


def test_sparql_post_direct_and_form(base_url: str) -> None:
    direct = fetch(
        base_url + "/sparql",
        data=SELECT_PARTIES.encode(),
        content_type="application/sparql-query",
        accept="application/sparql-results+json",
    )
    form = fetch(
        base_url + "/sparql",
        data=urllib.parse.urlencode({"query": SELECT_PARTIES}).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert direct.status == form.status == 200
    assert json.loads(direct.text) == json.loads(form.text)


def test_sparql_xml_csv_tsv(base_url: str) -> None:
    xml = sparql_get(base_url, SELECT_PARTIES, "application/sparql-results+xml")
    assert xml.status == 200 and "<uri>https://w3id.org/positions/id/russia</uri>" in xml.text
    csv_reply = sparql_get(base_url, SELECT_PARTIES, "text/csv")
    assert csv_reply.text.splitlines()[0] == "p" and KB + "russia" in csv_reply.text
    tsv = sparql_get(base_url, SELECT_PARTIES, "text/tab-separated-values")
    assert f"<{KB}russia>" in tsv.text


def test_sparql_ask_and_construct(base_url: str) -> None:
    ask = sparql_get(base_url, "ASK { kb:russia a pos:State }")
    assert json.loads(ask.text) == {"head": {}, "boolean": True}
    graph = sparql_get(
        base_url, "CONSTRUCT { kb:russia ?p ?o } WHERE { kb:russia ?p ?o }", "text/turtle"
    )
    assert graph.content_type.startswith("text/turtle")
    assert list(ox.parse(graph.text.encode(), format=ox.RdfFormat.TURTLE))


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "LOAD <http://example.org/data.ttl>",
    ],
)
def test_sparql_refusals(base_url: str, query: str) -> None:
    reply = sparql_get(base_url, query)
    assert reply.status == 403, reply.text
    assert "--allow-network" not in reply.text


def test_sparql_updates_refused_in_every_form(base_url: str, kb: KnowledgeBase) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    as_form = fetch(
        base_url + "/sparql",
        data=urllib.parse.urlencode({"update": update}).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    as_body = fetch(
        base_url + "/sparql", data=update.encode(), content_type="application/sparql-update"
    )
    assert as_form.status == as_body.status == 403
    assert "read-only" in as_form.text
    assert not list(kb.store.quads_for_pattern(ox.NamedNode("urn:a"), None, None, None))


def test_sparql_bad_requests(base_url: str) -> None:
    assert sparql_get(base_url, "SELEC x").status == 400
    assert fetch(base_url + "/sparql?query=").status == 400
    assert fetch(base_url + "/sparql", method="PUT", data=b"x").status == 405
    assert fetch(base_url + "/sparql", data=b"x", content_type="text/plain").status == 415
    two = "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"
    assert fetch(base_url + two).status == 400


def test_sparql_time_limit_is_503(kb: KnowledgeBase) -> None:
    # Two-way product of the base, about half a second; the limit is 50 ms.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    for url in serve(Site(kb, timeout=0.05)):
        reply = sparql_get(url, slow)
        assert reply.status == 503
        assert "time limit" in reply.text


def test_sparql_row_cap_is_503(kb: KnowledgeBase) -> None:
    for url in serve(Site(kb, max_rows=5)):
        reply = sparql_get(url, "SELECT * WHERE { ?s ?p ?o }")
        assert reply.status == 503
        assert "more than 5 rows" in reply.text
        assert sparql_get(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 5").status == 200


def test_options_without_cors(base_url: str) -> None:
    reply = fetch(base_url + "/sparql", method="OPTIONS")
    assert reply.status == 204
    assert "POST" in reply.headers.get("Allow", "")
    assert not any(key.startswith("Access-Control") for key in reply.headers)


def test_binds_to_localhost_by_default() -> None:
    import inspect

    from positions.cli.commands.serve import serve_command

    assert DEFAULT_HOST == "127.0.0.1"
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(serve_command).parameters["host"].default == "127.0.0.1"


@pytest.mark.parametrize("args", [["demand-party-matrix"], ["statements", "-p", "party=kb:russia"]])
def test_positions_query_endpoint_reads_this_server(
    base_url: str, kb: KnowledgeBase, args: list[str]
) -> None:
    remote = cli("--kb", str(REPO), "query", "--endpoint", f"{base_url}/sparql", *args, "-f", "csv")
    local = cli("--kb", str(REPO), "query", *args, "-f", "csv")
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
