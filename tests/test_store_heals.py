"""The disk store heals itself (issue 23): damage to ``.positions-cache`` (missing,
truncated or corrupted files, a file in place of a folder, a lock left by a killed
process) is reported in one line, the store is rebuilt from data/, and the command
answers as usual; data/ is never touched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base.layout import CACHE_ROOT, STORE_DATA, STORE_DIR, STORE_LOCK
from support import REPO, copy_bundled, start_add, tree_digest

# Every triple of every graph: the whole store is read.
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
NEW = """@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kb:test-party-healed a pos:State ; rdfs:label "Healed party"@en .
"""


def _tables(root: Path) -> list[Path]:
    return sorted((root / STORE_DATA).glob("*.sst"), key=lambda p: p.stat().st_size)


def _overwrite_tail(root: Path) -> None:
    """Bytes overwritten at the end of every table (its footer and index): found on open."""
    for table in _tables(root):
        data = bytearray(table.read_bytes())
        for i in range(max(0, len(data) - 120), len(data) - 8):
            data[i] ^= 0x5A
        table.write_bytes(bytes(data))


def _truncate(root: Path) -> None:
    table = _tables(root)[-1]
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])


def _empty_manifests(root: Path) -> None:
    for manifest in (root / STORE_DATA).glob("MANIFEST-*"):
        manifest.write_bytes(b"")


def _file_for(relative: Path) -> Callable[[Path], None]:
    def damage(root: Path) -> None:
        shutil.rmtree(root / relative)
        (root / relative).write_text("not a folder\n", encoding="utf-8")

    return damage


def _lock_as_folder(root: Path) -> None:
    (root / STORE_LOCK).unlink()
    (root / STORE_LOCK).mkdir()


DAMAGES: dict[str, Callable[[Path], None]] = {
    "CURRENT deleted": lambda root: (root / STORE_DATA / "CURRENT").unlink(),
    "tables overwritten": _overwrite_tail,
    "a table truncated": _truncate,
    "MANIFEST emptied": _empty_manifests,
    ".positions-cache is a file": _file_for(CACHE_ROOT),
    ".positions-cache/store is a file": _file_for(STORE_DIR),
    "store.lock is a folder": _lock_as_folder,
    "manifest.json of another shape": lambda root: (root / STORE_DIR / "manifest.json").write_text(
        "[]\n", encoding="utf-8"
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled base with its disk store built and in step."""
    root = copy_bundled(tmp_path_factory.mktemp("built") / "kb")
    kb = KnowledgeBase.open(root, store="disk")
    assert len(kb.store) > 0
    kb.close()
    return root


@pytest.fixture
def root(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``built`` (times kept, so that its store is in step), on the disk store."""
    monkeypatch.setenv("POSITIONS_STORE", "disk")  # for start_add
    copy = tmp_path / "kb"
    shutil.copytree(built, copy)
    return copy


def _count(root: Path, query: str = COUNT) -> tuple[str, list[str]]:
    """``positions query`` of every triple as a real process (in this one, a store left
    open by an earlier command would keep the readers' lock that a rebuild waits for)."""
    run = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(root), "query", "--sparql", query],
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), "POSITIONS_STORE": "disk"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout, run.stderr.splitlines()


def _quiet_count(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[object, str]:
    """The count read here (no process started), and what was said on stderr."""
    kb = KnowledgeBase.open(root, store="disk")
    try:
        rows = kb.query(COUNT).rows
    finally:
        kb.close()
    return rows, capsys.readouterr().err


def _one_damage_line(lines: list[str]) -> None:
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("positions: the store cache in .positions-cache/store was damaged (")
    assert line.endswith("); rebuilding it from data/")


@pytest.fixture(scope="module")
def expected(built: Path) -> str:
    return _count(built)[0]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_store_is_reported_rebuilt_and_answers(
    root: Path, expected: str, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy = _quiet_count(root, capsys)
    assert healthy[1] == ""
    data = tree_digest(root / "data")
    DAMAGES[damage](root)
    answer, lines = _count(root)
    assert answer == expected
    _one_damage_line(lines)
    assert _quiet_count(root, capsys) == healthy  # healed: nothing more is said
    assert tree_digest(root / "data") == data


@pytest.mark.parametrize("damage", ["CURRENT deleted", ".positions-cache is a file"])
def test_add_on_a_damaged_store_rebuilds_it_and_adds(
    root: Path, tmp_path: Path, damage: str
) -> None:
    """`positions add` as a real process (it opens the store read-write too)."""
    DAMAGES[damage](root)
    new = tmp_path / "new.ttl"
    new.write_text(NEW, encoding="utf-8")
    run = start_add(root, new)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert "Added 2 facts" in out
    _one_damage_line([line for line in err.splitlines() if line.strip()])
    kb = KnowledgeBase.open(root, store="disk")
    assert kb.query("ASK { kb:test-party-healed a pos:State }").boolean is True
    kb.close()


HOLDER = """
import sys, time
import pyoxigraph as ox
from filelock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire()
store = ox.Store(sys.argv[2])
store.add(ox.Quad(ox.NamedNode("http://example.org/half"), ox.NamedNode("http://example.org/p"),
                  ox.NamedNode("http://example.org/written")))
print("holding", flush=True)
time.sleep(120)
"""


def test_locks_left_by_a_killed_writer_do_not_block(root: Path, expected: str) -> None:
    """A writer killed holding the store's exclusive lock and RocksDB's own LOCK, the
    store open read-write: the lock files stay behind; the next command runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), str(root / STORE_LOCK)]
        + [str(root / STORE_DATA)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert (root / STORE_LOCK).exists() and (root / STORE_DATA / "LOCK").exists()
    answer, lines = _count(root)
    assert answer == expected
    assert lines == []  # nothing was damaged


def _corrupt_blocks(root: Path) -> None:
    """Bytes overwritten inside the data blocks of the larger tables: RocksDB opens the
    store as usual and finds the damage only when a query reads those blocks."""
    for table in _tables(root):
        data = bytearray(table.read_bytes())
        if len(data) > 20_000:
            for i in range(1000, 1400):
                data[i] ^= 0x55
            table.write_bytes(bytes(data))


def _every_quad(kb: KnowledgeBase) -> int:
    return sum(1 for _ in kb.store.quads_for_pattern(None, None, None, None))


def test_damage_found_while_reading_is_healed_at_the_next_reading(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server's way of reading (LocalBase.reading): the request that meets a damaged
    block fails; the next one finds the store rebuilt."""
    kb = KnowledgeBase.open(root, store="disk")
    with kb.reading():
        expected = _every_quad(kb)
    _corrupt_blocks(root)
    kb.close()  # opened afresh: the damaged blocks are not in any cache
    with pytest.raises(RuntimeError, match="Corruption"), kb.reading():
        _every_quad(kb)
    assert capsys.readouterr().err == ""
    with kb.reading():
        assert _every_quad(kb) == expected
    _one_damage_line(capsys.readouterr().err.splitlines())
    kb.close()


def test_damage_found_while_a_command_reads_is_healed_in_that_command(root: Path) -> None:
    """RocksDB opens the store and fails only when the query reads a damaged block:
    the command rebuilds the store, reads again and answers, saying so in one line."""
    every = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"  # reads the damaged blocks
    whole, lines = _count(root, every)
    assert lines == []
    _corrupt_blocks(root)
    before = tree_digest(root / "data")
    out, lines = _count(root, every)
    assert _unlabelled(out) == _unlabelled(whole)  # a rebuilt store names blank nodes anew
    _one_damage_line(lines)
    assert tree_digest(root / "data") == before
    again, lines = _count(root, every)
    assert (again, lines) == (out, [])  # healed for good


def _unlabelled(csv_text: str) -> list[str]:
    """The rows of an answer, sorted, with every blank node label replaced by one."""
    import re

    return sorted(re.sub(r"_:[0-9A-Za-z]+", "_:b", csv_text).splitlines())
