"""Concurrent ``positions add`` runs, and ``kill -9`` at each step of the commit.

Each run is a real process (``python -m positions``); a kill is placed exactly
with the test hook POSITIONS_TEST_PAUSE_AT (positions.base.journal), which makes the run
print ``positions: paused at <step>`` and sleep there.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.base.journal import TEMP_PREFIX
from positions.base.layout import JOURNAL_NAME
from support import TURTLE_PREFIXES, cli, start_add


def statement_and_source(name: str) -> str:
    """A new statement (statements.ttl) and its new source (sources.ttl): two files change."""
    return (
        TURTLE_PREFIXES
        + f"""
kb:stmt-{name} a pos:Statement ;
    rdfs:label "Test statement {name}"@en ;
    pos:speaker kb:vladimir-putin ;
    pos:inRole kb:putin-president ;
    pos:onBehalfOf kb:russia ;
    pos:notAfter "2022-01-16"^^xsd:date ;
    pos:stance stance:insists ;
    pos:target kb:demand-legal-guarantees ;
    pos:evidence [ pos:source kb:source-{name} ; pos:quote "words of {name}" ] .

kb:source-{name} a pos:Source ;
    rdfs:label "Test source {name}"@en ;
    pos:genre genre:news-report ;
    pos:publishedOn "2022-01-16"^^xsd:date .
"""
    )


def holds(base: Path, name: str) -> tuple[bool, bool]:
    """Whether the base holds the statement and the source of ``name``."""
    kb = KnowledgeBase.open(base)
    stmt = kb.query(f"ASK {{ kb:stmt-{name} pos:evidence/pos:source kb:source-{name} }}")
    source = kb.query(f"ASK {{ kb:source-{name} a pos:Source }}")
    return bool(stmt.boolean), bool(source.boolean)


def assert_every_file_parses(base: Path) -> None:
    for path in (base / "data").glob("*.ttl"):
        ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)  # raises on a broken file


def validate_exit(base: Path) -> int:
    return cli("--kb", str(base), "validate", "-q").exit_code


def test_two_concurrent_adds_both_land(base: Path, tmp_path: Path) -> None:
    a = tmp_path / "a.ttl"
    b = tmp_path / "b.ttl"
    a.write_text(statement_and_source("alpha"))
    b.write_text(statement_and_source("beta"))
    runs = [start_add(base, a), start_add(base, b)]
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        assert "Added 13 facts" in out
    assert holds(base, "alpha") == (True, True)
    assert holds(base, "beta") == (True, True)
    assert_every_file_parses(base)


@pytest.mark.parametrize(
    ("step", "landed"),
    [("before-journal", False), ("after-journal", True), ("after-first-replace", True)],
)
def test_kill_9_during_add_leaves_before_or_after(
    base: Path, tmp_path: Path, step: str, landed: bool
) -> None:
    new = tmp_path / "new.ttl"
    new.write_text(statement_and_source("killed"))
    run = start_add(base, new, pause=step)
    assert run.stderr is not None
    line = run.stderr.readline()  # blocks until the run reaches the step
    assert line.strip() == f"positions: paused at {step}"
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    assert_every_file_parses(base)

    # The next writing run (here fmt) finishes or discards the interrupted transaction.
    fmt = cli("--kb", str(base), "fmt")
    assert fmt.exit_code == 0, fmt.output
    assert "Recovered: " in fmt.stdout
    leftovers = [p.name for p in (base / "data").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert not (base / "data" / JOURNAL_NAME).exists()
    assert not list((base / "data").glob(TEMP_PREFIX + "*"))
    assert_every_file_parses(base)
    assert holds(base, "killed") == (landed, landed)  # all of it or none of it
    assert validate_exit(base) == 0
