"""``positions serve`` and writers coexist (issue 23): on a base whose store is on disk,
the server holds no lock between requests, ``positions add`` runs while it serves, and
every answer is the base as committed before or after each add, never a mix; a committed
add is seen by the next request, and by a command-line query."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.web.server import Site, make_server
from support import KB, REPO, copy_bundled, start_add

ADDS = 3
PARTIES = f"""PREFIX pos: <https://w3id.org/positions/vocab#>
SELECT ?party WHERE {{ ?party a pos:State FILTER(STRSTARTS(STR(?party), "{KB}writer-party-")) }}
"""


def _party_file(folder: Path, index: int) -> Path:
    path = folder / f"party-{index}.ttl"
    path.write_text(
        "@prefix kb: <https://w3id.org/positions/id/> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'kb:writer-party-{index} a pos:State ; rdfs:label "Writer party {index}"@en .\n',
        encoding="utf-8",
    )
    return path


def _parties(url: str) -> frozenset[str]:
    request = urllib.request.Request(
        f"{url}/sparql?{urllib.parse.urlencode({'query': PARTIES})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        rows = json.load(response)["results"]["bindings"]
    return frozenset(row["party"]["value"].rsplit("-", 1)[1] for row in rows)


def test_adds_while_serving_are_seen_and_never_wait_on_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSITIONS_STORE", "disk")  # for the adds, run as processes
    root = copy_bundled(tmp_path / "kb")
    kb = KnowledgeBase.open(root, store="disk")
    server = make_server(Site(kb), "127.0.0.1", 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    answers: list[tuple[float, frozenset[str]]] = []  # (when asked, what was answered)
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            asked = time.monotonic()
            answers.append((asked, _parties(url)))

    askers = [threading.Thread(target=ask, daemon=True) for _ in range(2)]
    try:
        assert _parties(url) == frozenset()
        for asker in askers:
            asker.start()
        runs = {str(i): start_add(root, _party_file(tmp_path, i)) for i in range(ADDS)}
        done: dict[str, float] = {}  # when each add was seen to have ended
        deadline = time.monotonic() + 120  # before: the first add waited 600 s for the lock
        while len(done) < ADDS and time.monotonic() < deadline:
            for index, run in runs.items():
                if index not in done and run.poll() is not None:
                    done[index] = time.monotonic()
            time.sleep(0.02)
        for run in runs.values():
            if run.poll() is None:
                run.kill()
            out, err = run.communicate()
            assert run.returncode == 0, err
            assert "Added 2 facts" in out and "try again" not in err
        stop.set()
        for asker in askers:
            asker.join(timeout=60)
        final = _parties(url)
        # A command-line query meanwhile (before: it waited for the server's lock).
        query = subprocess.run(
            [sys.executable, "-m", "positions", "--kb", str(root), "query", "--sparql", PARTIES],
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        kb.close()
    everything = frozenset(runs)
    assert final == everything  # the next request sees every committed add
    assert query.returncode == 0, query.stderr
    assert sorted(query.stdout.split()[1:]) == sorted(f"{KB}writer-party-{i}" for i in runs)
    assert len(answers) >= ADDS
    answered = {frozenset(answer) for _, answer in answers}
    for answer in answered:  # each the base as committed at some point: a chain of states
        assert answer <= everything
        assert all(answer <= other or other <= answer for other in answered)
    for asked, answer in answers:  # an add that had ended is seen by every later request
        assert {index for index, ended in done.items() if ended < asked} <= answer
    text = (root / "data" / "parties.ttl").read_text(encoding="utf-8")
    assert all(f"kb:writer-party-{i} " in text for i in runs)


def _local_parties(kb: KnowledgeBase) -> frozenset[str]:
    rows = kb.store.query(PARTIES, use_default_graph_as_union=True)
    return frozenset(row["party"].value.rsplit("-", 1)[1] for row in rows)


def test_a_reading_begun_after_an_add_sees_it_though_others_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that begins while an earlier one still reads the store, after an add
    has ended (the add left the store alone, as a reader held it), waits for the earlier
    one and sees the add: joining it would answer from the store before the add."""
    monkeypatch.setenv("POSITIONS_STORE", "disk")
    root = copy_bundled(tmp_path / "kb")
    kb = KnowledgeBase.open(root, store="disk")
    first_in, first_out = threading.Event(), threading.Event()
    seen: dict[str, frozenset[str]] = {}

    def first() -> None:
        with kb.reading():
            seen["first"] = _local_parties(kb)
            first_in.set()
            first_out.wait(60)

    def second() -> None:
        with kb.reading():
            seen["second"] = _local_parties(kb)

    try:
        reader = threading.Thread(target=first)
        reader.start()
        assert first_in.wait(60)
        add = start_add(root, _party_file(tmp_path, 0))
        assert add.wait(60) == 0, add.communicate()
        later = threading.Thread(target=second)
        later.start()
        later.join(1.0)
        assert later.is_alive()  # waits for the first reading, which began before the add
        first_out.set()
        reader.join(60)
        later.join(60)
    finally:
        first_out.set()
        kb.close()
    assert seen == {"first": frozenset(), "second": frozenset({"0"})}
