"""Read-only and closed: what a query may not do, and how it is told (issue 3, point 6)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.errors import QueryRefused
from positions.sparql.policy import inspect_query
from support import Request, Served, cli

MINIBASE = Path(__file__).parent / "fixtures" / "minibase"


def invoke(*args: str, kb: Path = MINIBASE, stdin: str | None = None):
    return cli("--kb", str(kb), "query", *args, input=stdin)


@pytest.fixture
def server(http_server: Callable[..., Served]) -> tuple[int, list[Request]]:
    """A web server on 127.0.0.1 that records every request it gets (and answers 500)."""
    served = http_server(500)
    return served.port, served.requests


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


# --- SERVICE (HOSTILE case 1) -------------------------------------------------------------

SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <http://127.0.0.1:{port}/x> {{ }} }} }}",
    "select * where {{ service <http://127.0.0.1:{port}/lower> {{ ?s ?p ?o }} }}",
    "ASK {{ SERVICE <http://127.0.0.1:{port}/ask> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_and_no_request_is_made(template: str, server) -> None:
    port, hits = server
    result = invoke("--sparql", template.format(port=port))
    assert result.exit_code == 2
    assert "SERVICE" in result.stderr and "would call out to the network" in result.stderr
    assert "--allow-network" in result.stderr
    assert "Traceback" not in result.output
    assert hits == []


def test_allow_network_lets_service_through(server) -> None:
    # The counterpart of the test above: the server does see requests when allowed,
    # so "no request" there means the refusal worked, not that the server was deaf.
    port, hits = server
    result = invoke("--allow-network", "--sparql", SERVICE_QUERIES[0].format(port=port))
    assert hits and hits[0].path.startswith("/sparql")
    assert result.exit_code == 2  # the test server answers 500: a clean error
    assert "the query failed" in result.stderr


def test_service_in_a_saved_query_is_refused(tmp_path: Path, server) -> None:
    port, hits = server
    query = tmp_path / "calls-out.rq"
    query.write_text(
        f"#+ summary: x\nSELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{}} }}\n"
    )
    result = invoke(str(query))
    assert result.exit_code == 2
    assert f"{query}: SERVICE" in result.stderr and "line 2" in result.stderr
    assert hits == []


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?s WHERE { ?s ?p "SERVICE <http://x/>" }',
        "SELECT ?s WHERE { ?s <http://example.org/SERVICE> ?o }",
        "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:SERVICE ?o }",
        "SELECT ?SERVICE WHERE { ?SERVICE ?p ?o } # SERVICE <http://x/>",
        "SELECT ?s WHERE { ?s ?p '''\nINSERT DATA { }\nFROM <file:///etc/passwd>''' }",
    ],
)
def test_keywords_inside_strings_iris_names_and_comments_are_not_refused(text: str) -> None:
    info = inspect_query(text)
    assert info.findings == []


# --- FROM / FROM NAMED (HOSTILE case 2) ------------------------------------------------------


@pytest.mark.parametrize(
    "dataset",
    [
        "FROM <http://127.0.0.1:{port}/data.ttl>",
        "FROM NAMED <http://127.0.0.1:{port}/named.ttl>",
        "FROM <file:///etc/passwd>",
        "FROM </etc/passwd>",
    ],
)
def test_from_outside_the_base_is_refused(dataset: str, server) -> None:
    port, hits = server
    text = f"SELECT * {dataset.format(port=port)} WHERE {{ ?s ?p ?o }}"
    result = invoke("--sparql", text)
    assert result.exit_code == 2
    assert "would read a file or URL outside the base" in result.stderr
    assert "--allow-network" in result.stderr
    assert hits == []


def test_from_a_local_file_does_not_read_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text("<http://secret.example/s> <http://secret.example/p> 'UNIQUE-7f3a' .\n")
    text = f"SELECT ?o FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}"
    refused = invoke("--sparql", text, "-f", "csv")
    assert refused.exit_code == 2 and "UNIQUE-7f3a" not in refused.stdout
    # Even when allowed, pyoxigraph treats FROM as a graph of the store, not a file.
    allowed = invoke("--allow-network", "--sparql", text, "-f", "csv")
    assert allowed.exit_code == 0
    assert "UNIQUE-7f3a" not in allowed.stdout


def test_from_a_graph_of_the_base_is_allowed_and_honoured() -> None:
    graph = "https://w3id.org/positions/graph/ontology/mini.ttl"
    text = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s a ?c }}"
    result = invoke("--sparql", text, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    # Only the ontology's 5 typed terms, not the data's parties and statements.
    assert result.stdout.splitlines()[1] == "5"


def test_from_named_a_graph_of_the_base_is_allowed() -> None:
    graph = "https://w3id.org/positions/graph/data/mini.ttl"
    text = f"SELECT DISTINCT ?g FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    result = invoke("--sparql", text, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [graph]


# --- Updates (HOSTILE case 3) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a.example/> <http://a.example/p> 1 }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:1/x.ttl>",
        "DROP ALL",
        "CLEAR DEFAULT",
        "CREATE GRAPH <http://a.example/g>",
        "ADD DEFAULT TO <http://a.example/g>",
        "MOVE DEFAULT TO <http://a.example/g>",
        "COPY DEFAULT TO <http://a.example/g>",
        "PREFIX ex: <http://e/>\nWITH <http://a.example/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused_pointing_to_add(text: str, tmp_path: Path) -> None:
    before = folder_digest(MINIBASE)
    for extra in ([], ["--allow-network"]):  # --allow-network never allows an update
        result = invoke(*extra, "--sparql", text)
        assert result.exit_code == 2
        assert "is a SPARQL update" in result.stderr
        assert "positions add" in result.stderr
    assert folder_digest(MINIBASE) == before


def test_update_from_standard_input_is_refused() -> None:
    result = invoke("-", stdin="DROP ALL ;\nINSERT DATA { <http://a/> <http://b/> <http://c/> }\n")
    assert result.exit_code == 2 and "DROP (line 1, column 1)" in result.stderr


def test_python_api_refuses_too() -> None:
    kb = KnowledgeBase.open(MINIBASE)
    with pytest.raises(QueryRefused, match="SERVICE"):
        kb.query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { } }")


# --- Syntax errors and unknown names ------------------------------------------------------


def test_syntax_error_shows_line_column_and_text() -> None:
    text = 'SELECT ?s\nWHERE {\n  ?s ?p "unterminated\n}'
    result = invoke("--sparql", text)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: <query>:3:22: SPARQL syntax error: expected")
    assert lines[1] == '      ?s ?p "unterminated'
    assert lines[2] == " " * 25 + "^"  # four spaces of indent, then column 22
    assert "Traceback" not in result.output


def test_syntax_error_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.rq"
    path.write_text("#+ summary: bad\nSELECT ?s WHERE { ?s ?p ?o \n")
    result = invoke(str(path))
    assert result.exit_code == 2
    assert f"Error: {path}:2:27: SPARQL syntax error: the query ends too early" in result.stderr
    assert "SELECT ?s WHERE { ?s ?p ?o" in result.stderr


def test_unknown_prefix_is_explained() -> None:
    result = invoke("--sparql", "SELECT ?s WHERE { ?s nope:thing ?o }")
    assert result.exit_code == 2
    assert "unknown prefix nope:" in result.stderr
    assert "['%']" not in result.stderr  # not pyoxigraph's list of character classes


def test_unknown_name_suggests_the_nearest() -> None:
    result = invoke("statement-by-party")
    assert result.exit_code == 2
    assert "did you mean statements-by-party" in result.stderr


def test_missing_file() -> None:
    result = invoke("no/such/file.rq")
    assert result.exit_code == 2 and "no query file no/such/file.rq" in result.stderr


# --- Limits (HOSTILE cases 7 and 8) ------------------------------------------------------------


def big_base(tmp_path: Path, n: int) -> Path:
    base = tmp_path / "big"
    for part in ("ontology", "data", "queries"):
        (base / part).mkdir(parents=True)
    (base / "ontology" / "empty.ttl").write_text("")
    lines = [f"<http://e.example/s{i}> <http://e.example/p> 'v{i}' ." for i in range(n)]
    (base / "data" / "many.ttl").write_text("\n".join(lines) + "\n")
    return base


def test_cross_join_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    base = big_base(tmp_path, 400)
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    # A subprocess, so that the abandoned evaluation dies with it.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(base), "query", "--timeout", "0.5",
         "--sparql", text],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert "ran past the time limit of 0.5 s" in done.stderr
    assert "Traceback" not in done.stderr


def test_rows_stopped_by_the_time_limit_leave_a_clean_error(tmp_path: Path) -> None:
    # Rows stream, so the limit strikes between rows, in the worker thread that holds
    # pyoxigraph's iterator; dropped in the main thread it printed a RuntimeError (in
    # about half the runs: it depends on which thread sees the deadline first).
    # TSV, not CSV: CSV into a pipe is written by pyoxigraph (test_stream.py).
    base = big_base(tmp_path, 400)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(base), "query", "--timeout", "0.5",
         "--limit", "100000000", "-f", "tsv",
         "--sparql", "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert "ran past the time limit of 0.5 s" in done.stderr
    assert "RuntimeError" not in done.stderr and "Traceback" not in done.stderr


def test_the_time_limit_error_holds_no_result_iterator(tmp_path: Path) -> None:
    # The deterministic half of the test above: whatever _evaluate raises when the time
    # is up goes to another thread, so its traceback must not keep the iterator alive.
    from positions.sparql import engine

    kb = KnowledgeBase.open(big_base(tmp_path, 100))
    text = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d }"  # 10,000 rows, in the files' graphs
    saved = engine.resolve(kb, text)
    union = {"use_default_graph_as_union": True}
    with pytest.raises(engine.TimeUp) as raised:
        engine._evaluate(kb.store, saved, text, union, 10**9, deadline=time.monotonic() - 1)
    traceback, held = raised.value.__traceback__, []
    while traceback is not None:
        held += [
            v for v in traceback.tb_frame.f_locals.values() if isinstance(v, ox.QuerySolutions)
        ]
        traceback = traceback.tb_next
    assert held == []


def test_cross_join_rows_are_stopped_by_the_row_cap(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(big_base(tmp_path, 100))
    from positions.errors import QueryLimitExceeded
    from positions.sparql.engine import run

    text = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d }"  # 10,000 rows
    with pytest.raises(QueryLimitExceeded, match="more than 5,000 rows"):
        run(kb, text, max_rows=5000)
    result = run(kb, text, row_limit=10)
    assert len(result.rows) == 10 and result.truncated


def test_catastrophic_regex_finishes(tmp_path: Path) -> None:
    base = big_base(tmp_path, 1)
    (base / "data" / "long.ttl").write_text(
        "<http://e.example/x> <http://e.example/p> '" + "a" * 50_000 + "b' .\n"
    )
    text = 'SELECT ?s WHERE { ?s ?p ?o FILTER regex(?o, "^(a+)+$") }'
    result = invoke("--timeout", "5", "--sparql", text, "-f", "csv", kb=base)
    # The engine's regex is linear-time; either way the answer comes within the limit.
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert "time limit" in result.stderr
    else:
        assert result.stdout.splitlines() == ["s"]
