"""Remote engines: push the bundled base to a real Oxigraph server, query it there.

The server is the one the ``oxigraph`` package on PyPI ships, started on
127.0.0.1 at a free port for this module and killed at the end.  Refusals,
credentials, timeouts and redirects are tested against tiny servers of the
standard library, also on 127.0.0.1; no other address is ever contacted.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import time
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.errors import InputError, QueryRefused, UsageError
from positions.output.export import export
from positions.remote.graphs import derive_query_endpoint
from positions.remote.http import Credentials, RemoteError, check_url
from positions.remote.push import count_on_server, push
from positions.remote.query import run_remote
from positions.remote.values import inject_values
from positions.sparql.engine import run
from support import REPO, Request, Served, cli, oxigraph_server

SECRET_PASSWORD = "pa55-w0rd-never-shown"
SECRET_TOKEN = "tok-3f9a-never-shown"
KB = "https://w3id.org/positions/id/"


# -- the Oxigraph server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a fresh Oxigraph server (read-write, on disk)."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def pushed(server: str, kb: KnowledgeBase):
    """The bundled base in the server's default graph."""
    return push(kb, server + "/store")


# -- push ------------------------------------------------------------------------------


def test_push_reports_the_triples_the_server_holds(pushed, kb: KnowledgeBase) -> None:
    # What goes up is what local queries see: the union of the ontology and the data.
    local = {quad.triple for quad in kb.store}
    assert pushed.triples_on_server == pushed.triples_sent == len(local)
    assert pushed.graph is None
    assert pushed.anonymous


def test_push_replaces_the_graph_rather_than_adding(server: str, kb: KnowledgeBase) -> None:
    graph = "https://example.org/graph/replaced"
    first = push(kb, server + "/store", graph=graph)
    again = push(kb, server + "/store", graph=graph, with_description=True)
    description = len(export(kb, "nt", include_description=True).splitlines()) - len(
        export(kb, "nt", include_description=False).splitlines()
    )
    assert again.triples_on_server == first.triples_on_server + description


def test_the_count_can_come_from_reading_the_graph_back(pushed, server: str) -> None:
    # For a store URL with no known query endpoint, the graph is read back and counted.
    assert derive_query_endpoint(server + "/gsp") is None
    assert count_on_server(server + "/store", None, None) == pushed.triples_on_server


def test_push_command_reports_and_warns_about_anonymous_writes(server: str) -> None:
    result = _cli(["push", server + "/store"])
    assert result.exit_code == 0, result.output
    pushed = re.search(r"Pushed ([\d,]+) triples", result.stdout)
    assert pushed, result.stdout
    assert f"the server now holds {pushed.group(1)} triples" in result.stdout
    assert "accepted an anonymous write" in result.stderr


def test_push_with_a_token_still_warns_when_the_server_ignores_it(server: str) -> None:
    # Oxigraph server has no authentication: the token is sent and ignored, and an
    # anonymous empty update (INSERT DATA { }) succeeds, so the warning must still come.
    result = _cli(["push", server + "/store", "--token", SECRET_TOKEN])
    assert result.exit_code == 0, result.output
    assert "accepted an anonymous write" in result.stderr
    assert SECRET_TOKEN not in result.stdout + result.stderr


def test_push_with_credentials_to_a_protected_server_does_not_warn(kb, protected_store) -> None:
    # A stand-in for a proxy that checks the token: 401 without it, success with it.
    url, requests = protected_store
    report = push(kb, url + "/store", credentials=Credentials(token=SECRET_TOKEN))
    assert not report.anonymous
    probes = [
        {"path": r.path, "authorization": r.headers.get("Authorization", ""), "status": r.status}
        for r in requests
        if r.path.startswith("/update")
    ]
    assert probes == [{"path": "/update", "authorization": "", "status": 401}]


# -- every saved query, locally and on the server ----------------------------------------


def _names() -> list[str]:
    return KnowledgeBase.open(REPO).catalogue.names()


# Optional parameters, so that the VALUES binding is tested where FILTERs read it.
PARAMETER_CASES = [
    ("statements", {"party": "kb:russia"}),
    ("statements", {"speaker": "kb:sergei-ryabkov", "since": "2022-01-10"}),
    ("statements", {"since": "2022-01-11", "until": "2022-01-13"}),
    ("meeting-timeline", {"since": "2022-01-11"}),
    ("unanswered-demands", {"party": "kb:united-states"}),
    ("entity-index", {"kind": "pos:Party"}),
    ("demand-responses", {"demand": "kb:demand-no-nato-enlargement"}),
    ("people-and-roles", {"party": "kb:russia"}),
    ("unspecified-targets", {"party": "kb:united-states"}),
    ("source-disagreements", {"node": "kb:stmt-kosachev-does-not-hold-water"}),
    ("node-description", {"node": "kb:russia"}),
    ("demand-answered", {"demand": "kb:demand-no-nato-enlargement", "party": "kb:russia"}),
]


@pytest.mark.parametrize("name", _names())
def test_every_saved_query_gives_the_same_answer_remotely(pushed, server, kb, name) -> None:
    _same(kb, server, name, {})


@pytest.mark.parametrize(("name", "params"), PARAMETER_CASES)
def test_parameters_bind_the_same_remotely(pushed, server, kb, name, params) -> None:
    _same(kb, server, name, params)


def _same(kb: KnowledgeBase, server: str, name: str, params: dict) -> None:
    local = run(kb, name, params)
    remote = run_remote(kb, name, params, endpoint=server + "/query")
    assert remote.kind == local.kind
    if local.kind == "ask":
        assert remote.boolean == local.boolean
    elif local.kind == "select":
        assert remote.variables == local.variables
        assert _rows(remote, name) == _rows(local, name)
        assert _rows(local, name) or name in ALLOWED_EMPTY, f"{name} gives no rows: a weak test"
    else:
        assert _canonical(remote.triples) == _canonical(local.triples)
        assert local.triples


ALLOWED_EMPTY: set[str] = set()
GROUP_SEPARATORS = ("; ", " / ", ", ")  # those the saved queries use


def _rows(result, name: str = "") -> list[tuple]:
    """Rows as sorted tuples of plain values.

    Blank node labels differ between engines, and so does the order in which
    GROUP_CONCAT joins its values (SPARQL leaves it undefined; the in-memory and
    the on-disk store do differ): joined text is compared as a sorted list of parts.
    """

    def plain(value: object) -> object:
        if not isinstance(value, str):
            return value
        if value.startswith("_:"):
            return "_:b"
        for separator in GROUP_SEPARATORS:
            if separator in value:
                return separator.join(sorted(str(plain(p)) for p in value.split(separator)))
        return value

    rows = [{k: repr(plain(v)) for k, v in row.items()} for row in result.to_dicts()]
    if name not in UNORDERED_PAIRS:
        return sorted(tuple(sorted(row.items())) for row in rows)
    for row in rows:
        _unorder_pairs(row, UNORDERED_PAIRS[name])
    return sorted({tuple(sorted(row.items())) for row in rows})


# source-disagreements keeps each pair of reports once, with FILTER(?wordsA < ?wordsB) on
# GROUP_CONCAT text, so which report is "A" depends on the engine's concatenation order;
# Oxigraph server even concatenates one report's words in two orders in the two
# subqueries, and then keeps the pair twice.  Compared as a set of unordered pairs.
UNORDERED_PAIRS = {"source-disagreements": (("sourceA", "wordsA"), ("sourceB", "wordsB"))}


def _unorder_pairs(row: dict, pairs: tuple) -> None:
    if not pairs:
        return
    values = sorted(tuple(row[column] for column in pair) for pair in pairs)
    for pair, value in zip(pairs, values, strict=True):
        row.update(zip(pair, value, strict=True))


def _canonical(triples: list[ox.Triple]) -> set[str]:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(quad) for quad in dataset}


def test_query_command_prints_the_same_csv_remotely(pushed, server: str) -> None:
    args = ["query", "statements", "-p", "party=kb:russia", "-f", "csv"]
    local = _cli(args)
    remote = _cli([*args, "--endpoint", server + "/query"])
    assert remote.exit_code == local.exit_code == 0, remote.output
    assert remote.stdout == local.stdout


def test_ask_exit_codes_hold_remotely(pushed, server: str) -> None:
    args = ["query", "demand-answered", "-p", "demand=kb:no-such-demand"]
    result = _cli([*args, "--endpoint", server + "/query"])
    assert result.exit_code == 1 and result.stdout.strip() == "false"


# -- parameters are values, never text ---------------------------------------------------


def test_a_hostile_literal_stays_one_literal(pushed, server: str, kb) -> None:
    text = "SELECT ?s WHERE { ?s rdfs:label ?_label }"
    hostile = 'nobody" || true || "'
    remote = run_remote(kb, text, {"label": hostile}, endpoint=server + "/query")
    assert remote.rows == [] == run(kb, text, {"label": hostile}).rows
    # The value is written by pyoxigraph as an escaped literal inside the VALUES block.
    sent = inject_values("SELECT ?s WHERE { ?s ?p ?_label }", {"_label": ox.Literal(hostile)})
    assert '"nobody\\" || true || \\""' in sent


def test_an_iri_that_would_break_out_is_refused_before_sending(kb) -> None:
    with pytest.raises(UsageError, match="node"):
        run_remote(
            kb,
            "node-statements",
            {"node": "http://x> } UNION { ?s ?p ?o } #"},
            endpoint="http://127.0.0.1:9/query",  # nothing listens on the discard port
        )


def test_a_backslash_u_value_is_refused_for_engines_that_expand_it(kb) -> None:
    text = "SELECT ?s WHERE { ?s rdfs:label ?_label }"
    with pytest.raises(UsageError, match="backslash"):
        run_remote(kb, text, {"label": "a\\u0022b"}, endpoint="http://127.0.0.1:9/query")


def test_a_parameter_in_a_nested_filter_is_refused_remotely(kb) -> None:
    text = "SELECT ?s WHERE { { ?s rdfs:label ?l FILTER(?l = ?_label) } UNION { ?s a pos:Party } }"
    run(kb, text, {"label": "Russia"})  # fine locally: substitution reaches every group
    with pytest.raises(InputError, match="nested group"):
        run_remote(kb, text, {"label": "Russia"}, endpoint="http://127.0.0.1:9/query")


def test_parameters_in_optional_and_exists_filters_are_allowed(kb) -> None:
    text = (
        "SELECT ?s WHERE { ?s a pos:Party OPTIONAL { ?s rdfs:label ?l FILTER(?l != ?_x) } "
        "FILTER NOT EXISTS { ?s rdfs:comment ?c FILTER(?c = ?_x) } }"
    )
    sent = inject_values(text, {"_x": ox.Literal("a")})
    assert sent.index("VALUES") < sent.index("?s a pos:Party")


def test_refused_queries_send_nothing(http_server) -> None:
    url, requests = http_server(200, b"{}")
    kb = KnowledgeBase.open(REPO)
    for text in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "DROP ALL",
    ):
        with pytest.raises(QueryRefused):
            run_remote(kb, text, endpoint=url + "/query")
    assert requests == []


# -- refusals, credentials, timeouts -----------------------------------------------------


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_plain_http_to_another_host_is_refused_before_any_connection(no_sockets, kb) -> None:
    with pytest.raises(UsageError, match="refusing plain HTTP to 192.0.2.1"):
        push(kb, "http://192.0.2.1/store")
    with pytest.raises(UsageError, match="--insecure"):
        push(kb, "http://192.0.2.1:7878/store", credentials=Credentials(token=SECRET_TOKEN))
    result = _cli(["push", "http://192.0.2.1/store"])
    assert result.exit_code == 2 and "refusing plain HTTP" in result.stderr


def test_insecure_lifts_the_refusal_and_loopback_needs_no_tls() -> None:
    assert check_url("http://192.0.2.1/store", insecure=True, require_tls=True).hostname
    for url in ("http://127.0.0.1:7878/store", "http://localhost/store", "http://[::1]/store"):
        check_url(url, require_tls=True, credentials=Credentials(token="t"))


def test_credentials_in_the_url_are_refused(no_sockets, kb) -> None:
    with pytest.raises(UsageError, match="holds credentials") as caught:
        push(kb, f"https://me:{SECRET_PASSWORD}@127.0.0.1/store")
    assert SECRET_PASSWORD not in str(caught.value)


def test_queries_over_plain_http_refuse_to_send_credentials(no_sockets, kb) -> None:
    with pytest.raises(UsageError, match="clear text"):
        run_remote(
            kb,
            "stance-codes",
            endpoint="http://192.0.2.1/sparql",
            credentials=Credentials("u", "p"),
        )


def test_credentials_come_from_the_environment_and_are_never_repr() -> None:
    env = {"POSITIONS_PUSH_USER": "me", "POSITIONS_PUSH_PASSWORD": SECRET_PASSWORD}
    credentials = Credentials.from_options(environ=env)
    assert credentials.header() == "Basic " + base64.b64encode(
        f"me:{SECRET_PASSWORD}".encode()
    ).decode("ascii")
    assert SECRET_PASSWORD not in repr(credentials) + str(credentials)
    with pytest.raises(UsageError, match="without a password"):
        Credentials.from_options("me", environ={})
    with pytest.raises(UsageError, match="not both"):
        Credentials.from_options("me", "pw", "tok", environ={})


def test_a_401_that_echoes_the_credentials_shows_none_of_them(http_server) -> None:
    url, requests = http_server(answer=echo_authorization)
    env = {"POSITIONS_PUSH_USER": "me", "POSITIONS_PUSH_PASSWORD": SECRET_PASSWORD}
    basic = base64.b64encode(f"me:{SECRET_PASSWORD}".encode()).decode("ascii")
    result = _cli(["push", url + "/store"], env=env)
    assert result.exit_code == 2
    assert "HTTP 401" in result.stderr and "wants credentials" in result.stderr
    assert requests and requests[0].headers["Authorization"] == "Basic " + basic  # it was sent
    for secret in (SECRET_PASSWORD, basic):
        assert secret not in result.stdout + result.stderr
    assert "***" in result.stderr  # the echo was redacted, not dropped silently

    result = _cli(["push", url + "/store", "--token", SECRET_TOKEN])
    assert result.exit_code == 2 and SECRET_TOKEN not in result.stdout + result.stderr

    env = {"POSITIONS_ENDPOINT_TOKEN": SECRET_TOKEN}
    result = _cli(["query", "stance-codes", "--endpoint", url + "/query"], env=env)
    assert result.exit_code == 2 and "HTTP 401" in result.stderr
    assert SECRET_TOKEN not in result.stdout + result.stderr


def test_a_slow_server_gives_a_timeout_message(http_server) -> None:
    url, _ = http_server(200, b"", delay=3.0)
    started = time.monotonic()
    result = _cli(["push", url + "/store", "--timeout", "0.5"])
    assert time.monotonic() - started < 2.5
    assert result.exit_code == 2
    assert "within 0.5 s" in result.stderr and "--timeout" in result.stderr


def test_a_redirect_is_not_followed(http_server, kb) -> None:
    url, requests = http_server(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
    with pytest.raises(RemoteError, match="redirect") as caught:
        push(kb, url + "/store", credentials=Credentials(token=SECRET_TOKEN))
    assert len(requests) == 1 and SECRET_TOKEN not in str(caught.value)


def test_an_unreachable_server_gives_a_clear_message(kb) -> None:
    with pytest.raises(RemoteError, match="cannot reach http://127.0.0.1:9/store"):
        push(kb, "http://127.0.0.1:9/store", timeout=2)


def test_a_wrong_path_gives_the_status_and_a_hint(server: str, kb) -> None:
    with pytest.raises(RemoteError, match="HTTP 404.*Check the URL"):
        run_remote(kb, "stance-codes", endpoint=server + "/no-such-path")


def test_the_query_endpoint_is_derived_from_the_store_url() -> None:
    assert derive_query_endpoint("http://h:7878/store") == "http://h:7878/query"
    assert derive_query_endpoint("https://h/ds/data") == "https://h/ds/query"
    assert derive_query_endpoint("https://h/repositories/x") is None


# -- helpers -----------------------------------------------------------------------------


def echo_authorization(request: Request) -> tuple[int, dict[str, str], bytes]:
    """A 401 that shows the Authorization header it was sent, as a careless debugging
    server might."""
    authorization = request.headers.get("Authorization", "")
    return 401, {}, f"Unauthorized. You sent: Authorization: {authorization}\n".encode()


def _cli(args: list[str], env: dict[str, str] | None = None):
    clean = {k: None for k in os.environ if k.startswith(("POSITIONS_PUSH", "POSITIONS_ENDP"))}
    return cli("--kb", str(REPO), *args, env={**clean, **(env or {})})


@pytest.mark.parametrize("name", _names())
def test_every_saved_query_can_bind_all_its_parameters_remotely(kb, name: str) -> None:
    # A new saved query that filters on a parameter inside a nested group is caught here.
    from positions.remote.query import prepare_remote

    query = kb.catalogue.get(name)
    values = {"iri": "kb:russia", "date": "2022-01-10"}
    params = {
        p.name: p.choices[0] if p.choices else values.get(p.kind, "1") for p in query.parameters
    }
    text = prepare_remote(kb, query, params).text
    if params:
        assert "VALUES (" in text


@pytest.fixture
def protected_store(http_server: Callable[..., Served]) -> Served:
    """A tiny Graph Store that accepts only SECRET_TOKEN and counts what it was sent."""
    held: dict[str, bytes] = {}

    def answer(request: Request) -> tuple[int, dict[str, str], bytes]:
        authorization = request.headers.get("Authorization", "")
        status = 200 if authorization == f"Bearer {SECRET_TOKEN}" else 401
        reply = b""
        if status == 200 and request.method == "PUT":
            held["graph"], status = request.body, 204
        elif status == 200 and request.path.startswith("/query"):
            n = sum(1 for _ in ox.parse(held.get("graph", b""), format=ox.RdfFormat.N_TRIPLES))
            reply = (
                '{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal",'
                f'"value":"{n}","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}}}]}}}}'
            ).encode()
        return status, {"Content-Type": "application/sparql-results+json"}, reply

    return http_server(answer=answer)
