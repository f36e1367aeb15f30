"""The change log (data/changes.ttl): written by every add, import, amend and retract in the
same commit, never part of a query's answer, and all or nothing under ``kill -9``."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.base import datafiles
from positions.base.journal import TEMP_PREFIX
from positions.base.layout import JOURNAL_NAME
from support import REPO, TURTLE_PREFIXES, cli, start_positions

EXAMPLE = REPO / "docs" / "examples" / "new-statement.ttl"
CSV = REPO / "docs" / "examples" / "statements.csv"
SENT = (
    TURTLE_PREFIXES
    + "@prefix status: <https://w3id.org/positions/vocab/status/> .\n"
    + "kb:us-written-response pos:documentStatus status:sent .\n"
)
# Nodes the log names (prov:used), asked about by the queries that take a node.
ASKED = {
    "node-description": {"node": "kb:us-written-response"},
    "node-statements": {"node": "kb:us-written-response"},
    "source-disagreements": {"node": "kb:us-written-response"},
    "statement-graph": {"statement": "kb:stmt-kosachev-no-violation-of-agreements"},
}


def _text(term: object) -> str:
    return re.sub(r"_:\w+", "_:b", str(term))  # blank nodes are new at every load


def answers(base: Path) -> dict[str, object]:
    """Every saved query's answer on the base (defaults, and the logged nodes)."""
    kb = KnowledgeBase.open(base)
    out: dict[str, object] = {}
    for query in kb.queries():
        for label, params in (("default", {}), ("logged", ASKED.get(query.name))):
            if params is None:
                continue
            result = kb.query(query.name, params)
            if result.kind == "ask":
                out[f"{query.name} {label}"] = result.boolean
            elif result.kind == "select":
                rows = [tuple(sorted((k, _text(v)) for k, v in r.items())) for r in result.rows]
                out[f"{query.name} {label}"] = sorted(rows)
            else:
                out[f"{query.name} {label}"] = sorted(_text(t) for t in result.triples)
    return out


def test_the_log_is_in_no_answer_and_breaks_no_shape(base: Path, tmp_path: Path) -> None:
    (tmp_path / "sent.ttl").write_text(SENT)
    assert cli("--kb", str(base), "add", str(EXAMPLE)).exit_code == 0
    assert cli("--kb", str(base), "amend", str(tmp_path / "sent.ttl")).exit_code == 0
    retracted = cli("--kb", str(base), "retract", "kb:stmt-antonov-sanctions-rupture")
    assert retracted.exit_code == 0
    log = base / "data" / "changes.ttl"
    assert len(KnowledgeBase.open(base).log().rows) > 10
    with_log = answers(base)
    report = KnowledgeBase.open(base).validate()
    assert report.conforms
    assert [p for p in report.problems if p.file == "data/changes.ttl"] == []
    assert cli("--kb", str(base), "fmt", "--check").exit_code == 0  # canonical
    log.unlink()
    assert answers(base) == with_log


def test_add_and_import_are_logged(base: Path) -> None:
    imported = cli("--kb", str(base), "import", str(CSV), "--by", "ben")
    assert imported.exit_code == 0, imported.output
    again = cli("--kb", str(base), "add", str(EXAMPLE), "--by", "ana", "--reason", "again")
    assert "Nothing to add" in again.stdout  # and nothing to log
    new = EXAMPLE.read_text().replace("stmt-kosachev-no", "stmt-kosachev-again-no")
    (base.parent / "new.ttl").write_text(new)
    added = cli(
        "--kb",
        str(base),
        "add",
        str(base.parent / "new.ttl"),
        "--by",
        "ana",
        "--reason",
        "new source",
    )
    assert added.exit_code == 0, added.output
    assert "changes.ttl" not in added.stdout  # the files changed are the facts' files
    kb = KnowledgeBase.open(base)
    rows = kb.log().to_dicts()
    kinds = {(r["kind"], r["by"], r.get("reason")) for r in rows}
    assert kinds == {("add", "ana", "new source"), ("import", "ben", None)}
    one = kb.log("kb:stmt-kosachev-no-violation-of-agreements").to_dicts()
    assert {r["kind"] for r in one} == {"import"}
    assert {r["old"] for r in one} == {"(none)"}
    sources = kb.query(
        "SELECT ?s WHERE { ?c dcterms:type 'import' ; dcterms:source ?s }",
    )
    assert [r["s"].value for r in sources.rows] == ["statements.csv"]
    # A dry run logs nothing.
    before = (base / "data" / "changes.ttl").read_bytes()
    assert cli("--kb", str(base), "add", str(EXAMPLE), "-n").exit_code == 0
    assert (base / "data" / "changes.ttl").read_bytes() == before


def test_a_full_log_goes_on_in_parts(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datafiles, "PART_BYTES", 600)
    (tmp_path / "sent.ttl").write_text(SENT)
    assert cli("--kb", str(base), "add", str(EXAMPLE)).exit_code == 0
    assert cli("--kb", str(base), "amend", str(tmp_path / "sent.ttl")).exit_code == 0
    assert (base / "data" / "changes" / "00001.ttl").exists()
    kinds = [r["kind"] for r in KnowledgeBase.open(base).log().to_dicts()]
    assert kinds[0] == "add" and kinds[-1] == "amend"  # oldest first, across the parts


def test_the_log_of_nothing(base: Path) -> None:
    result = cli("--kb", str(base), "log", "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout == "when,kind,by,node,property,old,new,reason\n"


def test_concurrent_amend_and_retract_both_land(base: Path, tmp_path: Path) -> None:
    (tmp_path / "sent.ttl").write_text(SENT)
    runs = [
        start_positions(base, "amend", str(tmp_path / "sent.ttl")),
        start_positions(base, "retract", "kb:stmt-antonov-sanctions-rupture"),
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    kinds = sorted(r["kind"] for r in KnowledgeBase.open(base).log().to_dicts())
    assert "amend" in kinds and "retract" in kinds
    assert _state(base) == (True, True)
    kb = KnowledgeBase.open(base)
    assert not kb.query("ASK { kb:stmt-antonov-sanctions-rupture ?p ?o }").boolean


def _state(base: Path) -> tuple[bool, bool]:
    """Whether the amend landed, and whether the log records it."""
    kb = KnowledgeBase.open(base)
    sent = kb.query("ASK { kb:us-written-response pos:documentStatus status:sent }").boolean
    logged = any(r["kind"] == "amend" for r in kb.log().to_dicts())
    return bool(sent), logged


@pytest.mark.parametrize(
    ("step", "landed"),
    [("before-journal", False), ("after-journal", True), ("after-first-replace", True)],
)
def test_kill_9_during_amend_leaves_before_or_after(
    base: Path, tmp_path: Path, step: str, landed: bool
) -> None:
    (tmp_path / "sent.ttl").write_text(SENT)
    run = start_positions(base, "amend", str(tmp_path / "sent.ttl"), pause=step)
    assert run.stderr is not None
    line = run.stderr.readline()  # blocks until the run reaches the step
    assert line.strip() == f"positions: paused at {step}"
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    for path in (base / "data").glob("*.ttl"):
        ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)  # every file reads

    fmt = cli("--kb", str(base), "fmt")  # the next writer finishes or discards it
    assert fmt.exit_code == 0, fmt.output
    assert "Recovered: " in fmt.stdout
    assert not (base / "data" / JOURNAL_NAME).exists()
    assert not list((base / "data").glob(TEMP_PREFIX + "*"))
    assert _state(base) == (landed, landed)  # the change and its log entry, or neither
    assert cli("--kb", str(base), "validate", "-q").exit_code == 0
