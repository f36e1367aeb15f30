"""The same answers everywhere: every saved query, with its defaults and with other values,
prints the same bytes locally, through ``positions serve`` and through real servers of other
engines (Oxigraph server; Virtuoso where Debian's package is installed).

Each answer is what ``positions query NAME -p ... -f csv`` prints (N-Triples with canonical
blank node labels for a graph), so the comparison covers the binding of parameters as a
VALUES block, the engines' evaluation and the reading of their results.  The servers run on
127.0.0.1, started for this module; the base is pushed to each by the Graph Store Protocol.
What an engine answers differently is listed below, query by query, with the reason, as a
strict xfail: a fix shows as an unexpected pass.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.remote.push import push
from positions.web.server import Site
from support import REPO, cli, oxigraph_server, virtuoso_server
from test_serve import serve


def _names() -> list[str]:
    return KnowledgeBase.open(REPO).catalogue.names()


# Values other than the defaults, for every query that takes parameters; each gives rows.
OTHER_VALUES: list[tuple[str, dict[str, str]]] = [
    ("demand-answered", {"demand": "kb:demand-no-nato-enlargement", "party": "kb:russia"}),
    ("demand-responses", {"demand": "kb:demand-no-nato-enlargement"}),
    ("entity-index", {"kind": "pos:Party"}),
    ("meeting-timeline", {"since": "2022-01-11"}),
    ("meeting-timeline", {"until": "2022-01-11"}),
    ("node-description", {"node": "kb:russia"}),
    ("node-statements", {"node": "kb:sergei-lavrov"}),
    ("people-and-roles", {"party": "kb:russia"}),
    ("person-statements", {"person": "kb:sergei-lavrov"}),
    ("position-over-time", {"party": "kb:united-states", "topic": "topic:nato-enlargement"}),
    ("source-disagreements", {"node": "kb:stmt-kosachev-does-not-hold-water"}),
    ("statement-graph", {"statement": "kb:stmt-sherman-open-door"}),
    ("statements-by-topic", {"topic": "topic:legal-guarantees"}),
    ("statements", {"party": "kb:russia"}),
    ("statements", {"speaker": "kb:sergei-ryabkov", "since": "2022-01-10"}),
    ("statements", {"since": "2022-01-11", "until": "2022-01-13"}),
    ("unanswered-demands", {"party": "kb:united-states"}),
    ("unspecified-targets", {"party": "kb:united-states"}),
]
CASES = [(name, {}) for name in _names()] + OTHER_VALUES
GRAPH_QUERIES = {"node-description", "statement-graph"}

# Oxigraph server (on RocksDB) joins GROUP_CONCAT's values in another order than pyoxigraph
# in memory does; SPARQL leaves that order undefined.  Issue 19 point 4 fixes the order in
# the saved queries (quotes in the order of their source, labels sorted).  These differed in
# every one of seven runs here:
OXIGRAPH_ORDER = {
    "commentary",
    "demand-party-statements",
    "meeting-timeline",
    "meeting-timeline[since=2022-01-11]",
    "meeting-timeline[until=2022-01-11]",
    "person-statements",
    "source-disagreements",
    "source-disagreements[node=kb:stmt-kosachev-does-not-hold-water]",
    "sources-overview",
    "unanswered-demands",
    "unanswered-demands[party=kb:united-states]",
}
# ... and these in some runs only (the in-memory order changes from process to process):
# people-and-roles in 5 of 7, documents in 3 of 7, single-source-statements in 1 of 7.
OXIGRAPH_SOMETIMES = {
    "people-and-roles",
    "people-and-roles[party=kb:russia]",
    "documents",
    "single-source-statements",
}
ORDER_REASON = "{}: GROUP_CONCAT joins values in the engine's order, undefined in SPARQL{}"


def _case_id(case: tuple[str, dict[str, str]]) -> str:
    name, params = case
    return name + "".join(f"[{k}={v}]" for k, v in params.items())


def _marked(cases, strict: dict[str, str], sometimes: dict[str, str] | None = None):
    """``cases`` with a strict xfail on those in ``strict`` (case id -> reason), and a lax
    one on those in ``sometimes`` (the difference comes and goes)."""
    sometimes = sometimes or {}

    def marks(case_id: str) -> list:
        if case_id in strict:
            return [pytest.mark.xfail(strict=True, reason=strict[case_id])]
        if case_id in sometimes:
            return [pytest.mark.xfail(strict=False, reason=sometimes[case_id])]
        return []

    return [pytest.param(*case, id=_case_id(case), marks=marks(_case_id(case))) for case in cases]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def serve_endpoint(kb: KnowledgeBase) -> Iterator[str]:
    for url in serve(Site(kb)):
        yield url + "/sparql"


@pytest.fixture(scope="module")
def oxigraph_endpoint(tmp_path_factory: pytest.TempPathFactory, kb) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        push(kb, base + "/store")
        yield base + "/query"


@pytest.fixture(scope="module")
def virtuoso_endpoint(tmp_path_factory: pytest.TempPathFactory, kb) -> Iterator[str]:
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as virtuoso:
        push(kb, virtuoso.store, graph=virtuoso.graph, query_endpoint=virtuoso.query)
        yield virtuoso.query


def answer(name: str, params: dict[str, str], endpoint: str | None = None) -> str:
    """What ``positions query`` prints for the query (N-Triples canonicalised for a graph)."""
    if endpoint is None:
        return _local(name, tuple(params.items()))
    return _answer(name, params, endpoint)


@functools.cache
def _local(name: str, params: tuple[tuple[str, str], ...]) -> str:
    return _answer(name, dict(params), None)  # once per case, for every engine


def _answer(name: str, params: dict[str, str], endpoint: str | None) -> str:
    graph = name in GRAPH_QUERIES
    args = ["--kb", str(REPO), "query", name, "-f", "ntriples" if graph else "csv"]
    for key, value in params.items():
        args += ["-p", f"{key}={value}"]
    if endpoint:
        args += ["--endpoint", endpoint]
    clean = {k: None for k in os.environ if k.startswith(("POSITIONS_PUSH", "POSITIONS_ENDP"))}
    result = cli(*args, env=clean)
    assert result.exit_code in (0, 1), result.output  # 1: an ASK that is false
    return _canonical(result.stdout) if graph else result.stdout


def _canonical(ntriples: str) -> str:
    dataset = ox.Dataset(
        ox.Quad(t.subject, t.predicate, t.object)
        for t in (q.triple for q in ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES))
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return "".join(sorted(f"{quad.subject} {quad.predicate} {quad.object} .\n" for quad in dataset))


def _compare(name: str, params: dict[str, str], endpoint: str) -> None:
    local = answer(name, params)
    assert len(local.splitlines()) > 1 or local.strip() in ("true", "false"), "no rows"
    assert answer(name, params, endpoint) == local


@pytest.mark.parametrize(("name", "params"), _marked(CASES, {}))
def test_same_bytes_through_positions_serve(serve_endpoint, name, params) -> None:
    _compare(name, params, serve_endpoint)


@pytest.mark.parametrize(
    ("name", "params"),
    _marked(
        CASES,
        {case: ORDER_REASON.format(case, "") for case in OXIGRAPH_ORDER},
        {case: ORDER_REASON.format(case, " (some runs)") for case in OXIGRAPH_SOMETIMES},
    ),
)
def test_same_bytes_through_oxigraph_server(oxigraph_endpoint, name, params) -> None:
    _compare(name, params, oxigraph_endpoint)


# Virtuoso 7.2.5 (Debian's virtuoso-opensource), query by query; each reason is one of the
# departures listed in docs/remote.md, seen in that query's answer.  GROUP_CONCAT's order
# is undefined (and pyoxigraph's in memory changes between runs), so those are lax.
VIRTUOSO_CONCAT_UNBOUND = (
    'CONCAT("on or before ", STR(?unbound)) gives "on or before " instead of leaving the '
    "date unbound, which also changes the ORDER BY"
)
VIRTUOSO_DEPARTS = {
    "demand-party-statements": VIRTUOSO_CONCAT_UNBOUND,
    "node-statements": VIRTUOSO_CONCAT_UNBOUND,
    "statements": VIRTUOSO_CONCAT_UNBOUND,
    "statements[party=kb:russia]": VIRTUOSO_CONCAT_UNBOUND,
    "statements-by-topic": VIRTUOSO_CONCAT_UNBOUND,
    "statements-by-topic[topic=topic:legal-guarantees]": VIRTUOSO_CONCAT_UNBOUND,
    "us-unacceptable-demands": VIRTUOSO_CONCAT_UNBOUND,
    "single-source-statements": "booleans come back as xsd:integer 1 and 0",
    "source-disagreements": "fails with SR066 Unsupported case in CONVERT "
    "(CONCAT over MIN of long literals)",
    "source-disagreements[node=kb:stmt-kosachev-does-not-hold-water]": "fails with SR066 "
    "Unsupported case in CONVERT (CONCAT over MIN of long literals)",
    "date-basis": "answers HTTP 500, Virtuoso 37000 Error SQ074 (it refuses the query)",
    "position-over-time[party=kb:united-states][topic=topic:nato-enlargement]": "orders "
    "two rows of the same date the other way",
}
VIRTUOSO_ORDER = {
    case: ORDER_REASON.format(case, " (Virtuoso)")
    for case in (
        "commentary",
        "demand-responses",
        "demand-responses[demand=kb:demand-no-nato-enlargement]",
        "documents",
        "meeting-timeline",
        "meeting-timeline[since=2022-01-11]",
        "people-and-roles",
        "people-and-roles[party=kb:russia]",
        "person-statements",
        "person-statements[person=kb:sergei-lavrov]",
        "sources-overview",
        "unspecified-targets",
        "unspecified-targets[party=kb:united-states]",
    )
}
# Virtuoso plans some queries slowly (up to 7 s for unspecified-targets): the defaults only.
# position-over-time (plain SPARQL since issue 22) takes Virtuoso 7.2.5 down: the server stops
# answering, and every query after it is refused.  Not run there; docs/remote.md says so.
VIRTUOSO_DOWN = {"position-over-time"}
VIRTUOSO_CASES = [(name, {}) for name in _names() if name not in VIRTUOSO_DOWN]


@pytest.mark.parametrize(
    ("name", "params"),
    _marked(
        VIRTUOSO_CASES,
        {case: f"{case}: {why}" for case, why in VIRTUOSO_DEPARTS.items()},
        VIRTUOSO_ORDER,
    ),
)
def test_same_bytes_through_virtuoso(virtuoso_endpoint, name, params) -> None:
    _compare(name, params, virtuoso_endpoint)
