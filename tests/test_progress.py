"""Progress of push and import: shown on a terminal, nothing in a pipe.

Both reuse the spinner of whole-base validation (``progress.Stages``), which
draws on standard error, and only when it is a terminal.  In a pipe (here: the test
runner's captured streams) no progress text may appear; with standard error
made to look like a terminal and the progress console writing to a buffer, the
steps appear.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.adding.csvimport import import_csv
from positions.remote.push import push
from support import REPO, cli, copy_bundled, oxigraph_server

CSV = REPO / "docs" / "examples" / "statements.csv"
PUSH_STEPS = ("writing the base", "uploading", "counting the triples", "anonymous writes")
IMPORT_STEPS = ("reading", "translating the rows")


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Graph Store URL of a fresh Oxigraph server on 127.0.0.1."""
    with oxigraph_server(tmp_path_factory.mktemp("ox")) as base:
        yield base + "/store"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return copy_bundled(tmp_path / "kb")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _as_terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Standard error looks like a terminal; rich draws into the returned buffer.

    Called in the test itself: pytest's capture puts its own streams back between
    a fixture and the test.
    """
    from rich.console import Console

    from positions import progress

    monkeypatch.setattr(sys, "stderr", _Terminal())
    drawn = io.StringIO()
    console = Console(file=drawn, force_terminal=True, width=200)
    monkeypatch.setattr(progress, "_console", lambda: console)
    return drawn


def _invoke(base: Path, *args: str):
    return cli("--kb", str(base), *args)


def test_push_in_a_pipe_shows_no_progress(base: Path, store_url: str) -> None:
    result = _invoke(base, "push", store_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Pushed ")
    for step in PUSH_STEPS:
        assert step not in result.output
    assert "\x1b" not in result.output  # no terminal control codes either


def test_push_shows_its_steps_on_a_terminal(base: Path, store_url: str, monkeypatch) -> None:
    terminal = _as_terminal(monkeypatch)
    report = push(KnowledgeBase.open(base, store="memory"), store_url)
    assert report.triples_on_server == report.triples_sent
    drawn = terminal.getvalue()
    # The first step is drawn when the spinner starts, the last when it stops.
    assert "writing the base as N-Triples" in drawn
    assert "checking whether the server takes anonymous writes" in drawn


def test_import_in_a_pipe_shows_no_progress(base: Path) -> None:
    result = _invoke(base, "import", str(CSV), "--dry-run")
    assert result.exit_code == 0, result.output
    for step in IMPORT_STEPS:
        assert step not in result.output
    assert "\x1b" not in result.output


def test_import_shows_the_rows_being_read_on_a_terminal(base: Path, monkeypatch) -> None:
    terminal = _as_terminal(monkeypatch)
    outcome = import_csv(KnowledgeBase.open(base, store="memory"), CSV, dry_run=True)
    assert outcome.plan.added_count > 0
    drawn = terminal.getvalue()
    assert "reading" in drawn and "statements.csv" in drawn
    assert "translating the rows of" in drawn


def test_progress_is_drawn_on_stderr_not_on_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report redirected to a file (stdout) while stderr is a terminal stays clean."""
    from positions.progress import ByteProgress, Stages

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    output = io.StringIO()
    monkeypatch.setattr(sys, "stdout", output)
    with Stages("validating") as stage:
        stage("running pyshacl")
    with ByteProgress(100, "loading the base", threshold=1) as done:
        done("data/x.ttl", 100)
    assert output.getvalue() == ""
