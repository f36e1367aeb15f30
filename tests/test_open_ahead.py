"""Opening the on-disk store ahead of need (positions.cli.startup, positions.base.opening):
begun only where it will be used, taken over by the store, never read before the
files are checked, and never holding the readers' lock where a writer waits for it."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base import opening
from positions.base.layout import JOURNAL_NAME, STORE_DATA, STORE_LOCK
from positions.cli import argv, startup

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def base(tmp_path: Path) -> Iterator[Path]:
    """A copy of the bundled base whose disk store is built and in step."""
    root = tmp_path / "kb"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    kb = KnowledgeBase.open(root, store="disk")
    assert len(kb.store) > 0
    kb.close()
    yield root.resolve()
    opening.discard(root.resolve() / STORE_DATA)  # whatever a failed test left begun


def _begun(root: Path) -> bool:
    taken = opening.take(root / STORE_DATA)
    if taken is None:
        return False
    opening._begun[str(root / STORE_DATA)] = taken  # put back, for the test to go on
    return True


def _lock_is_free(root: Path) -> bool:
    """No descriptor holds the readers' lock: an exclusive lock can be taken now."""
    fd = os.open(root / STORE_LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.mark.parametrize(
    ("args", "kb"),
    [
        ([], None),
        (["query", "documents"], None),
        (["--kb", "a/b", "query", "--kb", "c"], "a/b"),  # the second is the command's word
        (["--kb=a", "--debug", "--kb", "b", "query"], "b"),
        (["--max-nesting", "3", "--kb=x y", "export"], "x y"),
        (["--kb"], None),
    ],
)
def test_the_base_is_the_last_kb_among_the_global_options(args: list[str], kb: str) -> None:
    assert argv.kb_option(args) == kb


def test_a_query_on_a_disk_base_begins_the_open(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSITIONS_STORE", raising=False)
    startup.open_store_ahead(["--kb", str(base), "query", "documents"])
    assert _begun(base)
    assert not _lock_is_free(base)  # taken before the open began
    opening.discard(base / STORE_DATA)
    assert not _begun(base) and _lock_is_free(base)


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["add", "new.ttl"],
        ["--help", "query"],
        ["query", "documents", "--endpoint", "http://127.0.0.1:1/query"],
        ["query", "documents", "--endpoint=http://127.0.0.1:1/query"],
    ],
)
def test_other_commands_begin_nothing(
    base: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSITIONS_STORE", raising=False)
    startup.open_store_ahead(["--kb", str(base), *args])
    assert not _begun(base)
    assert _lock_is_free(base)


def test_nothing_is_begun_for_a_memory_store_a_missing_store_or_an_interrupted_add(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--kb", str(base), "query", "documents"]
    monkeypatch.setenv("POSITIONS_STORE", "memory")
    startup.open_store_ahead(args)
    assert not _begun(base)
    monkeypatch.delenv("POSITIONS_STORE")
    journal = base / "data" / JOURNAL_NAME
    journal.write_text('{"replace": []}', encoding="utf-8")
    startup.open_store_ahead(args)
    assert not _begun(base)
    journal.unlink()
    shutil.rmtree(base / STORE_DATA)
    startup.open_store_ahead(args)
    assert not _begun(base)
    for wrong in (tmp_path / "nosuch", tmp_path):  # left for the command to report
        startup.open_store_ahead(["--kb", str(wrong), "query", "documents"])


def test_nothing_is_begun_while_a_writer_holds_the_lock(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command waits for the writer where it always has, its arguments checked
    first: the guess made before typer never waits."""
    monkeypatch.delenv("POSITIONS_STORE", raising=False)
    writer = os.open(base / STORE_LOCK, os.O_RDWR)
    try:
        fcntl.flock(writer, fcntl.LOCK_EX)
        startup.open_store_ahead(["--kb", str(base), "query", "documents"])
        assert not _begun(base)
    finally:
        os.close(writer)
    startup.open_store_ahead(["--kb", str(base), "query", "documents"])
    assert _begun(base)


def test_the_store_takes_the_open_over(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSITIONS_STORE", raising=False)
    startup.open_store_ahead(["--kb", str(base), "query", "documents"])
    kb = KnowledgeBase.open(base, store="disk")
    assert kb.query("ASK { kb:finland a pos:State }").boolean
    assert not _begun(base)  # taken over, not opened a second time
    assert kb.disk_store.reloaded == []
    kb.close()
    assert _lock_is_free(base)


def test_a_file_changed_after_the_open_began_is_reloaded_first(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import positions.base.store

    # Were the store opened ahead still held, the reload would wait for its lock.
    monkeypatch.setattr(positions.base.store, "LOCK_TIMEOUT", 5.0)
    startup.open_store_ahead(["--kb", str(base), "query", "documents"])
    edited = base / "data" / "parties.ttl"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace('"Finland"@en', '"Suomi"@fi'), encoding="utf-8")
    kb = KnowledgeBase.open(base, store="disk")
    rows = kb.query("SELECT ?l WHERE { kb:finland rdfs:label ?l }").to_dicts()
    assert rows == [{"l": "Suomi"}]
    assert kb.disk_store.reloaded == ["data/parties.ttl"]
    kb.close()


def test_a_failed_open_in_the_thread_is_done_again_in_the_caller(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: str) -> None:
        raise OSError(f"{path}: refused by the test")

    monkeypatch.setattr(
        opening, "ox", types.SimpleNamespace(Store=types.SimpleNamespace(read_only=refuse))
    )
    startup.open_store_ahead(["--kb", str(base), "query", "documents"])
    assert _begun(base)
    kb = KnowledgeBase.open(base, store="disk")
    assert kb.query("ASK { kb:finland a pos:State }").boolean
    kb.close()


def test_an_interrupted_add_is_finished_without_the_readers_lock_held(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer holding the writers' lock may be waiting for the readers' lock: a
    reader that waits for the writers' lock must not hold it (else both wait)."""
    import positions.base.journal

    kb = KnowledgeBase.open(base, store="disk")
    startup.open_store_ahead(["--kb", str(base), "query", "documents"])  # a begun open
    kb.prefetch_store()  # and the knowledge base's own (it takes the begun one over)
    (base / "data" / JOURNAL_NAME).write_text('{"replace": []}', encoding="utf-8")
    seen = []
    original = positions.base.journal.recover

    def recover(data_dir: Path) -> list[str]:
        seen.append(_lock_is_free(base))
        return original(data_dir)

    monkeypatch.setattr(positions.base.journal, "recover", recover)
    assert kb.query("ASK { kb:finland a pos:State }").boolean
    assert seen == [True]
    assert not (base / "data" / JOURNAL_NAME).exists()
    kb.close()


def test_the_command_line_answers_the_same_with_the_store_opened_ahead(base: Path) -> None:
    def run(entry: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; from {entry} import main; main()",
                "--kb",
                str(base),
                "query",
                "documents",
                "-f",
                "csv",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            env={**os.environ, "POSITIONS_STORE": "disk"},
        )

    ahead, not_ahead = run("positions.cli.startup"), run("positions.cli.app")
    assert ahead.returncode == 0, ahead.stderr
    assert ahead.stdout == not_ahead.stdout
    assert ahead.stdout.count("\n") > 3
