"""Validating new facts against a base held by a SPARQL server (RemoteStore, --endpoint).

A copy of the bundled base is pushed to a real Oxigraph server on 127.0.0.1;
new files are then validated incrementally against it, and must give the same
problems (node, path, value, severity, message) as local incremental
validation of the same files against the same base.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.checking.incremental import validate_new
from positions.remote.http import RemoteError, request
from positions.remote.push import push
from positions.remote.store import RemoteStore, validate_remote
from support import REPO, cli, copy_bundled, oxigraph_server

SHAPES = REPO / "tests" / "shapes"
EXAMPLE = REPO / "docs" / "examples" / "new-statement.ttl"
KB = "https://w3id.org/positions/id/"
POS = "https://w3id.org/positions/vocab#"
# Bad additions, one family each (the fixtures of tests/shapes, against the bundled base).
BAD = [
    "statement-no-speaker.ttl",
    "check-party-matches-role.ttl",
    "evidence-no-source.ttl",
    "statement-bad-target.ttl",
    "check-dated-after-source.ttl",
    "check-role-held-at-date.ttl",
    "check-shared-wikidata-iri.ttl",
    "delegation-no-meeting.ttl",
    "warning-person-no-role.ttl",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a fresh Oxigraph server (read-write, on disk)."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.open(copy_bundled(tmp_path_factory.mktemp("base")), store="memory")


@pytest.fixture(scope="module")
def endpoint(server: str, kb: KnowledgeBase) -> str:
    """The copy of the bundled base in the server's default graph; its query endpoint."""
    push(kb, server + "/store")
    return server + "/query"


def _identities(report) -> set[tuple]:
    return {(p.focus_compact, p.path, p.value, p.severity, p.message) for p in report.problems}


# -- the same problems through the server ---------------------------------------------------


def test_the_example_statement_conforms_through_the_server(kb, endpoint) -> None:
    view = RemoteStore(endpoint)
    remote = validate_remote(kb, [EXAMPLE], endpoint=endpoint, view=view)
    local = validate_new(kb, [EXAMPLE])
    assert remote.violations == 0 and remote.exit_code == 0
    assert _identities(remote) == _identities(local)
    assert view.requests <= 12, view.requests  # batched: not one request per node


@pytest.mark.parametrize("name", BAD)
def test_a_bad_addition_gives_the_same_problems_through_the_server(kb, endpoint, name) -> None:
    files = [SHAPES / name]
    remote = validate_remote(kb, files, endpoint=endpoint)
    local = validate_new(kb, files)
    assert remote.problems, name  # each one is a bad addition
    assert _identities(remote) == _identities(local)


def test_all_the_shape_fixtures_at_once(kb, endpoint) -> None:
    files = sorted(SHAPES.glob("*.ttl"))
    view = RemoteStore(endpoint)
    remote = validate_remote(kb, files, endpoint=endpoint, view=view)
    local = validate_new(kb, files, advice=False)  # the advice reads a local store only
    assert remote.violations > 30
    assert _identities(remote) == _identities(local)
    assert view.requests <= 20, view.requests


def test_the_extract_holds_the_same_triples_as_locally(kb, endpoint) -> None:
    from positions.checking.incremental import Extract, inverse_predicates
    from positions.checking.shacl import to_graph
    from positions.checking.sources import SourceFile

    files = [SourceFile.read(SHAPES / n, n) for n in BAD]
    new = [q for f in files for q in f.quads]
    shapes = to_graph([SourceFile.read(p, p.name) for p in kb.layout.shapes_files()])
    inverse = inverse_predicates(shapes)
    local = Extract(kb.store, new, inverse)
    remote = Extract(RemoteStore(endpoint), new, inverse)
    assert _canonical(remote.quads.values()) == _canonical(local.quads.values())


def _canonical(quads) -> set[str]:
    """Triples as text, each blank node written as what it holds (labels differ by store)."""
    quads = list(quads)
    below: dict[object, list[ox.Quad]] = {}
    for q in quads:
        below.setdefault(q.subject, []).append(q)

    def name(term: object) -> str:
        if isinstance(term, ox.BlankNode):
            inner = sorted(f"{q.predicate} {name(q.object)}" for q in below.get(term, []))
            return "[" + " ; ".join(inner) + "]"
        return str(term)

    return {f"{name(q.subject)} {q.predicate} {name(q.object)}" for q in quads}


# -- the look-up itself ------------------------------------------------------------------------


def test_look_ups_give_what_a_local_store_gives(server: str, endpoint: str) -> None:
    # A named graph beside the base, with a blank node two levels deep.
    data = (
        b"<urn:x:a> <urn:x:p> <urn:x:b> .\n"
        b'<urn:x:a> <urn:x:q> _:e .\n_:e <urn:x:r> _:f .\n_:f <urn:x:s> "deep" .\n'
        b'_:f <urn:x:t> _:g .\n_:g <urn:x:u> "deeper" .\n'
        b'<urn:x:c> <urn:x:p> "back\\\\u0022slash" .\n'
    )
    graph = "urn:x:graph"
    request(
        "PUT",
        f"{server}/store?graph={graph}",
        body=data,
        headers={"Content-Type": "application/n-triples"},
    )
    local = ox.Store()
    local.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    view = RemoteStore(endpoint)
    a, p = ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p")
    g = ox.NamedNode(graph)
    # Everything under <urn:x:a>, blank nodes included.
    assert _subtree(view, a) == _subtree(local, a)
    assert view.requests == 2  # the first answer stopped at depth 2; one deeper query
    assert [q.graph_name for q in view.quads_for_pattern(a, p, None)] == [g]
    assert list(view.quads_for_pattern(a, p, None, ox.DefaultGraph())) == []
    assert len(list(view.quads_for_pattern(a, None, None, g))) == 2
    # Subject-less look-ups: by predicate and object, in a graph or the default graph.
    back = ox.Literal("back\\u0022slash")
    assert [q.subject for q in view.quads_for_pattern(None, p, back)] == [ox.NamedNode("urn:x:c")]
    assert {q.subject.value for q in view.quads_for_pattern(None, p, None, g)} == {
        "urn:x:a",
        "urn:x:c",
    }
    assert list(view.quads_for_pattern(None, p, None, ox.DefaultGraph())) == []
    russia = ox.NamedNode(KB + "russia")
    on_behalf = ox.NamedNode(POS + "onBehalfOf")
    speakers = list(view.quads_for_pattern(None, on_behalf, russia, ox.DefaultGraph()))
    assert len(speakers) > 10
    # A blank node this view never handed out is not in it.
    assert list(view.quads_for_pattern(ox.BlankNode(), None, None)) == []
    request("DELETE", f"{server}/store?graph={graph}")


def _subtree(store, node) -> set[str]:
    quads, pending = [], [node]
    while pending:
        for q in store.quads_for_pattern(pending.pop(), None, None, None):
            quads.append(q)
            if isinstance(q.object, ox.BlankNode):
                pending.append(q.object)
    return _canonical(quads)


# -- the command -------------------------------------------------------------------------------


def _cli(kb: KnowledgeBase, *args: str):
    return cli("--kb", str(kb.root), "validate", *args)


def test_the_command_reports_as_locally(kb, endpoint) -> None:
    good = _cli(kb, str(EXAMPLE), "--endpoint", endpoint)
    assert good.exit_code == 0, good.output
    bad = SHAPES / "statement-no-speaker.ttl"
    remote = _cli(kb, str(bad), "--endpoint", endpoint, "-f", "json")
    local = _cli(kb, str(bad), "-f", "json")
    assert remote.exit_code == local.exit_code == 1
    assert "exactly one speaker" in remote.output
    assert _json_identities(remote.stdout) == _json_identities(local.stdout)


def _json_identities(text: str) -> set[tuple]:
    import json

    keys = ("focus", "path", "value", "severity", "message", "file", "line")
    return {tuple(p[k] for k in keys) for p in json.loads(text)["problems"]}


def test_an_unreachable_endpoint_exits_2_with_a_clear_message(kb) -> None:
    result = _cli(kb, str(EXAMPLE), "--endpoint", "http://127.0.0.1:9/query", "--timeout", "2")
    assert result.exit_code == 2
    assert "cannot reach http://127.0.0.1:9/query" in result.output
    assert "Traceback" not in result.output


def test_endpoint_needs_files_and_refuses_all(kb) -> None:
    assert _cli(kb, "--endpoint", "http://127.0.0.1:9/query").exit_code == 2
    assert _cli(kb, str(EXAMPLE), "--all", "--endpoint", "http://127.0.0.1:9/query").exit_code == 2
    plain = _cli(kb, str(EXAMPLE), "--endpoint", "ftp://example.org/query")
    assert plain.exit_code == 2 and "http://" in plain.output


def test_the_remote_view_never_loads_the_local_store(kb, endpoint, tmp_path: Path) -> None:
    fresh = KnowledgeBase.open(kb.root, store="memory")
    validate_remote(fresh, [EXAMPLE], endpoint=endpoint)
    assert "store" not in fresh.__dict__


def test_a_server_error_is_a_remote_error(kb, server) -> None:
    with pytest.raises(RemoteError, match="HTTP 404"):
        validate_remote(kb, [EXAMPLE], endpoint=server + "/no-such-path")
