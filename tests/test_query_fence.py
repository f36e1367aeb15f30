"""Queries are fenced in a way the engine cannot escape (issue 23, deliverable 1).

A query's text is checked for size and nesting before pyoxigraph parses it, on every
path (the command line, the API, /sparql and the saved-query forms, the remote path,
SHACL-SPARQL in shapes); and a query of ``positions serve`` runs in a process of its
own, killed at its time limit or when it takes more than its memory.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.errors import InputError
from positions.sparql.limits import DEFAULT_QUERY_LIMITS, QueryLimits
from positions.sparql.policy import check_shape
from positions.web.server import Site, make_server
from support import REPO, cli

NESTED = "ASK { " + "{" * 3000 + " " + "}" * 3000 + " }"  # crashed pyoxigraph's parser
BANGS = "ASK { FILTER(" + "!" * 10_000 + "true) }"  # so did a run of 9,000 !
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
QUICK = "SELECT ?s WHERE { ?s a ?t } LIMIT 3"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    kb = KnowledgeBase.open(REPO)
    _ = kb.store
    return kb


def test_the_command_line_refuses_a_nested_query_instead_of_crashing() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from positions.cli.app import main; main()"]
        + ["--kb", str(REPO), "query", "--sparql", NESTED],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr  # was -11 (139 from a shell): a segfault
    assert "nests deeper than the limit of 64" in run.stderr
    assert "--max-query-nesting" in run.stderr and "<query>:1:70" in run.stderr


def test_every_saved_query_and_check_passes_with_room() -> None:
    tight = QueryLimits(max_nesting=DEFAULT_QUERY_LIMITS.max_nesting // 4, max_bytes=16 * 1024)
    paths = sorted(REPO.glob("queries/*.rq")) + sorted(REPO.glob("src/positions/**/*.rq"))
    assert len(paths) > 23
    for path in paths:
        check_shape(path.read_text(encoding="utf-8"), str(path), tight)


@pytest.mark.parametrize("text", [NESTED, BANGS])
def test_the_api_refuses_it(kb: KnowledgeBase, text: str) -> None:
    with pytest.raises(InputError, match="--max-query-nesting") as refused:
        kb.query(text)
    assert refused.value.position.line == 1


def test_a_query_file_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "deep.rq"
    path.write_text("ASK {\n  " + "{" * 70 + "}" * 70 + "\n}\n", encoding="utf-8")
    refused = cli("--kb", str(REPO), "query", str(path))
    assert refused.exit_code == 2
    assert f"{path}:2:66: the query nests deeper than the limit of 64" in refused.stderr
    raised = cli("--kb", str(REPO), "--max-query-nesting", "80", "query", str(path))
    assert raised.exit_code == 0, raised.stderr


def test_stdin_and_a_saved_query_are_refused(base: Path) -> None:
    assert cli("--kb", str(base), "query", "-", input=NESTED).exit_code == 2
    (base / "queries" / "deep.rq").write_text(NESTED + "\n", encoding="utf-8")
    refused = cli("--kb", str(base), "query", "deep")
    assert refused.exit_code == 2
    assert "deep.rq:1:70" in refused.stderr and "--max-query-nesting" in refused.stderr


def test_the_size_limit_is_named_and_can_be_raised_and_does_not_leak() -> None:
    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # " + "x" * 70_000
    refused = cli("--kb", str(REPO), "query", "--sparql", text)
    assert refused.exit_code == 2
    assert "over the size limit of 65,536 bytes" in refused.stderr
    assert "--max-query-bytes" in refused.stderr
    raised = cli("--kb", str(REPO), "--max-query-bytes", "80000", "query", "--sparql", text)
    assert raised.exit_code == 0, raised.stderr
    assert cli("--kb", str(REPO), "query", "--sparql", text).exit_code == 2  # one command only
    assert QueryLimits() == DEFAULT_QUERY_LIMITS


def test_what_counts_as_a_level() -> None:
    limits, two = QueryLimits(max_nesting=3), QueryLimits(max_nesting=2)
    check_shape('SELECT * { FILTER(?a != ?b && "{{{{((((" != ?c) } # {{{{', limits=limits)
    check_shape("ASK { << <urn:a> <urn:b> <urn:c> >> ?p ?o }", limits=limits)
    with pytest.raises(InputError):
        check_shape("ASK { FILTER(!!!true) }", limits=limits)
    with pytest.raises(InputError):
        check_shape("ASK { << <urn:a> <urn:b> << <urn:c> <urn:d> <urn:e> >> >> ?p ?o }", "q", two)


def test_the_remote_path_refuses_it_before_sending(http_server) -> None:
    served = http_server(200, b"{}")
    remote = KnowledgeBase.open(REPO, endpoint=served.url + "/query")
    with pytest.raises(InputError, match="--max-query-nesting"):
        remote.query(NESTED)
    assert served.requests == []


def test_a_shapes_query_is_refused_naming_the_file(base: Path) -> None:
    shapes = base / "ontology" / "shapes" / "zz.shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "ex:Deep a sh:NodeShape ; sh:targetClass pos:Party ;\n"
        f'  sh:sparql [ sh:select """SELECT $this WHERE {{ {NESTED[6:-2]} }}""" ] .\n',
        encoding="utf-8",
    )
    refused = cli("--kb", str(base), "validate")
    assert refused.exit_code == 2
    assert "zz.shapes.ttl:5" in refused.stderr and "--max-query-nesting" in refused.stderr


# -- positions serve ------------------------------------------------------------------------


def sparql(site: Site, query: str) -> tuple[int, str]:
    response = site.handle("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), {})
    return response.status, response.body.decode("utf-8")


def children() -> list[str]:
    """The processes this one has started and not yet reaped."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        found += (task / "children").read_text().split()
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_runaway_query_is_killed_at_its_time_limit(kb: KnowledgeBase) -> None:
    site = Site(kb, timeout=0.5)
    status, text = sparql(site, RUNAWAY)
    assert status == 503 and "time limit of 0.5 s" in text
    assert children() == []
    before = time.process_time()
    time.sleep(0.5)
    assert time.process_time() - before < 0.2  # nothing left burning CPU (was 0.5 s)
    assert sparql(site, QUICK)[0] == 200


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="the cap needs Linux")
def test_a_runaway_query_is_stopped_at_its_memory_limit(kb: KnowledgeBase) -> None:
    site = Site(kb, timeout=20, max_memory=48)
    assert sparql(site, QUICK)[0] == 200  # a normal query fits
    started = time.monotonic()
    status, text = sparql(site, RUNAWAY)
    assert status == 503 and "memory limit of 48 MiB" in text and "--max-memory" in text
    assert time.monotonic() - started < 10
    assert children() == []
    assert sparql(site, QUICK)[0] == 200


def test_the_server_answers_after_a_nested_query(kb: KnowledgeBase) -> None:
    server = make_server(Site(kb, timeout=5), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        form = urllib.parse.urlencode({"query": NESTED}).encode()  # a plain form POST
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/sparql", data=form, timeout=10)
        assert refused.value.code == 400
        assert "--max-query-nesting" in refused.value.read().decode()
        query = urllib.parse.urlencode({"query": QUICK})
        with urllib.request.urlopen(f"{url}/sparql?{query}", timeout=10) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(url + "/queries/meeting-timeline", timeout=10) as page:
            assert page.status == 200
    finally:
        server.shutdown()
        server.server_close()
