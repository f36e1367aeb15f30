"""``positions amend`` and ``positions retract``: changing and removing facts through the gate.

The demo of issue 18: the promised US written response is amended to sent, a statement is
retracted, and ``positions log`` shows both with their old and new values; refused changes
leave data/ byte for byte as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.adding import edit as edit_module
from support import KB, TURTLE_PREFIXES, cli, tree_digest

STATUS = "@prefix status: <https://w3id.org/positions/vocab/status/> .\n"
SENT = TURTLE_PREFIXES + STATUS + "kb:us-written-response pos:documentStatus status:sent .\n"
RETRACTED = "stmt-antonov-sanctions-rupture"


def ask(base: Path, query: str) -> bool:
    return bool(KnowledgeBase.open(base).query(f"ASK {{ {query} }}").boolean)


def write(tmp_path: Path, text: str, name: str = "change.ttl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_amend_retract_and_the_log(base: Path, tmp_path: Path) -> None:
    sent = write(tmp_path, SENT, "sent.ttl")
    result = cli(
        "--kb", str(base), "amend", str(sent), "--by", "analyst", "--reason", "delivered 26 Jan"
    )
    assert result.exit_code == 0, result.output
    assert "kb:us-written-response pos:documentStatus: status:promised -> status:sent" in (
        result.stdout
    )
    assert "Files changed: data/demands.ttl" in result.stdout
    assert ask(base, "kb:us-written-response pos:documentStatus status:sent")
    assert not ask(base, "kb:us-written-response pos:documentStatus status:promised")
    # Its other facts stay: three pieces of evidence, its label.
    kb = KnowledgeBase.open(base)
    evidence = kb.query("SELECT ?e WHERE { kb:us-written-response pos:evidence ?e }")
    assert len(evidence.rows) == 3

    result = cli("--kb", str(base), "retract", f"kb:{RETRACTED}", "--reason", "test")
    assert result.exit_code == 0, result.output
    assert f"kb:{RETRACTED}: retracted (15 triples)" in result.stdout
    assert not ask(base, f"kb:{RETRACTED} ?p ?o")

    log = cli("--kb", str(base), "log", "-f", "json")
    assert log.exit_code == 0, log.output
    rows = json.loads(log.stdout)["results"]["bindings"]
    status = [r for r in rows if r["property"]["value"].endswith("#documentStatus")]
    assert [(r["kind"]["value"], r["old"]["value"], r["new"]["value"]) for r in status] == [
        ("amend", "status:promised", "status:sent")
    ]
    assert status[0]["by"]["value"] == "analyst"
    assert status[0]["reason"]["value"] == "delivered 26 Jan"
    gone = [r for r in rows if r["node"]["value"] == KB + RETRACTED]
    assert {r["kind"]["value"] for r in gone} == {"retract"}
    quotes = [r["old"]["value"] for r in gone if r["property"]["value"].endswith("#evidence")]
    assert "rupture of diplomatic relations" in quotes[0]  # the retracted evidence is kept
    assert all(r["new"]["value"] == "(none)" for r in gone)

    one = cli("--kb", str(base), "log", "kb:us-written-response", "-f", "csv")
    assert one.exit_code == 0, one.output
    lines = one.stdout.splitlines()
    assert lines[0] == "when,kind,by,node,property,old,new,reason"
    assert len(lines) == 2 and "status:promised,status:sent,delivered 26 Jan" in lines[1]
    assert cli("--kb", str(base), "validate", "-q").exit_code == 0


def test_unknown_node_is_refused_and_data_unchanged(base: Path, tmp_path: Path) -> None:
    typo = write(tmp_path, SENT.replace("us-written-response", "us-writen-response"))
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "amend", str(typo))
    assert result.exit_code == 1
    assert f"{typo.name}:" not in result.stderr or "change.ttl:" in result.stderr
    assert "change.ttl:9: kb:us-writen-response is not in the base" in result.stderr
    assert tree_digest(base / "data") == before


def test_a_violating_amend_is_refused_and_data_unchanged(base: Path, tmp_path: Path) -> None:
    wrong = write(tmp_path, SENT.replace("status:sent", "stance:rejects"))
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "amend", str(wrong))
    assert result.exit_code == 1
    assert "would not conform" in result.stderr
    assert "kb:us-written-response" in result.stderr
    assert tree_digest(base / "data") == before


def line_of(path: Path, start: str) -> int:
    """The line of ``path`` that begins with ``start`` (where a node's description begins)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.startswith(start))


def test_a_change_that_breaks_another_node_is_caught(base: Path, tmp_path: Path) -> None:
    # Source 003 moved before the statements it reports: the statements, not the source,
    # now fail (the whole base as it would be is validated).
    early = 'kb:source-003 pos:publishedOn "2021-01-01"^^xsd:date .\n'
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "amend", str(write(tmp_path, TURTLE_PREFIXES + early)))
    assert result.exit_code == 1, result.output
    line = line_of(base / "data/statements.ttl", "kb:stmt-lavrov-most-serious-consequences a ")
    assert f"{line}: Violation  kb:stmt-lavrov-most-serious-consequences" in result.stderr
    # one violation per statement of source 003 dated after 2021-01-01
    assert "5 violations, 0 warnings in 1 file" in result.stderr
    assert tree_digest(base / "data") == before


def test_ontology_terms_are_refused(base: Path, tmp_path: Path) -> None:
    before = tree_digest(base / "data")
    label = write(tmp_path, TURTLE_PREFIXES + 'stance:rejects rdfs:label "refuses"@en .\n')
    result = cli("--kb", str(base), "amend", str(label))
    assert result.exit_code == 1
    assert "stance:rejects is a term of the ontology" in result.stderr
    result = cli("--kb", str(base), "retract", "pos:Statement")
    assert result.exit_code == 1
    assert "pos:Statement: a term of the ontology" in result.stderr
    assert tree_digest(base / "data") == before


def test_dry_runs_write_nothing(base: Path, tmp_path: Path) -> None:
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "amend", str(write(tmp_path, SENT)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would amend 1 node:" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    result = cli("--kb", str(base), "retract", "kb:antonov-ambassador", "--cascade", "-n")
    assert result.exit_code == 0, result.output
    assert "kb:antonov-ambassador: retracted" in result.stdout
    assert f"kb:{RETRACTED}: retracted" in result.stdout
    # A cascade that would leave delegations without their meeting is refused.
    result = cli("--kb", str(base), "retract", "kb:source-003", "--cascade", "-n")
    assert result.exit_code == 1
    assert "A delegation belongs to exactly one meeting" in result.stderr
    assert tree_digest(base / "data") == before


def test_retract_refuses_while_others_point_at_it(base: Path) -> None:
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "retract", "kb:source-003")
    assert result.exit_code == 1
    assert "other facts still point at what would be retracted (33 facts)" in result.stderr
    line = line_of(base / "data/statements.ttl", "kb:stmt-lavrov-most-serious-consequences a ")
    assert (
        f"data/statements.ttl:{line}: kb:stmt-lavrov-most-serious-consequences "
        "pos:evidence/pos:source kb:source-003" in result.stderr
    )
    assert "--cascade" in result.stderr
    assert tree_digest(base / "data") == before
    result = cli("--kb", str(base), "retract", "kb:no-such-node")
    assert result.exit_code == 1
    assert "kb:no-such-node: not in the base" in result.stderr
    assert cli("--kb", str(base), "retract", "not an iri").exit_code == 2


def test_retract_cascade_removes_the_facts_pointing_at_it(base: Path) -> None:
    # kb:antonov-ambassador (a role) is pointed at by Antonov's statements only.
    refused = cli("--kb", str(base), "retract", "kb:antonov-ambassador")
    assert refused.exit_code == 1
    result = cli("--kb", str(base), "retract", "kb:antonov-ambassador", "--cascade")
    assert result.exit_code == 0, result.output
    assert not ask(base, "kb:antonov-ambassador ?p ?o")
    assert not ask(base, "?s pos:inRole kb:antonov-ambassador")
    assert not ask(base, f"kb:{RETRACTED} ?p ?o")
    assert ask(base, "kb:antonov ?p ?o")  # what it pointed at stays
    assert cli("--kb", str(base), "validate", "-q").exit_code == 0


def test_amend_replaces_evidence_and_keeps_the_old_in_the_log(base: Path, tmp_path: Path) -> None:
    new = write(
        tmp_path,
        TURTLE_PREFIXES
        + f"kb:{RETRACTED} pos:evidence [ pos:source kb:source-000 ; pos:paraphrase "
        '"if they are adopted, it will mean the rupture of diplomatic relations between our '
        'countries" ] .\n',
    )
    result = cli("--kb", str(base), "amend", str(new))
    assert result.exit_code == 0, result.output
    kb = KnowledgeBase.open(base)
    said = kb.query(f"SELECT ?p WHERE {{ kb:{RETRACTED} pos:evidence/pos:paraphrase ?p }}")
    assert [r["p"].value[:20] for r in said.rows] == ["if they are adopted,"]
    rows = kb.log(f"kb:{RETRACTED}").to_dicts()
    assert "As the Russian Ambassador" in rows[0]["old"]
    assert "As the Russian Ambassador" not in rows[0]["new"]


def test_nothing_to_change(base: Path, tmp_path: Path) -> None:
    same = write(tmp_path, SENT.replace("status:sent", "status:promised"))
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "amend", str(same))
    assert result.exit_code == 0, result.output
    assert "Nothing to change" in result.stdout
    assert tree_digest(base / "data") == before


def test_the_python_api(base: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase.open(base)
    outcome = kb.amend(write(tmp_path, SENT), by="notebook", reason="sent")
    assert outcome.written
    outcome = kb.retract([f"kb:{RETRACTED}"], by="notebook")
    assert outcome.written
    rows = KnowledgeBase.open(base).log().to_dicts()
    assert {(r["kind"], r["by"]) for r in rows} == {("amend", "notebook"), ("retract", "notebook")}


def test_a_large_base_validates_what_the_change_reaches(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from positions.checking import validate

    monkeypatch.setattr(validate, "INCREMENTAL_FROM_BYTES", 0)
    whole = []
    monkeypatch.setattr(edit_module, "_validate_whole", lambda *a: whole.append(a))
    before = tree_digest(base / "data")
    wrong = write(tmp_path, SENT.replace("status:sent", "stance:rejects"))
    result = cli("--kb", str(base), "amend", str(wrong))
    assert result.exit_code == 1, result.output
    line = line_of(base / "data/demands.ttl", "kb:us-written-response a ")
    assert f"data/demands.ttl\n  {line}: Violation  kb:us-written-response" in result.stderr
    assert "positions-edit" not in result.stderr  # not the temporary file validated
    assert tree_digest(base / "data") == before
    assert cli("--kb", str(base), "amend", str(write(tmp_path, SENT))).exit_code == 0
    assert cli("--kb", str(base), "retract", f"kb:{RETRACTED}").exit_code == 0
    assert whole == []  # never the whole base
    assert ask(base, "kb:us-written-response pos:documentStatus status:sent")


def test_a_shared_blank_node_stays_with_the_node_that_keeps_it(base: Path) -> None:
    (base / "data" / "other.ttl").write_text(
        TURTLE_PREFIXES
        + 'kb:note-a rdfs:label "note a"@en ; rdfs:seeAlso _:shared .\n'
        + 'kb:note-b rdfs:label "note b"@en ; rdfs:seeAlso _:shared .\n'
        + '_:shared rdfs:label "shared"@en .\n'
    )
    result = cli("--kb", str(base), "retract", "kb:note-a")
    assert result.exit_code == 0, result.output
    assert not ask(base, "kb:note-a ?p ?o")
    assert ask(base, 'kb:note-b rdfs:seeAlso/rdfs:label "shared"@en')
