"""Messages (issue 18, point 9): one problem per mistake, with the likely fix.

A stance typo in Turtle suggests the nearest stances and is not also reported as a
stance with no CAMEO code; a statement with no evidence is not also told it rests on
opinion sources alone; a suggestion never proposes a node of another kind."""

from __future__ import annotations

from pathlib import Path

from support import TURTLE_PREFIXES, cli, tree_digest

STATEMENT = """
kb:stmt-test-{name} a pos:Statement ;
    rdfs:label "Test: {name}"@en ;
    pos:speaker kb:wendy-sherman ;
    pos:inRole kb:sherman-deputy-secretary-of-state ;
    pos:notAfter "2022-01-18"^^xsd:date ;
    pos:onBehalfOf kb:united-states ;
    pos:stance {stance} ;
    pos:target kb:demand-no-nato-enlargement {evidence}.
"""
EVIDENCE = (
    ";\n    pos:evidence [ pos:source kb:source-{source} ; "
    'pos:paraphrase "seeking several guarantees" ] '
)


def statement(name: str, stance: str = "stance:rejects", source: str | None = "002") -> str:
    evidence = EVIDENCE.format(source=source) if source else ""
    return STATEMENT.format(name=name, stance=stance, evidence=evidence)


def validate(base: Path, folder: Path, body: str) -> str:
    path = folder / "new.ttl"
    path.write_text(TURTLE_PREFIXES + body, encoding="utf-8")
    return cli("--kb", str(base), "validate", str(path)).output


def test_a_stance_typo_suggests_the_nearest_stance_and_nothing_about_cameo(
    base: Path, tmp_path: Path
) -> None:
    out = validate(base, tmp_path, statement("typo", stance="stance:rejcts"))
    assert "stance:rejcts is not in pos:StanceScheme; did you mean stance:rejects?" in out
    assert "CAMEO" not in out
    assert "1 violation, 0 warnings" in out


def test_no_evidence_is_not_also_opinion_alone(base: Path, tmp_path: Path) -> None:
    out = validate(base, tmp_path, statement("bare", source=None))
    assert "Every fact needs at least one pos:evidence" in out
    assert "opinion sources alone" not in out
    # The warning stays where it is true: evidence from an opinion piece only (source 004).
    out = validate(base, tmp_path, statement("opinion", source="004"))
    assert "This statement rests on opinion sources alone" in out


def test_csv_suggests_no_node_of_another_kind(base: Path, tmp_path: Path) -> None:
    header = "id,label,speaker,party,stance,target,source,quote\n"
    row = "kb:stmt-x,Test,{speaker},kb:united-states,stance:rejects,{target},kb:source-002,x\n"
    folder = tmp_path / "csv"
    folder.mkdir()
    path = folder / "statements.csv"
    before = tree_digest(base / "data")
    cases = [
        ("kb:stmt-sherman", "kb:demand-no-nato-enlargement", "unknown node kb:stmt-sherman", None),
        ("kb:sherman", "kb:demand-no-nato-enlargement", "", "kb:wendy-sherman (Wendy Sherman)?"),
        (
            "kb:wendy-sherman",
            "kb:demand-no-nato-enlargment",
            "column 'target'",
            "kb:demand-no-nato-enlargement (No further NATO expansion)?",
        ),
    ]
    for speaker, target, fragment, suggestion in cases:
        path.write_text(header + row.format(speaker=speaker, target=target), encoding="utf-8")
        result = cli("--kb", str(base), "import", str(path))
        assert result.exit_code == 2, result.output
        assert fragment in result.stderr
        if suggestion is None:  # before: "did you mean kb:stmt-x?", a statement for a speaker
            assert "did you mean" not in result.stderr, result.stderr
        else:
            assert f"did you mean {suggestion}" in result.stderr
    assert tree_digest(base / "data") == before
