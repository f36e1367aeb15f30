"""``positions add --to``: new facts added to a base held by a SPARQL server.

Each test pushes a fresh copy of the bundled base to a real Oxigraph server on
127.0.0.1 (a graph of its own per test, so tests do not see each other's
additions) and adds to it through the command line, then reads the server back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.adding.apply import add
from positions.remote.push import count_on_server, push
from support import REPO, cli, free_port, oxigraph_server

EXAMPLE = REPO / "docs" / "examples" / "new-statement.ttl"
SHAPES = REPO / "tests" / "shapes"
STATEMENT = "https://w3id.org/positions/id/stmt-kosachev-no-violation-of-agreements"

HEAD = """\
@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a fresh Oxigraph server (read-write, on disk)."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@pytest.fixture
def pushed(server: str, base: Path, request: pytest.FixtureRequest) -> tuple[Path, str, str]:
    """(local base, store URL, graph): the bundled base pushed to a graph of its own."""
    graph = f"https://example.org/test/{request.node.name.replace('[', '-').strip(']')}"
    push(KnowledgeBase.open(base), server + "/store", graph=graph)
    return base, server + "/store", graph


def _add(base: Path, store: str, graph: str, *files: Path, extra: tuple[str, ...] = ()):
    args = ["--kb", str(base), "add", *map(str, files), "--to", store, "--graph", graph, *extra]
    return cli(*args)


def _count(store: str, graph: str) -> int:
    return count_on_server(store, graph, store.replace("/store", "/query"))


def _has_statement(server: str, graph: str) -> bool:
    ask = f"ASK {{ GRAPH <{graph}> {{ <{STATEMENT}> a ?c }} }}"
    result = cli("query", "--sparql", ask, "--endpoint", server + "/query")
    return result.exit_code == 0


def test_add_to_the_server_lands_whole_and_once(pushed, server: str) -> None:
    base, store, graph = pushed
    before = _count(store, graph)
    result = _add(base, store, graph, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "Added 11 facts (13 triples): 1 new node" in result.output
    assert f"to graph <{graph}>" in result.output
    assert _count(store, graph) == before + 13
    assert _has_statement(server, graph)
    # data/ is not touched: the server holds this base
    assert STATEMENT not in (base / "data" / "statements.ttl").read_text(encoding="utf-8")
    again = _add(base, store, graph, EXAMPLE)
    assert again.exit_code == 0, again.output
    assert "Nothing to add" in again.output
    assert _count(store, graph) == before + 13  # the evidence was not added a second time


def test_the_server_gives_the_same_plan_as_the_local_files(pushed) -> None:
    base, store, graph = pushed
    local = add(KnowledgeBase.open(base), [EXAMPLE], dry_run=True)
    remote = _add(base, store, graph, EXAMPLE, extra=("--dry-run",))
    assert remote.exit_code == 0, remote.output
    assert f"Would add {local.plan.facts} facts ({local.plan.added_count} triples)" in remote.output
    assert "Dry run: nothing was written." in remote.output


def test_a_conflict_on_the_server_writes_nothing(pushed, tmp_path: Path) -> None:
    base, store, graph = pushed
    before = _count(store, graph)
    conflicting = tmp_path / "date.ttl"
    conflicting.write_text(
        HEAD + 'kb:stmt-lavrov-most-serious-consequences pos:date "2022-01-20"^^xsd:date .\n',
        encoding="utf-8",
    )
    result = _add(base, store, graph, conflicting)
    assert result.exit_code == 1, result.output
    assert "conflicts with" in result.output and "nothing was written" in result.output
    assert _count(store, graph) == before


@pytest.mark.parametrize("name", ["statement-no-speaker.ttl", "check-party-matches-role.ttl"])
def test_a_violation_on_the_server_writes_nothing(pushed, name: str) -> None:
    base, store, graph = pushed
    before = _count(store, graph)
    result = _add(base, store, graph, SHAPES / name)
    assert result.exit_code == 1, result.output
    assert "do not conform" in result.output
    assert _count(store, graph) == before


def test_an_unreachable_server_is_a_clear_error(base: Path) -> None:
    result = _add(base, f"http://127.0.0.1:{free_port()}/store", "https://example.org/g", EXAMPLE)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "127.0.0.1" in result.output


def test_server_options_need_to(base: Path) -> None:
    result = cli("--kb", str(base), "add", str(EXAMPLE), "--graph", "x")
    assert result.exit_code == 2
    assert "go with --to" in result.output
